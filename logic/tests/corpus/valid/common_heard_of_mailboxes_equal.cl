// Every process hears from the same set S (a constant function HO): two
// processes' mailboxes holding v have the same size.
// (The negation of the entailment: unsatisfiable iff it is valid.)
expect unsat;
fun HO: P -> Set<P>;
fun x: P -> Int;
const p: P;
const q: P;
const v: Int;
assert exists s: Set<P>. forall i: P. HO(i) == s;
assert |{j: P | j in HO(p) && x(j) == v}| != |{j: P | j in HO(q) && x(j) == v}|;
