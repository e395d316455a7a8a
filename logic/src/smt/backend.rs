//! The back-end interface: a solver that decides flat queries.

use std::time::Duration;

use crate::Model;
use crate::smt::{Cancel, SmtError, SmtQuery};

/// A solver's verdict on a query. Verdicts are never merged: a timeout is not
/// an unknown, and errors are [`SmtError`]s, never verdicts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SolverResult {
    /// The assertions are unsatisfiable (the entailment they encode is valid).
    Unsat,
    /// Satisfiable, with a decoded model (see [`crate::smt`] for its conventions).
    Sat(Model),
    /// The solver gave up before the timeout; its stated reason.
    Unknown(String),
    /// The time limit was reached.
    Timeout,
}

impl SolverResult {
    /// Is this `Unsat`?
    pub fn is_unsat(&self) -> bool {
        matches!(self, SolverResult::Unsat)
    }
    /// The model, if `Sat`.
    pub fn model(&self) -> Option<&Model> {
        match self {
            SolverResult::Sat(m) => Some(m),
            _ => None,
        }
    }
    /// The verdict without its model.
    pub fn verdict(&self) -> ScriptVerdict {
        match self {
            SolverResult::Unsat => ScriptVerdict::Unsat,
            SolverResult::Sat(_) => ScriptVerdict::Sat,
            SolverResult::Unknown(r) => ScriptVerdict::Unknown(r.clone()),
            SolverResult::Timeout => ScriptVerdict::Timeout,
        }
    }
}

/// A verdict without a model (answers to raw scripts).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScriptVerdict {
    /// `unsat`
    Unsat,
    /// `sat`
    Sat,
    /// `unknown`, with the solver's reason.
    Unknown(String),
    /// The time limit was reached.
    Timeout,
}

/// The answer to one `(check-sat)` of a raw script.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScriptAnswer {
    /// The text of the last `(echo …)` before this `check-sat`, if any.
    pub label: Option<String>,
    /// The verdict.
    pub verdict: ScriptVerdict,
}

/// Solver settings shared by the back ends (results must be reproducible).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SolverConfig {
    /// The solver's random seed (`smt.random_seed`), fixed.
    pub seed: u32,
    /// Model-based quantifier instantiation (`smt.mbqi`).
    pub mbqi: bool,
}

impl Default for SolverConfig {
    fn default() -> SolverConfig {
        SolverConfig { seed: 0, mbqi: true }
    }
}

/// A decision procedure for flat queries.
pub trait Backend: Send + Sync {
    /// A short name for reports ("z3-inprocess", "z3 -in -smt2", …).
    fn name(&self) -> &str;

    /// Decide `q` within `timeout`.
    ///
    /// `Err` when the query is outside the flat fragment, the solver fails,
    /// or its answer cannot be understood — never a verdict.
    fn check(&self, q: &SmtQuery, timeout: Duration) -> Result<SolverResult, SmtError> {
        self.check_cancellable(q, timeout, &Cancel::new())
    }

    /// [`Backend::check`], stopped early (answering
    /// [`SolverResult::Timeout`]) once `cancel` is cancelled.
    fn check_cancellable(&self, q: &SmtQuery, timeout: Duration, cancel: &Cancel) -> Result<SolverResult, SmtError>;

    /// Whether `q` is unsatisfiable, as far as the solver tells within
    /// `timeout` (or until `cancel`): `false` for a model, `unknown` or a
    /// timeout alike. For queries of which only `unsat` is used (the core
    /// of a proof hint, [`crate::hint`]), so a back end may answer from a
    /// solver context reused from earlier such queries, where `unknown`
    /// could depend on them but `unsat` is a proof all the same.
    fn check_unsat(&self, q: &SmtQuery, timeout: Duration, cancel: &Cancel) -> Result<bool, SmtError> {
        Ok(self.check_cancellable(q, timeout, cancel)?.is_unsat())
    }

    /// Decide `q` like [`Backend::check_cancellable`] and, if it is
    /// unsatisfiable, name an unsat core: the indices of assertions of `q`
    /// that are unsatisfiable together (not necessarily a minimal set).
    /// `Ok(None)` for any other verdict. Only used to record proof hints
    /// ([`crate::hint`]), so a back end may leave it out.
    fn unsat_core(&self, q: &SmtQuery, timeout: Duration, cancel: &Cancel) -> Result<Option<Vec<usize>>, SmtError> {
        let _ = (q, timeout, cancel);
        Err(SmtError::Solver(format!("back end `{}` does not name unsat cores", self.name())))
    }

    /// Run a raw SMT-LIB2 script (declarations, assertions, `push`/`pop`,
    /// `echo`, `set-option`, several `check-sat`s) with `timeout` per
    /// `check-sat`; one answer per `check-sat`, in order.
    fn check_script(&self, script: &str, timeout: Duration) -> Result<Vec<ScriptAnswer>, SmtError> {
        let _ = (script, timeout);
        Err(SmtError::Script(format!("back end `{}` does not run raw scripts", self.name())))
    }
}
