// A lower bound `n < 2·|S|` on a ground set gives the set a member before
// instantiation (`nonempty.rs`): the members of `S` all hold one value that
// nothing names, and the value held by that member is held by a majority.
expect unsat;
fun y: P -> Int;
const S: Set<P>;
assert n < 2 * |S|;
assert forall a: P. forall b: P. !(a in S) || !(b in S) || y(a) == y(b);
assert forall v: Int. 2 * |{i: P | y(i) == v}| <= n;
