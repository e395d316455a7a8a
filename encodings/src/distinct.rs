//! Counting distinct values: `w.distinct(|i| w[i].x)` is
//! `|{v | ∃i. x(i) = v}|`, and `w.distinct_where(|i| φ, |i| w[i].x)` is
//! `|{v | ∃i. φ(i) ∧ x(i) = v}|` — a cardinality of a set of *values*.
//!
//! The spec predicates keep that comprehension over the value sort
//! ([`count`]): the evaluator computes it exactly on concrete states (its
//! variable `v` only meets `x(i)` in an equality, so the active domain
//! holds every value that matters), which is what the simulator's
//! monitors and the decoding of counterexamples read.
//!
//! The CL reduction counts sets of processes, so a query that goes to the
//! solver is first [`lower`]ed: each counted comprehension `c` gets a fresh
//! *representative* function `rep_c : V → P` (with the free variables `ȳ`
//! of `c` as extra leading arguments when `c` sits under a binder), the
//! axiom
//!
//! ```text
//! A_c:  ∀ȳ. ∀i. φ(i) ⇒ φ(rep_c(x(i))) ∧ x(rep_c(x(i))) = x(i)
//! ```
//!
//! is conjoined to the query, and `|c|` is replaced by the process count
//! `|{p | φ(p) ∧ rep_c(x(p)) = p}|`.
//!
//! Soundness (the query is satisfiable iff its lowering is):
//! - *Every model extends to `A_c`*: for each value `v = x(i)` with
//!   `φ(i)` let `rep_c(v)` be one such `i` (a choice function; other
//!   values map anywhere). So lowering never makes a satisfiable query
//!   unsatisfiable — a proof of the lowered VC is a proof of the VC.
//! - *In every model of `A_c` the two counts are equal*: `v ↦ rep_c(v)` maps
//!   the value set `{v | ∃i. φ(i) ∧ x(i) = v}` onto the process set
//!   `{p | φ(p) ∧ rep_c(x(p)) = p}` (for `v = x(i)`, `q = rep_c(v)` has
//!   `φ(q)` and `x(q) = v`, so `rep_c(x(q)) = q`), injectively (`x(rep_c(v))
//!   = v`), and every `p` of the process set is the image of `x(p)`. So a
//!   model of the lowered query is a model of the query: its
//!   counterexamples are real.
//!
//! Counts of the same value sort (under the same binder variables) are
//! related: each representative after the first, `rep₁`, of its kind also
//! has the axiom
//!
//! ```text
//! B_c:  ∀ȳ. ∀i. φ(i) ∧ φ(rep₁(x(i))) ∧ x(rep₁(x(i))) = x(i) ⇒ rep_c(x(i)) = rep₁(x(i))
//! ```
//!
//! (it takes `rep₁`'s choice when that is a witness for it too), so that
//! counts of equal value sets — `x` and `x.post` when a round keeps `x`,
//! the decisions and the estimates when they agree — have related
//! representatives: the reduction sees their process sets as equal or
//! nested. Every model still extends: choose `rep₁` first, then each
//! `rep_c(v)` as `rep₁(v)` when that is a witness for `c`, else any witness
//! for `c`; `A_c` and `B_c` both hold, and `B_c` only relates `rep_c` to
//! `rep₁`, never two later ones, so the choices cannot conflict.
//!
//! The replacement is an equation that holds in every model of the
//! axioms, so it is sound wherever the count occurs — under a negation, in
//! a hypothesis or in the (negated) conclusion of a VC — and the axioms,
//! being satisfiable by a choice in every model, are conjoined at the top of
//! the satisfiability query. Counts of equal comprehensions share one
//! function; counts in different states (`x` and `x.post`) are different
//! comprehensions and get different functions, each with its axiom.
//! Counts of processes (`V = P`) are already process sets and stay as they
//! are.

use std::collections::HashMap;

use psync_logic::{Binder, Fun, Op, Sort, Term, Var};

/// Prefix of the representative functions [`lower`] introduces.
pub const REP: &str = "distinct.rep";

/// Prefix of the witness functions of the inclusion lemmas [`lower`]
/// introduces: a process whose value is outside another count's values.
pub const OUTSIDE: &str = "distinct.outside";

/// `|{v | ∃i. φ(i) ∧ x(i) = v}|`: the number of distinct values of
/// `value` (a term over `i : P`) at the processes `i` satisfying `filter`.
/// `v` is the comprehension's variable, of `value`'s sort, and must not
/// occur in `filter` or `value`.
pub fn count(i: Var, v: Var, filter: Term, value: Term) -> Term {
    debug_assert_eq!(i.sort, Sort::P);
    debug_assert_eq!(v.sort, value.sort());
    let eq = Term::Op(Op::Eq, vec![value, v.t()]);
    let body = if filter == Term::Bool(true) { eq } else { Term::Op(Op::And, vec![filter, eq]) };
    Term::Op(Op::Card, vec![Term::Bind(Binder::Comprehension, vec![v.clone()], Box::new(Term::Bind(Binder::Exists, vec![i], Box::new(body))))])
}

/// The parts of a value count built by [`count`]: `(i, φ, x(i))` of
/// `|{v | ∃i. φ(i) ∧ x(i) = v}|` with a value sort other than `P`.
fn as_count(t: &Term) -> Option<(&Var, Term, &Term)> {
    let Term::Op(Op::Card, args) = t else { return None };
    let [Term::Bind(Binder::Comprehension, vs, body)] = args.as_slice() else { return None };
    let [v] = vs.as_slice() else { return None };
    if v.sort == Sort::P {
        return None;
    }
    let Term::Bind(Binder::Exists, is, inner) = &**body else { return None };
    let [i] = is.as_slice() else { return None };
    let (filter, eq) = match &**inner {
        Term::Op(Op::And, cs) if cs.len() == 2 => (cs[0].clone(), &cs[1]),
        eq => (Term::Bool(true), eq),
    };
    let Term::Op(Op::Eq, sides) = eq else { return None };
    let [value, Term::Var(w)] = sides.as_slice() else { return None };
    let mentions_v = |x: &Term| x.free_vars().contains(v);
    if w != v || i.sort != Sort::P || mentions_v(&filter) || mentions_v(value) {
        return None;
    }
    Some((i, filter, value))
}

/// `query` with every value count replaced by a count of representative
/// processes, conjoined with the representatives' axioms (see the module
/// documentation); `query` itself when it counts no values. Deterministic:
/// the functions are numbered in the order the counts are met.
pub fn lower(query: &Term) -> Term {
    let mut reps: HashMap<Term, Term> = HashMap::new();
    let mut axioms: Vec<Term> = Vec::new();
    // The first representative of each value sort and binder variables.
    let mut firsts: HashMap<(Sort, Vec<Var>), Fun> = HashMap::new();
    // The lowered counts, for the inclusion lemmas.
    let mut lowered_counts: Vec<Lowered> = Vec::new();
    let mut counts_values = false;
    query.visit(&mut |t| counts_values |= as_count(t).is_some());
    if !counts_values {
        return query.clone();
    }
    let lowered = query.map_bottom_up(&mut |t| {
        let Some((i, filter, value)) = as_count(&t).map(|(i, f, v)| (i.clone(), f, v.clone())) else { return t };
        let (i, value) = (&i, &value);
        if let Some(done) = reps.get(&t) {
            return done.clone();
        }
        let ys = t.free_vars();
        let mut args: Vec<Sort> = ys.iter().map(|y| y.sort.clone()).collect();
        args.push(value.sort());
        let rep = Fun::new(format!("{REP}{}", reps.len()), args, Sort::P);
        let rep_of = |x: Term| {
            let mut a: Vec<Term> = ys.iter().map(Var::t).collect();
            a.push(x);
            Term::App(rep.clone(), a)
        };
        // A_c: ∀ȳ. ∀i. φ(i) ⇒ φ(r) ∧ x(r) = x(i), with r = rep(ȳ, x(i)).
        let r = rep_of(value.clone());
        let at_r = |x: &Term| x.subst(&[(i.clone(), r.clone())]);
        let chosen = Term::Op(Op::And, vec![at_r(&filter), Term::Op(Op::Eq, vec![at_r(value), value.clone()])]);
        let body = Term::Op(Op::Implies, vec![filter.clone(), chosen]);
        let mut bound = ys.clone();
        bound.push(i.clone());
        axioms.push(Term::Bind(Binder::Forall, bound.clone(), Box::new(body)));
        // B_c: ∀ȳ. ∀i. φ(i) ∧ φ(r₁) ∧ x(r₁) = x(i) ⇒ r = r₁, with
        // r₁ = rep₁(ȳ, x(i)) the first representative of the same kind.
        match firsts.get(&(value.sort(), ys.clone())) {
            Some(first) => {
                let mut a: Vec<Term> = ys.iter().map(Var::t).collect();
                a.push(value.clone());
                let r1 = Term::App(first.clone(), a);
                let at_r1 = |x: &Term| x.subst(&[(i.clone(), r1.clone())]);
                let witness = Term::Op(Op::And, vec![filter.clone(), at_r1(&filter), Term::Op(Op::Eq, vec![at_r1(value), value.clone()])]);
                let body = Term::Op(Op::Implies, vec![witness, Term::Op(Op::Eq, vec![r.clone(), r1])]);
                axioms.push(Term::Bind(Binder::Forall, bound, Box::new(body)));
            }
            None => {
                firsts.insert((value.sort(), ys.clone()), rep.clone());
            }
        }
        // |{p | φ(p) ∧ rep(ȳ, x(p)) = p}|
        let is_rep = Term::Op(Op::Eq, vec![r, i.t()]);
        let member = if filter == Term::Bool(true) { is_rep } else { Term::Op(Op::And, vec![filter.clone(), is_rep]) };
        let out = Term::Op(Op::Card, vec![Term::Bind(Binder::Comprehension, vec![i.clone()], Box::new(member))]);
        reps.insert(t, out.clone());
        lowered_counts.push(Lowered { ys, i: i.clone(), filter, value: value.clone(), card: out.clone() });
        out
    });
    axioms.extend(inclusion_lemmas(&lowered_counts));
    if axioms.is_empty() {
        return lowered;
    }
    axioms.insert(0, lowered);
    Term::Op(Op::And, axioms)
}

/// A value count after lowering: `card` is `|{p | φ(p) ∧ rep(ȳ, x(p)) = p}|`
/// for the count `|{v | ∃i. φ(i) ∧ x(i) = v}|` with binder variables `ȳ`.
struct Lowered {
    ys: Vec<Var>,
    i: Var,
    filter: Term,
    value: Term,
    card: Term,
}

/// `L(c₁, c₂)` for every ordered pair of counts of the same value sort and
/// binder variables:
///
/// ```text
/// L:  ∀ȳ. |c₁| ≤ |c₂| ∨ (φ₁(o) ∧ ∀j. ¬(φ₂(j) ∧ x₂(j) = x₁(o))),  o = outside(ȳ)
/// ```
///
/// A set of values included in another is no larger: if `|c₁| > |c₂|`,
/// some value of `c₁` is not a value of `c₂`, and `outside` names a
/// process holding it (a Skolem function, chosen so in every model; any
/// process when `|c₁| ≤ |c₂|`). So every model extends to `L`, and `L`
/// adds no model. Without it the reduction cannot compare two counts whose
/// representatives are different processes (the values of a round's
/// post-state are among its pre-state's, so there are no more of them).
fn inclusion_lemmas(counts: &[Lowered]) -> Vec<Term> {
    let mut out = Vec::new();
    for (a, c1) in counts.iter().enumerate() {
        for (b, c2) in counts.iter().enumerate() {
            if a == b || c1.ys != c2.ys || c1.value.sort() != c2.value.sort() {
                continue;
            }
            let args: Vec<Sort> = c1.ys.iter().map(|y| y.sort.clone()).collect();
            let outside = Fun::new(format!("{OUTSIDE}{}", out.len()), args, Sort::P);
            let o = Term::App(outside, c1.ys.iter().map(Var::t).collect());
            let at_o = |x: &Term| x.subst(&[(c1.i.clone(), o.clone())]);
            let j = &c2.i;
            let held = Term::Op(Op::And, vec![c2.filter.clone(), Term::Op(Op::Eq, vec![c2.value.clone(), at_o(&c1.value)])]);
            // In prenex form: ∀ȳ. ∀j. |c₁| ≤ |c₂| ∨ (φ₁(o) ∧ ¬(φ₂(j) ∧ x₂(j) = x₁(o))).
            let escapes = Term::Op(Op::And, vec![at_o(&c1.filter), Term::Op(Op::Not, vec![held])]);
            let body = Term::Op(Op::Or, vec![Term::Op(Op::Le, vec![c1.card.clone(), c2.card.clone()]), escapes]);
            let mut bound = c1.ys.clone();
            bound.push(j.clone());
            out.push(Term::Bind(Binder::Forall, bound, Box::new(body)));
        }
    }
    out
}

#[cfg(test)]
mod tests;
