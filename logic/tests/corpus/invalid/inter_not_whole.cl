// Near miss of inter_bound: |A ∩ B| = |A| fails unless A ⊆ B.
expect sat;
const A, B: Set<P>;
assert |A inter B| < |A|;
