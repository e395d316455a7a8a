// A universal over values of a kind no ground term has is instantiated at
// the values the query's functions take at its named processes
// (`reduce/mod.rs`, `kind_applications`): every process votes for its
// estimate, all votes are equal and `d` is a process, so "for every v
// some process holds an estimate other than v" is refuted at v = x(d).
// An instance at an arbitrary value does not refute it.
// (The negation of the entailment "some v is every process's estimate".)
expect unsat;
fun x: P -> Int;
fun vote: P -> Option<Int>;
const d: P;
assert is_some(vote(d));
assert forall i: P. vote(i) == Some(x(i));
assert forall i: P. forall j: P. vote(i) == vote(j);
assert forall v: Int. exists i: P. x(i) != v;
