// |A ∖ B| = |A| - |A ∩ B|.
// (The negation of the entailment: unsatisfiable iff it is valid.)
expect unsat;
const A, B: Set<P>;
assert |A minus B| != |A| - |A inter B|;
