//! What crosses the boundary between `check` and its worker processes: one
//! [`Request`] per VC on the worker's stdin, one [`Reply`] on its stdout,
//! each a line of JSON.

use std::path::PathBuf;
use std::time::Duration;

use psync_encodings::{Vacuity, VcHints, VerdictKind};
use psync_logic::check::{CheckConfig, Strategy};
use serde::{Deserialize, Serialize};

use crate::cli::BackendKind;
use crate::outcome::VcOutcome;

/// How every VC of a run is checked (the command line's knobs).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Settings {
    /// The VC's time limit (`--timeout`).
    pub timeout: Duration,
    /// `--venn-bound`.
    pub venn_bound: usize,
    /// `--depth`.
    pub depth: usize,
    /// `--strategy`, deduplicated; empty for the default schedule.
    pub strategies: Vec<Strategy>,
    /// Record hints of proofs (`--hints`).
    pub record_hint: bool,
    /// `--backend`.
    pub backend: BackendKind,
}

impl Settings {
    /// The prover's configuration.
    pub fn config(&self) -> CheckConfig {
        let mut cfg = CheckConfig { timeout: self.timeout, record_hint: self.record_hint, ..CheckConfig::default() };
        cfg.reduce.venn_bound = self.venn_bound;
        cfg.reduce.inst_depth = self.depth;
        if !self.strategies.is_empty() {
            cfg.strategies = self.strategies.clone();
        }
        cfg
    }
}

/// Check the VC `vc` of the spec file `file`.
#[derive(Debug, Serialize, Deserialize)]
pub struct Request {
    /// The spec file, as given on the command line (the worker runs in the
    /// same folder).
    pub file: PathBuf,
    /// The VC's id.
    pub vc: String,
    /// How to check it.
    pub settings: Settings,
    /// Its hints from the hint file.
    pub hints: VcHints,
}

/// A VC's outcome, with the hints of a proof (its parts' and the witness
/// of its hypotheses) and how many parts their hint decided.
#[derive(Debug)]
pub struct Checked {
    /// The outcome.
    pub outcome: VcOutcome,
    /// The hints to keep for it.
    pub hints: VcHints,
    /// How many of its parts their hint's core proved.
    pub hinted_parts: usize,
}

/// A [`Checked`] on the wire: the outcome's fields but the id and file,
/// which the request named.
#[derive(Debug, Serialize, Deserialize)]
pub struct Reply {
    verdict: VerdictKind,
    time: Duration,
    reason: Option<String>,
    counterexample: Option<serde_json::Value>,
    counterexample_text: Option<String>,
    vacuity: Option<Vacuity>,
    note: Option<String>,
    hints: VcHints,
    hinted_parts: usize,
    /// The worker has solver threads that did not stop when told to
    /// (`psync_logic::smt::abandoned_solver_threads`): it is to be ended,
    /// so that they do not share the cores of the next VC.
    #[serde(default)]
    pub retire: bool,
}

impl From<Checked> for Reply {
    fn from(c: Checked) -> Reply {
        let o = c.outcome;
        Reply {
            verdict: o.verdict,
            time: o.time,
            reason: o.reason,
            counterexample: o.counterexample,
            counterexample_text: o.counterexample_text,
            vacuity: o.vacuity,
            note: o.note,
            hints: c.hints,
            hinted_parts: c.hinted_parts,
            retire: false,
        }
    }
}

impl Reply {
    /// The outcome of VC `id` of `file` that this reply reports.
    pub fn checked(self, id: &str, file: &str) -> Checked {
        let outcome = VcOutcome {
            id: id.to_string(),
            file: file.to_string(),
            verdict: self.verdict,
            time: self.time,
            reason: self.reason,
            counterexample: self.counterexample,
            counterexample_text: self.counterexample_text,
            vacuity: self.vacuity,
            note: self.note,
            triage: None,
        };
        Checked { outcome, hints: self.hints, hinted_parts: self.hinted_parts }
    }
}

impl Checked {
    /// A VC that ended without an answer from the prover: `verdict` after
    /// `time`, with `reason` for an `unknown`.
    pub fn ended(id: &str, file: &str, verdict: VerdictKind, time: Duration, reason: Option<String>) -> Checked {
        let outcome = VcOutcome {
            id: id.to_string(),
            file: file.to_string(),
            verdict,
            time,
            reason,
            counterexample: None,
            counterexample_text: None,
            vacuity: None,
            note: None,
            triage: None,
        };
        Checked { outcome, hints: VcHints::default(), hinted_parts: 0 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use psync_encodings::PartHint;
    use psync_logic::hint::{Hint, TermKey};

    #[test]
    fn a_reply_carries_the_whole_outcome_and_the_hints() {
        let mut checked = Checked::ended("alg/init/inv0/start", "spec.rs", VerdictKind::Vacuous, Duration::from_millis(1234), None);
        checked.outcome.vacuity = serde_json::from_value(serde_json::json!({
            "assumption": "the safety predicate", "method": "safety", "loc": { "line": 3, "column": 5 }, "allowed": false
        }))
        .expect("a vacuity");
        checked.outcome.counterexample_text = Some("n = 2\n".into());
        checked.outcome.note = Some("a note".into());
        checked.hints.parts.push(PartHint { formula: TermKey(7), hint: Hint { strategy: Strategy::Ground, core: vec![TermKey(1)] } });
        checked.hinted_parts = 1;
        let before = format!("{checked:?}");
        let line = serde_json::to_string(&Reply::from(checked)).expect("a reply serializes");
        assert!(!line.contains('\n'), "one line: {line}");
        let back: Reply = serde_json::from_str(&line).expect("a reply deserializes");
        assert_eq!(format!("{:?}", back.checked("alg/init/inv0/start", "spec.rs")), before);
    }
}
