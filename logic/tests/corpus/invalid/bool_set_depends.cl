// Near miss of bool_set_card: {b | b ∨ d(p)} has one or two elements.
expect sat;
fun d: P -> Bool;
const p: P;
assert |{b: Bool | b || d(p)}| == 1;
