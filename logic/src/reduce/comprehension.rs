//! Pass 3: symbolize comprehensions.
//!
//! `{x | ψ(x, ā)}` (with `ā` its free variables) becomes `c_k(ā)` for a fresh
//! symbol `c_k : Ā → Set(X)` defined by `∀ā ∀x. x ∈ c_k(ā) ⇔ ψ(x, ā)`
//! (kept apart, see [`Definition`]). Equal
//! bodies up to renaming of bound variables share one symbol, so the
//! e-graph and the Venn regions see one set where the formula wrote two.
//!
//! Soundness: interpret `c_k(ā)` as the set `{x | ψ(x, ā)}` (finite: the
//! element sort is `P`, a finite uninterpreted sort, or the set is built
//! from finite sets by `∪ ∩ ∖`); the definition then holds, and replacing
//! each comprehension by a term denoting the same set changes no truth value.

use std::collections::HashMap;

use super::names::NameGen;
use super::syntax::{self, and, member, neg, or};
use crate::{Binder, Fun, Op, Sort, Term, Var};

/// Prefix of comprehension symbols.
pub const PREFIX: &str = "compr$";

/// The definition of a comprehension symbol `c`: `∀x. x ∈ c(ā) ⇔ ψ(x, ā)`
/// with the parameters `ā` left free. It is instantiated only at the ground
/// terms `c(t̄)` that occur (instantiating it eagerly at every tuple of
/// ground terms would create a set term, hence Venn regions, per tuple).
#[derive(Clone, Debug)]
pub struct Definition {
    /// The symbol.
    pub fun: Fun,
    /// Its parameters (free in `formula`).
    pub params: Vec<Var>,
    /// `∀x. (x ∉ c(ā) ∨ ψ) ∧ ∀x. (x ∈ c(ā) ∨ ¬ψ)`, in NNF.
    pub formula: Term,
}

/// Comprehension symbols and their definitions.
#[derive(Default)]
pub struct Symbolizer {
    by_body: HashMap<Term, Fun>,
    /// The definitions, one per symbol.
    pub definitions: Vec<Definition>,
    /// The symbols introduced, in order.
    pub symbols: Vec<Fun>,
    /// For each symbol: its parameters, element variable and body.
    pub bodies: HashMap<String, (Vec<Var>, Var, Term)>,
}

impl Symbolizer {
    /// Replace every comprehension of `t` (innermost first) by its symbol.
    pub fn run(&mut self, t: &Term, names: &mut NameGen) -> Term {
        match t {
            Term::Bind(Binder::Comprehension, x, body) => {
                let body = self.run(body, names);
                // η: `{x | x ∈ T}` is `T` when `x` is not free in `T` (extensionality).
                if let Term::Op(Op::Member, es) = &body
                    && es[0] == x[0].t()
                    && !es[1].free_vars().contains(&x[0])
                {
                    return es[1].clone();
                }
                let params: Vec<Var> = body
                    .free_vars()
                    .into_iter()
                    .filter(|v| v != &x[0])
                    .collect();
                let comp = Term::Bind(Binder::Comprehension, x.clone(), Box::new(body.clone()));
                let key = canonical(&comp, &params);
                let fun = match self.by_body.get(&key) {
                    Some(f) => f.clone(),
                    None => {
                        let name = names.fresh(PREFIX);
                        let args: Vec<Sort> = params.iter().map(|p| p.sort.clone()).collect();
                        let fun = Fun::new(name, args, Sort::set(x[0].sort.clone()));
                        let set = fun.app(params.iter().map(Var::t).collect());
                        let mem = member(x[0].t(), set);
                        // x ∈ c(ā) ⇒ ψ  and  ψ ⇒ x ∈ c(ā), split so each is its own axiom.
                        let fwd = syntax::forall(x.clone(), or(vec![neg(&mem), body.clone()]));
                        let bwd = syntax::forall(x.clone(), or(vec![mem, neg(&body)]));
                        let formula = and(vec![fwd, bwd]);
                        self.definitions.push(Definition {
                            fun: fun.clone(),
                            params: params.clone(),
                            formula,
                        });
                        self.by_body.insert(key, fun.clone());
                        self.symbols.push(fun.clone());
                        self.bodies.insert(
                            fun.name.clone(),
                            (params.clone(), x[0].clone(), body.clone()),
                        );
                        fun
                    }
                };
                fun.app(params.iter().map(Var::t).collect())
            }
            Term::Bind(b, vs, body) => Term::Bind(*b, vs.clone(), Box::new(self.run(body, names))),
            Term::App(f, args) => {
                Term::App(f.clone(), args.iter().map(|a| self.run(a, names)).collect())
            }
            Term::Op(op, args) => Term::Op(
                op.clone(),
                args.iter().map(|a| self.run(a, names)).collect(),
            ),
            other => other.clone(),
        }
    }
}

/// `t` with its parameters renamed `a$1, a$2, …` and its bound variables
/// renamed in traversal order: equal keys mean equal up to α-renaming.
pub(super) fn canonical(t: &Term, params: &[Var]) -> Term {
    let map: Vec<(Var, Term)> = params
        .iter()
        .enumerate()
        .map(|(k, p)| (p.clone(), Var::new(format!("a${k}"), p.sort.clone()).t()))
        .collect();
    let mut counter = 0;
    rename_binders(&t.subst(&map), &mut counter)
}

fn rename_binders(t: &Term, counter: &mut usize) -> Term {
    match t {
        Term::Bind(b, vs, body) => {
            let fresh: Vec<Var> = vs
                .iter()
                .map(|v| {
                    *counter += 1;
                    Var::new(format!("b${counter}"), v.sort.clone())
                })
                .collect();
            let map: Vec<(Var, Term)> = vs.iter().cloned().zip(fresh.iter().map(Var::t)).collect();
            Term::Bind(
                *b,
                fresh,
                Box::new(rename_binders(&body.subst(&map), counter)),
            )
        }
        Term::App(f, args) => Term::App(
            f.clone(),
            args.iter().map(|a| rename_binders(a, counter)).collect(),
        ),
        Term::Op(op, args) => Term::Op(
            op.clone(),
            args.iter().map(|a| rename_binders(a, counter)).collect(),
        ),
        other => other.clone(),
    }
}

/// Whether `t` still contains a comprehension (it must not after this pass).
pub fn has_comprehension(t: &Term) -> bool {
    let mut found = false;
    t.visit(&mut |s| found |= matches!(s, Term::Bind(Binder::Comprehension, _, _)));
    found
}

/// Whether `op` is a set operator that must be gone after pass 1b.
pub fn is_set_operator(op: &Op) -> bool {
    matches!(
        op,
        Op::Subset | Op::Union | Op::Inter | Op::Diff | Op::Singleton | Op::Empty(_) | Op::AllProcs
    )
}
