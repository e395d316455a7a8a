// An empty set has no member, for every member of a family:
// `|S| = 0 ⇒ ∀q. q ∉ S` (`membership.rs`).
expect unsat;
fun HO: P -> Set<P>;
fun w: P -> P;
const p: P;
assert forall i: P. w(i) in HO(i);
assert |HO(p)| == 0;
