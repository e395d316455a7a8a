// Near miss of majority_witness_value: with only half of the processes at timestamp ≥ t, a coordinator hearing half may miss them.
expect sat;
fun ts: P -> Int;
fun x: P -> Int;
fun HO: P -> Set<P>;
const c: P;
const t, v: Int;
assert 2 * |{i: P | ts(i) >= t}| >= n;
assert forall i: P. ts(i) >= t ==> x(i) == v;
assert 2 * |HO(c)| >= n;
assert !(exists j: P. j in HO(c) && ts(j) >= t && x(j) == v);
