//! Bounded counterexample search: models of a CL formula with exactly
//! `n = 1, 2, …, K` processes, found by Z3 on a finite lowering.
//!
//! For each `k`, the *original* formula (not its unbounded reduction) is
//! lowered to a flat query in which `P` has exactly `k` elements
//! ([`lower`]): quantifiers over `P` (and over other finite sorts: `Bool`,
//! sets, options and tuples of finite sorts) are expanded, `n` is the
//! literal `k`, a set of a finite sort is one membership flag per element
//! (so `|S|` is a sum of `ite`s), options and tuples are flattened into
//! their components, and function symbols become one flat symbol per
//! component. `Int`, `Bool` and uninterpreted sorts stay as they are
//! (quantifiers over them are left to the solver). Sets of `Int` or of
//! uninterpreted sorts are [`BoundedError::Unsupported`].
//!
//! A solver model is decoded into a [`Model`] of the original signature
//! (`n = k`, real set values, function tables) and **confirmed** with
//! [`crate::eval::holds`] on the original formula; only a confirmed model is
//! reported. The search can only refute: "no model for `n ≤ K`" is never a
//! proof (larger `n` are not tried), so [`crate::check::check_sat`] uses it
//! only to turn an inconclusive verdict into a counterexample.

mod data_range;
mod decode;
mod flat;
mod layout;
mod lower;
mod search;
mod symmetry;

use std::time::Duration;

use crate::smt::{Backend, Cancel, SmtError, SmtQuery, SolverResult};
use data_range::DataRange;
pub use search::{search_until, with_small_data};
use crate::{Binder, Model, Op, Sort, Term, TypeError};

/// Settings of a bounded search.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BoundedConfig {
    /// The largest number of processes tried (from 1 up) with small data
    /// ([`data_range`]).
    pub max_n: u32,
    /// The largest number of processes always tried with any data as well
    /// (larger sizes are, while the exact queries stay cheap: see
    /// [`search_until`]); only sizes tried exactly can be ruled out.
    pub exact_max_n: u32,
    /// Solver time limit for one query (each `n` has up to two).
    pub timeout_per_n: Duration,
    /// Time limit of the whole search (no new query is started after it).
    pub budget: Duration,
}

impl Default for BoundedConfig {
    fn default() -> Self {
        BoundedConfig::for_timeout(Duration::from_secs(20))
    }
}

impl BoundedConfig {
    /// The search within `timeout` in all: small data up to `n = 12`, any
    /// data up to `n = 3` and beyond while cheap, at most half the time
    /// for one query. (Always trying the exact queries for n = 4, 5 costs
    /// more than small data there: OTR's n = 7 counterexample took
    /// 7.5–8.7 s with them and 5.4–6.0 s without, on a loaded machine.)
    pub fn for_timeout(timeout: Duration) -> BoundedConfig {
        BoundedConfig { max_n: 12, exact_max_n: 3, timeout_per_n: timeout / 2, budget: timeout }
    }
}

/// Why a formula could not be searched.
#[derive(Debug, thiserror::Error)]
pub enum BoundedError {
    /// The formula is ill-sorted.
    #[error("type error: {0}")]
    Type(#[from] TypeError),
    /// The formula uses something the finite lowering does not support.
    #[error("unsupported by the bounded search: {0}")]
    Unsupported(String),
    /// The solver failed (not a verdict).
    #[error("solver error: {0}")]
    Solver(#[from] SmtError),
}

/// The verdict for one number of processes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NVerdict {
    /// A model with this many processes, confirmed by the evaluator.
    Found(Model),
    /// The solver proved that there is none.
    NoModel,
    /// Neither: timeout, solver unknown, or a model that could not be
    /// decoded or confirmed; why.
    Inconclusive(String),
}

/// The outcome of a search over `n = 1..=max_n`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BoundedResult {
    /// A confirmed model (the smallest `n` that gave one).
    Found(Model),
    /// No confirmed model.
    NotFound {
        /// The largest `n` tried.
        tried_up_to: u32,
        /// Every `n ≤ no_model_up_to` has no model (solver `unsat`);
        /// equal to `tried_up_to` when the search was exhaustive.
        no_model_up_to: u32,
        /// What was inconclusive, one note per `n`.
        notes: Vec<String>,
    },
}

impl BoundedResult {
    /// A one-line summary for reports: what is settled ("no counterexample
    /// with n ≤ k") apart from what was only tried.
    pub fn summary(&self) -> String {
        match self {
            BoundedResult::Found(m) => format!("counterexample with n = {}", m.n),
            BoundedResult::NotFound { tried_up_to, no_model_up_to, notes } => {
                if notes.is_empty() && tried_up_to == no_model_up_to {
                    format!("no counterexample with n ≤ {tried_up_to}")
                } else if *no_model_up_to == 0 {
                    format!("no counterexample found, none ruled out (up to n = {tried_up_to}: {})", notes.join("; "))
                } else {
                    // Only `n ≤ no_model_up_to` is exhaustive: the larger
                    // sizes were tried, not settled.
                    format!(
                        "no counterexample with n ≤ {no_model_up_to}; none found up to n = {tried_up_to}, not exhaustively ({})",
                        notes.join("; ")
                    )
                }
            }
        }
    }
}

/// The flat query stating that `f` has a model with exactly `k ≥ 1` processes.
pub fn lower_query(f: &Term, k: u32) -> Result<SmtQuery, BoundedError> {
    crate::typecheck_formula(f)?;
    Ok(SmtQuery::new(Query::build(f, k, None)?.lowered.assertions))
}

/// Look for a model of `f` with exactly `k ≥ 1` processes (any data).
pub fn check_n(f: &Term, k: u32, backend: &dyn Backend, timeout: Duration) -> Result<NVerdict, BoundedError> {
    crate::typecheck_formula(f)?;
    solve(f, &Query::build(f, k, None)?, backend, timeout, &Cancel::new())
}

/// One bounded query: the lowering of a formula for `k` processes, with
/// its processes ordered ([`symmetry`]) and, for small data, its integer
/// data confined ([`data_range`]).
pub(crate) struct Query {
    lowered: lower::Lowered,
}

impl Query {
    pub(crate) fn build(f: &Term, k: u32, data: Option<DataRange>) -> Result<Query, BoundedError> {
        if k == 0 {
            return Err(BoundedError::Unsupported("n = 0 processes".into()));
        }
        let ints = data.map(|d| d.quantifier_domain(f, k)).filter(|d| d.len() <= data_range::MAX_QUANTIFIER_DOMAIN);
        let mut lowered = lower::lower(f, k, ints.as_deref())?;
        let main = lowered.assertions.pop().expect("the lowered formula is the last assertion");
        lowered.assertions.extend(symmetry::order_constraints(&lowered.funs, k));
        if let Some(d) = data {
            let bounds = d.constraints(std::slice::from_ref(&main), k);
            lowered.assertions.extend(bounds);
        }
        lowered.assertions.push(main);
        Ok(Query { lowered })
    }
}

/// Solve one query and confirm its model on `f`.
pub(crate) fn solve(f: &Term, q: &Query, backend: &dyn Backend, timeout: Duration, cancel: &Cancel) -> Result<NVerdict, BoundedError> {
    if q.lowered.assertions.last() == Some(&Term::Bool(false)) {
        return Ok(NVerdict::NoModel);
    }
    let smt = SmtQuery::new(q.lowered.assertions.clone());
    let m = match backend.check_cancellable(&smt, timeout, cancel)? {
        SolverResult::Unsat => return Ok(NVerdict::NoModel),
        SolverResult::Timeout => return Ok(NVerdict::Inconclusive("timeout".into())),
        SolverResult::Unknown(why) => return Ok(NVerdict::Inconclusive(format!("solver unknown: {why}"))),
        SolverResult::Sat(m) => m,
    };
    let model = match decode::decode(&q.lowered, &sorts_of(f), &m) {
        Ok(model) => model,
        Err(why) => return Ok(NVerdict::Inconclusive(format!("model not decoded: {why}"))),
    };
    Ok(match crate::eval::holds(f, &model) {
        Ok(true) => NVerdict::Found(model),
        Ok(false) => NVerdict::Inconclusive("the decoded model falsifies the formula".into()),
        Err(e) => NVerdict::Inconclusive(format!("the decoded model cannot be evaluated: {e}")),
    })
}

/// Look for a model of `f` with `n = 1, 2, …, cfg.max_n` processes
/// (the order of the queries: [`search_until`]).
pub fn search(f: &Term, cfg: &BoundedConfig, backend: &dyn Backend) -> Result<BoundedResult, BoundedError> {
    search_until(f, cfg, backend, &Cancel::new())
}

/// A verdict without its model, for logs.
pub(crate) fn verdict_name(v: &NVerdict) -> &str {
    match v {
        NVerdict::Found(_) => "found",
        NVerdict::NoModel => "no model",
        NVerdict::Inconclusive(why) => why,
    }
}

/// Every sort occurring in `f` (symbols, variables, sort annotations).
fn sorts_of(f: &Term) -> Vec<Sort> {
    let mut out: Vec<Sort> = Vec::new();
    let mut add = |s: &Sort| {
        if !out.contains(s) {
            out.push(s.clone());
        }
    };
    f.visit(&mut |t| match t {
        Term::Var(v) => add(&v.sort),
        Term::App(g, _) => {
            g.args.iter().for_each(&mut add);
            add(&g.ret);
        }
        Term::Bind(b, vs, _) => {
            vs.iter().for_each(|v| add(&v.sort));
            if *b == Binder::Comprehension {
                add(&Sort::set(vs[0].sort.clone()));
            }
        }
        Term::Op(Op::Empty(s) | Op::None(s), _) => add(s),
        _ => {}
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The summary claims exhaustiveness only up to the sizes settled.
    #[test]
    fn a_summary_separates_the_sizes_settled_from_those_tried() {
        let notes = vec!["n = 12 (data in 0..=1): timeout".to_string()];
        let partial = BoundedResult::NotFound { tried_up_to: 12, no_model_up_to: 8, notes: notes.clone() };
        assert_eq!(
            partial.summary(),
            "no counterexample with n ≤ 8; none found up to n = 12, not exhaustively (n = 12 (data in 0..=1): timeout)"
        );
        let none = BoundedResult::NotFound { tried_up_to: 1, no_model_up_to: 0, notes };
        assert!(none.summary().starts_with("no counterexample found, none ruled out (up to n = 1:"), "{}", none.summary());
        let all = BoundedResult::NotFound { tried_up_to: 5, no_model_up_to: 5, notes: vec![] };
        assert_eq!(all.summary(), "no counterexample with n ≤ 5");
    }
}
