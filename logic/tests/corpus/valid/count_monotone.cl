// Counting is monotone: A ⊆ B implies |{i ∈ A | d(i)}| ≤ |{i ∈ B | d(i)}|.
// (The negation of the entailment: unsatisfiable iff it is valid.)
expect unsat;
const A, B: Set<P>;
fun d: P -> Bool;
assert A subset B;
assert |{i: P | i in A && d(i)}| > |{i: P | i in B && d(i)}|;
