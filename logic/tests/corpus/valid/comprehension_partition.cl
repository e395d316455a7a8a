// A predicate splits the processes: |{i | d(i)}| + |{i | ¬d(i)}| = n.
// (The negation of the entailment: unsatisfiable iff it is valid.)
expect unsat;
fun d: P -> Bool;
assert |{i: P | d(i)}| + |{i: P | !d(i)}| != n;
