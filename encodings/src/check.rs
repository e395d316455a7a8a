//! Running one VC through the CL pipeline and decoding the answer.

use std::time::{Duration, Instant};

use psync_logic::Model;
use psync_logic::check::{CheckConfig, CheckError, CheckResult, Strategy, bounded_refutation, check_sat};
use psync_logic::smt::Backend;

use crate::cex::{Counterexample, decode};
use crate::explain;
use crate::hints::{PartHint, VcHints};
use crate::ir::Algorithm;
use crate::vacuity::{self, Hypotheses, Vacuity};
use crate::vc::{Vc, VcKind};

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
    /// `H ∧ ¬C` is unsatisfiable because `H` is: the VC holds whatever
    /// its conclusion says ([`crate::vacuity`]).
    Vacuous(Box<Vacuity>),
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
    /// The hints of the proved parts that have one (given and confirmed,
    /// or recorded when [`CheckConfig::record_hint`] is set).
    #[serde(skip)]
    pub hints: Vec<PartHint>,
    /// How many parts their hint's core decided.
    #[serde(skip)]
    pub hinted_parts: usize,
    /// For a proved VC whose hypotheses could be shown neither satisfiable
    /// nor unsatisfiable: why (the proof stands; it may be vacuous).
    pub note: Option<String>,
    /// The part of `time` spent on the vacuity review of a proof.
    #[serde(skip)]
    pub review: std::time::Duration,
    /// For a proved VC: the model of its hypotheses the review found (kept
    /// in hint files, so that the next review only evaluates it).
    #[serde(skip)]
    pub witness: Option<psync_logic::Model>,
}

/// The least time the vacuity review of a proof gets, even when the proof
/// (with the recording of its hints) used up the VC's budget: most reviews
/// take a few milliseconds, and a proof whose review could not run at all
/// would be reported as possibly vacuous.
const REVIEW_MIN: Duration = Duration::from_secs(2);

/// What is left of the VC's budget for the vacuity review, at least
/// [`REVIEW_MIN`].
fn review_budget(deadline: Instant) -> Duration {
    deadline.saturating_duration_since(Instant::now()).max(REVIEW_MIN)
}

/// Check `vc` of `alg` with `backend`, part by part ([`Vc::parts`]): proved
/// when every part is; refuted by the first part with a confirmed model
/// (completed to the whole formula's symbols); otherwise the first
/// undecided part's verdict, after one bounded counterexample search on
/// the whole formula (when `cfg` asks for it). `cfg.timeout` is the VC's
/// budget: each part gets what the parts before it left. A part with a hint
/// among `hints` (recorded by an earlier run, see [`crate::hints`]) tries
/// it first, and the vacuity review evaluates their witness first.
pub fn check_vc(
    alg: &Algorithm,
    vc: &Vc,
    cfg: &CheckConfig,
    backend: &dyn Backend,
    hints: &VcHints,
) -> Result<Outcome, CheckError> {
    let start = Instant::now();
    let deadline = start + cfg.timeout;
    let whole = vc.formula();
    let refuted = |mut m: Model| {
        m.complete(&whole.funs());
        Verdict::Refuted(Box::new(decode(alg, vc, &m)))
    };
    let mut undecided: Option<CheckResult> = None;
    let (mut kept, mut hinted_parts) = (Vec::new(), 0);
    // The parts of a VC share most of their hypotheses, so the strategy that
    // proved one part goes first for the next ones.
    let mut strategies = cfg.scheduled();
    // A progress VC's liveness predicate makes the sets that matter ground
    // (one heard-of set for all, the coordinator's mailbox): there PSync's
    // ground reduction is what decides, with small queries, so it goes
    // first. Measured: LastVoting's progress parts take 10–25 ms under it
    // and 0.2 s or more (a spurious model, or the head start lost) under
    // the parameterized ones; OTR's answer `unknown` within 0.14 s, and
    // the other strategies then start at once.
    if vc.kind == VcKind::Progress
        && let Some(k) = strategies.iter().position(|s| *s == Strategy::Ground)
    {
        let ground = strategies.remove(k);
        strategies.insert(0, ground);
    }
    for part in vc.parts() {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            undecided.get_or_insert(CheckResult::Timeout);
            break;
        }
        let hint = PartHint::find(&hints.parts, &part).cloned();
        let per_part = CheckConfig { bounded_search: false, timeout: left, strategies: strategies.clone(), hint, ..cfg.clone() };
        let checked = check_sat(&part, &per_part, backend)?;
        match checked.result {
            CheckResult::Unsat => {
                hinted_parts += usize::from(checked.stats.hinted);
                if let Some(hint) = checked.hint {
                    kept.push(PartHint { formula: psync_logic::hint::TermKey::of(&part), hint });
                }
                if let Some(k) = checked.stats.strategy.and_then(|s| strategies.iter().position(|t| *t == s)) {
                    let s = strategies.remove(k);
                    strategies.insert(0, s);
                }
            }
            CheckResult::Sat(m) => {
                return Ok(Outcome { id: vc.id.clone(), verdict: refuted(m), time: start.elapsed(), hints: Vec::new(), hinted_parts, note: None, review: Duration::ZERO, witness: None });
            }
            other => {
                undecided.get_or_insert(other);
            }
        }
    }
    let verdict = match undecided {
        None => Verdict::Proved,
        Some(first) => {
            let last = if cfg.bounded_search { bounded_refutation(&whole, cfg, backend, first) } else { first };
            match last {
                CheckResult::Unsat => Verdict::Proved,
                CheckResult::Sat(m) => refuted(m),
                CheckResult::Unknown(why) => Verdict::Unknown(explain::unknown(vc, &why)),
                CheckResult::Timeout => Verdict::Timeout,
            }
        }
    };
    let (mut note, mut witness) = (None, None);
    let reviewing = Instant::now();
    let verdict = match verdict {
        Verdict::Proved => match vacuity::review(alg, vc, cfg, backend, review_budget(deadline), hints.witness.as_ref())? {
            Hypotheses::Satisfiable(m) => {
                witness = Some(*m);
                Verdict::Proved
            }
            Hypotheses::Unsatisfiable(why) => Verdict::Vacuous(Box::new(why)),
            Hypotheses::Undecided(why) => {
                note = Some(format!("the hypotheses were shown neither satisfiable nor unsatisfiable, so the proof may be vacuous ({why})"));
                Verdict::Proved
            }
        },
        other => other,
    };
    let review = reviewing.elapsed();
    Ok(Outcome { id: vc.id.clone(), verdict, time: start.elapsed(), hints: kept, hinted_parts, note, review, witness })
}
