// Near miss of diff_card: |A ∖ B| = |A| - |B| fails when B ⊄ A.
expect sat;
const A, B: Set<P>;
assert |A minus B| != |A| - |B|;
