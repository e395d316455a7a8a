// Heard-of sets larger than 2n/3 of two processes have a common member.
// (The negation of the entailment: unsatisfiable iff it is valid.)
expect unsat;
fun HO: P -> Set<P>;
const p, q: P;
assert 3 * |HO(p)| > 2 * n && 3 * |HO(q)| > 2 * n;
assert !(exists w: P. w in HO(p) && w in HO(q));
