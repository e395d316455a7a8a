// A subset of the same size is the whole set: `S ⊆ T ∧ |S| = |T| ⇒ S = T`.
expect unsat;
fun HO: P -> Set<P>;
const p, q: P;
assert HO(p) subset HO(q) && |HO(p)| == |HO(q)|;
assert HO(p) != HO(q);
