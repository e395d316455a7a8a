// Near miss of uninterpreted_majority: two values may each be held by half.
expect sat;
sort V;
fun y: P -> V;
assert exists a: V, b: V. a != b && 2 * |{i: P | y(i) == a}| >= n && 2 * |{i: P | y(i) == b}| >= n;
