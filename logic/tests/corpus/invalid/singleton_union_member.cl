// Near miss of singleton_member: p ∈ {q} ∪ A allows p ≠ q.
expect sat;
const A: Set<P>;
const p, q: P;
assert p in {q} union A && p != q;
