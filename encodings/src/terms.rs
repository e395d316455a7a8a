//! Smart constructors that keep translated terms small and tuple-free where
//! possible: projections of tuple literals, equalities of tuples, `ite` over
//! tuples and options are pushed to components. Every rewrite is an identity
//! of the logic (no case is dropped).

use psync_logic::build;
use psync_logic::{Op, Sort, Term};

/// `t.k`, simplified when `t` is a tuple literal or an `ite` of them.
pub fn proj(t: Term, k: usize) -> Term {
    match t {
        Term::Op(Op::Tuple, mut args) if k < args.len() => args.swap_remove(k),
        Term::Op(Op::Ite, args) if matches!(args[1].sort(), Sort::Tuple(_)) => {
            let [c, a, b]: [Term; 3] = args.try_into().expect("ite has three arguments");
            ite(c, proj(a, k), proj(b, k))
        }
        other => build::proj(other, k),
    }
}

/// `if c then a else b`; pushed into tuple literals, folded on literal conditions.
pub fn ite(c: Term, a: Term, b: Term) -> Term {
    match c {
        Term::Bool(true) => return a,
        Term::Bool(false) => return b,
        _ => {}
    }
    if a == b {
        return a;
    }
    match (a, b) {
        (Term::Op(Op::Tuple, xs), Term::Op(Op::Tuple, ys)) if xs.len() == ys.len() => {
            build::tuple(xs.into_iter().zip(ys).map(|(x, y)| ite(c.clone(), x, y)).collect())
        }
        (a, b) => build::ite(c, a, b),
    }
}

/// `a = b`; componentwise on tuple literals, `Some(x) = Some(y)` on contents.
pub fn eq(a: Term, b: Term) -> Term {
    if a == b {
        return Term::Bool(true);
    }
    match (a, b) {
        (Term::Op(Op::Tuple, xs), Term::Op(Op::Tuple, ys)) if xs.len() == ys.len() => {
            and(xs.into_iter().zip(ys).map(|(x, y)| eq(x, y)).collect())
        }
        (Term::Op(Op::Tuple, xs), t) | (t, Term::Op(Op::Tuple, xs)) => {
            let n = xs.len();
            and(xs.into_iter().enumerate().map(|(k, x)| eq(x, proj(t.clone(), k))).take(n).collect())
        }
        (Term::Op(Op::Some, mut xs), Term::Op(Op::Some, mut ys)) => eq(xs.remove(0), ys.remove(0)),
        (Term::Op(Op::Some, _), Term::Op(Op::None(_), _)) | (Term::Op(Op::None(_), _), Term::Op(Op::Some, _)) => {
            Term::Bool(false)
        }
        (Term::Op(Op::None(_), _), t) | (t, Term::Op(Op::None(_), _)) => not(is_some(t)),
        (a, b) => build::eq(a, b),
    }
}

/// `a.is_some()`, simplified on literals and `ite`s of them.
pub fn is_some(t: Term) -> Term {
    match t {
        Term::Op(Op::Some, _) => Term::Bool(true),
        Term::Op(Op::None(_), _) => Term::Bool(false),
        Term::Op(Op::Ite, args) => {
            let [c, a, b]: [Term; 3] = args.try_into().expect("ite has three arguments");
            or2(and(vec![c.clone(), is_some(a)]), and(vec![not(c), is_some(b)]))
        }
        other => build::is_some(other),
    }
}

/// The content of an option known to be `Some` under `guard`: exact on
/// `Some(x)` and on `ite(c, Some(x), None)`; `get(t)` otherwise.
pub fn get_under_some(t: Term) -> Term {
    match t {
        Term::Op(Op::Some, mut xs) => xs.remove(0),
        Term::Op(Op::Ite, args) => {
            let [c, a, b]: [Term; 3] = args.try_into().expect("ite has three arguments");
            match (&a, &b) {
                (_, Term::Op(Op::None(_), _)) => get_under_some(a),
                (Term::Op(Op::None(_), _), _) => get_under_some(b),
                _ => ite(c, get_under_some(a), get_under_some(b)),
            }
        }
        other => build::get(other),
    }
}

/// `-a`, folding literals.
pub fn neg(a: Term) -> Term {
    match a {
        Term::Int(k) => Term::Int(-k),
        other => Term::Op(Op::Neg, vec![other]),
    }
}

/// `¬a`, folding literals and double negation.
pub fn not(a: Term) -> Term {
    match a {
        Term::Bool(b) => Term::Bool(!b),
        Term::Op(Op::Not, mut xs) => xs.remove(0),
        other => build::not(other),
    }
}

/// `⋀ xs`, flattened, `true` dropped, `false` absorbing.
pub fn and(xs: Vec<Term>) -> Term {
    let mut out = Vec::new();
    for x in xs {
        match x {
            Term::Bool(true) => {}
            Term::Bool(false) => return Term::Bool(false),
            Term::Op(Op::And, ys) => out.extend(ys),
            other => out.push(other),
        }
    }
    match out.len() {
        0 => Term::Bool(true),
        1 => out.pop().expect("one element"),
        _ => build::and(out),
    }
}

/// `a ∨ b`, flattened, folding literals.
pub fn or2(a: Term, b: Term) -> Term {
    or(vec![a, b])
}

/// `⋁ xs`, flattened, `false` dropped, `true` absorbing.
pub fn or(xs: Vec<Term>) -> Term {
    let mut out = Vec::new();
    for x in xs {
        match x {
            Term::Bool(false) => {}
            Term::Bool(true) => return Term::Bool(true),
            Term::Op(Op::Or, ys) => out.extend(ys),
            other => out.push(other),
        }
    }
    match out.len() {
        0 => Term::Bool(false),
        1 => out.pop().expect("one element"),
        _ => build::or(out),
    }
}

/// `a ⇒ b`, folding literals.
pub fn implies(a: Term, b: Term) -> Term {
    match (&a, &b) {
        (Term::Bool(true), _) => b,
        (Term::Bool(false), _) | (_, Term::Bool(true)) => Term::Bool(true),
        _ => build::implies(a, b),
    }
}

/// The top-level conjuncts of `t` (flattening nested `∧`).
pub fn conjuncts(t: &Term) -> Vec<Term> {
    match t {
        Term::Op(Op::And, xs) => xs.iter().flat_map(conjuncts).collect(),
        Term::Bool(true) => Vec::new(),
        other => vec![other.clone()],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use psync_logic::build::{cnst, none, some, tuple};

    #[test]
    fn tuples_are_taken_apart() {
        let (a, b, c) = (cnst("a", Sort::Int), cnst("b", Sort::Int), cnst("c", Sort::Bool));
        let t = super::ite(c.clone(), tuple(vec![a.clone(), b.clone()]), tuple(vec![b.clone(), a.clone()]));
        assert_eq!(super::proj(t, 1), super::ite(c, b.clone(), a.clone()));
        let e = super::eq(tuple(vec![a.clone(), b.clone()]), tuple(vec![b.clone(), a.clone()]));
        assert_eq!(e, build::and(vec![build::eq(a.clone(), b.clone()), build::eq(b, a)]));
    }

    #[test]
    fn option_guards_are_exact() {
        let (c, a) = (cnst("c", Sort::Bool), cnst("a", Sort::Int));
        let o = super::ite(c.clone(), some(a.clone()), none(Sort::Int));
        assert_eq!(super::is_some(o.clone()), c);
        assert_eq!(get_under_some(o), a);
    }
}
