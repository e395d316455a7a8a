//! Pass 1a: lift non-boolean `ite` out of atoms, negation normal form, and
//! unique bound-variable names.
//!
//! Soundness: every rewrite here is an equivalence (`A[ite(c,a,b)] ⇔ (c ∧ A[a])
//! ∨ (¬c ∧ A[b])`, De Morgan, quantifier duality, α-renaming), so the set of
//! models is unchanged.

use super::ReduceError;
use super::names::NameGen;
use super::syntax::{self, and, or};
use crate::{Binder, Op, Sort, Term, Var};

/// Normalize a closed formula: ite lifting, NNF, quantifiers over `Bool`
/// expanded ([`super::booleans`]), fresh bound names.
pub fn normalize(f: &Term, names: &mut NameGen) -> Result<Term, ReduceError> {
    let lifted = lift_ite_formula(f);
    let nnf = nnf(&lifted, true)?;
    Ok(rename_bound(&super::booleans::expand(&nnf), names))
}

fn is_connective(t: &Term) -> bool {
    match t {
        Term::Op(Op::Not | Op::And | Op::Or | Op::Implies | Op::Iff, _) => true,
        Term::Op(Op::Ite | Op::Eq, args) => args[1].sort() == Sort::Bool,
        Term::Bind(Binder::Forall | Binder::Exists, _, _) => true,
        _ => false,
    }
}

/// Lift every `ite` that sits strictly inside an atom to the formula level.
fn lift_ite_formula(t: &Term) -> Term {
    if is_connective(t) {
        return match t {
            Term::Op(op, args) => Term::Op(op.clone(), args.iter().map(lift_ite_formula).collect()),
            Term::Bind(b, vs, body) => Term::Bind(*b, vs.clone(), Box::new(lift_ite_formula(body))),
            _ => unreachable!("connectives are operators or binders"),
        };
    }
    // An atom: comprehension bodies inside it are formulas of their own.
    let atom = lift_in_comprehensions(t);
    match find_ite(&atom, true) {
        None => atom,
        Some(ite) => {
            let Term::Op(Op::Ite, parts) = &ite else {
                unreachable!("find_ite returns an ite")
            };
            let then = lift_ite_formula(&replace(&atom, &ite, &parts[1]));
            let els = lift_ite_formula(&replace(&atom, &ite, &parts[2]));
            let cond = lift_ite_formula(&parts[0]);
            Term::Op(Op::Ite, vec![cond, then, els])
        }
    }
}

fn lift_in_comprehensions(t: &Term) -> Term {
    match t {
        Term::Bind(Binder::Comprehension, vs, body) => Term::Bind(
            Binder::Comprehension,
            vs.clone(),
            Box::new(lift_ite_formula(body)),
        ),
        Term::App(f, args) => {
            Term::App(f.clone(), args.iter().map(lift_in_comprehensions).collect())
        }
        Term::Op(op, args) => Term::Op(
            op.clone(),
            args.iter().map(lift_in_comprehensions).collect(),
        ),
        other => other.clone(),
    }
}

/// The first `ite` inside `t` (not the root), not under a binder: its
/// condition then only mentions variables bound outside the atom.
fn find_ite(t: &Term, root: bool) -> Option<Term> {
    match t {
        Term::Op(Op::Ite, _) if !root => Some(t.clone()),
        Term::App(_, args) | Term::Op(_, args) => args.iter().find_map(|a| find_ite(a, false)),
        _ => None,
    }
}

fn replace(t: &Term, from: &Term, to: &Term) -> Term {
    if t == from {
        return to.clone();
    }
    match t {
        Term::App(f, args) => Term::App(
            f.clone(),
            args.iter().map(|a| replace(a, from, to)).collect(),
        ),
        Term::Op(op, args) => Term::Op(
            op.clone(),
            args.iter().map(|a| replace(a, from, to)).collect(),
        ),
        other => other.clone(),
    }
}

/// Negation normal form of `t` if `pos`, of `¬t` otherwise.
fn nnf(t: &Term, pos: bool) -> Result<Term, ReduceError> {
    let both =
        |a: &Term| -> Result<(Term, Term), ReduceError> { Ok((nnf(a, true)?, nnf(a, false)?)) };
    Ok(match t {
        Term::Bool(b) => Term::Bool(*b == pos),
        Term::Op(Op::Not, a) => nnf(&a[0], !pos)?,
        Term::Op(Op::And, ps) | Term::Op(Op::Or, ps) => {
            let parts = ps
                .iter()
                .map(|p| nnf(p, pos))
                .collect::<Result<Vec<_>, _>>()?;
            let is_and = matches!(t, Term::Op(Op::And, _));
            if is_and == pos { and(parts) } else { or(parts) }
        }
        Term::Op(Op::Implies, ab) => {
            if pos {
                or(vec![nnf(&ab[0], false)?, nnf(&ab[1], true)?])
            } else {
                and(vec![nnf(&ab[0], true)?, nnf(&ab[1], false)?])
            }
        }
        Term::Op(Op::Iff, ab) | Term::Op(Op::Eq, ab) if ab[0].sort() == Sort::Bool => {
            let (a, na) = both(&ab[0])?;
            let (b, nb) = both(&ab[1])?;
            if pos {
                or(vec![and(vec![a, b]), and(vec![na, nb])])
            } else {
                or(vec![and(vec![a, nb]), and(vec![na, b])])
            }
        }
        Term::Op(Op::Ite, cab) if cab[1].sort() == Sort::Bool => {
            let (c, nc) = both(&cab[0])?;
            or(vec![
                and(vec![c, nnf(&cab[1], pos)?]),
                and(vec![nc, nnf(&cab[2], pos)?]),
            ])
        }
        Term::Bind(b @ (Binder::Forall | Binder::Exists), vs, body) => {
            let body = nnf(body, pos)?;
            if (*b == Binder::Forall) == pos {
                syntax::forall(vs.clone(), body)
            } else {
                syntax::exists(vs.clone(), body)
            }
        }
        Term::Op(Op::Gt, ab) => nnf(&Term::Op(Op::Lt, vec![ab[1].clone(), ab[0].clone()]), pos)?,
        Term::Op(Op::Ge, ab) => nnf(&Term::Op(Op::Le, vec![ab[1].clone(), ab[0].clone()]), pos)?,
        atom => {
            let atom = nnf_in_atom(atom)?;
            let atom = match atom {
                Term::Op(Op::Eq, ab) => syntax::eq(ab[0].clone(), ab[1].clone()),
                other => other,
            };
            match (atom, pos) {
                (Term::Bool(b), _) => Term::Bool(b == pos),
                (a, true) => a,
                (a, false) => Term::Op(Op::Not, vec![a]),
            }
        }
    })
}

/// Put the bodies of comprehensions inside an atom into NNF.
fn nnf_in_atom(t: &Term) -> Result<Term, ReduceError> {
    Ok(match t {
        Term::Bind(Binder::Comprehension, vs, body) => {
            check_comprehension_sort(&vs[0])?;
            Term::Bind(
                Binder::Comprehension,
                vs.clone(),
                Box::new(nnf(body, true)?),
            )
        }
        Term::Bind(_, _, _) => {
            return Err(ReduceError::Unsupported(format!(
                "a quantifier inside a term: {t:?}"
            )));
        }
        Term::App(f, args) => Term::App(
            f.clone(),
            args.iter().map(nnf_in_atom).collect::<Result<_, _>>()?,
        ),
        Term::Op(op, args) => Term::Op(
            op.clone(),
            args.iter().map(nnf_in_atom).collect::<Result<_, _>>()?,
        ),
        other => other.clone(),
    })
}

/// Sets are finite: a comprehension over an infinite sort need not be a set.
fn check_comprehension_sort(x: &Var) -> Result<(), ReduceError> {
    match x.sort {
        Sort::P | Sort::Bool | Sort::Uninterpreted(_) => Ok(()),
        ref other => Err(ReduceError::Unsupported(format!(
            "comprehension over {other} (only P, Bool and uninterpreted sorts give finite sets): {{{} | …}}",
            x.name
        ))),
    }
}

/// Rename every bound variable to a fresh name (deterministic).
pub fn rename_bound(t: &Term, names: &mut NameGen) -> Term {
    match t {
        Term::Bind(b, vs, body) => {
            let fresh: Vec<Var> = vs.iter().map(|v| names.fresh_var(v)).collect();
            let map: Vec<(Var, Term)> = vs.iter().cloned().zip(fresh.iter().map(Var::t)).collect();
            let body = rename_bound(&body.subst(&map), names);
            Term::Bind(*b, fresh, Box::new(body))
        }
        Term::App(f, args) => Term::App(
            f.clone(),
            args.iter().map(|a| rename_bound(a, names)).collect(),
        ),
        Term::Op(op, args) => Term::Op(
            op.clone(),
            args.iter().map(|a| rename_bound(a, names)).collect(),
        ),
        other => other.clone(),
    }
}
