// |A| + |P ∖ A| = n.
// (The negation of the entailment: unsatisfiable iff it is valid.)
expect unsat;
const A: Set<P>;
assert |A| + |all minus A| != n;
