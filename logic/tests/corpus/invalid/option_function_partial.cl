// Near miss of option_function: constraining only the Some entries leaves None possible.
expect sat;
fun o: P -> Option<Int>;
fun x: P -> Int;
assert forall i: P. is_some(o(i)) ==> get(o(i)) == x(i);
assert exists i: P. o(i) != Some(x(i));
