//! Pass 5b: a universal guarded by ground disjuncts becomes a top-level
//! universal: `ℓ₁ ∨ … ∨ ∀x̄. φ` ↦ `∀x̄. ℓ₁ ∨ … ∨ φ`.
//!
//! Instantiation ([`super::instantiate`]) and model-guided refinement
//! ([`super::refine`]) work on the top-level universals; one under a
//! disjunction was left to the solver's own instantiation. Specs write
//! such disjunctions naturally: a safety predicate `r = 0 ∨ ∀q. …`
//! ("from the second round on, …"), an invariant `decided ∨ ∀p. …`. In a
//! VC part where the guard is false, the universal is the whole fact, and
//! the proof needs it at the witnesses the reduction makes (measured:
//! FloodMin under crash faults, whose step needs the safety predicate at
//! a region witness of two mailboxes).
//!
//! Only when the other disjuncts are ground and exactly one disjunct is a
//! universal, at the top level of the formula (outside every binder): the
//! universal keeps its arity, so instantiation costs what it did for the
//! same universal stated unguarded.
//!
//! Soundness: an equivalence. Bound names are unique after
//! [`super::normalize`], so `x̄` is not free in the guards, and
//! `A ∨ ∀x̄. φ ⇔ ∀x̄. (A ∨ φ)` when `x̄` is not free in `A`.

use super::syntax::{self, conjuncts};
use crate::{Binder, Op, Term};

/// Lift the guarded universals among the conjuncts of `f`.
pub fn lift(f: &Term) -> Term {
    syntax::and(conjuncts(f.clone()).iter().map(lift_one).collect())
}

fn lift_one(f: &Term) -> Term {
    let Term::Op(Op::Or, ds) = f else { return f.clone() };
    let universal = |d: &Term| matches!(d, Term::Bind(Binder::Forall, ..));
    if ds.iter().filter(|d| universal(d)).count() != 1 || !ds.iter().all(|d| universal(d) || syntax::is_ground(d)) {
        return f.clone();
    }
    let mut guards = Vec::new();
    let mut lifted = None;
    for d in ds {
        match d {
            Term::Bind(Binder::Forall, vs, body) => lifted = Some((vs.clone(), (**body).clone())),
            guard => guards.push(guard.clone()),
        }
    }
    let (vs, body) = lifted.expect("exactly one universal disjunct");
    guards.push(body);
    syntax::forall(vs, syntax::or(guards))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::{cnst, forall, fun, or, var};
    use crate::Sort;

    /// `r = 0 ∨ ∀q. ¬s(q)` becomes `∀q. r = 0 ∨ ¬s(q)`; a disjunction
    /// with two universals, or with a guard that has a variable, stays.
    #[test]
    fn a_universal_guarded_by_ground_disjuncts_is_lifted() {
        let s = fun("s", vec![Sort::P], Sort::Bool);
        let q = var("q", Sort::P);
        let guard = Term::Op(Op::Eq, vec![cnst("r", Sort::Int), Term::Int(0)]);
        let body = Term::Op(Op::Not, vec![s.app(vec![q.t()])]);
        let f = or(vec![guard.clone(), forall(vec![q.clone()], body.clone())]);
        assert_eq!(lift(&f), forall(vec![q.clone()], or(vec![guard.clone(), body.clone()])));
        let p = var("p", Sort::P);
        let two = or(vec![guard, forall(vec![q.clone()], body.clone()), forall(vec![p.clone()], s.app(vec![p.t()]))]);
        assert_eq!(lift(&two), two);
    }
}
