// n mod 2 = 1 implies 2·(n/2) + 1 = n.
// (The negation of the entailment: unsatisfiable iff it is valid.)
expect unsat;
assert n % 2 == 1 && 2 * (n / 2) + 1 != n;
