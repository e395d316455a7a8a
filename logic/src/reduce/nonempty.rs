//! Pass 1b: an asserted non-empty comprehension gets a member.
//!
//! A literal of the NNF formula that says a comprehension is not empty
//! (`0 < |{x | φ}|`, `1 ≤ |{x | φ}|`, `¬(|{x | φ}| = 0)`, `¬(|{x | φ}| ≤ 0)`)
//! and is asserted, i.e. reached from the root through `∧`, `∀` and `∃`
//! only, is conjoined with `∃x. φ`; a set built by `∪`, `∩` or `∖`
//! (`ho(p).intersects(&ho(q))` is `¬(|HO(p) ∩ HO(q)| = 0)`) likewise with
//! `∃x. x ∈ S`, which [`super::sets`] then expands. The cardinality alone gives a member
//! only where a Venn group has a witness (ground sets); with the `∃`,
//! Skolemization gives one for every instance, so
//! `∀p q. |{s | s ∈ HO(p) ∧ s ∈ HO(q)}| > 0` gets the same witness `s(p, q)`
//! as `∀p q. ∃s. s ∈ HO(p) ∧ s ∈ HO(q)`. The other direction,
//! `|{x | φ}| = 0 ⇒ ∀x. ¬φ`, needs no rewrite: a member makes any set
//! non-empty (`membership.rs`). Literals inside a disjunction (the cases of
//! a lifted `ite`, such as a mailbox's `mbox ≠ ∅` of `max_by_key`) are left
//! alone: the equivalence holds there too, but a Skolem function per case
//! costs the solver more than it gives (measured on the benchmarks).
//!
//! Soundness: for a finite set, `|{x | φ}| ≥ 1 ⇔ ∃x. φ`, so the literal is
//! equivalent to its conjunction with `∃x. φ`: the models are unchanged.

use super::names::NameGen;
use super::syntax::{self, and};
use crate::{Binder, Op, Term};

/// `f` (in NNF) with every asserted non-emptiness literal conjoined with
/// its `∃`.
pub fn add_members(f: &Term, names: &mut NameGen) -> Term {
    match f {
        Term::Op(Op::And, ps) => and(ps.iter().map(|p| add_members(p, names)).collect()),
        Term::Bind(b @ (Binder::Forall | Binder::Exists), vs, body) => {
            Term::Bind(*b, vs.clone(), Box::new(add_members(body, names)))
        }
        literal => match nonempty_comprehension(literal) {
            Some((x, body)) => {
                let fresh = names.fresh_var(&x);
                let body = body.subst(&[(x, fresh.t())]);
                and(vec![literal.clone(), syntax::exists(vec![fresh], body)])
            }
            None => literal.clone(),
        },
    }
}

/// The element variable and body of the comprehension a literal says is
/// not empty (for a set built by an operator, `x ∈ S` with a new `x`).
fn nonempty_comprehension(literal: &Term) -> Option<(crate::Var, Term)> {
    let comprehension = |t: &Term| match t {
        Term::Op(Op::Card, s) => match &s[0] {
            Term::Bind(Binder::Comprehension, x, body) => Some((x[0].clone(), (**body).clone())),
            set @ Term::Op(Op::Union | Op::Inter | Op::Diff, _) => {
                let x = crate::Var::new("x", set.sort().set_elem()?.clone());
                Some((x.clone(), Term::Op(Op::Member, vec![x.t(), set.clone()])))
            }
            _ => None,
        },
        _ => None,
    };
    match literal {
        Term::Op(Op::Lt, ab) if ab[0] == Term::Int(0) => comprehension(&ab[1]),
        Term::Op(Op::Le, ab) if ab[0] == Term::Int(1) => comprehension(&ab[1]),
        Term::Op(Op::Not, a) => match &a[0] {
            Term::Op(Op::Le, ab) if ab[1] == Term::Int(0) => comprehension(&ab[0]),
            Term::Op(Op::Eq, ab) if ab[1] == Term::Int(0) => comprehension(&ab[0]),
            Term::Op(Op::Eq, ab) if ab[0] == Term::Int(0) => comprehension(&ab[1]),
            _ => None,
        },
        _ => None,
    }
}
