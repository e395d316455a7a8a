//! What checking one VC produced: the verdict and everything a report shows.

use std::time::Duration;

use psync_encodings::SpecError;
use serde::{Deserialize, Serialize};

use crate::status::RunStatus;

/// The five verdicts a VC can end with. They are never merged: a timeout is
/// not an "unknown", a "vacuous" is not a "proved".
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
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
    /// For a refuted inductiveness VC: whether runs from initial states
    /// reach a violation (a real bug) or not (likely a counterexample to
    /// induction), see `triage.rs`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub triage: Option<crate::triage::Triage>,
}

impl VcOutcome {
    /// Vacuous, and not allowed by the spec: fails the gate.
    pub fn is_forbidden_vacuity(&self) -> bool {
        self.verdict == Verdict::Vacuous && !self.vacuity.as_ref().is_some_and(|v| v.allowed)
    }

    /// Proved, but the vacuity review could not show its hypotheses
    /// satisfiable (nor unsatisfiable): the proof may be vacuous ([`Self::note`]
    /// says why).
    pub fn possibly_vacuous(&self) -> bool {
        self.verdict == Verdict::Proved && self.note.is_some()
    }

    /// This VC's part of the run's status (an allowed vacuity passes).
    pub fn status(&self) -> RunStatus {
        match self.verdict {
            Verdict::Proved => RunStatus::Proved,
            Verdict::Vacuous if !self.is_forbidden_vacuity() => RunStatus::Proved,
            Verdict::Vacuous => RunStatus::Vacuous,
            Verdict::Refuted => RunStatus::Refuted,
            Verdict::Unknown | Verdict::Timeout => RunStatus::Undecided,
        }
    }
}

fn as_seconds<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64((d.as_secs_f64() * 1000.0).round() / 1000.0)
}

/// What `check` did with one spec file given on the command line.
#[derive(Debug)]
pub struct FileOutcome {
    /// The spec file, as given.
    pub file: String,
    /// Why it could not be loaded (unreadable, or outside the accepted
    /// subset); its VCs were then not generated, let alone checked.
    pub error: Option<SpecError>,
    /// The outcomes of its selected VCs, in VC order (none after an error).
    pub vcs: Vec<VcOutcome>,
}

impl FileOutcome {
    /// This file's part of the run's status.
    pub fn status(&self) -> RunStatus {
        if self.error.is_some() {
            RunStatus::InputError
        } else {
            RunStatus::worst(self.vcs.iter().map(VcOutcome::status))
        }
    }
}

/// A whole `check` run: every file given, in command-line order.
#[derive(Debug)]
pub struct RunOutcome {
    /// One entry per file given.
    pub files: Vec<FileOutcome>,
    /// Wall-clock time of the whole run.
    pub time: Duration,
}

impl RunOutcome {
    /// Every VC outcome, in file order, then VC order.
    pub fn vcs(&self) -> impl Iterator<Item = &VcOutcome> {
        self.files.iter().flat_map(|f| &f.vcs)
    }

    /// The files that could not be loaded, with their errors.
    pub fn input_errors(&self) -> impl Iterator<Item = (&FileOutcome, &SpecError)> {
        self.files.iter().filter_map(|f| f.error.as_ref().map(|e| (f, e)))
    }

    /// The run's status: the worst of its files'.
    pub fn status(&self) -> RunStatus {
        RunStatus::worst(self.files.iter().map(FileOutcome::status))
    }
}
