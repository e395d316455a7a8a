// Counting inside a heard-of set gives at most its size.
// (The negation of the entailment: unsatisfiable iff it is valid.)
expect unsat;
fun HO: P -> Set<P>;
fun x: P -> Int;
const p: P;
const v: Int;
assert |{j: P | j in HO(p) && x(j) == v}| > |HO(p)|;
