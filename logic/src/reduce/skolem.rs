//! Pass 4: Skolemization, and splitting `∀` over `∧`.
//!
//! In an NNF formula, `∃x̄. φ` below the universals `ū` becomes `φ[f(ū')/x̄]`
//! for fresh symbols `f` of the universals `ū' ⊆ ū` that `φ` mentions; a
//! top-level `∃` becomes fresh constants. Then `∀x̄. (φ ∧ ψ)` is split into
//! `∀x̄. φ ∧ ∀x̄. ψ` so each conjunct is stratified or instantiated alone.
//!
//! Soundness: given a model of the input, interpret each Skolem symbol by a
//! choice of witness (any value where none exists): the output holds.
//! Splitting is an equivalence.

use super::names::NameGen;
use super::syntax::{self, and, or};
use crate::{Binder, Fun, Op, Term, Var};

/// Skolemize an NNF formula; returns the formula and the new symbols.
pub fn skolemize(f: &Term, names: &mut NameGen) -> (Term, Vec<Fun>) {
    skolemize_open(f, &[], names)
}

/// Skolemize an NNF formula whose free variables `univ` are read as
/// universally quantified (Skolem symbols may depend on them).
pub fn skolemize_open(f: &Term, univ: &[Var], names: &mut NameGen) -> (Term, Vec<Fun>) {
    let mut syms = Vec::new();
    let out = go(f, &mut univ.to_vec(), names, &mut syms);
    (split_forall(&out), syms)
}

fn go(f: &Term, univ: &mut Vec<Var>, names: &mut NameGen, syms: &mut Vec<Fun>) -> Term {
    match f {
        Term::Op(Op::And, ps) => and(ps.iter().map(|p| go(p, univ, names, syms)).collect()),
        Term::Op(Op::Or, ps) => or(ps.iter().map(|p| go(p, univ, names, syms)).collect()),
        Term::Bind(Binder::Forall, vs, body) => {
            let k = univ.len();
            univ.extend(vs.iter().cloned());
            let body = go(body, univ, names, syms);
            univ.truncate(k);
            syntax::forall(vs.clone(), body)
        }
        Term::Bind(Binder::Exists, vs, body) => {
            let free = body.free_vars();
            let deps: Vec<Var> = univ.iter().filter(|u| free.contains(u)).cloned().collect();
            let map: Vec<(Var, Term)> = vs
                .iter()
                .map(|v| {
                    let stem = v.name.split('$').next().unwrap_or("x");
                    let fun = Fun::new(
                        names.fresh(&format!("sk${stem}$")),
                        deps.iter().map(|d| d.sort.clone()).collect(),
                        v.sort.clone(),
                    );
                    syms.push(fun.clone());
                    (v.clone(), fun.app(deps.iter().map(Var::t).collect()))
                })
                .collect();
            go(&body.subst(&map), univ, names, syms)
        }
        other => other.clone(),
    }
}

/// `∀x̄. (φ ∧ ψ)` ↦ `∀x̄. φ ∧ ∀x̄. ψ`, everywhere.
pub fn split_forall(f: &Term) -> Term {
    match f {
        Term::Op(Op::And, ps) => and(ps.iter().map(split_forall).collect()),
        Term::Op(Op::Or, ps) => or(ps.iter().map(split_forall).collect()),
        Term::Bind(Binder::Forall, vs, body) => match split_forall(body) {
            Term::Op(Op::And, ps) => and(ps
                .into_iter()
                .map(|p| syntax::forall(vs.clone(), p))
                .collect()),
            other => syntax::forall(vs.clone(), other),
        },
        other => other.clone(),
    }
}
