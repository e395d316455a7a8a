//! Pass 1c: a numeric function of the processes has a largest and a
//! smallest value.
//!
//! "Some id is the largest" (`∃m. (∃j. id(j) = m) ∧ ∀i. id(i) ≤ m`) holds
//! because the processes are finite and non-empty; nothing else in the
//! reduction says so, and its negation (`∀m. (∀j. id(j) ≠ m) ∨ ∃i.
//! m < id(i)`) has models over infinitely many processes, which the
//! solver finds. So for every function `f : P → Int` (or `Real`) that an
//! order atom (`≤`, `<`) applies to an existentially quantified process and
//! compares with a universally quantified number bound outside it (in the
//! NNF, `∀m. … ∃i. m < f(i)` above), the formula is conjoined with
//! `∃c. ∀q. f(q) ≤ f(c)` and `∃c. ∀q. f(c) ≤ f(q)`: Skolemization names
//! the process holding the largest and the smallest value, and the
//! universal `m` is instantiated at `f(c)` like at any other term.
//!
//! Only such functions: "every number is exceeded" is what asks for an
//! extremum, and the two universals per function cost the solver an
//! instance per process term (an update's `min_most_often(i) ≤ v` under
//! `∀i ∀v`, say, needs none).
//!
//! Soundness: in a model, the processes are `n ≥ 1` elements, so `f`
//! takes finitely many values on them and attains its largest and its
//! smallest at some processes; both conjuncts hold in every model, and the
//! formula's models are unchanged.

use super::names::NameGen;
use super::syntax::{self, and};
use crate::{Binder, Fun, Op, Sort, Term, Var};

/// `f` (in NNF) with the extrema of each numeric function of the processes
/// that it says some process exceeds, for every universal number.
pub fn add_extrema(f: &Term, names: &mut NameGen) -> Term {
    let mut functions = Vec::new();
    compared(f, &mut Vec::new(), true, &mut functions);
    if functions.is_empty() {
        return f.clone();
    }
    let mut parts = vec![f.clone()];
    for g in &functions {
        for largest in [true, false] {
            let c = names.fresh_var(&Var::new("extremum", Sort::P));
            let q = names.fresh_var(&Var::new("q", Sort::P));
            let (at_c, at_q) = (g.app(vec![c.t()]), g.app(vec![q.t()]));
            let bound = if largest { syntax::le(at_q, at_c) } else { syntax::le(at_c, at_q) };
            parts.push(syntax::exists(vec![c], syntax::forall(vec![q], bound)));
        }
    }
    and(parts)
}

/// Collect into `out` the functions `P → Int` (or `Real`) that an order
/// atom of `f` applies to a process `i` and compares (as an operand of its
/// sums) with a number `m`, where `m` is universally quantified and `i`
/// existentially within `m`'s scope: `∀m. ∃i. m < f(i)` (no number is the
/// largest), the shape only infinitely many processes satisfy. The atom
/// is a disjunct of its quantifier's body (`unconditional`: reached from
/// the innermost binder through `∨` only), i.e. the negation of a bound
/// `f(i) ≤ m` that holds for every `i`; under a conjunction it is a case
/// (`∃i. t ≤ ts(i) ∧ x(i) ≠ v`, the negation of "those with `ts ≥ t` hold
/// `v`"), which no extremum decides. `scope` holds the binders around
/// `f`, outermost first, with whether each is a `∀`.
fn compared(f: &Term, scope: &mut Vec<(Var, bool)>, unconditional: bool, out: &mut Vec<Fun>) {
    match f {
        Term::Bind(b @ (Binder::Forall | Binder::Exists), vs, body) => {
            let depth = scope.len();
            scope.extend(vs.iter().map(|v| (v.clone(), *b == Binder::Forall)));
            compared(body, scope, true, out);
            scope.truncate(depth);
        }
        Term::Op(Op::Le | Op::Lt, ab) if unconditional => {
            let position = |v: &Var| scope.iter().rposition(|(w, _)| w == v);
            // The outermost universal number the atom depends on.
            let Some(m) = ab
                .iter()
                .flat_map(|t| t.free_vars())
                .filter_map(|v| position(&v).filter(|&k| scope[k].1 && v.sort.is_numeric()))
                .min()
            else {
                return;
            };
            let mut applied = Vec::new();
            ab.iter().for_each(|side| operands(side, &mut applied));
            for (g, arg) in applied {
                let existential_within = match arg {
                    Term::Var(x) => position(&x).is_some_and(|k| k > m && !scope[k].1),
                    _ => false,
                };
                if existential_within && !out.contains(&g) {
                    out.push(g);
                }
            }
        }
        Term::Op(Op::Or | Op::Not, args) => args.iter().for_each(|a| compared(a, scope, unconditional, out)),
        Term::Op(_, args) => args.iter().for_each(|a| compared(a, scope, false, out)),
        _ => {}
    }
}

/// The functions `P → Int` (or `Real`) applied in the sum `t`, with their
/// arguments (not inside a count: `|{j | x(j) = v}|` compares a size).
fn operands(t: &Term, out: &mut Vec<(Fun, Term)>) {
    match t {
        Term::App(g, args) if args.len() == 1 && g.args == [Sort::P] && g.ret.is_numeric() => {
            out.push((g.clone(), args[0].clone()));
        }
        Term::Op(Op::Add | Op::Sub | Op::Neg | Op::Mul, args) => args.iter().for_each(|a| operands(a, out)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_extrema(src: &str) -> (Term, Term) {
        let f = crate::parse_query(src).expect("a query").formula();
        let mut names = NameGen::avoiding(&f);
        let added = add_extrema(&f, &mut names);
        (f, added)
    }

    /// "No id is the largest" gets the processes holding the largest and
    /// the smallest id; a comparison with no universal number, or one of a
    /// function that is not of the processes, gets nothing.
    #[test]
    fn a_function_compared_with_a_universal_number_gets_its_extrema() {
        let (_, added) = with_extrema("fun id: P -> Int; assert forall m: Int. exists i: P. !(id(i) <= m);");
        assert_eq!(
            added.to_string(),
            "(∀ m: Int. ∃ i: P. ¬id(i) ≤ m) ∧ (∃ extremum$1: P. ∀ q$1: P. id(q$1) ≤ id(extremum$1)) \
             ∧ (∃ extremum$2: P. ∀ q$2: P. id(extremum$2) ≤ id(q$2))"
        );
        for src in [
            "fun id: P -> Int; const k: Int; assert forall i: P. id(i) <= k;",
            "fun id: P -> Int; assert exists m: Int. forall i: P. id(i) <= m;",
            "fun v: Int -> Int; assert forall m: Int. v(m) < m;",
            "fun x: P -> Int; assert forall m: Int. |{j: P | x(j) == m}| <= 1;",
            "fun x: P -> Int; assert forall m: Int. forall i: P. x(i) <= m;",
            "fun x: P -> Int; assert exists i: P. forall m: Int. x(i) <= m;",
            "fun t: P -> Int; fun y: P -> Int; assert forall m: Int. exists i: P. m <= t(i) && y(i) != m;",
        ] {
            let (f, added) = with_extrema(src);
            assert_eq!(f, added, "{src}");
        }
    }

    /// The extrema are facts, not assumptions: "no id is the largest" is
    /// refuted (unsat over finitely many processes), and a query that has
    /// the same shape but a model (every `m ≤ 5` is exceeded) is not.
    #[test]
    fn the_extrema_refute_only_what_finitely_many_processes_cannot_satisfy() {
        use crate::check::{CheckConfig, CheckResult, check_sat};
        use crate::smt::Z3InProcess;
        let verdict = |src: &str| {
            let f = crate::parse_query(src).expect("a query").formula();
            let cfg = CheckConfig { timeout: std::time::Duration::from_secs(20), ..CheckConfig::default() };
            check_sat(&f, &cfg, &Z3InProcess::new()).expect("checked").result
        };
        assert_eq!(verdict("fun id: P -> Int; assert forall m: Int. exists i: P. !(id(i) <= m);"), CheckResult::Unsat);
        let bounded = verdict("fun id: P -> Int; assert forall m: Int. m > 5 || exists i: P. !(id(i) <= m);");
        assert!(matches!(bounded, CheckResult::Sat(_)), "{bounded:?}");
    }
}
