// Every voter votes the value it heard from everyone it heard, and any two
// processes hear from a common one ("no split"), so all voters vote one
// value, here said with order: some `v` no vote is below or above. The
// negated goal `∀v. ∃i. voter(i) ∧ (vote(i) < v ∨ v < vote(i))` is refuted
// only at the value its own witness votes: at an arbitrary value `v₀` its
// witness `i₁` votes other than `v₀`, at `vote(i₁)` the witness `i₂` votes
// another value, and the process both hear holds both. That second value
// is one generation past the first instances: the ground strategy's deeper
// reduction (`Strategy::deeper`, `Instantiator::at_witness_values`).
// (With `vote(i) ≠ v` the goal is read pairwise, `reduce::pairwise`, and
// the first reduction proves it: `votes_agree_witness_values.cl`.)
// oracle: max_n = 3
expect unsat;
fun HO: P -> Set<P>;
fun y: P -> Int;
fun vote: P -> Int;
fun voter: P -> Bool;
assert forall p: P. forall q: P. exists k: P. k in HO(p) && k in HO(q);
assert forall i: P. voter(i) ==> (forall k: P. k in HO(i) ==> y(k) == vote(i));
assert forall v: Int. exists i: P. voter(i) && (vote(i) < v || v < vote(i));
