//! Pass 1: "no value the processes agree on", read pairwise.
//!
//! `∃v. ∀i. g(i) ⇒ (t(i) = v ∧ …)`, "the guarded processes agree on a
//! value", is as often written as `∀i. ∀j. g(i) ∧ g(j) ⇒ t(i) = t(j) ∧ …`.
//! As a goal the two are far apart for the reduction: negated, the
//! pairwise form names two processes that disagree, while the value form
//! becomes `∀v. ∃i. g(i) ∧ (t(i) ≠ v ∨ …)`, whose witness `i` is a
//! function of `v`, refuted only at the value another witness holds (one
//! generation of instances past the first). So in the NNF,
//!
//! ```text
//! ∀v. ∃ī. g(ī) ∧ (t(ī) ≠ v ∨ R(ī, v))
//!   ↦ ∃j̄. g(j̄) ∧ ∃ī. g(ī) ∧ (t(ī) ≠ t(j̄) ∨ R(ī, t(j̄)))
//! ```
//!
//! where `v` (of a data sort) occurs in neither `g` nor `t`; `j̄` is a
//! fresh copy of `ī`.
//!
//! With no guard (`g` is `true`), `v` could be refuted at `t(c)` for a
//! process term `c` the query has, but the witness at that value is a
//! process named by a value, again one generation late: "all hold one
//! value and the decided decided it" was `unknown` at 60 s in the value
//! form and proved in 1 s pairwise. The two processes the pairwise form
//! names are two more terms every universal is instantiated at (a ground
//! query of a one-step consensus grew from 2,053 to 36,229 assertions,
//! its VC from 7 s to 13 s, still proved).
//!
//! Soundness: an equivalence in every structure. Write `Ψ(ī, v)` for
//! `¬g(ī) ∨ (t(ī) = v ∧ ¬R(ī, v))`; the left side is `¬∃v. ∀ī. Ψ(ī, v)`
//! and the right `¬∀j̄. ¬g(j̄) ∨ ∀ī. Ψ(ī, t(j̄))`. If `∀ī. Ψ(ī, v)` for
//! some `v`, then `t(j̄) = v` for every `j̄` with `g(j̄)` (from `Ψ(j̄, v)`),
//! so `∀ī. Ψ(ī, t(j̄))` there. Conversely, if some `j̄` has `g(j̄)`, take
//! `v = t(j̄)`; if none has, `∀ī. Ψ(ī, v)` holds through `¬g` at any `v`
//! (value sorts are not empty).

use super::names::NameGen;
use super::normalize::rename_bound;
use super::syntax::{self, and, or};
use crate::{Binder, Op, Term, Var};

/// `f` (in NNF, unique bound names) with every "no agreed value" universal
/// read pairwise (see the module documentation).
pub fn read_pairwise(f: &Term, names: &mut NameGen) -> Term {
    match f {
        Term::Bind(b, vs, body) => {
            let body = read_pairwise(body, names);
            if let (Binder::Forall, [v]) = (b, vs.as_slice())
                && let Some(rewritten) = pairwise(v, &body, names)
            {
                return rewritten;
            }
            Term::Bind(*b, vs.clone(), Box::new(body))
        }
        Term::Op(op, args) => Term::Op(op.clone(), args.iter().map(|a| read_pairwise(a, names)).collect()),
        other => other.clone(),
    }
}

/// The pairwise form of `∀v. body`, when `body` has the shape
/// `∃ī. g(ī) ∧ (t(ī) ≠ v ∨ R(ī, v))`.
fn pairwise(v: &Var, body: &Term, names: &mut NameGen) -> Option<Term> {
    if !syntax::is_data(&v.sort) {
        return None;
    }
    let Term::Bind(Binder::Exists, is, inner) = body else { return None };
    let mentions_v = |t: &Term| t.free_vars().contains(v);
    let conjuncts = syntax::conjuncts((**inner).clone());
    let (with_v, guard): (Vec<Term>, Vec<Term>) = conjuncts.into_iter().partition(|c| mentions_v(c));
    let [disagreement] = with_v.as_slice() else { return None };
    let disjuncts = syntax::disjuncts(disagreement.clone());
    let t = disjuncts.iter().find_map(|d| differs_from(d, v).filter(|t| !mentions_v(t)))?;
    let fresh: Vec<Var> = is.iter().map(|i| names.fresh_var(i)).collect();
    let to_fresh: Vec<(Var, Term)> = is.iter().cloned().zip(fresh.iter().map(Var::t)).collect();
    let t_j = t.subst(&to_fresh);
    let guard_j = rename_bound(&and(guard.clone()).subst(&to_fresh), names);
    let disagreement = rename_bound(&or(disjuncts).subst(&[(v.clone(), t_j)]), names);
    let inner = syntax::exists(is.clone(), and(guard.into_iter().chain([disagreement]).collect()));
    Some(syntax::exists(fresh, and(vec![guard_j, inner])))
}

/// `t` of a literal `t ≠ v` (or `v ≠ t`).
pub(super) fn differs_from(literal: &Term, v: &Var) -> Option<Term> {
    let Term::Op(Op::Not, a) = literal else { return None };
    let [Term::Op(Op::Eq, sides)] = a.as_slice() else { return None };
    match sides.as_slice() {
        [Term::Var(w), t] | [t, Term::Var(w)] if w == v => Some(t.clone()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::{exists, forall, fun, var};
    use crate::{Model, Sort, Value, holds};

    /// `∀v. ∃i. voted(i) ∧ (vote(i) ≠ v ∨ x(i) ≠ v)` ("the voters hold no
    /// common vote") and the same without the guard become an `∃` of two
    /// processes, and each pair agrees on every model with three processes
    /// and votes in `0..=1`.
    #[test]
    fn no_agreed_vote_becomes_two_voters_that_differ() {
        let voted = fun("voted", vec![Sort::P], Sort::Bool);
        let (vote, x) = (fun("vote", vec![Sort::P], Sort::Int), fun("x", vec![Sort::P], Sort::Int));
        let (v, i) = (var("v", Sort::Int), var("i", Sort::P));
        let ne = |a: Term| Term::Op(Op::Not, vec![Term::Op(Op::Eq, vec![a, v.t()])]);
        let differs = or(vec![ne(vote.app(vec![i.t()])), ne(x.app(vec![i.t()]))]);
        for body in [and(vec![voted.app(vec![i.t()]), differs.clone()]), differs] {
            let f = forall(vec![v.clone()], exists(vec![i.clone()], body));
            let mut names = NameGen::avoiding(&f);
            let g = read_pairwise(&f, &mut names);
            assert!(matches!(&g, Term::Bind(Binder::Exists, _, _)), "{g}");
            assert!(!g.to_string().contains("forall"), "{g}");
            for code in 0..(1 << 9) {
                let mut m = Model { n: 3, ..Default::default() };
                m.complete(&[voted.clone(), vote.clone(), x.clone()]);
                for p in 0..3u32 {
                    let bit = |k: u32| (code >> (3 * p + k)) & 1;
                    let arg = vec![Value::Proc(p)];
                    m.funs.get_mut("voted").unwrap().entries.insert(arg.clone(), Value::Bool(bit(0) == 1));
                    m.funs.get_mut("vote").unwrap().entries.insert(arg.clone(), Value::Int(bit(1) as i64));
                    m.funs.get_mut("x").unwrap().entries.insert(arg, Value::Int(bit(2) as i64));
                }
                assert_eq!(holds(&f, &m), holds(&g, &m), "{f} at code {code:b}");
            }
        }
    }

    /// `v` in the guard, or only compared by order, leaves the universal;
    /// with no guard, `∀v. ∃i. x(i) ≠ v` ("`x` is not constant") becomes
    /// two processes that differ.
    #[test]
    fn a_value_read_otherwise_stays() {
        let x = fun("x", vec![Sort::P], Sort::Int);
        let (v, i) = (var("v", Sort::Int), var("i", Sort::P));
        let less = forall(vec![v.clone()], exists(vec![i.clone()], Term::Op(Op::Lt, vec![x.app(vec![i.t()]), v.t()])));
        let mut names = NameGen::avoiding(&less);
        assert_eq!(read_pairwise(&less, &mut names), less);
        let ne = Term::Op(Op::Not, vec![Term::Op(Op::Eq, vec![x.app(vec![i.t()]), v.t()])]);
        let unguarded = forall(vec![v.clone()], exists(vec![i.clone()], ne.clone()));
        let pair = read_pairwise(&unguarded, &mut names);
        assert!(matches!(&pair, Term::Bind(Binder::Exists, vs, _) if vs.len() == 2), "{pair}");
        let guarded = forall(vec![v.clone()], exists(vec![i.clone()], and(vec![Term::Op(Op::Lt, vec![v.t(), Term::Int(3)]), ne])));
        assert_eq!(read_pairwise(&guarded, &mut names), guarded);
    }
}
