//! Guarded constants: a top-level `∀x̄. ¬c ∨ a = k` whose side `k` is
//! ground (a Skolem constant, a literal) lets every conjunction that holds
//! `cσ` as a conjunct read `aσ` as `k` in its other conjuncts, in the
//! definitions of the comprehensions (the sets whose sizes are counted).
//!
//! This is the invariant "every decided process decided `v`"
//! (`∃v. … ∧ ∀i. decided(i) ⇒ decision(i) = v`, with `v` Skolemized) read
//! on the messages of a process that sends its decision once decided: the
//! mailbox counts split on the sender's guard,
//! `(decided(t) ∧ decision(t) = w) ∨ (¬decided(t) ∧ x(t) = w)`, and become
//! `(decided(t) ∧ sk_v = w) ∨ …`, so that the Venn regions of the counts
//! see that every decided sender's message is `sk_v` (the count of `sk_v`
//! among the messages is at least its count among the estimates).
//!
//! Runs after Skolemization and symbolization: before it, `v` is a bound
//! variable, and opening the existential early made the comprehensions
//! that mention `v` ground sets instead of instances of their family.
//!
//! Only the definitions are rewritten, not the main formula: there the
//! rewrite took ground terms away that the instantiation used (LastVoting's
//! `∀i. commit(i) ⇒ vote(i) = v` read `vote(coord)` as `v` in an invariant,
//! and a part of its step took 0.9 s instead of 0.1 s).
//!
//! Soundness: in every model of the universal, `cσ ∧ φ(aσ)` and
//! `cσ ∧ φ(k)` have the same value (where `cσ` holds, `aσ = k`; where it
//! fails, both are false), at every binding of their free variables. So
//! rewriting any conjunction this way, under any polarity, in a
//! comprehension's definition keeps the models of the formula (the main
//! formula, which states the universal, with the definitions).

use std::collections::HashMap;

use super::agreeing_branches::{Agreement, agreements};
use super::syntax::{conjuncts, match_pattern};
use crate::{Op, Term, Var};

/// A guarded constant `∀vars. ¬guard ∨ term = constant`.
struct GuardedConstant {
    vars: Vec<Var>,
    guard: Term,
    term: Term,
    constant: Term,
}

/// Each comprehension's definition and body rewritten by the guarded
/// constants the top-level conjuncts of `main` state (see the module
/// documentation).
pub fn substitute(main: &Term, definitions: &mut [(crate::Fun, Vec<Var>, Term)], bodies: &mut HashMap<String, (Vec<Var>, Var, Term)>) {
    let all: Vec<GuardedConstant> = conjuncts(main.clone()).iter().flat_map(guarded_constants).collect();
    if all.is_empty() {
        return;
    }
    for (_, _, d) in definitions.iter_mut() {
        *d = rewrite(d, &all);
    }
    for (_, _, body) in bodies.values_mut() {
        *body = rewrite(body, &all);
    }
}

/// The guarded constants a conjunct states: its guarded equations
/// ([`agreements`]) with one side ground and the other not.
fn guarded_constants(p: &Term) -> Vec<GuardedConstant> {
    let ground = |t: &Term| t.free_vars().is_empty() && !matches!(t, Term::Bind(..));
    let mut out = Vec::new();
    for Agreement { vars, guard, sides: [a, b] } in agreements(p) {
        for (term, constant) in [(&a, &b), (&b, &a)] {
            if ground(constant) && !ground(term) {
                out.push(GuardedConstant { vars: vars.clone(), guard: guard.clone(), term: term.clone(), constant: constant.clone() });
            }
        }
    }
    out
}

/// `t` with every conjunction holding a guard's instance rewritten: the
/// instance's term read as the constant in the other conjuncts.
fn rewrite(t: &Term, all: &[GuardedConstant]) -> Term {
    t.map_bottom_up(&mut |t| {
        let Term::Op(Op::And, cs) = &t else { return t };
        let mut out = cs.clone();
        // Each step rewrites the conjunction as it is by then, with a guard
        // read from it as it is by then: every step is an equivalence, so
        // their sequence is. (Guards read from the original conjuncts could
        // justify each other's rewrites in a circle.)
        for k in 0..out.len() {
            for g in all {
                let c = out[k].clone();
                let mut sub: Vec<(Var, Term)> = Vec::new();
                if !match_pattern(&g.guard, &c, &g.vars, &mut sub) {
                    continue;
                }
                // Every variable of the term must be bound by the guard.
                let unbound = g.term.free_vars().into_iter().any(|v| g.vars.contains(&v) && !sub.iter().any(|(w, _)| *w == v));
                if unbound {
                    continue;
                }
                let target = g.term.subst(&sub);
                for (j, other) in out.iter_mut().enumerate() {
                    if j != k {
                        *other = replace(other, &target, &g.constant);
                    }
                }
            }
        }
        Term::Op(Op::And, out)
    })
}

/// `t` with `target` replaced by `by` wherever none of `target`'s free
/// variables is bound on the way.
fn replace(t: &Term, target: &Term, by: &Term) -> Term {
    if t == target {
        return by.clone();
    }
    match t {
        Term::App(f, args) => Term::App(f.clone(), args.iter().map(|a| replace(a, target, by)).collect()),
        Term::Op(o, args) => Term::Op(o.clone(), args.iter().map(|a| replace(a, target, by)).collect()),
        Term::Bind(b, vs, body) => {
            let free = target.free_vars();
            if vs.iter().any(|v| free.contains(v)) {
                t.clone()
            } else {
                Term::Bind(*b, vs.clone(), Box::new(replace(body, target, by)))
            }
        }
        _ => t.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::{and, eq, forall, fun, not, or, var};
    use crate::{Fun, Sort};

    /// `∀i. ¬decided(i) ∨ decision(i) = v` makes `decision(t)` read `v`
    /// where `decided(t)` is a conjunct of a definition, and nowhere else.
    #[test]
    fn a_guarded_constant_is_read_where_its_guard_is_a_conjunct() {
        let (decided, decision, x) = (fun("decided", vec![Sort::P], Sort::Bool), fun("decision", vec![Sort::P], Sort::Int), fun("x", vec![Sort::P], Sort::Int));
        let (i, t) = (var("i", Sort::P), var("t", Sort::P));
        let v = Fun::constant("sk$v", Sort::Int).app(vec![]);
        let w = Fun::constant("w", Sort::Int).app(vec![]);
        let agreed = forall(vec![i.clone()], or(vec![not(decided.app(vec![i.t()])), eq(decision.app(vec![i.t()]), v.clone())]));
        let msg = |value: Term| or(vec![and(vec![decided.app(vec![t.t()]), eq(value, w.clone())]), and(vec![not(decided.app(vec![t.t()])), eq(x.app(vec![t.t()]), w.clone())])]);
        let unguarded = eq(decision.app(vec![t.t()]), w.clone());
        let main = and(vec![agreed, forall(vec![t.clone()], msg(decision.app(vec![t.t()])))]);
        let mut defs = vec![
            (Fun::constant("c", Sort::Bool), vec![], msg(decision.app(vec![t.t()]))),
            (Fun::constant("d", Sort::Bool), vec![], unguarded.clone()),
        ];
        let mut bodies = HashMap::from([("c".to_string(), (vec![], t.clone(), msg(decision.app(vec![t.t()]))))]);
        substitute(&main, &mut defs, &mut bodies);
        assert_eq!(defs[0].2, msg(v.clone()));
        assert_eq!(defs[1].2, unguarded, "no guard, no rewrite");
        assert_eq!(bodies["c"].2, msg(v));
    }

    /// Two guards that each hold the other's term: `p(f(t)) ∧ q(h(t))` with
    /// `p(f(i)) ⇒ h(i) = k₁` and `q(h(i)) ⇒ f(i) = k₂`. Reading both
    /// guards from the conjunction as first given would make it
    /// `p(k₂) ∧ q(k₁)`, which holds where `p(f(t))` does not; rewritten in
    /// sequence, the second guard is gone once the first rewrote it.
    #[test]
    fn guards_are_read_from_the_conjunction_as_rewritten() {
        let f = |name: &str, ret: Sort| fun(name, vec![ret.clone()], Sort::Bool);
        let (p, q) = (f("p", Sort::Int), f("q", Sort::Int));
        let (ff, h) = (fun("f", vec![Sort::P], Sort::Int), fun("h", vec![Sort::P], Sort::Int));
        let (i, t) = (var("i", Sort::P), var("t", Sort::P));
        let (k1, k2) = (Fun::constant("k1", Sort::Int).app(vec![]), Fun::constant("k2", Sort::Int).app(vec![]));
        let g1 = forall(vec![i.clone()], or(vec![not(p.app(vec![ff.app(vec![i.t()])])), eq(h.app(vec![i.t()]), k1.clone())]));
        let g2 = forall(vec![i.clone()], or(vec![not(q.app(vec![h.app(vec![i.t()])])), eq(ff.app(vec![i.t()]), k2.clone())]));
        let body = and(vec![p.app(vec![ff.app(vec![t.t()])]), q.app(vec![h.app(vec![t.t()])])]);
        let mut defs = vec![(Fun::constant("c", Sort::Bool), vec![], body)];
        substitute(&and(vec![g1, g2]), &mut defs, &mut HashMap::new());
        assert_eq!(defs[0].2, and(vec![p.app(vec![ff.app(vec![t.t()])]), q.app(vec![k1])]));
    }
}
