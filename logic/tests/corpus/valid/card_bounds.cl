// 0 ≤ |A| ≤ n for every set of processes.
// (The negation of the entailment: unsatisfiable iff it is valid.)
expect unsat;
const A: Set<P>;
assert |A| > n || |A| < 0;
