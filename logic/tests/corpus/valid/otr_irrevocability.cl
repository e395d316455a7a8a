// OTR irrevocability: under the invariant, a decided process keeps its decision.
// (The negation of the entailment: unsatisfiable iff it is valid.)
expect unsat;
fun x: P -> Int;
fun x1: P -> Int;
fun mmor: P -> Int;
fun decision: P -> Int;
fun decision1: P -> Int;
fun HO: P -> Set<P>;
fun dec: P -> Bool;
fun dec1: P -> Bool;
const v: Int;
assert 3 * |{i: P | x(i) == v}| > 2 * n && (forall i: P. dec(i) ==> decision(i) == v);
// OTR decision: more than 2n/3 messages carrying w make i decide w; otherwise nothing changes
assert forall i: P, w: Int. 3 * |{j: P | j in HO(i) && x(j) == w}| > 2 * n ==> dec1(i) && decision1(i) == w;
assert forall i: P. !(exists w: Int. 3 * |{j: P | j in HO(i) && x(j) == w}| > 2 * n) ==> (dec1(i) <==> dec(i)) && decision1(i) == decision(i);
assert exists i: P. dec(i) && (!dec1(i) || decision1(i) != decision(i));
