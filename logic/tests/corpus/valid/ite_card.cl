// |ite(c, A ∪ B, A)| ≥ |A|.
// (The negation of the entailment: unsatisfiable iff it is valid.)
expect unsat;
const A, B: Set<P>;
fun d: P -> Bool;
const p: P;
assert |ite(d(p), A union B, A)| < |A|;
