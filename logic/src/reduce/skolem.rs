//! Pass 4: Skolemization, and splitting `∀` over `∧`.
//!
//! In an NNF formula, `∃x̄. φ` below the universals `ū` becomes `φ[f(ū')/x̄]`
//! for fresh symbols `f` of the universals `ū' ⊆ ū` that `φ` mentions; a
//! top-level `∃` becomes fresh constants. Then `∀x̄. (φ ∧ ψ)` is split into
//! `∀x̄. φ ∧ ∀x̄. ψ` so each conjunct is stratified or instantiated alone.
//!
//! Occurrences of one existential (equal up to the renaming of bound
//! variables and of the universals it depends on) share their symbols: an
//! update that tests `∃s ∈ HO(p). φ(s)` once per field it assigns would
//! otherwise give one Skolem function per test, and the ground terms (and
//! so the instances) of the reduction grow with each.
//!
//! Soundness: given a model of the input, interpret each Skolem symbol by a
//! choice of witness (any value where none exists): the output holds. A
//! shared symbol is one choice function, Hilbert's `εx̄. φ`, which is a
//! witness wherever `φ` has one, at every occurrence alike. Splitting is an
//! equivalence.

use std::collections::HashMap;

use super::comprehension::canonical;
use super::names::NameGen;
use super::syntax::{self, and, or};
use crate::{Binder, Fun, Op, Term, Var};

/// One Skolemization of several formulas (a query and the definitions of
/// its symbols): the symbols made, and those of each existential met so
/// far (keyed by its canonical form), shared by all the formulas.
pub struct Skolemizer<'a> {
    names: &'a mut NameGen,
    syms: Vec<Fun>,
    shared: HashMap<Term, Vec<Fun>>,
}

impl<'a> Skolemizer<'a> {
    /// A Skolemization drawing its names from `names`.
    pub fn new(names: &'a mut NameGen) -> Skolemizer<'a> {
        Skolemizer { names, syms: Vec::new(), shared: HashMap::new() }
    }

    /// Skolemize an NNF formula whose free variables `univ` are read as
    /// universally quantified (Skolem symbols may depend on them).
    pub fn open(&mut self, f: &Term, univ: &[Var]) -> Term {
        let out = self.go(f, &mut univ.to_vec());
        split_forall(&out)
    }

    /// The symbols made.
    pub fn into_symbols(self) -> Vec<Fun> {
        self.syms
    }

    fn go(&mut self, f: &Term, univ: &mut Vec<Var>) -> Term {
        match f {
            Term::Op(Op::And, ps) => and(ps.iter().map(|p| self.go(p, univ)).collect()),
            Term::Op(Op::Or, ps) => or(ps.iter().map(|p| self.go(p, univ)).collect()),
            Term::Bind(Binder::Forall, vs, body) => {
                let k = univ.len();
                univ.extend(vs.iter().cloned());
                let body = self.go(body, univ);
                univ.truncate(k);
                syntax::forall(vs.clone(), body)
            }
            Term::Bind(Binder::Exists, vs, body) => {
                let free = body.free_vars();
                let deps: Vec<Var> = univ.iter().filter(|u| free.contains(u)).cloned().collect();
                let funs = self.symbols(f, vs, &deps);
                let args: Vec<Term> = deps.iter().map(Var::t).collect();
                let map: Vec<(Var, Term)> =
                    vs.iter().cloned().zip(funs.iter().map(|fun| fun.app(args.clone()))).collect();
                self.go(&body.subst(&map), univ)
            }
            other => other.clone(),
        }
    }

    /// The Skolem symbols of `exists` (binding `vs`, depending on `deps`):
    /// those of an earlier occurrence equal up to renaming, else fresh ones.
    fn symbols(&mut self, exists: &Term, vs: &[Var], deps: &[Var]) -> Vec<Fun> {
        let key = canonical(exists, deps);
        if let Some(funs) = self.shared.get(&key) {
            return funs.clone();
        }
        let funs: Vec<Fun> = vs
            .iter()
            .map(|v| {
                let stem = v.name.split('$').next().unwrap_or("x");
                Fun::new(
                    self.names.fresh(&format!("sk${stem}$")),
                    deps.iter().map(|d| d.sort.clone()).collect(),
                    v.sort.clone(),
                )
            })
            .collect();
        self.syms.extend(funs.iter().cloned());
        self.shared.insert(key, funs.clone());
        funs
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::{and, exists, forall, fun, or, var};
    use crate::Sort;

    /// `∀p. (∃s. r(p, s)) ∧ ∀q. (q = q ∨ ∃t. r(q, t))`: the two existentials
    /// are one up to renaming (of `s`/`t` and of the universal each depends
    /// on), so they get one Skolem function; a different body gets its own.
    #[test]
    fn equal_existentials_share_one_skolem_function() {
        let r = fun("r", vec![Sort::P, Sort::P], Sort::Bool);
        let g = fun("g", vec![Sort::P, Sort::P], Sort::Bool);
        let (p, q, s, t, u) = (var("p", Sort::P), var("q", Sort::P), var("s", Sort::P), var("t", Sort::P), var("u", Sort::P));
        let first = exists(vec![s.clone()], r.app(vec![p.t(), s.t()]));
        let second = exists(vec![t.clone()], r.app(vec![q.t(), t.t()]));
        let other = exists(vec![u.clone()], g.app(vec![q.t(), u.t()]));
        let trivial = crate::Term::Op(Op::Eq, vec![q.t(), q.t()]);
        let f = forall(vec![p], and(vec![first, forall(vec![q], or(vec![trivial, second, other]))]));
        let mut names = NameGen::default();
        let mut sk = Skolemizer::new(&mut names);
        sk.open(&f, &[]);
        let syms = sk.into_symbols();
        assert_eq!(syms.len(), 2, "one symbol for the two `r` existentials, one for `g`: {syms:?}");
    }
}
