// Near miss of pigeonhole_sum: |A| + |B| ≥ n allows disjoint sets.
expect sat;
const A, B: Set<P>;
assert |A| + |B| >= n;
assert A inter B == empty<P>;
