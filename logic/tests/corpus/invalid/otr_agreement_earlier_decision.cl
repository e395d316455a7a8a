// Near miss of otr_agreement_first_round: without 'no process decided yet', an earlier decision may differ.
expect sat;
fun x: P -> Int;
fun HO: P -> Set<P>;
fun dec: P -> Bool;
fun dec1: P -> Bool;
fun decision: P -> Int;
fun decision1: P -> Int;
const p, q: P;
assert forall i: P. dec1(i) <==> (dec(i) || (exists v: Int. 3 * |{j: P | j in HO(i) && x(j) == v}| > 2 * n));
assert forall i: P, v: Int. 3 * |{j: P | j in HO(i) && x(j) == v}| > 2 * n ==> decision1(i) == v;
assert forall i: P. !(exists v: Int. 3 * |{j: P | j in HO(i) && x(j) == v}| > 2 * n) ==> decision1(i) == decision(i);
assert dec1(p) && dec1(q) && decision1(p) != decision1(q);
