// `|{x | φ(x)}| > 0` under a universal gives a member, as `∃x. φ(x)` does
// (`nonempty.rs`): no two heard-of sets are disjoint.
expect unsat;
fun HO: P -> Set<P>;
const p, q: P;
assert forall a: P. forall b: P. |{s: P | s in HO(a) && s in HO(b)}| > 0;
assert forall s: P. !(s in HO(p)) || !(s in HO(q));
