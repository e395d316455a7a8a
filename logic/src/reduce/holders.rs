//! A process quantified only for the value it holds: `∃k. φ(x(k))`, where
//! every occurrence of `k` is `x(k)` for one field `x` of a data sort and
//! one of them is inside a comprehension, becomes
//! `∃v. φ(v) ∧ ∃k. x(k) = v` (and `∀k. ψ(x(k))` becomes
//! `∀v. ψ(v) ∨ ∀k. x(k) ≠ v`).
//!
//! Why: "a value held by more than two thirds" is written as well with a
//! holder (`w.exists(|k| 3·|{i | x(i) = x(k)}| > 2n ∧ …)`) as with the
//! value (`w.exists_value(|v| 3·|{i | x(i) = v}| > 2n ∧ …)`). With the
//! holder, the comprehension is a family of sets indexed by processes,
//! `{i | x(i) = x(k)}`, one per process term the negated conclusion is
//! instantiated at, each with its own regions, and nothing relates two
//! members whose indices hold the same value; with the value it is one set
//! per value term, which the reduction's data instantiation and census
//! groups handle. The One-Third Rule's invariant in the holder form timed
//! out where the value form is proved.
//!
//! Soundness: an equivalence in every structure (`v` is `x(k)`'s value;
//! conversely `x(k) = v` makes `φ(v)` be `φ(x(k))`).

use super::names::NameGen;
use super::syntax::{self, and, or};
use crate::{Binder, Fun, Op, Term, Var};

/// Rewrite every holder quantifier of an NNF formula with unique bound names.
pub fn to_values(t: &Term, names: &mut NameGen) -> Term {
    match t {
        Term::Bind(b @ (Binder::Forall | Binder::Exists), vs, body) => {
            let mut body = to_values(body, names);
            let mut vs = vs.clone();
            let forall = *b == Binder::Forall;
            let mut k = 0;
            while k < vs.len() {
                let Some(field) = held_through(&vs[k], &body) else {
                    k += 1;
                    continue;
                };
                let holder = vs.remove(k);
                let v = Var::new(names.fresh("held$"), field.ret.clone());
                let held = field.app(vec![holder.t()]);
                let replaced = body.map_bottom_up(&mut |s| if s == held { v.t() } else { s });
                let holds = Term::Op(Op::Eq, vec![held.clone(), v.t()]);
                body = if forall {
                    or(vec![replaced, syntax::forall(vec![holder], Term::Op(Op::Not, vec![holds]))])
                } else {
                    and(vec![replaced, syntax::exists(vec![holder], holds)])
                };
                vs.insert(k, v);
                k += 1;
            }
            Term::Bind(*b, vs, Box::new(body))
        }
        Term::Bind(b, vs, body) => Term::Bind(*b, vs.clone(), Box::new(to_values(body, names))),
        Term::Op(op, args) => Term::Op(op.clone(), args.iter().map(|a| to_values(a, names)).collect()),
        other => other.clone(),
    }
}

/// The field `x` through which alone `body` reads `k` (every occurrence
/// is `x(k)`, `x` of a data sort), if some occurrence is inside a
/// comprehension.
fn held_through(k: &Var, body: &Term) -> Option<Fun> {
    if k.sort != crate::Sort::P {
        return None;
    }
    let mut field: Option<Fun> = None;
    let mut only_held = true;
    let mut in_comprehension = false;
    walk(body, k, false, &mut |f, inside| {
        match f {
            Some(f) if syntax::is_data(&f.ret) && field.as_ref().is_none_or(|g| g == f) => field = Some(f.clone()),
            _ => only_held = false,
        }
        in_comprehension |= inside;
    });
    (only_held && in_comprehension).then_some(field).flatten()
}

/// Call `visit` at each occurrence of `k` in `t`: with `Some(x)` when it is
/// the argument of a unary `x(k)`, `None` when it is anywhere else, and
/// whether it is inside a comprehension.
fn walk(t: &Term, k: &Var, inside: bool, visit: &mut impl FnMut(Option<&Fun>, bool)) {
    match t {
        Term::Var(v) if v == k => visit(None, inside),
        Term::App(f, args) if args.len() == 1 && args[0] == k.t() => visit(Some(f), inside),
        Term::App(_, args) | Term::Op(_, args) => args.iter().for_each(|a| walk(a, k, inside, visit)),
        Term::Bind(b, _, body) => walk(body, k, inside || *b == Binder::Comprehension, visit),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::{exists, fun, var};
    use crate::{Sort, holds};

    fn census(x: &Fun, of: Term) -> Term {
        let i = var("i", Sort::P);
        Term::Bind(Binder::Comprehension, vec![i.clone()], Box::new(Term::Op(Op::Eq, vec![x.app(vec![i.t()]), of])))
    }

    /// `∃k. 2·|{i | x(i) = x(k)}| > n` becomes `∃v. 2·|{i | x(i) = v}| > n ∧
    /// ∃k. x(k) = v`, and the two agree on every small model.
    #[test]
    fn a_holder_read_only_for_its_value_in_a_census_becomes_the_value() {
        let x = fun("x", vec![Sort::P], Sort::Int);
        let k = var("k", Sort::P);
        let majority = |of: Term| {
            Term::Op(Op::Gt, vec![Term::Op(Op::Mul, vec![Term::Int(2), Term::Op(Op::Card, vec![census(&x, of)])]), Term::Op(Op::ProcCount, vec![])])
        };
        let f = exists(vec![k.clone()], majority(x.app(vec![k.t()])));
        let mut names = NameGen::avoiding(&f);
        let g = to_values(&f, &mut names);
        let Term::Bind(Binder::Exists, vs, _) = &g else { panic!("{g}") };
        assert_eq!(vs.iter().map(|v| v.sort.clone()).collect::<Vec<_>>(), vec![Sort::Int], "{g}");
        for values in [[0, 0, 1], [0, 1, 2], [5, 5, 5]] {
            let mut m = crate::Model { n: 3, ..Default::default() };
            m.complete(std::slice::from_ref(&x));
            let table = m.funs.get_mut("x").unwrap();
            for (p, v) in values.iter().enumerate() {
                table.entries.insert(vec![crate::Value::Proc(p as u32)], crate::Value::Int(*v));
            }
            assert_eq!(holds(&f, &m), holds(&g, &m), "{values:?}");
        }
    }

    /// A holder also read as a process (`k ∈ S`), or never inside a
    /// comprehension, stays.
    #[test]
    fn a_process_read_otherwise_stays() {
        let x = fun("x", vec![Sort::P], Sort::Int);
        let s = fun("S", vec![], Sort::Set(Box::new(Sort::P))).app(vec![]);
        let k = var("k", Sort::P);
        let counted = Term::Op(Op::Gt, vec![Term::Op(Op::Card, vec![census(&x, x.app(vec![k.t()]))]), Term::Int(1)]);
        let member = Term::Op(Op::Member, vec![k.t(), s]);
        let f = exists(vec![k.clone()], and(vec![counted, member]));
        let mut names = NameGen::avoiding(&f);
        assert_eq!(to_values(&f, &mut names), f);
        let plain = exists(vec![k.clone()], Term::Op(Op::Gt, vec![x.app(vec![k.t()]), Term::Int(1)]));
        assert_eq!(to_values(&plain, &mut names), plain);
    }
}
