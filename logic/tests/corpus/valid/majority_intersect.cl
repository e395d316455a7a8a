// Two majorities intersect: |A| > n/2 ∧ |B| > n/2 ⇒ ∃w. w ∈ A ∩ B (negated).
expect unsat;
const A, B: Set<P>;
assert 2 * |A| > n && 2 * |B| > n;
assert !(exists w: P. w in A && w in B);
