//! Evaluation of terms in finite models.
//!
//! Semantics, for a [`Model`] with `n ≥ 1` processes:
//! - `P` is `0..n`; `Bool` is `{false, true}`; an uninterpreted sort `U` is
//!   `0..k` with `k` = `model.universes[U.mangle()]`.
//! - Sets are finite; `|S|` is the number of elements; a comprehension
//!   `{x | φ}` collects the elements of the (finite) domain of `x`'s sort.
//! - `a / k` and `a mod k` (positive literal `k`) are floor division and
//!   the non-negative remainder, as SMT-LIB's `div`/`mod`.
//! - `get(None)` is the fixed default value of its sort (`0`, `false`,
//!   process 0, element 0, `∅`, `None`, tuples of defaults): SMT-LIB leaves it
//!   unspecified, and this is one legal choice.
//! - Quantifiers over `P`, `Bool`, uninterpreted sorts, and sets, options
//!   and tuples of them range over all their (finitely many) values:
//!   `∀ S: Set<P>` ranges over all `2ⁿ` subsets.
//! - Quantifiers over `Int` range over the **active domain**
//!   `A = { k-1, k, k+1 | k ∈ B }` where `B` holds every integer occurring in
//!   the model (function tables' arguments, values and defaults, free
//!   variables, the environment; inside sets, options and tuples), every
//!   integer literal of the formula, `0` and `n`. `Set<Int>` ranges over the
//!   subsets of `A`. This is **exact** for the CL fragment, where an
//!   `Int`-bound variable `v` only occurs as an argument of function symbols
//!   and in (dis)equalities `v = t` with terms `t` whose values lie in `B`
//!   (literals, constants, function applications, other such variables): all
//!   values outside `B` then behave alike (they meet only table defaults and
//!   unequal values), and `A` contains two of them (`min B - 1`,
//!   `max B + 1`), enough for up to two nested such variables that must
//!   differ from everything and from each other. It is an **approximation**
//!   otherwise: with `x(0) = 7` and no 9 in `A`, `∃ w: Int. w = x(0) + 2`
//!   evaluates to false. Integer
//!   arithmetic itself is exact (overflow is an error, never a wrap).
//! - A function symbol's value at arguments not listed in its table is the
//!   table's default; without one, evaluation fails with
//!   [`EvalError::MissingInterpretation`] — the evaluator never guesses.

mod machine;
mod program;
mod value;
mod world;
pub use world::MAX_UNIVERSE;

pub(crate) use program::{compile, Node, Prim};
pub(crate) use value::{default_of, from_v, ints_in, Sizes, V};
pub(crate) use world::{domain_size, enumerate, Table, World};

use crate::model::{Model, Value};
use crate::term::{Term, Var};
use crate::typecheck::typecheck;

/// Why a term could not be evaluated.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EvalError {
    /// The term is not well sorted (or the model disagrees with its sorts).
    #[error("ill-sorted: {0}")]
    IllSorted(String),
    /// A symbol or free variable has no value at the arguments needed.
    #[error("no interpretation for `{symbol}` at ({args})")]
    MissingInterpretation {
        /// The function symbol or free variable.
        symbol: String,
        /// The arguments, printed.
        args: String,
    },
    /// An uninterpreted sort has no universe size in the model.
    #[error("the model gives no universe size for sort {0}")]
    MissingUniverse(String),
    /// A model value does not belong to its sort (or is out of range).
    #[error("bad model value: {0}")]
    BadValue(String),
    /// Integer arithmetic left the 64-bit range.
    #[error("integer overflow: {0}")]
    Overflow(String),
    /// A domain to enumerate is too large.
    #[error("too large to evaluate: {0}")]
    TooLarge(String),
    /// A construct the evaluator cannot handle here.
    #[error("unsupported: {0}")]
    Unsupported(String),
}

/// Evaluate a term whose free variables are interpreted by `m.vars`.
pub fn eval(t: &Term, m: &Model) -> Result<Value, EvalError> {
    eval_with(t, m, &[])
}

/// Evaluate a formula; `Ok(true)` iff it holds in `m`.
pub fn holds(t: &Term, m: &Model) -> Result<bool, EvalError> {
    match eval(t, m)? {
        Value::Bool(b) => Ok(b),
        other => Err(EvalError::IllSorted(format!("expected a formula, it evaluates to {other:?}"))),
    }
}

/// Evaluate a term; free variables take their values from `env` first, then from `m.vars`.
pub fn eval_with(t: &Term, m: &Model, env: &[(Var, Value)]) -> Result<Value, EvalError> {
    eval_bounded(t, m, env, None)
}

/// [`eval`], giving up with [`EvalError::TooLarge`] once `deadline` has
/// passed: nested quantifiers over a model of 60 processes and many
/// integers can take minutes.
pub fn eval_until(t: &Term, m: &Model, deadline: std::time::Instant) -> Result<Value, EvalError> {
    eval_bounded(t, m, &[], Some(deadline))
}

fn eval_bounded(t: &Term, m: &Model, env: &[(Var, Value)], deadline: Option<std::time::Instant>) -> Result<Value, EvalError> {
    typecheck(t).map_err(|e| EvalError::IllSorted(e.to_string()))?;
    let prog = compile(t)?;
    let sizes = Sizes { n: m.n, universes: m.universes.clone() };
    let domain = active_domain(t, m, env);
    let mut world = World::new(&prog, sizes, &domain, None)?;
    world.deadline = deadline;
    for (s, sym) in prog.syms.iter().enumerate() {
        if sym.is_var {
            let sort = &sym.fun.ret;
            let value = env.iter().find(|(v, _)| v.name == sym.fun.name && v.sort == *sort).map(|(_, x)| x);
            if let Some(x) = value.or_else(|| m.vars.get(&sym.fun.name)) {
                let v = value::to_v(x, sort, &world.sizes)?;
                world.set(s, Some(&[]), Some(v))?;
            }
            continue;
        }
        let Some(table) = m.funs.get(&sym.fun.name) else { continue };
        if table.fun != sym.fun {
            return Err(EvalError::IllSorted(format!(
                "the model interprets `{}` as {:?}, the term uses {:?}",
                sym.fun.name, table.fun, sym.fun
            )));
        }
        let arg_sorts = &sym.fun.args;
        if let Some(d) = &table.default {
            let d = value::to_v(d, &sym.fun.ret, &world.sizes)?;
            match &mut world.tables[s] {
                Table::Dense { entries, .. } => entries.iter_mut().for_each(|e| *e = Some(d.clone())),
                Table::Map { default, .. } => *default = Some(d),
            }
        }
        for (key, val) in &table.entries {
            if key.len() != arg_sorts.len() {
                return Err(EvalError::BadValue(format!("entry {key:?} of `{}` has the wrong arity", sym.fun.name)));
            }
            let args = key
                .iter()
                .zip(arg_sorts)
                .map(|(k, s)| value::to_v(k, s, &world.sizes))
                .collect::<Result<Vec<_>, _>>()?;
            let v = value::to_v(val, &sym.fun.ret, &world.sizes)?;
            world.set(s, Some(&args), Some(v))?;
        }
    }
    let mut slots = vec![V::Unknown; prog.slots];
    let v = world.ev(&prog.root, &mut slots)?;
    from_v(&v, &t.sort())
}

/// The integers `Int` quantifiers range over when evaluating `t` in `m`
/// (sorted, without duplicates); see the module documentation.
pub fn active_domain(t: &Term, m: &Model, env: &[(Var, Value)]) -> Vec<i64> {
    let mut base = vec![0, i64::from(m.n)];
    t.visit(&mut |s| {
        if let Term::Int(k) = s {
            base.push(*k);
        }
    });
    model_ints(m, &mut base);
    env.iter().for_each(|(_, x)| ints_in(x, &mut base));
    close_under_neighbours(base)
}

/// Every integer in `m`'s tables (arguments, values, defaults) and free
/// variables.
pub(crate) fn model_ints(m: &Model, out: &mut Vec<i64>) {
    for table in m.funs.values() {
        for (key, val) in &table.entries {
            key.iter().for_each(|k| ints_in(k, out));
            ints_in(val, out);
        }
        if let Some(d) = &table.default {
            ints_in(d, out);
        }
    }
    m.vars.values().for_each(|x| ints_in(x, out));
}

/// `{ k-1, k, k+1 | k ∈ base }`, sorted, without duplicates.
pub(crate) fn close_under_neighbours(base: Vec<i64>) -> Vec<i64> {
    let mut out: Vec<i64> = base.iter().flat_map(|k| [k.saturating_sub(1), *k, k.saturating_add(1)]).collect();
    out.sort_unstable();
    out.dedup();
    out
}
