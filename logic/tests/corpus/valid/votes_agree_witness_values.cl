// Every voter votes the value it heard from everyone it heard, and any two
// processes hear from a common one ("no split"), so all voters vote one
// value. The negated goal `∀v. ∃i. voter(i) ∧ vote(i) ≠ v` is refuted only
// at the value its own witness votes: at an arbitrary value `v₀` its
// witness `i₁` votes `vote(i₁) ≠ v₀`, at `vote(i₁)` the witness `i₂` votes
// another value, and the process both hear holds both. That second value
// is one generation past the first instances. Read pairwise, the negated
// goal names two voters that differ (`reduce::pairwise`); with the goal
// said by order, the ground strategy's deeper reduction proves it
// (`votes_between_witness_values.cl`).
// (The negation of the entailment "some v is every voter's vote".)
// oracle: max_n = 3
expect unsat;
fun HO: P -> Set<P>;
fun y: P -> Int;
fun vote: P -> Int;
fun voter: P -> Bool;
assert forall p: P. forall q: P. exists k: P. k in HO(p) && k in HO(q);
assert forall i: P. voter(i) ==> (forall k: P. k in HO(i) ==> y(k) == vote(i));
assert forall v: Int. exists i: P. voter(i) && vote(i) != v;
