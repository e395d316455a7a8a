// A universal over values of a kind no ground term has is instantiated at
// an arbitrary value: no process holds a vote, so "for every v some process
// holds a vote other than v" is false (`reduce/mod.rs`, placeholders).
// (The negation of the entailment "some v bounds every vote".)
expect unsat;
fun vote: P -> Option<Int>;
fun x: P -> Int;
const r: Int;
assert r == 0;
assert forall i: P. !is_some(vote(i)) && x(i) >= r;
assert forall v: Int. exists i: P. is_some(vote(i)) && vote(i) != Some(v);
