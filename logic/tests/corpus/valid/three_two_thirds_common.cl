// Three sets of more than 2n/3 processes have a common member.
// (The negation of the entailment: unsatisfiable iff it is valid.)
expect unsat;
const A, B, C: Set<P>;
assert 3 * |A| > 2 * n && 3 * |B| > 2 * n && 3 * |C| > 2 * n;
assert A inter B inter C == empty<P>;
