// Near miss of ite_card: |ite(c, A ∪ B, A ∩ B)| ≥ |A| fails in the else branch.
expect sat;
const A, B: Set<P>;
fun d: P -> Bool;
const p: P;
assert |ite(d(p), A union B, A inter B)| < |A|;
