// Sets of booleans: {b | b ∨ ¬b} has two elements.
// (The negation of the entailment: unsatisfiable iff it is valid.)
expect unsat;
assert |{b: Bool | b || !b}| != 2;
