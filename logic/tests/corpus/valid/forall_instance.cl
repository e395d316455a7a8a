// A universal statement holds at every process.
// (The negation of the entailment: unsatisfiable iff it is valid.)
expect unsat;
fun d: P -> Bool;
const p: P;
assert (forall i: P. d(i)) && !d(p);
