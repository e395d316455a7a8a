//! Pass 2b: the instance of a universal over values at the value a
//! guarded process names.
//!
//! "Nobody is guarded, or some value `v` has `A(v)` and every guarded
//! process holds `v`" is how consensus invariants are written: nobody
//! decided, or a quorum holds the value every decider decided,
//! `(∀i. ¬g(i)) ∨ ∃v. A(v) ∧ ∀i. g(i) ⇒ t(i) = v`. As a goal, negated,
//! it is `(∃k. g(k)) ∧ ∀v. ¬A(v) ∨ ∃i. g(i) ∧ t(i) ≠ v`, and one
//! instance decides the universal: at every `v` but `t(k)`, `k` itself
//! is the `i` that differs. So in the NNF,
//!
//! ```text
//! (∃k. g(k)) ∧ ∀v. Φ(v)   ↦   (∃k. g(k) ∧ ∃w. t(k) = w ∧ Φ(w)) ∧ ∀v. Φ(v)
//! ```
//!
//! when one disjunct of `Φ(v)` is `∃i. … ∨ (g(i) ∧ t(i) ≠ v) ∨ …`, with
//! `v` not in `t`. The value gets its own name `w` (the pass runs after
//! the one-point rule, which would substitute `t(k)`): a comprehension of
//! `Φ` is then the universal's family indexed by values, at one more
//! value, not a new family indexed by processes. Several universals with
//! the same guard share its `k`.
//!
//! The pass only adds: the universal stays (dropping it would be sound,
//! by the argument above). A Fast-Paxos-like fast path's step is a
//! timeout in the value form (one part's query is unsatisfiable and Z3
//! takes a minute on it); with the instance that part is proved in 2.4 s.
//! But the new value is one more term every universal over values is
//! instantiated at: OTR's step grew from 425 to 1,483 assertions and
//! timed out. So the instance is part of the parametric strategy's
//! deeper reduction only ([`super::ReduceConfig::named_values`]), tried
//! when the first one ends undecided.
//!
//! Soundness: `∃w. t(k) = w ∧ Φ(w)` is `Φ(t(k))`, an instance of the
//! universal beside it, inside the scope of `k`.

use super::names::NameGen;
use super::normalize::rename_bound;
use super::pairwise::differs_from;
use super::syntax::{self, and};
use crate::{Binder, Op, Term, Var};

/// `f` (in NNF, unique bound names) with the instance of every universal
/// over values that a guarded process decides at that process's value
/// (see the module documentation).
pub fn name_values(f: &Term, names: &mut NameGen) -> Term {
    match f {
        Term::Op(Op::And, args) => {
            let conjuncts = args.iter().flat_map(|a| syntax::conjuncts(name_values(a, names))).collect();
            and(named_in(conjuncts, names))
        }
        Term::Op(op, args) => Term::Op(op.clone(), args.iter().map(|a| name_values(a, names)).collect()),
        Term::Bind(b, vs, body) => Term::Bind(*b, vs.clone(), Box::new(name_values(body, names))),
        other => other.clone(),
    }
}

/// The conjuncts of one conjunction, with the instance of each universal
/// over a value that a guard among them decides added into that guard.
fn named_in(mut conjuncts: Vec<Term>, names: &mut NameGen) -> Vec<Term> {
    let guards: Vec<usize> = (0..conjuncts.len()).filter(|&g| guard(&conjuncts[g]).is_some()).collect();
    if guards.is_empty() {
        return conjuncts;
    }
    // For each guard, the instances added into it.
    let mut instances: Vec<Vec<Term>> = vec![Vec::new(); conjuncts.len()];
    for u in 0..conjuncts.len() {
        let Term::Bind(Binder::Forall, vs, body) = &conjuncts[u] else { continue };
        let [v] = vs.as_slice() else { continue };
        let found = guards.iter().find_map(|&g| {
            let (k, guarded) = guard(&conjuncts[g])?;
            differing_value(v, body, k, guarded).map(|t| (g, t))
        });
        if let Some((g, t)) = found {
            let w = names.fresh_var(v);
            let named = Term::Op(Op::Eq, vec![t, w.t()]);
            let instance = rename_bound(&body.subst(&[(v.clone(), w.t())]), names);
            instances[g].push(syntax::exists(vec![w], and(vec![named, instance])));
        }
    }
    for (g, more) in instances.into_iter().enumerate() {
        if more.is_empty() {
            continue;
        }
        let Term::Bind(Binder::Exists, ks, guarded) = &conjuncts[g] else { unreachable!("a guard is an `∃`") };
        let body = and(std::iter::once((**guarded).clone()).chain(more).collect());
        conjuncts[g] = Term::Bind(Binder::Exists, ks.clone(), Box::new(body));
    }
    conjuncts
}

/// `(k, g(k))` of a conjunct `∃k. g(k)` of one variable.
fn guard(c: &Term) -> Option<(&Var, &Term)> {
    match c {
        Term::Bind(Binder::Exists, ks, g) if ks.len() == 1 => Some((&ks[0], &**g)),
        _ => None,
    }
}

/// `t(k)` when a disjunct of `body` is `∃i. … ∨ (g(i) ∧ t(i) ≠ v) ∨ …`,
/// `g(k)` being `guarded` and `v` not in `t`.
fn differing_value(v: &Var, body: &Term, k: &Var, guarded: &Term) -> Option<Term> {
    let want = syntax::conjuncts(guarded.clone());
    syntax::disjuncts(body.clone()).into_iter().find_map(|d| {
        let Term::Bind(Binder::Exists, is, inner) = d else { return None };
        let [i] = is.as_slice() else { return None };
        if i.sort != k.sort {
            return None;
        }
        let at_k = inner.subst(&[(i.clone(), k.t())]);
        syntax::disjuncts(at_k).into_iter().find_map(|case| {
            let mut parts = syntax::conjuncts(case);
            let t = parts.iter().position(|p| differs_from(p, v).is_some_and(|t| !t.free_vars().contains(v)))?;
            let t = differs_from(&parts.remove(t), v)?;
            let same = parts.len() == want.len() && parts.iter().all(|p| want.contains(p)) && want.iter().all(|w| parts.contains(w));
            same.then_some(t)
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::{card, compr, exists, forall, fun, var};
    use crate::{Model, Sort, Value, holds};

    /// "Someone decided, and no value held by two or more is every
    /// decider's": `(∃k. d(k)) ∧ ∀v. |{j | x(j) = v}| < 2 ∨ ∃i. d(i) ∧
    /// y(i) ≠ v` gets the instance at `y(k)` inside its guard, and agrees
    /// with the original on every model with three processes and values in
    /// `0..=1`; so does its instance alone, without the universal.
    #[test]
    fn a_value_every_guarded_holds_is_named_by_one_of_them() {
        let d = fun("d", vec![Sort::P], Sort::Bool);
        let (x, y) = (fun("x", vec![Sort::P], Sort::Int), fun("y", vec![Sort::P], Sort::Int));
        let (v, i, j, k) = (var("v", Sort::Int), var("i", Sort::P), var("j", Sort::P), var("k", Sort::P));
        let holders = card(compr(j.clone(), Term::Op(Op::Eq, vec![x.app(vec![j.t()]), v.t()])));
        let few = Term::Op(Op::Lt, vec![holders, Term::Int(2)]);
        let differs = Term::Op(Op::Not, vec![Term::Op(Op::Eq, vec![y.app(vec![i.t()]), v.t()])]);
        let f = and(vec![
            exists(vec![k.clone()], d.app(vec![k.t()])),
            forall(vec![v.clone()], Term::Op(Op::Or, vec![few, exists(vec![i.clone()], and(vec![d.app(vec![i.t()]), differs]))])),
        ]);
        let mut names = NameGen::avoiding(&f);
        let g = name_values(&f, &mut names);
        let Term::Op(Op::And, parts) = &g else { panic!("{g}") };
        let [guard @ Term::Bind(Binder::Exists, _, _), universal] = parts.as_slice() else { panic!("{g}") };
        assert!(guard.to_string().contains("y(k)"), "{g}");
        assert_eq!(universal, &syntax::conjuncts(f.clone())[1], "{g}");
        for code in 0..(1 << 9) {
            let mut m = Model { n: 3, ..Default::default() };
            m.complete(&[d.clone(), x.clone(), y.clone()]);
            for p in 0..3u32 {
                let bit = |b: u32| (code >> (3 * p + b)) & 1;
                let arg = vec![Value::Proc(p)];
                m.funs.get_mut("d").unwrap().entries.insert(arg.clone(), Value::Bool(bit(0) == 1));
                m.funs.get_mut("x").unwrap().entries.insert(arg.clone(), Value::Int(bit(1) as i64));
                m.funs.get_mut("y").unwrap().entries.insert(arg, Value::Int(bit(2) as i64));
            }
            assert_eq!(holds(&f, &m), holds(&g, &m), "{f} at code {code:b}");
            assert_eq!(holds(&f, &m), holds(guard, &m), "{guard} at code {code:b}");
        }
    }

    /// A guard that is not the one the processes that differ are taken
    /// from, or an `i` that differs with more than the guard, leaves the
    /// universal.
    #[test]
    fn another_guard_leaves_the_universal() {
        let (d, e) = (fun("d", vec![Sort::P], Sort::Bool), fun("e", vec![Sort::P], Sort::Bool));
        let y = fun("y", vec![Sort::P], Sort::Int);
        let (v, i, k) = (var("v", Sort::Int), var("i", Sort::P), var("k", Sort::P));
        let differs = Term::Op(Op::Not, vec![Term::Op(Op::Eq, vec![y.app(vec![i.t()]), v.t()])]);
        let few = Term::Op(Op::Lt, vec![v.t(), Term::Int(2)]);
        for case in [and(vec![e.app(vec![i.t()]), differs.clone()]), and(vec![d.app(vec![i.t()]), e.app(vec![i.t()]), differs])] {
            let f = and(vec![
                exists(vec![k.clone()], d.app(vec![k.t()])),
                forall(vec![v.clone()], Term::Op(Op::Or, vec![few.clone(), exists(vec![i.clone()], case)])),
            ]);
            let mut names = NameGen::avoiding(&f);
            assert_eq!(name_values(&f, &mut names), f);
        }
    }
}
