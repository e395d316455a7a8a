//! Running one VC through the CL pipeline and decoding the answer.

use std::time::Duration;

use psync_logic::check::{CheckConfig, CheckError, CheckResult, check_sat};
use psync_logic::smt::Backend;

use crate::cex::{Counterexample, decode};
use crate::ir::Algorithm;
use crate::vc::Vc;

/// The verdict on one VC; verdicts are never merged.
#[derive(Clone, Debug, serde::Serialize)]
pub enum Verdict {
    /// `H ∧ ¬C` is unsatisfiable: the VC holds for every `n`.
    Proved,
    /// A confirmed counterexample.
    Refuted(Box<Counterexample>),
    /// The solver gave up (or its model could not be confirmed).
    Unknown(String),
    /// The time limit was reached.
    Timeout,
}

/// A VC's verdict and how long it took.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Outcome {
    /// The VC id.
    pub id: String,
    /// The verdict.
    pub verdict: Verdict,
    /// Wall-clock time of the check.
    pub time: Duration,
}

/// Check `vc` of `alg` with `backend`.
pub fn check_vc(alg: &Algorithm, vc: &Vc, cfg: &CheckConfig, backend: &dyn Backend) -> Result<Outcome, CheckError> {
    let checked = check_sat(&vc.formula(), cfg, backend)?;
    let verdict = match checked.result {
        CheckResult::Unsat => Verdict::Proved,
        CheckResult::Sat(m) => Verdict::Refuted(Box::new(decode(alg, vc, &m))),
        CheckResult::Unknown(why) => Verdict::Unknown(why),
        CheckResult::Timeout => Verdict::Timeout,
    };
    Ok(Outcome { id: vc.id.clone(), verdict, time: checked.stats.total })
}
