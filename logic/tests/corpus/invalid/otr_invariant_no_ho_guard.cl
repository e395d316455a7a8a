// Near miss of otr_invariant_preservation: adopting mmor without hearing more than 2n/3 processes breaks the invariant.
expect sat;
fun x: P -> Int;
fun x1: P -> Int;
fun mmor: P -> Int;
fun decision: P -> Int;
fun decision1: P -> Int;
fun HO: P -> Set<P>;
fun dec: P -> Bool;
fun dec1: P -> Bool;
const v: Int;
assert (forall i: P. !dec(i)) || (3 * |{i: P | x(i) == v}| > 2 * n && (forall i: P. dec(i) ==> decision(i) == v));
// mmor(i): the smallest among the values received most often by i (used when i hears more than 2n/3)
assert forall i: P, w: Int. 3 * |HO(i)| > 2 * n ==> |{j: P | j in HO(i) && x(j) == mmor(i)}| > |{j: P | j in HO(i) && x(j) == w}|
    || (|{j: P | j in HO(i) && x(j) == mmor(i)}| == |{j: P | j in HO(i) && x(j) == w}| && mmor(i) <= w);
assert forall i: P. x1(i) == mmor(i);
// OTR decision: more than 2n/3 messages carrying w make i decide w; otherwise nothing changes
assert forall i: P, w: Int. 3 * |{j: P | j in HO(i) && x(j) == w}| > 2 * n ==> dec1(i) && decision1(i) == w;
assert forall i: P. !(exists w: Int. 3 * |{j: P | j in HO(i) && x(j) == w}| > 2 * n) ==> (dec1(i) <==> dec(i)) && decision1(i) == decision(i);
assert exists i: P. dec1(i);
assert forall w: Int. !(3 * |{i: P | x1(i) == w}| > 2 * n) || (exists i: P. dec1(i) && decision1(i) != w);
