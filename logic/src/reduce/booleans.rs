//! Part of pass 1a: quantifiers over `Bool` expanded into their two cases (run by
//! [`super::normalize`], before bound names are made unique).
//!
//! `∀b:Bool. φ` becomes `φ[true] ∧ φ[false]` and `∃b:Bool. φ` becomes
//! `φ[true] ∨ φ[false]`, in formulas and in comprehension bodies alike.
//! Instantiation would otherwise meet `∀b:Bool` with no ground `Bool` term
//! of its own (the formula's Boolean constants are atoms, not terms of the
//! e-graph) and use a placeholder constant: an instance the solver can
//! satisfy with the placeholder's value while the formula needs the other
//! one (`∃v ∀i. x(i) = v` against `¬∃v ∀i. x'(i) = v` proved nothing).
//!
//! A binder with more than [`MAX_EXPANDED`] Boolean variables keeps the
//! rest bound (instantiation handles them as before), so the output grows
//! by a bounded factor.
//!
//! Soundness and completeness: each rewrite is an equivalence, since `Bool`
//! has exactly the two values.

use super::syntax::{and, exists, forall, or};
use crate::{Binder, Op, Sort, Term, Var};

/// Most Boolean variables of one binder expanded (a factor `2^k` in size).
const MAX_EXPANDED: usize = 4;

/// Expand every quantifier over `Bool` in `t` (up to [`MAX_EXPANDED`]
/// variables per binder).
pub fn expand(t: &Term) -> Term {
    match t {
        Term::Bind(b @ (Binder::Forall | Binder::Exists), vs, body) => {
            let body = expand(body);
            let (mut bools, mut rest): (Vec<Var>, Vec<Var>) = vs.iter().cloned().partition(|v| v.sort == Sort::Bool);
            if bools.len() > MAX_EXPANDED {
                rest.extend(bools.split_off(MAX_EXPANDED));
            }
            let cases: Vec<Term> = (0..1usize << bools.len())
                .map(|code| {
                    let sigma: Vec<(Var, Term)> = bools
                        .iter()
                        .enumerate()
                        .map(|(i, v)| (v.clone(), Term::Bool(code & (1 << i) != 0)))
                        .collect();
                    simplify(&body.subst(&sigma))
                })
                .collect();
            let joined = if *b == Binder::Forall { and(cases) } else { or(cases) };
            match (b, rest.is_empty()) {
                (_, true) => joined,
                (Binder::Forall, false) => forall(rest, joined),
                _ => exists(rest, joined),
            }
        }
        Term::Bind(b, vs, body) => Term::Bind(*b, vs.clone(), Box::new(expand(body))),
        Term::Op(op, args) => Term::Op(op.clone(), args.iter().map(expand).collect()),
        Term::App(f, args) => Term::App(f.clone(), args.iter().map(expand).collect()),
        other => other.clone(),
    }
}

/// Fold the Boolean literals a substitution left in connectives.
fn simplify(t: &Term) -> Term {
    match t {
        Term::Op(Op::Not, a) => match simplify(&a[0]) {
            Term::Bool(b) => Term::Bool(!b),
            inner => Term::Op(Op::Not, vec![inner]),
        },
        Term::Op(Op::And, ps) => and(ps.iter().map(simplify).collect()),
        Term::Op(Op::Or, ps) => or(ps.iter().map(simplify).collect()),
        Term::Bind(b @ (Binder::Forall | Binder::Exists), vs, body) => match simplify(body) {
            Term::Bool(v) => Term::Bool(v),
            body if *b == Binder::Forall => forall(vs.clone(), body),
            body => exists(vs.clone(), body),
        },
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::fun;

    fn x(i: Term) -> Term {
        fun("x", vec![Sort::P], Sort::Bool).app(vec![i])
    }

    /// `∃v. ∀i. (x(i) ∧ v) ∨ (¬x(i) ∧ ¬v)` (in NNF) is the disjunction of
    /// "all true" and "all false", with no Boolean binder left.
    #[test]
    fn an_existential_over_bool_becomes_its_two_cases() {
        let (v, i) = (Var::new("v", Sort::Bool), Var::new("i", Sort::P));
        let same = or(vec![
            and(vec![x(i.t()), v.t()]),
            and(vec![Term::Op(Op::Not, vec![x(i.t())]), Term::Op(Op::Not, vec![v.t()])]),
        ]);
        let f = exists(vec![v], forall(vec![i.clone()], same));
        let all_true = forall(vec![i.clone()], x(i.t()));
        let all_false = forall(vec![i.clone()], Term::Op(Op::Not, vec![x(i.t())]));
        assert_eq!(expand(&f), or(vec![all_false, all_true]));
    }

    /// Variables of other sorts stay bound; past the cap, Boolean ones too.
    #[test]
    fn other_variables_stay_bound_and_the_expansion_is_capped() {
        let i = Var::new("i", Sort::P);
        let bs: Vec<Var> = (0..MAX_EXPANDED + 1).map(|k| Var::new(format!("b{k}"), Sort::Bool)).collect();
        let mut vars = vec![i.clone()];
        vars.extend(bs.iter().cloned());
        let body = or(std::iter::once(x(i.t())).chain(bs.iter().map(Var::t)).collect());
        let got = expand(&forall(vars, body));
        let Term::Bind(Binder::Forall, kept, _) = &got else { panic!("a universal stays: {got}") };
        assert_eq!(kept, &vec![i, bs[MAX_EXPANDED].clone()]);
    }
}
