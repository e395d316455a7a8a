// Near miss of real_midpoint_contracts: without majorities the two mailboxes
// may be disjoint, and the midpoints may differ by more than half the spread.
expect sat;
fun x: P -> Real;
fun HO: P -> Set<P>;
const p, q: P;
const m, M, lo1, hi1, lo2, hi2: Real;
assert forall i: P. m <= x(i) && x(i) <= M;
assert forall i: P. i in HO(p) ==> lo1 <= x(i) && x(i) <= hi1;
assert forall i: P. i in HO(q) ==> lo2 <= x(i) && x(i) <= hi2;
assert exists i: P. i in HO(p) && x(i) == hi1;
assert exists i: P. i in HO(q) && x(i) == lo2;
assert !(2 * ((lo1 + hi1) / 2 - (lo2 + hi2) / 2) <= M - m);
