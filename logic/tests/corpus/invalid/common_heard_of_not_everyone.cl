// Near miss of common_heard_of_mailboxes_equal: a common heard-of set need
// not contain the processes themselves.
expect sat;
fun HO: P -> Set<P>;
const p: P;
assert exists s: Set<P>. forall i: P. HO(i) == s;
assert |HO(p)| > 0 && !(p in HO(p));
