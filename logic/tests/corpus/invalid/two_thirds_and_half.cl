// Near miss of two_thirds_intersect: a 2n/3 set and a majority need not overlap in a majority.
expect sat;
const A, B: Set<P>;
assert 3 * |A| > 2 * n && 2 * |B| > n;
assert !(2 * |A inter B| > n);
