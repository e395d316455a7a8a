// Near miss of full_family_member: a set of size n − 1 may miss q.
expect sat;
fun HO: P -> Set<P>;
const p, q: P;
assert forall i: P. |HO(i)| + 1 == n;
assert !(q in HO(p));
