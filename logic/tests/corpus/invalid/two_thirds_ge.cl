// Near miss of two_thirds_intersect: with ≥ 2n/3 the overlap may be only n/3.
expect sat;
const A, B: Set<P>;
assert 3 * |A| >= 2 * n && 3 * |B| >= 2 * n;
assert !(3 * |A inter B| > n);
