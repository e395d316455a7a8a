//! Printing terms as readable mathematics, with as few parentheses as the
//! precedence of the operators allows.
//!
//! `Display` (`{}`) prints Unicode (`∀ i: P. x(i) ∈ A ∧ 3 * |A| > 2 * n`);
//! the alternate form (`{:#}`, or [`Term::ascii`]) prints the ASCII syntax of
//! [`crate::parse`] (`forall i: P. x(i) in A && 3 * |A| > 2 * n`). The parser
//! reads both, and parsing a printed well-sorted term gives the term back.
//!
//! Precedence, loosest first: binders `∀ ∃` (extend to the right; always
//! parenthesized inside an operator); `⇔` (non-associative); `⇒` (right
//! associative); `∨`; `∧`; `¬`; comparisons `= ≠ < ≤ > ≥ ∈ ⊆`
//! (non-associative); `+ - ∪ ∖` (left associative); `* / % ∩` (left
//! associative); unary `-`; projection `t.k`. n-ary `∧`, `∨`, `+` print their
//! arguments in one chain, so a nested chain is parenthesized; the degenerate
//! chains of zero or one argument print as `and(…)`, `or(…)`, `add(…)`.

use std::fmt::{self, Write};

use crate::term::{Binder, Op, Term, Var};

const BINDER: u8 = 0;
const IFF: u8 = 1;
const IMPLIES: u8 = 2;
const OR: u8 = 3;
const AND: u8 = 4;
const NOT: u8 = 5;
const CMP: u8 = 6;
const ADD: u8 = 7;
const MUL: u8 = 8;
const NEG: u8 = 9;
const POSTFIX: u8 = 10;
const ATOM: u8 = 11;

impl fmt::Display for Term {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        Printer { ascii: f.alternate() }.term(f, self, BINDER)
    }
}

impl Term {
    /// This term in the ASCII syntax of [`crate::parse`] (same as `format!("{self:#}")`).
    pub fn ascii(&self) -> String {
        format!("{self:#}")
    }
}

/// Is `op(args)` printed as an infix/prefix operator (rather than in the
/// generic `name(args)` form)? Only at the arities the operator is meant for.
fn precedence(t: &Term) -> u8 {
    match t {
        Term::Bind(Binder::Comprehension, _, _) => ATOM,
        Term::Bind(_, _, _) => BINDER,
        Term::Int(k) if *k < 0 => NEG,
        Term::Op(op, args) => match (op, args.len()) {
            (Op::Iff, 2) => IFF,
            (Op::Implies, 2) => IMPLIES,
            (Op::Or, k) if k >= 2 => OR,
            (Op::And, k) if k >= 2 => AND,
            (Op::Not, 1) if is_eq(&args[0]) => CMP,
            (Op::Not, 1) => NOT,
            (Op::Eq | Op::Lt | Op::Le | Op::Gt | Op::Ge | Op::Member | Op::Subset, 2) => CMP,
            (Op::Add, k) if k >= 2 => ADD,
            (Op::Sub | Op::Union | Op::Diff, 2) => ADD,
            (Op::Mul | Op::Div | Op::Mod | Op::Inter, 2) => MUL,
            (Op::Neg, 1) => NEG,
            (Op::Proj(_), 1) => POSTFIX,
            _ => ATOM,
        },
        _ => ATOM,
    }
}

fn is_eq(t: &Term) -> bool {
    matches!(t, Term::Op(Op::Eq, args) if args.len() == 2)
}

/// The symbol of an infix/prefix operator, Unicode or ASCII.
fn symbol(op: &Op, negated_eq: bool, ascii: bool) -> &'static str {
    let (u, a) = match op {
        Op::Iff => ("⇔", "<==>"),
        Op::Implies => ("⇒", "==>"),
        Op::Or => ("∨", "||"),
        Op::And => ("∧", "&&"),
        Op::Not => ("¬", "!"),
        Op::Eq if negated_eq => ("≠", "!="),
        Op::Eq => ("=", "=="),
        Op::Lt => ("<", "<"),
        Op::Le => ("≤", "<="),
        Op::Gt => (">", ">"),
        Op::Ge => ("≥", ">="),
        Op::Member => ("∈", "in"),
        Op::Subset => ("⊆", "subset"),
        Op::Add => ("+", "+"),
        Op::Sub | Op::Neg => ("-", "-"),
        Op::Union => ("∪", "union"),
        Op::Diff => ("∖", "minus"),
        Op::Mul => ("*", "*"),
        Op::Div => ("/", "/"),
        Op::Mod => ("%", "%"),
        Op::Inter => ("∩", "inter"),
        _ => ("?", "?"),
    };
    if ascii { a } else { u }
}

/// The name of an operator in the generic `name(args)` form.
fn generic_name(op: &Op) -> String {
    match op {
        Op::Not => "not".into(),
        Op::And => "and".into(),
        Op::Or => "or".into(),
        Op::Implies => "implies".into(),
        Op::Iff => "iff".into(),
        Op::Ite => "ite".into(),
        Op::Eq => "eq".into(),
        Op::Add => "add".into(),
        Op::Sub => "sub".into(),
        Op::Neg => "neg".into(),
        Op::Mul => "mul".into(),
        Op::Div => "div".into(),
        Op::Mod => "mod".into(),
        Op::ToReal => "to_real".into(),
        Op::Lt => "lt".into(),
        Op::Le => "le".into(),
        Op::Gt => "gt".into(),
        Op::Ge => "ge".into(),
        Op::ProcCount => "n".into(),
        Op::Member => "member".into(),
        Op::Subset => "subset".into(),
        Op::Union => "union".into(),
        Op::Inter => "inter".into(),
        Op::Diff => "minus".into(),
        Op::Card => "card".into(),
        Op::Empty(s) => format!("empty<{s}>"),
        Op::AllProcs => "all".into(),
        Op::Singleton => "singleton".into(),
        Op::Some => "Some".into(),
        Op::None(s) => format!("None<{s}>"),
        Op::IsSome => "is_some".into(),
        Op::Get => "get".into(),
        Op::Tuple => "tuple".into(),
        Op::Proj(k) => format!("proj{k}"),
    }
}

struct Printer {
    ascii: bool,
}

impl Printer {
    /// Print `t` in a context that requires precedence at least `min`.
    fn term(&self, f: &mut fmt::Formatter<'_>, t: &Term, min: u8) -> fmt::Result {
        if precedence(t) < min {
            f.write_char('(')?;
            self.bare(f, t)?;
            f.write_char(')')
        } else {
            self.bare(f, t)
        }
    }

    fn list(&self, f: &mut fmt::Formatter<'_>, args: &[Term]) -> fmt::Result {
        for (k, a) in args.iter().enumerate() {
            if k > 0 {
                f.write_str(", ")?;
            }
            self.term(f, a, BINDER)?;
        }
        Ok(())
    }

    fn call(&self, f: &mut fmt::Formatter<'_>, name: &str, args: &[Term]) -> fmt::Result {
        f.write_str(name)?;
        f.write_char('(')?;
        self.list(f, args)?;
        f.write_char(')')
    }

    fn binary(&self, f: &mut fmt::Formatter<'_>, op: &str, l: &Term, lmin: u8, r: &Term, rmin: u8) -> fmt::Result {
        self.term(f, l, lmin)?;
        write!(f, " {op} ")?;
        self.term(f, r, rmin)
    }

    fn vars(&self, f: &mut fmt::Formatter<'_>, vs: &[Var]) -> fmt::Result {
        for (k, v) in vs.iter().enumerate() {
            if k > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{}: {}", v.name, v.sort)?;
        }
        Ok(())
    }

    /// Print `t` without parentheses around it.
    fn bare(&self, f: &mut fmt::Formatter<'_>, t: &Term) -> fmt::Result {
        match t {
            Term::Var(v) => f.write_str(&v.name),
            Term::Bool(b) => write!(f, "{b}"),
            Term::Int(k) => write!(f, "{k}"),
            Term::App(g, args) if args.is_empty() => f.write_str(&g.name),
            Term::App(g, args) => self.call(f, &g.name, args),
            Term::Bind(Binder::Comprehension, vs, body) => {
                f.write_char('{')?;
                self.vars(f, vs)?;
                f.write_str(" | ")?;
                self.term(f, body, BINDER)?;
                f.write_char('}')
            }
            Term::Bind(b, vs, body) => {
                let q = match (b, self.ascii) {
                    (Binder::Forall, false) => "∀ ",
                    (Binder::Forall, true) => "forall ",
                    (_, false) => "∃ ",
                    (_, true) => "exists ",
                };
                f.write_str(q)?;
                self.vars(f, vs)?;
                f.write_str(". ")?;
                self.term(f, body, BINDER)
            }
            Term::Op(op, args) => self.op(f, op, args, precedence(t)),
        }
    }

    fn op(&self, f: &mut fmt::Formatter<'_>, op: &Op, args: &[Term], prec: u8) -> fmt::Result {
        let sym = |negated| symbol(op, negated, self.ascii);
        match (op, args) {
            (Op::Iff, [l, r]) => self.binary(f, sym(false), l, IFF + 1, r, IFF + 1),
            (Op::Implies, [l, r]) => self.binary(f, sym(false), l, IMPLIES + 1, r, IMPLIES),
            (Op::Or | Op::And, _) if prec != ATOM => {
                for (k, a) in args.iter().enumerate() {
                    if k > 0 {
                        write!(f, " {} ", sym(false))?;
                    }
                    self.term(f, a, prec + 1)?;
                }
                Ok(())
            }
            (Op::Not, [a]) => match a {
                Term::Op(Op::Eq, lr) if lr.len() == 2 => {
                    self.binary(f, symbol(&Op::Eq, true, self.ascii), &lr[0], ADD, &lr[1], ADD)
                }
                _ => {
                    f.write_str(sym(false))?;
                    self.term(f, a, NOT)
                }
            },
            (Op::Eq | Op::Lt | Op::Le | Op::Gt | Op::Ge | Op::Member | Op::Subset, [l, r]) => {
                self.binary(f, sym(false), l, ADD, r, ADD)
            }
            (Op::Add, _) if prec != ATOM => {
                // The first summand may be any additive term except another
                // chain, which the parser would merge into this one.
                let first_min = if matches!(&args[0], Term::Op(Op::Add, xs) if xs.len() >= 2) { ATOM } else { ADD };
                self.term(f, &args[0], first_min)?;
                for a in &args[1..] {
                    f.write_str(" + ")?;
                    self.term(f, a, MUL)?;
                }
                Ok(())
            }
            (Op::Sub | Op::Union | Op::Diff, [l, r]) => self.binary(f, sym(false), l, ADD, r, MUL),
            (Op::Mul | Op::Div | Op::Mod | Op::Inter, [l, r]) => self.binary(f, sym(false), l, MUL, r, NEG),
            (Op::Neg, [a]) => {
                f.write_char('-')?;
                // `-3` would read back as the literal -3, not as Neg(3).
                if let Term::Int(k) = a { write!(f, "({k})") } else { self.term(f, a, NEG) }
            }
            (Op::Proj(k), [a]) => {
                self.term(f, a, POSTFIX)?;
                write!(f, ".{k}")
            }
            (Op::Card, [s]) => {
                f.write_char('|')?;
                self.term(f, s, BINDER)?;
                f.write_char('|')
            }
            (Op::Singleton, [a]) => {
                f.write_char('{')?;
                self.term(f, a, BINDER)?;
                f.write_char('}')
            }
            (Op::Tuple, _) if args.len() >= 2 => {
                f.write_char('(')?;
                self.list(f, args)?;
                f.write_char(')')
            }
            (Op::ProcCount, []) => f.write_str("n"),
            (Op::AllProcs, []) => f.write_str("all"),
            (Op::Empty(s), []) => write!(f, "{}<{s}>", if self.ascii { "empty" } else { "∅" }),
            (Op::None(s), []) => write!(f, "None<{s}>"),
            _ => self.call(f, &generic_name(op), args),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::build::*;
    use crate::Sort;

    #[test]
    fn majority_reads_like_math() {
        let (a, b) = (cnst("A", Sort::set(Sort::P)), cnst("B", Sort::set(Sort::P)));
        let w = var("w", Sort::P);
        let f = implies(
            and(vec![gt(mul(2, card(a.clone())), n()), gt(mul(2, card(b.clone())), n())]),
            exists(vec![w.clone()], member(w.t(), inter(a, b))),
        );
        assert_eq!(f.to_string(), "2 * |A| > n ∧ 2 * |B| > n ⇒ (∃ w: P. w ∈ A ∩ B)");
        assert_eq!(f.ascii(), "2 * |A| > n && 2 * |B| > n ==> (exists w: P. w in A inter B)");
    }

    #[test]
    fn parentheses_only_where_needed() {
        let (a, b, c) = (cnst("a", Sort::Int), cnst("b", Sort::Int), cnst("c", Sort::Int));
        assert_eq!(sub(a.clone(), sub(b.clone(), c.clone())).to_string(), "a - (b - c)");
        assert_eq!(sub(sub(a.clone(), b.clone()), c.clone()).to_string(), "a - b - c");
        assert_eq!(mul(2, add(a.clone(), b.clone())).to_string(), "2 * (a + b)");
        assert_eq!(neg(int(3)).to_string(), "-(3)");
        assert_eq!(int(-3).to_string(), "-3");
        let p = cnst("p", Sort::Bool);
        assert_eq!(not(and(vec![p.clone(), p.clone()])).to_string(), "¬(p ∧ p)");
        assert_eq!(and(vec![or(vec![p.clone(), p.clone()]), p.clone()]).to_string(), "(p ∨ p) ∧ p");
        assert_eq!(neq(a.clone(), b.clone()).to_string(), "a ≠ b");
        assert_eq!(and(vec![]).to_string(), "and()");
    }

    fn neg(a: crate::Term) -> crate::Term {
        crate::Term::Op(crate::Op::Neg, vec![a])
    }
}
