// Near miss of otr_agreement_first_round: deciding on more than n/3 messages allows disagreement.
expect sat;
fun x: P -> Int;
fun HO: P -> Set<P>;
fun dec: P -> Bool;
fun dec1: P -> Bool;
fun decision1: P -> Int;
const p, q: P;
assert forall i: P. !dec(i);
assert forall i: P. dec1(i) <==> (dec(i) || (exists v: Int. 3 * |{j: P | j in HO(i) && x(j) == v}| > n));
assert forall i: P, v: Int. !dec(i) && 3 * |{j: P | j in HO(i) && x(j) == v}| > n ==> decision1(i) == v;
assert dec1(p) && dec1(q) && decision1(p) != decision1(q);
