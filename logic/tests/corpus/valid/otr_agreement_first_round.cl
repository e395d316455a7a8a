// One-Third-Rule, VMCAI'14 §5.2: if no process has decided, then after one
// round two processes p and q cannot decide different values (negated).
// A process decides v when more than 2n/3 of the messages it hears carry v.
expect unsat;
fun x: P -> Int;
fun HO: P -> Set<P>;
fun dec: P -> Bool;
fun dec1: P -> Bool;
fun decision1: P -> Int;
const p, q: P;
assert forall i: P. !dec(i);
assert forall i: P. dec1(i) <==> (dec(i) || (exists v: Int. 3 * |{j: P | j in HO(i) && x(j) == v}| > 2 * n));
assert forall i: P, v: Int. !dec(i) && 3 * |{j: P | j in HO(i) && x(j) == v}| > 2 * n ==> decision1(i) == v;
assert dec1(p) && dec1(q) && decision1(p) != decision1(q);
