// Near miss of value_majorities_agree: two values may each be held by half of the processes.
expect sat;
fun x: P -> Int;
const v, w: Int;
assert 2 * |{i: P | x(i) == v}| >= n && 2 * |{i: P | x(i) == w}| >= n;
assert v != w;
