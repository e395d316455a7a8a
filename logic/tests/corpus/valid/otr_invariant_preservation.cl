// OTR, VMCAI'14 §5.2: the safety invariant is preserved by a round.
// oracle: max_n = 3 (n = 4 takes millions of search nodes)
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
// invariant before the round
assert (forall i: P. !dec(i)) || (3 * |{i: P | x(i) == v}| > 2 * n && (forall i: P. dec(i) ==> decision(i) == v));
// mmor(i): the smallest among the values received most often by i (used when i hears more than 2n/3)
assert forall i: P, w: Int. 3 * |HO(i)| > 2 * n ==> |{j: P | j in HO(i) && x(j) == mmor(i)}| > |{j: P | j in HO(i) && x(j) == w}|
    || (|{j: P | j in HO(i) && x(j) == mmor(i)}| == |{j: P | j in HO(i) && x(j) == w}| && mmor(i) <= w);
// OTR update: with more than 2n/3 messages adopt mmor, otherwise keep x
assert forall i: P. (3 * |HO(i)| > 2 * n ==> x1(i) == mmor(i)) && (!(3 * |HO(i)| > 2 * n) ==> x1(i) == x(i));
// OTR decision: more than 2n/3 messages carrying w make i decide w; otherwise nothing changes
assert forall i: P, w: Int. 3 * |{j: P | j in HO(i) && x(j) == w}| > 2 * n ==> dec1(i) && decision1(i) == w;
assert forall i: P. !(exists w: Int. 3 * |{j: P | j in HO(i) && x(j) == w}| > 2 * n) ==> (dec1(i) <==> dec(i)) && decision1(i) == decision(i);
// invariant after the round, negated
assert exists i: P. dec1(i);
assert forall w: Int. !(3 * |{i: P | x1(i) == w}| > 2 * n) || (exists i: P. dec1(i) && decision1(i) != w);
