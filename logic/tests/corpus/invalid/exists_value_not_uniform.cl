// Near miss of exists_forall_uniform: some process holding w does not make values equal.
expect sat;
fun x: P -> Int;
const p, q: P;
assert exists w: Int. exists i: P. x(i) == w;
assert x(p) != x(q);
