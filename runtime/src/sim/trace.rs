//! Replayable traces of simulated runs (serde JSON).

use crate::dsl::{Params, ProcessId};
use serde::{Deserialize, Serialize};

/// One round of a trace: who heard whom (in delivery order) and the states
/// after the round.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct TraceRound {
    /// The global round number.
    pub round: u64,
    /// `ho[receiver]`: the senders delivered to it, in order.
    pub ho: Vec<Vec<ProcessId>>,
    /// The states after the round, as JSON.
    pub states: Vec<serde_json::Value>,
}

/// A property, invariant or assumption that failed.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Violation {
    /// The number of rounds run when it was observed.
    pub round: u64,
    /// `property NAME`, `invariant 0`, or `safety assumption`.
    pub what: String,
}

/// Everything needed to replay a run and see the same states.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Trace {
    /// The algorithm's type name.
    pub algorithm: String,
    /// Number of processes.
    pub n: usize,
    /// Rounds per phase.
    pub phase_len: usize,
    /// The seed of the random adversary (informational for replays).
    pub seed: u64,
    /// The IO each process started from, as JSON.
    pub ios: Vec<serde_json::Value>,
    /// Crashed processes and the round they crash at.
    pub crashes: Vec<(ProcessId, u64)>,
    /// The values of the algorithm's parameters (none when it has none).
    #[serde(default)]
    pub params: Params,
    /// The initial states, as JSON.
    pub init: Vec<serde_json::Value>,
    /// The rounds, in order.
    pub rounds: Vec<TraceRound>,
    /// What failed, in order of observation.
    pub violations: Vec<Violation>,
}

impl Trace {
    /// The trace as pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    }
    /// Parses a trace; a clear error on malformed input.
    pub fn from_json(s: &str) -> Result<Trace, serde_json::Error> {
        serde_json::from_str(s)
    }
}
