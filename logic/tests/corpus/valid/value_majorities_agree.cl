// Two values each held by a strict majority are equal.
// (The negation of the entailment: unsatisfiable iff it is valid.)
expect unsat;
fun x: P -> Int;
const v, w: Int;
assert 2 * |{i: P | x(i) == v}| > n && 2 * |{i: P | x(i) == w}| > n;
assert v != w;
