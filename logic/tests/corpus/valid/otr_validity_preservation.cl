// OTR validity is inductive: every value is some initial value, as mmor is a received value.
// (The negation of the entailment: unsatisfiable iff it is valid.)
expect unsat;
fun x: P -> Int;
fun x0: P -> Int;
fun x1: P -> Int;
fun mmor: P -> Int;
fun HO: P -> Set<P>;
assert forall i: P. exists j: P. x(i) == x0(j);
assert forall i: P. 3 * |HO(i)| > 2 * n ==> (exists j: P. j in HO(i) && x(j) == mmor(i));
// OTR update: with more than 2n/3 messages adopt mmor, otherwise keep x
assert forall i: P. (3 * |HO(i)| > 2 * n ==> x1(i) == mmor(i)) && (!(3 * |HO(i)| > 2 * n) ==> x1(i) == x(i));
assert exists i: P. forall j: P. x1(i) != x0(j);
