// Four sets of more than 2n/3 processes need not share a member (n = 4,
// each set misses one process): the count facts must not prove it.
expect sat;
const A, B, C, D: Set<P>;
assert 3 * |A| > 2 * n && 3 * |B| > 2 * n && 3 * |C| > 2 * n && 3 * |D| > 2 * n;
assert A inter B inter C inter D == empty<P>;
