// If all processes hold the same value, any two hold equal values.
// (The negation of the entailment: unsatisfiable iff it is valid.)
expect unsat;
fun x: P -> Int;
const p, q: P;
assert exists w: Int. forall i: P. x(i) == w;
assert x(p) != x(q);
