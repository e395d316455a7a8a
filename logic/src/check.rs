//! The check pipeline: type check, reduce, solve, decode, confirm.
//!
//! [`check_sat`] decides satisfiability of a CL formula (a VC is given as
//! `H ∧ ¬C`, so `Unsat` means the entailment is valid). It never reports a
//! model it has not confirmed: a solver model of the reduced query is decoded
//! into a model of the original signature (see [`crate::reduce::decode`])
//! and the original formula is evaluated on it; only `true` gives
//! [`CheckResult::Sat`]. Anything else is [`CheckResult::Unknown`].

use std::time::{Duration, Instant};

use crate::bounded::{BoundedConfig, BoundedResult};
use crate::reduce::{self, ReduceConfig, ReduceError, ReduceStats, Reduced, decode};
use crate::smt::{Backend, SmtError, SmtQuery, SolverResult};
use crate::{Model, Op, Term, TypeError, Value};

/// Settings of one check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckConfig {
    /// The reduction's knobs.
    pub reduce: ReduceConfig,
    /// Time limit of the main solver call.
    pub timeout: Duration,
    /// Solver models with a larger `n` are first re-solved with `n ≤ 8, 16, …`
    /// up to this bound, so the decoded counterexample stays small.
    pub small_n: i64,
    /// After an undecided verdict, search for a small counterexample
    /// ([`bounded_refutation`]); off when the caller runs that search once
    /// for several queries itself.
    pub bounded_search: bool,
}

impl Default for CheckConfig {
    fn default() -> Self {
        CheckConfig {
            reduce: ReduceConfig::default(),
            timeout: Duration::from_secs(20),
            small_n: 8,
            bounded_search: true,
        }
    }
}

/// The verdict on a formula.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CheckResult {
    /// No model: the entailment the formula negates is valid.
    Unsat,
    /// A confirmed model over the original signature (a counterexample).
    Sat(Model),
    /// The solver gave up, or its model could not be confirmed; why.
    Unknown(String),
    /// The time limit was reached.
    Timeout,
}

impl CheckResult {
    /// The verdict's one-word name: `unsat`, `sat`, `unknown`, `timeout`.
    pub fn name(&self) -> &'static str {
        match self {
            CheckResult::Unsat => "unsat",
            CheckResult::Sat(_) => "sat",
            CheckResult::Unknown(_) => "unknown",
            CheckResult::Timeout => "timeout",
        }
    }
}

/// Why a formula could not be checked at all.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    /// The formula is ill-sorted.
    #[error("type error: {0}")]
    Type(#[from] TypeError),
    /// The formula is outside what the reduction supports.
    #[error(transparent)]
    Reduce(#[from] ReduceError),
    /// The solver failed (not a verdict).
    #[error("solver error: {0}")]
    Solver(#[from] SmtError),
}

/// Sizes and timings of one check.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CheckStats {
    /// The reduction's statistics (sizes, time per pass).
    pub reduce: ReduceStats,
    /// Time in the solver (main call and re-solves).
    pub solve: Duration,
    /// Time decoding and confirming models.
    pub confirm: Duration,
    /// Total time.
    pub total: Duration,
}

/// A verdict with its statistics.
#[derive(Clone, Debug)]
pub struct Checked {
    /// The verdict.
    pub result: CheckResult,
    /// Statistics.
    pub stats: CheckStats,
}

/// Type check and reduce `f` (what `--dump-smt` shows).
pub fn reduce(f: &Term, cfg: &ReduceConfig) -> Result<Reduced, CheckError> {
    crate::typecheck_formula(f)?;
    Ok(reduce::reduce(f, cfg)?)
}

/// The reduced query of `f` as an SMT query.
pub fn query(r: &Reduced) -> SmtQuery {
    SmtQuery {
        assertions: r.assertions.clone(),
    }
}

/// Decide satisfiability of the CL formula `f`.
pub fn check_sat(
    f: &Term,
    cfg: &CheckConfig,
    backend: &dyn Backend,
) -> Result<Checked, CheckError> {
    let start = Instant::now();
    let reduced = reduce(f, &cfg.reduce)?;
    let mut stats = CheckStats {
        reduce: reduced.stats.clone(),
        ..Default::default()
    };
    let q = query(&reduced);
    let t = Instant::now();
    let first = backend.check(&q, cfg.timeout)?;
    stats.solve += t.elapsed();
    let model = match first {
        SolverResult::Unsat => return Ok(done(CheckResult::Unsat, stats, start)),
        SolverResult::Timeout => return Ok(refute_bounded(f, cfg, backend, CheckResult::Timeout, stats, start)),
        SolverResult::Unknown(why) => {
            return Ok(refute_bounded(f, cfg, backend, CheckResult::Unknown(why), stats, start));
        }
        SolverResult::Sat(m) => m,
    };
    // Prefer small counterexamples: re-solve with n bounded before decoding.
    let mut candidates = Vec::new();
    if decode::proc_count(&model).is_ok_and(|n| n > cfg.small_n) {
        let mut bound = cfg.small_n;
        while bound < decode::proc_count(&model).unwrap_or(0) && bound <= 64 {
            let mut bounded = q.clone();
            bounded.assertions.push(Term::Op(
                Op::Le,
                vec![Term::Op(Op::ProcCount, vec![]), Term::Int(bound)],
            ));
            let t = Instant::now();
            let r = backend.check(&bounded, cfg.timeout);
            stats.solve += t.elapsed();
            if let Ok(SolverResult::Sat(m)) = r {
                candidates.push(m);
                break;
            }
            bound *= 2;
        }
    }
    candidates.push(model);
    let t = Instant::now();
    let mut why = Vec::new();
    for m in &candidates {
        match confirm(f, m, &reduced, backend, cfg.timeout) {
            Ok(real) => {
                stats.confirm = t.elapsed();
                return Ok(done(CheckResult::Sat(real), stats, start));
            }
            Err(e) => why.push(e),
        }
    }
    stats.confirm = t.elapsed();
    let msg = format!("model could not be confirmed: {}", why.join("; "));
    Ok(refute_bounded(f, cfg, backend, CheckResult::Unknown(msg), stats, start))
}

/// After an inconclusive verdict, look for a counterexample with few
/// processes ([`crate::bounded`]); it can only refute, so without a
/// confirmed model the verdict stays, an `Unknown` with the reason extended.
fn refute_bounded(
    f: &Term,
    cfg: &CheckConfig,
    backend: &dyn Backend,
    verdict: CheckResult,
    mut stats: CheckStats,
    start: Instant,
) -> Checked {
    if !cfg.bounded_search {
        return done(verdict, stats, start);
    }
    let t = Instant::now();
    let verdict = bounded_refutation(f, cfg, backend, verdict);
    stats.solve += t.elapsed();
    done(verdict, stats, start)
}

/// Look for a counterexample of `f` with few processes after the undecided
/// `verdict`: a confirmed model replaces it, otherwise it stays (an
/// `Unknown` gets the search's outcome appended to its reason).
pub fn bounded_refutation(
    f: &Term,
    cfg: &CheckConfig,
    backend: &dyn Backend,
    verdict: CheckResult,
) -> CheckResult {
    let found = crate::bounded::search(f, &BoundedConfig::for_timeout(cfg.timeout), backend);
    let note = match found {
        Ok(BoundedResult::Found(m)) => return CheckResult::Sat(m),
        Ok(r) => format!("bounded search: {}", r.summary()),
        Err(e) => format!("bounded search skipped: {e}"),
    };
    match verdict {
        CheckResult::Unknown(why) => CheckResult::Unknown(format!("{why}; {note}")),
        other => other,
    }
}

fn done(result: CheckResult, mut stats: CheckStats, start: Instant) -> Checked {
    stats.total = start.elapsed();
    Checked { result, stats }
}

/// Decode a solver model and evaluate the original formula on it.
fn confirm(
    f: &Term,
    m: &Model,
    r: &Reduced,
    backend: &dyn Backend,
    timeout: Duration,
) -> Result<Model, String> {
    let input = decode::DecodeInput {
        signature: &r.signature,
        ground_sets: &r.ground_sets,
        ground_procs: &r.ground_procs,
    };
    let real = decode::decode(m, &input, backend, timeout)?;
    match crate::eval::eval(f, &real) {
        Ok(Value::Bool(true)) => Ok(real),
        Ok(Value::Bool(false)) => Err(format!(
            "the decoded model (n = {}) falsifies the formula",
            real.n
        )),
        Ok(other) => Err(format!("the formula evaluated to {other:?}")),
        Err(e) => Err(format!("evaluation failed: {e}")),
    }
}
