//! Pass 2: "uniquely defined universals" (the one-point rule).
//!
//! `∀A. A ≠ t ∨ χ(A)` becomes `χ(t)` and `∃A. A = t ∧ χ(A)` becomes `χ(t)`
//! when `A` does not occur in `t`. Negated invariants otherwise quantify over
//! sets (`∀A. A ≠ {x | ψ} ∨ …`), which no later pass could instantiate well.
//!
//! Soundness: the one-point rule is an equivalence in every structure.

use super::syntax::{self, and, or};
use crate::{Binder, Op, Term, Var};

/// Apply the one-point rule everywhere in an NNF formula.
pub fn eliminate_defined(t: &Term) -> Term {
    match t {
        Term::Bind(b @ (Binder::Forall | Binder::Exists), vs, body) => {
            let mut vs = vs.clone();
            let mut body = eliminate_defined(body);
            let forall = *b == Binder::Forall;
            while let Some((k, def, rest)) = find_definition(&vs, &body, forall) {
                let v = vs.remove(k);
                body = refold(&rest.subst(&[(v, def)]));
            }
            if forall {
                syntax::forall(vs, body)
            } else {
                syntax::exists(vs, body)
            }
        }
        Term::Op(op, args) => Term::Op(op.clone(), args.iter().map(eliminate_defined).collect()),
        other => other.clone(),
    }
}

/// Find `v ∈ vs` with a defining literal among the parts of `body` (`v ≠ t`
/// among disjuncts for `∀`, `v = t` among conjuncts for `∃`). Returns the
/// index of `v`, the definition `t` and the body without that literal.
fn find_definition(vs: &[Var], body: &Term, forall: bool) -> Option<(usize, Term, Term)> {
    let parts: Vec<Term> = match (body, forall) {
        (Term::Op(Op::Or, ps), true) | (Term::Op(Op::And, ps), false) => ps.clone(),
        (other, _) => vec![other.clone()],
    };
    for (k, v) in vs.iter().enumerate() {
        for (j, p) in parts.iter().enumerate() {
            let eq_args = match (p, forall) {
                (Term::Op(Op::Not, a), true) => match &a[0] {
                    Term::Op(Op::Eq, ab) => Some(ab),
                    _ => None,
                },
                (Term::Op(Op::Eq, ab), false) => Some(ab),
                _ => None,
            };
            let Some(ab) = eq_args else { continue };
            let def = if ab[0] == v.t() && !ab[1].free_vars().contains(v) {
                ab[1].clone()
            } else if ab[1] == v.t() && !ab[0].free_vars().contains(v) {
                ab[0].clone()
            } else {
                continue;
            };
            let rest: Vec<Term> = parts
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != j)
                .map(|(_, p)| p.clone())
                .collect();
            let rest = if forall { or(rest) } else { and(rest) };
            return Some((k, def, rest));
        }
    }
    None
}

/// Re-fold constants after a substitution (`t = t` becomes `true`, …).
fn refold(t: &Term) -> Term {
    match t {
        Term::Op(Op::And, ps) => and(ps.iter().map(refold).collect()),
        Term::Op(Op::Or, ps) => or(ps.iter().map(refold).collect()),
        Term::Op(Op::Not, a) => match refold(&a[0]) {
            Term::Bool(b) => Term::Bool(!b),
            other => Term::Op(Op::Not, vec![other]),
        },
        Term::Op(Op::Eq, ab) => syntax::eq(ab[0].clone(), ab[1].clone()),
        Term::Bind(Binder::Forall, vs, b) => syntax::forall(vs.clone(), refold(b)),
        Term::Bind(Binder::Exists, vs, b) => syntax::exists(vs.clone(), refold(b)),
        other => other.clone(),
    }
}
