// Uninterpreted values: two values each held by a strict majority are equal.
// (The negation of the entailment: unsatisfiable iff it is valid.)
expect unsat;
sort V;
fun y: P -> V;
assert exists a: V, b: V. a != b && 2 * |{i: P | y(i) == a}| > n && 2 * |{i: P | y(i) == b}| > n;
