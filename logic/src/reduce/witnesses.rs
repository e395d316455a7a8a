//! Pass 7c: cardinality witnesses for the sets the Venn groups leave out.
//!
//! The ground Venn groups (`venn.rs`) give witnesses for ground sets that are
//! not instances of a family; parameterized regions (`regions.rs`) count the
//! families but create no process. Consensus proofs still need an element of
//! `S ∖ T` when `|S| > |T|` (a process that had the value and lost it) or of
//! `S ∩ T` when `|S| + |T| > n` (a process two quorums share) where `S` or
//! `T` is a family instance, or a set the solver only meets at a value it
//! picks for a kept universal (`{i | x'(i) = v}` under `∀v`). So for every
//! ground set of processes `S` and every set term `T(v̄)` of a kept universal
//! whose free variables `v̄` are all data:
//! - `∀v̄. |T(v̄)| < |S| ⇒ d(v̄) ∈ S ∧ d(v̄) ∉ T(v̄)`, and the same with `S`
//!   and `T` swapped;
//! - `∀v̄. n < |S| + |T(v̄)| ⇒ u(v̄) ∈ S ∧ u(v̄) ∈ T(v̄)`,
//!
//! for fresh `d`, `d'`, `u : V̄ → P`; on request (`universe_witnesses`) also
//! `∀v̄. |T(v̄)| < n ⇒ o(v̄) ∉ T(v̄)` (`S` the whole universe: everyone
//! but someone adopted `v`). (Pairs of ground sets are left out:
//! their number grows quadratically and, measured on OTR, drowns the solver;
//! the ground Venn groups cover the pairs of non-family sets.) Such a
//! witness is a function of data only, never of a process, so no chain of
//! witnesses of witnesses can start.
//!
//! On request (`processes`: the parametric strategy's deeper reduction,
//! after its first one failed), the families over processes are open sets
//! too (`{j ∈ HO(y) | x(j) = v}` under `∀y`, one per family), so their
//! witnesses are functions of processes. A binary One-Third Rule written
//! with counts needs, at its step, a process `d` of `C(p) ∖ X'` (a voter
//! for the value `p` decided on that does not hold it after the round) and
//! then an element of `C'(d) ∩ C(p)` (`d`'s messages for the other value
//! among `p`'s voters): the second at a family instance of the first's
//! witness, which the solver's own instantiation reaches. The caller then
//! also anchors at the families' instances at the processes the input
//! names (`C(p)` above).
//!
//! Soundness: in a model with finite sets, let `d(v̄)` be an element of
//! `S ∖ T(v̄)` when that is non-empty (any process otherwise): when
//! `|T(v̄)| < |S|` it is non-empty. Likewise `u(v̄)` in `S ∩ T(v̄)`, non-empty
//! when `|S| + |T(v̄)| > n` because both are subsets of the `n` processes;
//! and `o(v̄)` outside `T(v̄)`, which misses a process when `|T(v̄)| < n`.

use std::collections::HashSet;

use super::names::NameGen;
use super::syntax::{self, and, card, member, neg, or, proc_count};
use crate::{Binder, Fun, Op, Sort, Term, Var};

/// Most witness constraints one query gets (each is cheap, but the solver
/// instantiates the kept universals at every witness).
const MAX_WITNESSES: usize = 400;

/// A set of processes, with the data variables it depends on.
struct SetTerm {
    set: Term,
    vars: Vec<Var>,
}

/// Set-of-process terms of the kept universals whose free variables are all
/// data variables of the universal (`{i | x'(i) = v}` under `∀v`), or with
/// `processes` also process variables.
fn open_sets(universals: &[Term], processes: bool) -> Vec<SetTerm> {
    let mut out: Vec<SetTerm> = Vec::new();
    for u in universals {
        let Term::Bind(Binder::Forall, vs, body) = u else { continue };
        body.visit(&mut |t| {
            if t.sort() != Sort::set(Sort::P) || !matches!(t, Term::App(..)) {
                return;
            }
            let free = t.free_vars();
            let data = |v: &Var| vs.contains(v) && (syntax::is_data(&v.sort) || (processes && v.sort == Sort::P));
            // One per family applied to distinct variables (`HO(i$1)` and
            // `HO(i$2)` are the same open set).
            let same = |o: &SetTerm| match (&o.set, t) {
                (Term::App(f, xs), Term::App(g, ys)) if f == g => {
                    let vars = |zs: &[Term]| zs.iter().all(|z| matches!(z, Term::Var(_))) && zs.iter().collect::<HashSet<_>>().len() == zs.len();
                    o.set == *t || (vars(xs) && vars(ys))
                }
                _ => o.set == *t,
            };
            if !free.is_empty() && free.iter().all(data) && !out.iter().any(same) {
                out.push(SetTerm { set: t.clone(), vars: free });
            }
        });
    }
    out
}

fn witness(names: &mut NameGen, tag: &str, vars: &[Var]) -> Term {
    let args: Vec<Sort> = vars.iter().map(|v| v.sort.clone()).collect();
    Fun::new(names.fresh(&format!("cwit${tag}$")), args, Sort::P).app(vars.iter().map(Var::t).collect())
}

fn lt(a: Term, b: Term) -> Term {
    Term::Op(Op::Lt, vec![a, b])
}

/// `Σ |T_i| < |S| ⇒ d ∈ S ∧ ⋀ d ∉ T_i` for the sets `outside`, universally
/// closed over `vars`, with a fresh witness `d` named by `tag`.
pub(super) fn difference(s: &Term, outside: &[Term], vars: &[Var], tag: &str, names: &mut NameGen) -> Term {
    let d = witness(names, tag, vars);
    let sizes = syntax::sum(outside.iter().map(|t| card(t.clone())).collect());
    let mut inside = vec![member(d.clone(), s.clone())];
    inside.extend(outside.iter().map(|t| neg(&member(d.clone(), t.clone()))));
    syntax::forall(vars.to_vec(), or(vec![neg(&lt(sizes, card(s.clone()))), and(inside)]))
}

/// `n < |S| + |T| ⇒ u ∈ S ∧ u ∈ T`, universally closed over `vars`.
fn intersection(s: &Term, t: &Term, vars: &[Var], names: &mut NameGen) -> Term {
    let u = witness(names, "meet", vars);
    let both = Term::Op(Op::Add, vec![card(s.clone()), card(t.clone())]);
    let body = or(vec![
        neg(&lt(proc_count(), both)),
        and(vec![member(u.clone(), s.clone()), member(u, t.clone())]),
    ]);
    syntax::forall(vars.to_vec(), body)
}

/// `|T| < n ⇒ d ∉ T`, universally closed over `vars`: a set short of
/// everyone misses someone (a fresh witness `d` named by `tag`).
pub(super) fn outside(t: &Term, vars: &[Var], tag: &str, names: &mut NameGen) -> Term {
    let d = witness(names, tag, vars);
    let body = or(vec![neg(&lt(card(t.clone()), proc_count())), neg(&member(d, t.clone()))]);
    syntax::forall(vars.to_vec(), body)
}

/// The witness constraints for the ground sets `ground` against the open
/// sets of the kept `universals` (with `processes`, also those over
/// processes); with `universe`, also an element outside each open set
/// smaller than `n`.
pub fn cardinality_witnesses(
    ground: &[Term],
    universals: &[Term],
    universe: bool,
    processes: bool,
    names: &mut NameGen,
) -> Vec<Term> {
    let ground: Vec<&Term> = ground.iter().filter(|s| s.sort() == Sort::set(Sort::P)).collect();
    let mut pairs: Vec<(Term, SetTerm)> = Vec::new();
    let open = open_sets(universals, processes);
    for s in &ground {
        for t in &open {
            pairs.push(((*s).clone(), SetTerm { set: t.set.clone(), vars: t.vars.clone() }));
        }
    }
    let mut out = Vec::new();
    if universe {
        for t in &open {
            out.push(outside(&t.set, &t.vars, "out", names));
        }
    }
    for (s, t) in pairs {
        if out.len() + 3 > MAX_WITNESSES {
            break;
        }
        out.push(difference(&s, std::slice::from_ref(&t.set), &t.vars, "diff", names));
        out.push(difference(&t.set, std::slice::from_ref(&s), &t.vars, "diff", names));
        out.push(intersection(&s, &t.set, &t.vars, names));
    }
    out
}
