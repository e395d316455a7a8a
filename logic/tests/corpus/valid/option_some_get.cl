// Options: Some(v) is some and get(Some(v)) = v.
// (The negation of the entailment: unsatisfiable iff it is valid.)
expect unsat;
const v: Int;
assert !is_some(Some(v)) || get(Some(v)) != v;
