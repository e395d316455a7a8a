// Four sets of more than 3n/4 processes have a common member: no pairwise
// or three-way count shows it, only the four sets' regions together.
// (The negation of the entailment: unsatisfiable iff it is valid.)
expect unsat;
const A, B, C, D: Set<P>;
assert 4 * |A| > 3 * n && 4 * |B| > 3 * n && 4 * |C| > 3 * n && 4 * |D| > 3 * n;
assert A inter B inter C inter D == empty<P>;
