// A ⊆ B implies |A| ≤ |B|.
// (The negation of the entailment: unsatisfiable iff it is valid.)
expect unsat;
const A, B: Set<P>;
assert A subset B && |A| > |B|;
