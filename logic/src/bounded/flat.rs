//! Simplifying constructors for flat terms: literals are folded, so that
//! expanding quantifiers over the `k` processes does not produce formulas
//! the size of the full expansion when most instances are decided locally.

use crate::{Fun, Op, Sort, Term};

/// The prefix of the names of the constants standing for the processes.
pub(crate) const PROC_PREFIX: &str = "bnd@p";

/// The constant standing for process `i`.
pub(crate) fn proc_const(i: u32) -> Term {
    Term::App(Fun::constant(format!("{PROC_PREFIX}{i}"), Sort::P), Vec::new())
}

/// The process a term names, if it is one of the [`proc_const`]s.
fn proc_index(t: &Term) -> Option<&str> {
    match t {
        Term::App(f, args) if args.is_empty() && f.ret == Sort::P => f.name.strip_prefix(PROC_PREFIX),
        _ => None,
    }
}

/// `¬a`
pub(crate) fn not(a: Term) -> Term {
    match a {
        Term::Bool(b) => Term::Bool(!b),
        Term::Op(Op::Not, mut xs) if xs.len() == 1 => xs.pop().expect("one argument"),
        other => Term::Op(Op::Not, vec![other]),
    }
}

fn junction(op: Op, unit: bool, args: impl IntoIterator<Item = Term>) -> Term {
    let mut out = Vec::new();
    for a in args {
        match a {
            Term::Bool(b) if b == unit => {}
            Term::Bool(_) => return Term::Bool(!unit),
            Term::Op(o, xs) if o == op => out.extend(xs),
            other => out.push(other),
        }
    }
    match out.len() {
        0 => Term::Bool(unit),
        1 => out.pop().expect("one conjunct"),
        _ => Term::Op(op, out),
    }
}

/// `a₁ ∧ … ∧ aₘ`
pub(crate) fn and(args: impl IntoIterator<Item = Term>) -> Term {
    junction(Op::And, true, args)
}

/// `a₁ ∨ … ∨ aₘ`
pub(crate) fn or(args: impl IntoIterator<Item = Term>) -> Term {
    junction(Op::Or, false, args)
}

/// `a ⇒ b`
pub(crate) fn implies(a: Term, b: Term) -> Term {
    match (a, b) {
        (Term::Bool(false), _) | (_, Term::Bool(true)) => Term::Bool(true),
        (Term::Bool(true), b) => b,
        (a, Term::Bool(false)) => not(a),
        (a, b) => Term::Op(Op::Implies, vec![a, b]),
    }
}

/// `a ⇔ b`
pub(crate) fn iff(a: Term, b: Term) -> Term {
    match (a, b) {
        (Term::Bool(x), Term::Bool(y)) => Term::Bool(x == y),
        (Term::Bool(true), t) | (t, Term::Bool(true)) => t,
        (Term::Bool(false), t) | (t, Term::Bool(false)) => not(t),
        (a, b) if a == b => Term::Bool(true),
        (a, b) => Term::Op(Op::Iff, vec![a, b]),
    }
}

/// `a = b` for two flat terms of the same atomic sort.
pub(crate) fn eq(a: Term, b: Term) -> Term {
    if a == b {
        return Term::Bool(true);
    }
    match (&a, &b) {
        (Term::Bool(_), _) | (_, Term::Bool(_)) => iff(a, b),
        (Term::Int(x), Term::Int(y)) => Term::Bool(x == y),
        _ => match (proc_index(&a), proc_index(&b)) {
            // Distinct process constants are asserted pairwise different.
            (Some(i), Some(j)) => Term::Bool(i == j),
            _ => Term::Op(Op::Eq, vec![a, b]),
        },
    }
}

/// Componentwise equality of two laid-out values.
pub(crate) fn eq_all(a: &[Term], b: &[Term]) -> Term {
    and(a.iter().zip(b).map(|(x, y)| eq(x.clone(), y.clone())))
}

/// `if c then a else b`
pub(crate) fn ite(c: Term, a: Term, b: Term) -> Term {
    match (c, a, b) {
        (Term::Bool(true), a, _) => a,
        (Term::Bool(false), _, b) => b,
        (_, a, b) if a == b => a,
        (c, Term::Bool(true), Term::Bool(false)) => c,
        (c, Term::Bool(false), Term::Bool(true)) => not(c),
        (c, a, b) => Term::Op(Op::Ite, vec![c, a, b]),
    }
}

/// `a₁ + … + aₘ`, with the literals summed.
pub(crate) fn add(args: impl IntoIterator<Item = Term>) -> Term {
    let mut lit = 0i64;
    let mut out = Vec::new();
    for a in args {
        match a {
            Term::Int(k) => lit = lit.saturating_add(k),
            other => out.push(other),
        }
    }
    if lit != 0 || out.is_empty() {
        out.push(Term::Int(lit));
    }
    match out.len() {
        1 => out.pop().expect("one summand"),
        _ => Term::Op(Op::Add, out),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_fold() {
        let b = Term::App(Fun::constant("b", Sort::Bool), Vec::new());
        assert_eq!(and([Term::Bool(true), b.clone()]), b);
        assert_eq!(or([b.clone(), Term::Bool(true)]), Term::Bool(true));
        assert_eq!(eq(proc_const(0), proc_const(1)), Term::Bool(false));
        assert_eq!(eq(proc_const(2), proc_const(2)), Term::Bool(true));
        assert_eq!(ite(b.clone(), Term::Int(1), Term::Int(1)), Term::Int(1));
        assert_eq!(add([Term::Int(1), Term::Int(0)]), Term::Int(1));
        assert_eq!(not(not(b.clone())), b);
        assert_eq!(eq(b.clone(), Term::Bool(false)), not(b));
    }
}
