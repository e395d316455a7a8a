//! Smart constructors and small queries on formulas shared by the passes.
//!
//! All passes after normalization keep formulas in negation normal form:
//! `¬` only on atoms, connectives `∧ ∨`, binders `∀ ∃`. The constructors
//! here flatten and fold constants so the passes never produce `true ∧ φ`.

use crate::{Binder, Op, Sort, Term, Var};

/// `⋀ parts`, flattened, with `true` dropped and `false` absorbing.
pub fn and(parts: Vec<Term>) -> Term {
    let mut out = Vec::with_capacity(parts.len());
    for p in parts {
        match p {
            Term::Bool(true) => {}
            Term::Bool(false) => return Term::Bool(false),
            Term::Op(Op::And, inner) => out.extend(inner),
            other => {
                if !out.contains(&other) {
                    out.push(other)
                }
            }
        }
    }
    match out.len() {
        0 => Term::Bool(true),
        1 => out.pop().expect("one element"),
        _ => Term::Op(Op::And, out),
    }
}

/// `⋁ parts`, flattened, with `false` dropped and `true` absorbing.
pub fn or(parts: Vec<Term>) -> Term {
    let mut out = Vec::with_capacity(parts.len());
    for p in parts {
        match p {
            Term::Bool(false) => {}
            Term::Bool(true) => return Term::Bool(true),
            Term::Op(Op::Or, inner) => out.extend(inner),
            other => {
                if !out.contains(&other) {
                    out.push(other)
                }
            }
        }
    }
    match out.len() {
        0 => Term::Bool(false),
        1 => out.pop().expect("one element"),
        _ => Term::Op(Op::Or, out),
    }
}

/// `∀ vs. body`, dropping unused variables and merging directly nested `∀`.
pub fn forall(vs: Vec<Var>, body: Term) -> Term {
    binder(Binder::Forall, vs, body)
}

/// `∃ vs. body`, dropping unused variables and merging directly nested `∃`.
pub fn exists(vs: Vec<Var>, body: Term) -> Term {
    binder(Binder::Exists, vs, body)
}

fn binder(b: Binder, mut vs: Vec<Var>, body: Term) -> Term {
    let body = match body {
        Term::Bind(inner, ws, inner_body) if inner == b => {
            vs.extend(ws);
            *inner_body
        }
        other => other,
    };
    let free = body.free_vars();
    vs.retain(|v| free.contains(v));
    if vs.is_empty() {
        body
    } else {
        Term::Bind(b, vs, Box::new(body))
    }
}

/// `a = b`, folded when both sides are the same term or distinct literals.
pub fn eq(a: Term, b: Term) -> Term {
    if a == b {
        return Term::Bool(true);
    }
    match (&a, &b) {
        (Term::Int(x), Term::Int(y)) => Term::Bool(x == y),
        (Term::Bool(x), Term::Bool(y)) => Term::Bool(x == y),
        _ => Term::Op(Op::Eq, vec![a, b]),
    }
}

/// `e ∈ s`.
pub fn member(e: Term, s: Term) -> Term {
    Term::Op(Op::Member, vec![e, s])
}

/// `|s|`.
pub fn card(s: Term) -> Term {
    Term::Op(Op::Card, vec![s])
}

/// `a ≤ b`.
pub fn le(a: Term, b: Term) -> Term {
    Term::Op(Op::Le, vec![a, b])
}

/// Sum of terms (`0` when empty).
pub fn sum(mut parts: Vec<Term>) -> Term {
    match parts.len() {
        0 => Term::Int(0),
        1 => parts.pop().expect("one element"),
        _ => Term::Op(Op::Add, parts),
    }
}

/// `n`.
pub fn proc_count() -> Term {
    Term::Op(Op::ProcCount, Vec::new())
}

/// Negation of a formula in negation normal form, again in NNF.
pub fn neg(f: &Term) -> Term {
    match f {
        Term::Bool(b) => Term::Bool(!b),
        Term::Op(Op::Not, a) => a[0].clone(),
        Term::Op(Op::And, ps) => or(ps.iter().map(neg).collect()),
        Term::Op(Op::Or, ps) => and(ps.iter().map(neg).collect()),
        Term::Bind(Binder::Forall, vs, b) => exists(vs.clone(), neg(b)),
        Term::Bind(Binder::Exists, vs, b) => forall(vs.clone(), neg(b)),
        atom => Term::Op(Op::Not, vec![atom.clone()]),
    }
}

/// Whether `t` contains no variables (free or bound) and no binder.
pub fn is_ground(t: &Term) -> bool {
    let mut ground = true;
    t.visit(&mut |s| {
        if matches!(s, Term::Var(_) | Term::Bind(..)) {
            ground = false
        }
    });
    ground
}

/// Whether `f` is no universal but has one under its conjunctions and
/// disjunctions (`(∀i. φ) ∨ (∀i. ψ)`).
pub fn has_nested_universal(f: &Term) -> bool {
    fn positive(f: &Term) -> bool {
        match f {
            Term::Bind(crate::Binder::Forall, _, _) => true,
            Term::Op(Op::And | Op::Or, parts) => parts.iter().any(positive),
            _ => false,
        }
    }
    !matches!(f, Term::Bind(..)) && positive(f)
}

/// The conjuncts of a formula (itself if it is no conjunction).
pub fn conjuncts(f: Term) -> Vec<Term> {
    match f {
        Term::Op(Op::And, ps) => ps,
        Term::Bool(true) => Vec::new(),
        other => vec![other],
    }
}

/// The disjuncts of a formula (itself if it is no disjunction).
pub fn disjuncts(f: Term) -> Vec<Term> {
    match f {
        Term::Op(Op::Or, ds) => ds,
        Term::Bool(false) => Vec::new(),
        other => vec![other],
    }
}

/// Whether `s` is a sort of data values: integers, rationals or an
/// uninterpreted sort (not processes, truth values, sets, options or tuples).
pub fn is_data(s: &Sort) -> bool {
    matches!(s, Sort::Int | Sort::Real | Sort::Uninterpreted(_))
}

/// Whether `s` is a set sort.
pub fn is_set(s: &Sort) -> bool {
    matches!(s, Sort::Set(_))
}

/// Match `pat` (free variables `vars`) against `t`, extending `sub`.
pub fn match_pattern(pat: &Term, t: &Term, vars: &[Var], sub: &mut Vec<(Var, Term)>) -> bool {
    if let Term::Var(v) = pat
        && vars.contains(v)
    {
        if let Some((_, bound)) = sub.iter().find(|(w, _)| w == v) {
            return bound == t;
        }
        if v.sort != t.sort() {
            return false;
        }
        sub.push((v.clone(), t.clone()));
        return true;
    }
    match (pat, t) {
        (Term::App(f, xs), Term::App(g, ys)) if f == g && xs.len() == ys.len() => {
            xs.iter().zip(ys).all(|(a, b)| match_pattern(a, b, vars, sub))
        }
        (Term::Op(o, xs), Term::Op(p, ys)) if o == p && xs.len() == ys.len() => {
            xs.iter().zip(ys).all(|(a, b)| match_pattern(a, b, vars, sub))
        }
        _ => pat == t,
    }
}

/// The formulas reached from `p` through `∀` and `∧` (neither of those
/// themselves), each with the variables bound on the way: the facts a
/// top-level conjunct states at every value of its variables.
pub fn universal_leaves(p: &Term) -> Vec<(Vec<Var>, Term)> {
    let mut out = Vec::new();
    let mut todo = vec![(Vec::new(), p.clone())];
    while let Some((mut vs, t)) = todo.pop() {
        match t {
            Term::Bind(Binder::Forall, more, body) => {
                vs.extend(more);
                todo.push((vs, *body));
            }
            Term::Op(Op::And, parts) => todo.extend(parts.into_iter().map(|c| (vs.clone(), c))),
            other => out.push((vs, other)),
        }
    }
    out
}
