// Near miss of tuple_projection: the first component is x(i), not y(i).
expect sat;
fun t: P -> (Int, Int);
fun x: P -> Int;
fun y: P -> Int;
assert forall i: P. t(i) == (x(i), y(i));
assert exists i: P. t(i).0 != y(i);
