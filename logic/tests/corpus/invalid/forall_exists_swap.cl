// Near miss of exists_forall_uniform: each process having a value is not all having one value.
expect sat;
fun x: P -> Int;
assert forall i: P. exists w: Int. x(i) == w;
assert !(exists w: Int. forall i: P. x(i) == w);
