// A set with a member is not empty: the member's Venn region counts
// (what `ElementCounts` keeps; without it the query has spurious models).
// (The negation of the entailment: unsatisfiable iff it is valid.)
expect unsat;
const A, B: Set<P>;
fun x: P -> Int;
assert (exists p: P. p in A && x(p) == 1) && (|A| == 0 || |B| < |A ∩ B|);
