//! What checking one VC produced: the verdict and everything a report shows.

use std::time::Duration;

use serde::Serialize;

/// The four verdicts a VC can end with. They are never merged: a timeout is
/// not an "unknown", and neither is a "refuted".
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// The solver showed H ∧ ¬C unsatisfiable: the VC holds for every n.
    Proved,
    /// A concrete counterexample, confirmed on the VC formula.
    Refuted,
    /// The solver gave up, or its model could not be confirmed.
    Unknown,
    /// The per-VC time limit ran out.
    Timeout,
    /// Proved only because its hypotheses are unsatisfiable (an assumption
    /// of the spec no state or heard-of sets satisfy).
    Vacuous,
}

impl Verdict {
    /// The lowercase name used in every output format.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Proved => "proved",
            Verdict::Refuted => "refuted",
            Verdict::Unknown => "unknown",
            Verdict::Timeout => "timeout",
            Verdict::Vacuous => "vacuous",
        }
    }
}

/// The outcome of one VC.
#[derive(Clone, Debug, Serialize)]
pub struct VcOutcome {
    /// Stable id: `algorithm/kind/invariant/round`.
    pub id: String,
    /// The spec file it came from.
    pub file: String,
    /// The verdict.
    pub verdict: Verdict,
    /// Wall-clock time spent on this VC (reduction plus solving).
    #[serde(serialize_with = "as_seconds")]
    pub time: Duration,
    /// Why the verdict is unknown (the solver's reason, or why a model was not confirmed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The decoded counterexample of a refuted VC, as structured data.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub counterexample: Option<serde_json::Value>,
    /// The same counterexample rendered for people.
    #[serde(skip)]
    pub counterexample_text: Option<String>,
    /// For a vacuous VC: the unsatisfiable assumption, where it is written,
    /// and whether the spec allows it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vacuity: Option<psync_encodings::Vacuity>,
    /// For a proved VC whose hypotheses could be shown neither satisfiable
    /// nor unsatisfiable: why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl VcOutcome {
    /// Vacuous, and not allowed by the spec: fails the gate.
    pub fn is_forbidden_vacuity(&self) -> bool {
        self.verdict == Verdict::Vacuous && !self.vacuity.as_ref().is_some_and(|v| v.allowed)
    }
}

fn as_seconds<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64((d.as_secs_f64() * 1000.0).round() / 1000.0)
}

/// How a whole `check` run ends; the process exit status is derived from it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunStatus {
    /// Every selected VC was proved.
    AllProved,
    /// At least one VC was refuted.
    SomeRefuted,
    /// None refuted, but at least one vacuous (and not allowed).
    SomeVacuous,
    /// None refuted or vacuous, but at least one unknown or timed out.
    SomeUndecided,
}

impl RunStatus {
    /// Summarize a list of outcomes (refuted dominates vacuous, which
    /// dominates undecided; an allowed vacuity passes).
    pub fn of(outcomes: &[VcOutcome]) -> RunStatus {
        if outcomes.iter().any(|o| o.verdict == Verdict::Refuted) {
            RunStatus::SomeRefuted
        } else if outcomes.iter().any(VcOutcome::is_forbidden_vacuity) {
            RunStatus::SomeVacuous
        } else if outcomes.iter().any(|o| matches!(o.verdict, Verdict::Unknown | Verdict::Timeout)) {
            RunStatus::SomeUndecided
        } else {
            RunStatus::AllProved
        }
    }
}
