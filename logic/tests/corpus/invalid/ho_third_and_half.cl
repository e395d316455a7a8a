// Near miss of ho_two_thirds_intersect: heard-of sets of at least n/3 and more than n/2 processes need not meet.
expect sat;
fun HO: P -> Set<P>;
const p, q: P;
assert 3 * |HO(p)| >= n && 2 * |HO(q)| > n;
assert !(exists w: P. w in HO(p) && w in HO(q));
