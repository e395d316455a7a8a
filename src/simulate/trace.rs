//! The JSON trace of a simulated run (`--trace-out`), and its replay
//! (`--replay`): the inputs, each round's heard-of sets and the states after
//! it, so that the interpreter can run the trace again and check that it
//! computes the recorded states exactly.

use std::collections::{BTreeMap, BTreeSet};

use psync_encodings::Algorithm;
use psync_encodings::concrete::{self, Snapshot, State};
use psync_logic::Value;
use serde::{Deserialize, Serialize};

use super::adversary::Heard;
use super::monitor::Finding;
use psync_encodings::faults::ValueFaults;

/// The format tag of a trace file.
pub const TRACE_FORMAT: &str = "psync-verify/trace/v1";

/// One round of a trace.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct TraceRound {
    /// The global round number (0 for the first round).
    pub round: i64,
    /// `ho[p]`: the processes `p` heard of in this round.
    pub ho: Vec<Vec<u32>>,
    /// Value faults: the messages of this round that arrived altered, with
    /// the payload each carried (absent when none did).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub altered: Vec<AlteredMessage>,
    /// The states after the round, one JSON object per process.
    pub states: Vec<serde_json::Value>,
}

/// A message that arrived altered (value faults).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct AlteredMessage {
    /// The sender.
    pub from: u32,
    /// The receiver.
    pub to: u32,
    /// The payload received, as JSON.
    pub payload: serde_json::Value,
}

/// A monitor that failed, and after how many rounds.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct TraceFinding {
    /// The number of rounds run when it was observed.
    pub round: i64,
    /// What failed and where it is written.
    #[serde(flatten)]
    pub finding: Finding,
}

/// Where a trace starts when not from the inputs (a counterexample of a
/// VC: a state reached after `round` rounds).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Start {
    /// The rounds run before the trace's first round.
    pub round: i64,
    /// The coordinator of that round's phase.
    pub coord: u32,
    /// The initial states (`init`), one per process.
    pub init: Vec<serde_json::Value>,
    /// The states one round before the start (`old`).
    pub old: Vec<serde_json::Value>,
}

/// A whole run.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct TraceFile {
    /// [`TRACE_FORMAT`].
    pub format: String,
    /// The spec file simulated.
    pub spec: String,
    /// The algorithm's name.
    pub algorithm: String,
    /// The number of processes.
    pub n: usize,
    /// The run's seed (`--seed` and the run's index make it).
    pub seed: u64,
    /// The run's index among the simulation's runs.
    pub run: u64,
    /// The adversary that drew the heard-of sets.
    pub adversary: String,
    /// Each process's inputs (`{"initial": 2}`).
    pub inputs: Vec<serde_json::Value>,
    /// The parameters' values (`--param`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub params: BTreeMap<String, i64>,
    /// The states the trace starts from (the initial states, unless
    /// `start` says otherwise).
    pub initial: Vec<serde_json::Value>,
    /// Absent for a run from its inputs; a counterexample's pre-state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<Start>,
    /// The rounds, in order.
    pub rounds: Vec<TraceRound>,
    /// What failed, in order of observation.
    pub findings: Vec<TraceFinding>,
}

/// A value as JSON, the inverse of [`concrete::value_from_json`].
pub fn value_to_json(v: &Value) -> serde_json::Value {
    use serde_json::Value as J;
    match v {
        Value::Bool(b) => J::Bool(*b),
        Value::Int(i) => J::from(*i),
        Value::Real(q) => J::Array(vec![J::from(*q.numer()), J::from(*q.denom())]),
        Value::Proc(p) => J::from(*p),
        Value::Elem(s, k) => J::String(format!("{s}#{k}")),
        Value::Set(xs) => J::Array(xs.iter().map(value_to_json).collect()),
        Value::Opt(None) => J::Null,
        Value::Opt(Some(x)) => value_to_json(x),
        Value::Tuple(xs) => J::Array(xs.iter().map(value_to_json).collect()),
    }
}

/// A state (or inputs) as a JSON object.
pub fn state_to_json(s: &State) -> serde_json::Value {
    serde_json::Value::Object(s.iter().map(|(k, v)| (k.clone(), value_to_json(v))).collect())
}

impl TraceFile {
    /// The trace of a run: `history[0]` the initial state, then one state
    /// per round.
    pub fn new(spec: &str, alg: &Algorithm, header: (u64, u64, &str), history: &[Snapshot], findings: &[(i64, Finding)]) -> TraceFile {
        let (seed, run, adversary) = header;
        let first = &history[0];
        TraceFile {
            format: TRACE_FORMAT.into(),
            spec: spec.into(),
            algorithm: alg.name.clone(),
            n: first.cur.len(),
            seed,
            run,
            adversary: adversary.into(),
            inputs: first.inputs.iter().map(state_to_json).collect(),
            params: first.params.clone(),
            initial: first.cur.iter().map(state_to_json).collect(),
            start: None,
            rounds: history[1..]
                .iter()
                .map(|s| TraceRound {
                    round: s.round - 1,
                    ho: s.ho.iter().map(|h| h.iter().copied().collect()).collect(),
                    altered: s.faults.altered.iter().map(|(&(from, to), v)| AlteredMessage { from, to, payload: value_to_json(v) }).collect(),
                    states: s.cur.iter().map(state_to_json).collect(),
                })
                .collect(),
            findings: findings.iter().map(|(round, f)| TraceFinding { round: *round, finding: f.clone() }).collect(),
        }
    }

    /// The inputs, read at the algorithm's input sorts.
    pub fn read_inputs(&self, alg: &Algorithm) -> Result<Vec<State>, String> {
        if self.format != TRACE_FORMAT {
            return Err(format!("not a trace of format {TRACE_FORMAT} (format `{}`)", self.format));
        }
        let inputs_ok = self.inputs.len() == self.n || (self.inputs.is_empty() && self.start.is_some());
        if !inputs_ok || self.initial.len() != self.n || self.n == 0 {
            return Err(format!("the trace has n = {} but {} inputs and {} initial states", self.n, self.inputs.len(), self.initial.len()));
        }
        self.inputs.iter().map(|v| concrete::inputs_from_json(alg, v).map_err(|e| e.to_string())).collect()
    }

    /// The recorded heard-of sets and value faults of each round.
    pub fn schedule(&self, alg: &Algorithm) -> Result<Vec<Heard>, String> {
        let first = self.start.as_ref().map_or(0, |s| s.round);
        self.rounds
            .iter()
            .enumerate()
            .map(|(k, r)| {
                let want = first + k as i64;
                if r.round != want || r.ho.len() != self.n || r.states.len() != self.n || r.ho.iter().flatten().any(|&q| q as usize >= self.n) {
                    return Err(format!("round entry {k} is not round {want} with {} heard-of sets of processes below n and {} states", self.n, self.n));
                }
                let ho: Vec<BTreeSet<u32>> = r.ho.iter().map(|h| h.iter().copied().collect()).collect();
                Ok((ho, self.faults_of(alg, r)?))
            })
            .collect()
    }

    /// The value faults recorded in round entry `r`, read at the round's
    /// message sort.
    fn faults_of(&self, alg: &Algorithm, r: &TraceRound) -> Result<ValueFaults, String> {
        if r.altered.is_empty() {
            return Ok(ValueFaults::default());
        }
        let k = r.round.rem_euclid(alg.phase_len().max(1) as i64) as usize;
        let msg = alg.rounds.get(k).map(|rd| rd.msg.clone()).ok_or("the algorithm has no rounds")?;
        let mut faults = ValueFaults { aho: vec![BTreeSet::new(); self.n], altered: Default::default() };
        for m in &r.altered {
            if m.from as usize >= self.n || m.to as usize >= self.n {
                return Err(format!("round {}: an altered message from p{} to p{} names a process not below n", r.round, m.from, m.to));
            }
            let v = concrete::value_from_json(&msg, &m.payload, "an altered payload").map_err(|e| e.to_string())?;
            faults.aho[m.to as usize].insert(m.from);
            faults.altered.insert((m.from, m.to), v);
        }
        Ok(faults)
    }

    /// The recorded states after `index` rounds (0: the initial states).
    pub fn states_at(&self, alg: &Algorithm, index: usize) -> Result<Vec<State>, String> {
        let raw = if index == 0 { &self.initial } else { &self.rounds[index - 1].states };
        raw.iter().map(|v| concrete::state_from_json(alg, v).map_err(|e| e.to_string())).collect()
    }
}

/// The global state a trace starts from.
pub fn start_state(alg: &Algorithm, t: &TraceFile, inputs: Vec<State>) -> Result<Snapshot, String> {
    let Some(st) = &t.start else {
        return psync_encodings::interp::initial(alg, inputs, t.params.clone()).map_err(|e| e.to_string());
    };
    let read = |v: &[serde_json::Value]| -> Result<Vec<State>, String> {
        if v.len() != t.n {
            return Err(format!("the start has {} states for n = {}", v.len(), t.n));
        }
        v.iter().map(|x| concrete::state_from_json(alg, x).map_err(|e| e.to_string())).collect()
    };
    if st.coord as usize >= t.n || st.round < 0 {
        return Err(format!("the start's round {} or coordinator {} is out of range", st.round, st.coord));
    }
    Ok(Snapshot { round: st.round, coord: st.coord, init: read(&st.init)?, old: read(&st.old)?, cur: t.states_at(alg, 0)?, ho: vec![BTreeSet::new(); t.n], faults: Default::default(), inputs, params: t.params.clone() })
}

/// Where a replay's states first differ from the recorded ones, if they do.
pub fn divergence(alg: &Algorithm, t: &TraceFile, history: &[Snapshot]) -> Result<Option<String>, String> {
    if history.len() != t.rounds.len() + 1 {
        return Ok(Some(format!("the replay ran {} rounds, the trace has {}", history.len() - 1, t.rounds.len())));
    }
    for (index, s) in history.iter().enumerate() {
        let want = t.states_at(alg, index)?;
        if let Some(p) = (0..t.n).find(|&p| want[p] != s.cur[p]) {
            return Ok(Some(format!(
                "after {index} rounds, p{p} is {} in the replay but {} in the trace",
                state_to_json(&s.cur[p]),
                state_to_json(&want[p])
            )));
        }
    }
    Ok(None)
}
