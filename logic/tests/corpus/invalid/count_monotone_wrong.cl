// Near miss of count_monotone: the count in B of the negated predicate is not bounded below.
expect sat;
const A, B: Set<P>;
fun d: P -> Bool;
assert A subset B;
assert |{i: P | i in A && d(i)}| > |{i: P | i in B && !d(i)}|;
