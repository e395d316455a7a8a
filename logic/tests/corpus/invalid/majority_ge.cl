// Near miss of majority_intersect: |A| ≥ n/2 and |B| ≥ n/2 need not intersect.
expect sat;
const A, B: Set<P>;
assert 2 * |A| >= n && 2 * |B| >= n;
assert !(exists w: P. w in A && w in B);
