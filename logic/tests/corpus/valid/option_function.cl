// A state of options set to Some(x(i)) everywhere is everywhere some, with content x(i).
// (The negation of the entailment: unsatisfiable iff it is valid.)
expect unsat;
fun o: P -> Option<Int>;
fun x: P -> Int;
assert forall i: P. o(i) == Some(x(i));
assert exists i: P. !is_some(o(i)) || get(o(i)) != x(i);
