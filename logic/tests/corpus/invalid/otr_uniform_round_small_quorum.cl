// Near miss of otr_uniform_round_agreement: with a uniform set of only more than n/3 processes, values may still differ.
expect sat;
fun x: P -> Int;
fun x1: P -> Int;
fun mmor: P -> Int;
fun HO: P -> Set<P>;
const S: Set<P>;
const p, q: P;
assert forall i: P. HO(i) == S;
assert 3 * |S| > n;
// mmor(i): the smallest among the values received most often by i (used when i hears more than 2n/3)
assert forall i: P, w: Int. 3 * |HO(i)| > 2 * n ==> |{j: P | j in HO(i) && x(j) == mmor(i)}| > |{j: P | j in HO(i) && x(j) == w}|
    || (|{j: P | j in HO(i) && x(j) == mmor(i)}| == |{j: P | j in HO(i) && x(j) == w}| && mmor(i) <= w);
// OTR update: with more than 2n/3 messages adopt mmor, otherwise keep x
assert forall i: P. (3 * |HO(i)| > 2 * n ==> x1(i) == mmor(i)) && (!(3 * |HO(i)| > 2 * n) ==> x1(i) == x(i));
assert x1(p) != x1(q);
