//! Pass 9: lowering to the flat first-order fragment the SMT back ends take.
//!
//! Sorts are kept: the SMT layer declares every sort but `Bool` and `Int`
//! (sets, options and tuples included) as an uninterpreted sort named by
//! [`Sort::mangle`]. `e ∈ S` becomes `in$Set_X(e, S)`, `|S|` becomes
//! `card$Set_X(S)`, options and tuples their constructor and observer
//! symbols (`some$…`, `none$…`, `is_some$…`, `get$…`, `tuple$…`, `proj<k>$…`).
//! Anything that should have been eliminated earlier is an error.
//!
//! Soundness: a renaming of interpreted symbols into uninterpreted ones
//! (interpret them as the operators they replace); no formula is dropped.

use super::ReduceError;
use crate::{Binder, Fun, Op, Sort, Term};

/// `in$Set_X : X × Set_X → Bool` for a set sort.
pub fn member_symbol(set: &Sort) -> Fun {
    let elem = set.set_elem().expect("a set sort");
    Fun::new(
        format!("in${}", set.mangle()),
        vec![elem.clone(), set.clone()],
        Sort::Bool,
    )
}

/// `card$Set_X : Set_X → Int` for a set sort.
pub fn card_symbol(set: &Sort) -> Fun {
    Fun::new(
        format!("card${}", set.mangle()),
        vec![set.clone()],
        Sort::Int,
    )
}

/// `is_some$Opt_T`, `get$Opt_T` for an option sort.
pub fn option_observers(opt: &Sort) -> (Fun, Fun) {
    let Sort::Opt(inner) = opt else {
        panic!("not an option sort: {opt}")
    };
    let o = opt.clone();
    (
        Fun::new(
            format!("is_some${}", opt.mangle()),
            vec![o.clone()],
            Sort::Bool,
        ),
        Fun::new(format!("get${}", opt.mangle()), vec![o], (**inner).clone()),
    )
}

/// `proj<k>$Tup…` for each component of a tuple sort.
pub fn tuple_projections(tup: &Sort) -> Vec<Fun> {
    let Sort::Tuple(cs) = tup else {
        panic!("not a tuple sort: {tup}")
    };
    cs.iter()
        .enumerate()
        .map(|(k, c)| {
            Fun::new(
                format!("proj{k}${}", tup.mangle()),
                vec![tup.clone()],
                c.clone(),
            )
        })
        .collect()
}

/// Lower one formula of the reduced CL fragment.
pub fn lower(t: &Term) -> Result<Term, ReduceError> {
    let args = |ts: &[Term]| ts.iter().map(lower).collect::<Result<Vec<_>, _>>();
    Ok(match t {
        Term::Var(_) | Term::Bool(_) | Term::Int(_) => t.clone(),
        Term::App(f, xs) => Term::App(f.clone(), args(xs)?),
        Term::Bind(b @ (Binder::Forall | Binder::Exists), vs, body) => {
            Term::Bind(*b, vs.clone(), Box::new(lower(body)?))
        }
        Term::Bind(Binder::Comprehension, _, _) => {
            return Err(ReduceError::Internal(format!(
                "comprehension left after symbolization: {t:?}"
            )));
        }
        Term::Op(op, xs) => {
            let sort0 = || xs[0].sort();
            match op {
                Op::Member => member_symbol(&xs[1].sort()).app(args(xs)?),
                Op::Card => card_symbol(&sort0()).app(args(xs)?),
                Op::IsSome => option_observers(&sort0()).0.app(args(xs)?),
                Op::Get => option_observers(&sort0()).1.app(args(xs)?),
                Op::Some => {
                    let opt = t.sort();
                    Fun::new(format!("some${}", opt.mangle()), vec![sort0()], opt.clone())
                        .app(args(xs)?)
                }
                Op::None(_) => {
                    let opt = t.sort();
                    Fun::constant(format!("none${}", opt.mangle()), opt.clone()).app(Vec::new())
                }
                Op::Tuple => {
                    let tup = t.sort();
                    let sorts = xs.iter().map(Term::sort).collect();
                    Fun::new(format!("tuple${}", tup.mangle()), sorts, tup.clone()).app(args(xs)?)
                }
                Op::Proj(k) => tuple_projections(&sort0())[*k].app(args(xs)?),
                Op::Subset
                | Op::Union
                | Op::Inter
                | Op::Diff
                | Op::Singleton
                | Op::Empty(_)
                | Op::AllProcs => {
                    return Err(ReduceError::Internal(format!(
                        "set operator left after rewriting: {t:?}"
                    )));
                }
                _ => Term::Op(op.clone(), args(xs)?),
            }
        }
    })
}
