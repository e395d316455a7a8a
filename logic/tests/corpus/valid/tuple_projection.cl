// Tuples: t(i) = (x(i), d(i)) gives back x(i) and d(i) by projection.
// (The negation of the entailment: unsatisfiable iff it is valid.)
expect unsat;
fun t: P -> (Int, Bool);
fun x: P -> Int;
fun d: P -> Bool;
assert forall i: P. t(i) == (x(i), d(i));
assert exists i: P. t(i).0 != x(i) || (t(i).1 <==> !d(i));
