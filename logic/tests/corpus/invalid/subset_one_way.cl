// Near miss of set_extensionality: A ⊆ B alone allows A ≠ B.
expect sat;
const A, B: Set<P>;
assert A subset B && A != B;
