// Approximate agreement: two processes that each hear a majority move to the
// midpoints of the ranges they received; the midpoints differ by at most half
// the spread [m, M] of all values (the two mailboxes share a value).
// (The negation of the entailment: unsatisfiable iff it is valid.)
expect unsat;
fun x: P -> Real;
fun HO: P -> Set<P>;
const p, q: P;
const m, M, lo1, hi1, lo2, hi2: Real;
assert forall i: P. m <= x(i) && x(i) <= M;
assert forall i: P. i in HO(p) ==> lo1 <= x(i) && x(i) <= hi1;
assert forall i: P. i in HO(q) ==> lo2 <= x(i) && x(i) <= hi2;
assert exists i: P. i in HO(p) && x(i) == hi1;
assert exists i: P. i in HO(q) && x(i) == lo2;
assert 2 * |HO(p)| > n;
assert 2 * |HO(q)| > n;
assert !(2 * ((lo1 + hi1) / 2 - (lo2 + hi2) / 2) <= M - m);
