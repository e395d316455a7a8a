// |A ∩ B| ≤ |A|.
// (The negation of the entailment: unsatisfiable iff it is valid.)
expect unsat;
const A, B: Set<P>;
assert |A inter B| > |A|;
