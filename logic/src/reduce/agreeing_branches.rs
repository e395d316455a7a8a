//! Branches that agree where their guard holds: a top-level
//! `∀x̄. c ⇒ a = b` makes every `ite(cσ, aσ, bσ)` (or `ite(cσ, bσ, aσ)`)
//! elsewhere in the formula equal to its else-branch, and every
//! `ite(¬cσ, t, e)` with `{t, e} = {aσ, bσ}` equal to its then-branch.
//!
//! This is what a process that sends its decision once decided writes:
//! `if p.decided { broadcast(p.decision) } else { broadcast(p.x) }` makes
//! each message `ite(decided(s), decision(s), x(s))`, and with the
//! invariant `∀i. decided(i) ⇒ decision(i) = x(i)` every message is
//! `x(s)`. Left alone, the counts of a value among the messages split on
//! the guard of every sender, and OTR in that form timed out where OTR
//! sending `x` is proved.
//!
//! Soundness: in every model of the universal, each rewritten `ite` has the
//! value of the branch it is replaced by, whatever its free variables are
//! bound to (the universal holds at every `σ`). So the formula with the
//! rewritten conjuncts and the universal kept unchanged has the same models
//! as the original. The conjunct stating the universal is not rewritten:
//! rewriting it by itself could weaken it to `true`.

use super::syntax::{and, conjuncts, match_pattern, universal_leaves};
use crate::{Op, Term, Var};

/// A guarded equation `∀vars. guard ⇒ a = b`.
pub(super) struct Agreement {
    pub(super) vars: Vec<Var>,
    pub(super) guard: Term,
    pub(super) sides: [Term; 2],
}

/// Rewrite the `ite`s whose branches a top-level guarded equation makes
/// equal (see the module documentation).
pub fn collapse(f: &Term) -> Term {
    let parts = conjuncts(f.clone());
    let found: Vec<Vec<Agreement>> = parts.iter().map(agreements).collect();
    if found.iter().all(Vec::is_empty) {
        return f.clone();
    }
    let all: Vec<&Agreement> = found.iter().flatten().collect();
    let rewritten = parts
        .into_iter()
        .zip(&found)
        .map(|(p, own)| if own.is_empty() { rewrite(&p, &all) } else { p })
        .collect();
    and(rewritten)
}

/// The guarded equations a conjunct states, through `∀` and `∧`:
/// `c ⇒ a = b` and `¬c ∨ a = b`.
pub(super) fn agreements(p: &Term) -> Vec<Agreement> {
    let mut out = Vec::new();
    for (vs, t) in universal_leaves(p) {
        match t {
            Term::Op(Op::Implies, args) => {
                if let [guard, Term::Op(Op::Eq, sides)] = args.as_slice()
                    && let [a, b] = sides.as_slice()
                {
                    out.push(Agreement { vars: vs, guard: guard.clone(), sides: [a.clone(), b.clone()] });
                }
            }
            Term::Op(Op::Or, args) => {
                if let [Term::Op(Op::Not, g), Term::Op(Op::Eq, sides)] | [Term::Op(Op::Eq, sides), Term::Op(Op::Not, g)] =
                    args.as_slice()
                    && let ([guard], [a, b]) = (g.as_slice(), sides.as_slice())
                {
                    out.push(Agreement { vars: vs, guard: guard.clone(), sides: [a.clone(), b.clone()] });
                }
            }
            _ => {}
        }
    }
    out
}

/// `t` with every `ite` an agreement makes constant replaced by its branch.
fn rewrite(t: &Term, all: &[&Agreement]) -> Term {
    t.map_bottom_up(&mut |t| {
        let Term::Op(Op::Ite, args) = &t else { return t };
        let [g, then, els] = args.as_slice() else { return t };
        for a in all {
            // Where the guard holds the branches agree: the else-branch.
            if agree(a, g, then, els) {
                return els.clone();
            }
            // Where the guard's negation fails they agree: the then-branch.
            if let Term::Op(Op::Not, inner) = g
                && let [inner] = inner.as_slice()
                && agree(a, inner, then, els)
            {
                return then.clone();
            }
        }
        t
    })
}

/// Whether `a` says `guard ⇒ t = u` (one instance of it).
fn agree(a: &Agreement, guard: &Term, t: &Term, u: &Term) -> bool {
    let mut sub: Vec<(Var, Term)> = Vec::new();
    if !match_pattern(&a.guard, guard, &a.vars, &mut sub) {
        return false;
    }
    [(t, u), (u, t)].into_iter().any(|(x, y)| {
        let mut s = sub.clone();
        match_pattern(&a.sides[0], x, &a.vars, &mut s) && match_pattern(&a.sides[1], y, &a.vars, &mut s)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::{and, eq, exists, forall, fun, implies, ite, var};
    use crate::{Fun, Sort};

    fn field(name: &str, ret: Sort) -> Fun {
        fun(name, vec![Sort::P], ret)
    }

    /// `∀i. decided(i) ⇒ decision(i) = x(i)` makes the message
    /// `ite(decided(s), decision(s), x(s))` of every sender `x(s)`.
    #[test]
    fn a_guarded_equation_collapses_the_messages_it_covers() {
        let (decided, decision, x) = (field("decided", Sort::Bool), field("decision", Sort::Int), field("x", Sort::Int));
        let (i, s) = (var("i", Sort::P), var("s", Sort::P));
        let inv = forall(vec![i.clone()], implies(decided.app(vec![i.t()]), eq(decision.app(vec![i.t()]), x.app(vec![i.t()]))));
        let msg = ite(decided.app(vec![s.t()]), decision.app(vec![s.t()]), x.app(vec![s.t()]));
        let v = Fun::constant("v", Sort::Int).app(vec![]);
        let uses = exists(vec![s.clone()], eq(msg, v.clone()));
        let out = collapse(&and(vec![inv.clone(), uses]));
        assert_eq!(out, and(vec![inv.clone(), exists(vec![s.clone()], eq(x.app(vec![s.t()]), v.clone()))]));
        // Negated guard, swapped branches: the then-branch.
        let swapped = ite(Term::Op(Op::Not, vec![decided.app(vec![s.t()])]), x.app(vec![s.t()]), decision.app(vec![s.t()]));
        let out = collapse(&and(vec![inv.clone(), exists(vec![s.clone()], eq(swapped, v.clone()))]));
        assert_eq!(out, and(vec![inv.clone(), exists(vec![s.clone()], eq(x.app(vec![s.t()]), v.clone()))]));
        // Another guard, or other branches: left alone.
        let other = ite(decided.app(vec![s.t()]), x.app(vec![s.t()]), v.clone());
        let f = and(vec![inv.clone(), exists(vec![s.clone()], eq(other, v.clone()))]);
        assert_eq!(collapse(&f), f);
        // The conjunct stating the equation is kept as it is.
        let own = forall(
            vec![i.clone()],
            implies(decided.app(vec![i.t()]), eq(ite(decided.app(vec![i.t()]), decision.app(vec![i.t()]), x.app(vec![i.t()])), x.app(vec![i.t()]))),
        );
        assert_eq!(collapse(&own), own);
    }
}
