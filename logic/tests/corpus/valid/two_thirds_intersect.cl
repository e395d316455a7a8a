// Two sets of more than 2n/3 processes share more than n/3 processes.
// (The negation of the entailment: unsatisfiable iff it is valid.)
expect unsat;
const A, B: Set<P>;
assert 3 * |A| > 2 * n && 3 * |B| > 2 * n;
assert !(3 * |A inter B| > n);
