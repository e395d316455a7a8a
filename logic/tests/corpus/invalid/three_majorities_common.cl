// Near miss of three_two_thirds_common: three strict majorities need not share a member.
expect sat;
const A, B, C: Set<P>;
assert 2 * |A| > n && 2 * |B| > n && 2 * |C| > n;
assert A inter B inter C == empty<P>;
