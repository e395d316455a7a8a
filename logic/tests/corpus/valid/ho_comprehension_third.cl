// Among more than 2n/3 heard-of messages, more than n/3 come from a 2n/3-majority holding v.
// (The negation of the entailment: unsatisfiable iff it is valid.)
expect unsat;
fun HO: P -> Set<P>;
fun x: P -> Int;
const p: P;
const v: Int;
assert 3 * |HO(p)| > 2 * n && 3 * |{i: P | x(i) == v}| > 2 * n;
assert !(3 * |{j: P | j in HO(p) && x(j) == v}| > n);
