// Near miss of nonempty_count_witness: every heard-of set is non-empty,
// which does not make two of them meet.
expect sat;
fun HO: P -> Set<P>;
const p, q: P;
assert forall a: P. |{s: P | s in HO(a)}| > 0;
assert forall s: P. !(s in HO(p)) || !(s in HO(q));
