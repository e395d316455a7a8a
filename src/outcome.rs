//! What checking one VC produced: the verdict and everything a report shows.

use std::time::Duration;

use psync_encodings::SpecError;
use psync_encodings::VerdictKind;
use serde::Serialize;

use crate::status::RunStatus;

/// The outcome of one VC.
#[derive(Clone, Debug, Serialize)]
pub struct VcOutcome {
    /// Stable id: `algorithm/kind/invariant/round`.
    pub id: String,
    /// The spec file it came from.
    pub file: String,
    /// The verdict.
    pub verdict: VerdictKind,
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
        self.verdict == VerdictKind::Vacuous && !self.vacuity.as_ref().is_some_and(|v| v.allowed)
    }

    /// Proved, but the vacuity review could not show its hypotheses
    /// satisfiable (nor unsatisfiable): the proof may be vacuous ([`Self::note`]
    /// says why).
    pub fn possibly_vacuous(&self) -> bool {
        self.verdict == VerdictKind::Proved && self.note.is_some()
    }

    /// This VC's part of the run's status (an allowed vacuity passes).
    pub fn status(&self) -> RunStatus {
        match self.verdict {
            VerdictKind::Proved => RunStatus::Proved,
            VerdictKind::Vacuous if !self.is_forbidden_vacuity() => RunStatus::Proved,
            VerdictKind::Vacuous => RunStatus::Vacuous,
            VerdictKind::Refuted => RunStatus::Refuted,
            VerdictKind::Unknown | VerdictKind::Timeout => RunStatus::Undecided,
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
