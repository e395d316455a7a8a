// OTR: the invariant (a 2n/3-majority holds v, decisions are v) implies agreement.
// (The negation of the entailment: unsatisfiable iff it is valid.)
expect unsat;
fun x: P -> Int;
fun decision: P -> Int;
fun dec: P -> Bool;
const v: Int;
const p, q: P;
assert (forall i: P. !dec(i)) || (3 * |{i: P | x(i) == v}| > 2 * n && (forall i: P. dec(i) ==> decision(i) == v));
assert dec(p) && dec(q) && decision(p) != decision(q);
