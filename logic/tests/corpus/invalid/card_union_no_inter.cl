// Near miss of card_union_inter: |A ∪ B| = |A| + |B| fails when A and B overlap.
expect sat;
const A, B: Set<P>;
assert |A union B| != |A| + |B|;
