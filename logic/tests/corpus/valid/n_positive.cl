// There is at least one process.
// (The negation of the entailment: unsatisfiable iff it is valid.)
expect unsat;
assert n < 1;
