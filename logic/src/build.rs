//! A small builder API for writing formulas in Rust code and tests.
//!
//! ```
//! use psync_logic::build::*;
//! use psync_logic::Sort;
//! let (a, b) = (cnst("A", Sort::set(Sort::P)), cnst("B", Sort::set(Sort::P)));
//! let w = var("w", Sort::P);
//! // |A| > n/2 ∧ |B| > n/2 ⇒ ∃w. w ∈ A ∧ w ∈ B
//! let f = implies(
//!     and(vec![gt(mul(2, card(a.clone())), n()), gt(mul(2, card(b.clone())), n())]),
//!     exists(vec![w.clone()], and(vec![member(w.t(), a), member(w.t(), b)])),
//! );
//! assert_eq!(f.sort(), Sort::Bool);
//! ```

use crate::sort::Sort;
use crate::term::{Binder, Fun, Op, Term, Var};

/// A variable.
pub fn var(name: &str, sort: Sort) -> Var {
    Var::new(name, sort)
}
/// A constant (nullary uninterpreted symbol) as a term.
pub fn cnst(name: &str, sort: Sort) -> Term {
    Term::App(Fun::constant(name, sort), Vec::new())
}
/// A function symbol.
pub fn fun(name: &str, args: Vec<Sort>, ret: Sort) -> Fun {
    Fun::new(name, args, ret)
}
/// An integer literal.
pub fn int(k: i64) -> Term {
    Term::Int(k)
}
/// A boolean literal.
pub fn bool_(b: bool) -> Term {
    Term::Bool(b)
}
/// `n`, the number of processes.
pub fn n() -> Term {
    Term::Op(Op::ProcCount, Vec::new())
}
fn op(o: Op, args: Vec<Term>) -> Term {
    Term::Op(o, args)
}
/// `¬a`
pub fn not(a: Term) -> Term {
    op(Op::Not, vec![a])
}
/// `⋀ args`
pub fn and(args: Vec<Term>) -> Term {
    op(Op::And, args)
}
/// `⋁ args`
pub fn or(args: Vec<Term>) -> Term {
    op(Op::Or, args)
}
/// `a ⇒ b`
pub fn implies(a: Term, b: Term) -> Term {
    op(Op::Implies, vec![a, b])
}
/// `a ⇔ b`
pub fn iff(a: Term, b: Term) -> Term {
    op(Op::Iff, vec![a, b])
}
/// `if c then a else b`
pub fn ite(c: Term, a: Term, b: Term) -> Term {
    op(Op::Ite, vec![c, a, b])
}
/// `a = b`
pub fn eq(a: Term, b: Term) -> Term {
    op(Op::Eq, vec![a, b])
}
/// `a ≠ b`
pub fn neq(a: Term, b: Term) -> Term {
    not(eq(a, b))
}
/// `a + b`
pub fn add(a: Term, b: Term) -> Term {
    op(Op::Add, vec![a, b])
}
/// `a - b`
pub fn sub(a: Term, b: Term) -> Term {
    op(Op::Sub, vec![a, b])
}
/// `k * a`
pub fn mul(k: i64, a: Term) -> Term {
    op(Op::Mul, vec![Term::Int(k), a])
}
/// `a / k` (floor on `Int`, exact on `Real`)
pub fn div(a: Term, k: i64) -> Term {
    op(Op::Div, vec![a, Term::Int(k)])
}
/// `a` (an `Int`) as a `Real`.
pub fn to_real(a: Term) -> Term {
    op(Op::ToReal, vec![a])
}

/// The rational `num / den` as a `Real` term (`den > 0`).
pub fn real(num: i64, den: i64) -> Term {
    let r = to_real(Term::Int(num));
    if den == 1 { r } else { div(r, den) }
}

/// `a mod k`
pub fn modulo(a: Term, k: i64) -> Term {
    op(Op::Mod, vec![a, Term::Int(k)])
}
/// `a < b`
pub fn lt(a: Term, b: Term) -> Term {
    op(Op::Lt, vec![a, b])
}
/// `a ≤ b`
pub fn le(a: Term, b: Term) -> Term {
    op(Op::Le, vec![a, b])
}
/// `a > b`
pub fn gt(a: Term, b: Term) -> Term {
    op(Op::Gt, vec![a, b])
}
/// `a ≥ b`
pub fn ge(a: Term, b: Term) -> Term {
    op(Op::Ge, vec![a, b])
}
/// `e ∈ s`
pub fn member(e: Term, s: Term) -> Term {
    op(Op::Member, vec![e, s])
}
/// `s ⊆ t`
pub fn subset(s: Term, t: Term) -> Term {
    op(Op::Subset, vec![s, t])
}
/// `s ∪ t`
pub fn union(s: Term, t: Term) -> Term {
    op(Op::Union, vec![s, t])
}
/// `s ∩ t`
pub fn inter(s: Term, t: Term) -> Term {
    op(Op::Inter, vec![s, t])
}
/// `s ∖ t`
pub fn diff(s: Term, t: Term) -> Term {
    op(Op::Diff, vec![s, t])
}
/// `|s|`
pub fn card(s: Term) -> Term {
    op(Op::Card, vec![s])
}
/// `∅ : Set(elem)`
pub fn empty(elem: Sort) -> Term {
    op(Op::Empty(elem), Vec::new())
}
/// The set of all processes.
pub fn all_procs() -> Term {
    op(Op::AllProcs, Vec::new())
}
/// `{a}`
pub fn singleton(a: Term) -> Term {
    op(Op::Singleton, vec![a])
}
/// `Some(a)`
pub fn some(a: Term) -> Term {
    op(Op::Some, vec![a])
}
/// `None : Opt(inner)`
pub fn none(inner: Sort) -> Term {
    op(Op::None(inner), Vec::new())
}
/// `a.is_some()`
pub fn is_some(a: Term) -> Term {
    op(Op::IsSome, vec![a])
}
/// `a.get()`
pub fn get(a: Term) -> Term {
    op(Op::Get, vec![a])
}
/// `(a₁, …, aₖ)`
pub fn tuple(args: Vec<Term>) -> Term {
    op(Op::Tuple, args)
}
/// `t.k`
pub fn proj(t: Term, k: usize) -> Term {
    op(Op::Proj(k), vec![t])
}
/// `∀ vs. body`
pub fn forall(vs: Vec<Var>, body: Term) -> Term {
    Term::Bind(Binder::Forall, vs, Box::new(body))
}
/// `∃ vs. body`
pub fn exists(vs: Vec<Var>, body: Term) -> Term {
    Term::Bind(Binder::Exists, vs, Box::new(body))
}
/// `{ v | body }`
pub fn compr(v: Var, body: Term) -> Term {
    Term::Bind(Binder::Comprehension, vec![v], Box::new(body))
}
