// Pigeonhole: |A| + |B| > n forces A and B to intersect.
// (The negation of the entailment: unsatisfiable iff it is valid.)
expect unsat;
const A, B: Set<P>;
assert |A| + |B| > n;
assert A inter B == empty<P>;
