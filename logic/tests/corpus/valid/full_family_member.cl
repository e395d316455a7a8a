// A set of size n holds every process, for every member of a family:
// `|S| = n ⇒ ∀q. q ∈ S` (`membership.rs`).
expect unsat;
fun HO: P -> Set<P>;
const p, q: P;
assert forall i: P. |HO(i)| == n;
assert !(q in HO(p));
