// Near miss of card_subset_monotone: A ⊆ B does not give |A| < |B|.
expect sat;
const A, B: Set<P>;
assert A subset B && !(|A| < |B|);
