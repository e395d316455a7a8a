// Floor division: 2·(n/2) ≤ n < 2·(n/2) + 2.
// (The negation of the entailment: unsatisfiable iff it is valid.)
expect unsat;
assert !(2 * (n / 2) <= n && n < 2 * (n / 2) + 2);
