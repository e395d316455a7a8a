// LastVoting: a majority with timestamp ≥ t holds v, so a coordinator hearing a majority hears some such process.
// (The negation of the entailment: unsatisfiable iff it is valid.)
expect unsat;
fun ts: P -> Int;
fun x: P -> Int;
fun HO: P -> Set<P>;
const c: P;
const t, v: Int;
assert 2 * |{i: P | ts(i) >= t}| > n;
assert forall i: P. ts(i) >= t ==> x(i) == v;
assert 2 * |HO(c)| > n;
assert !(exists j: P. j in HO(c) && ts(j) >= t && x(j) == v);
