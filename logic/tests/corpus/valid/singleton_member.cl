// p ∈ {q} implies p = q.
// (The negation of the entailment: unsatisfiable iff it is valid.)
expect unsat;
const p, q: P;
assert p in {q} && p != q;
