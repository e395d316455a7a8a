//! The monitors of `simulate`: the spec's predicates, as the verifier
//! translated them, evaluated on the interpreter's states.
//!
//! `Inv_0` at phase boundaries (and on the initial state), the round
//! invariant `R[k][0]` after round `k` of a phase, every state and `old`
//! property after every round, unsigned fields non-negative; the
//! `eventually(..)` properties at the end of a run that had the good
//! phases ([`eventually_failed`]).

use psync_encodings::Algorithm;
use psync_encodings::concrete::{self, Snapshot};
use psync_encodings::ir::{Pred, PropertyKind};
use psync_logic::{Model, Value, holds};

/// A monitor that failed: what, and the spec line it is written at.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Finding {
    /// `property Agreement`, `Inv_0`, `R[0][0]`, `unsigned x`, …
    pub what: String,
    /// The line of the spec file (0 when it has none).
    pub line: usize,
}

/// Evaluates `pred` in `m` restricted to the symbols it mentions (the
/// evaluator scans every table of its model for the integers its `Int`
/// quantifiers range over; the other tables only cost time).
fn check(pred: &Pred, m: &Model, what: String, out: &mut Vec<Finding>) -> Result<(), String> {
    let names: Vec<String> = pred.term.funs().into_iter().map(|f| f.name).collect();
    let sub = Model { n: m.n, funs: m.funs.iter().filter(|(k, _)| names.contains(k)).map(|(k, v)| (k.clone(), v.clone())).collect(), ..Model::default() };
    match holds(&pred.term, &sub) {
        Ok(true) => Ok(()),
        Ok(false) => {
            out.push(Finding { what, line: pred.loc.line });
            Ok(())
        }
        Err(e) => Err(format!("{what} (line {}) cannot be evaluated: {e}", pred.loc.line)),
    }
}

/// The monitors that fail on the global state `s` (reached after `s.round`
/// rounds). An evaluation error is an error of the run, not a finding.
pub fn check_state(alg: &Algorithm, s: &Snapshot) -> Result<Vec<Finding>, String> {
    let m = concrete::state_model(alg, s).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    let k = s.round.rem_euclid(alg.phase_len() as i64) as usize;
    if k == 0 {
        if let Some(inv) = alg.spec.invariants.first() {
            check(inv, &m, "Inv_0".into(), &mut out)?;
        }
    } else if let Some(r) = alg.spec.round_invariants.get(k - 1).and_then(|row| row.first()) {
        check(r, &m, format!("R[{}][0]", k - 1), &mut out)?;
    }
    for p in alg.spec.properties.iter().filter(|p| p.kind != PropertyKind::Eventually) {
        check(&p.pred, &m, format!("property {}", p.name), &mut out)?;
    }
    for f in alg.fields.iter().filter(|f| f.unsigned) {
        if s.cur.iter().any(|st| matches!(st.get(&f.name), Some(Value::Int(v)) if *v < 0)) {
            out.push(Finding { what: format!("unsigned {}", f.name), line: f.loc.line });
        }
    }
    Ok(out)
}

/// The `eventually(..)` properties false on `s`.
pub fn eventually_failed(alg: &Algorithm, s: &Snapshot) -> Result<Vec<Finding>, String> {
    let m = concrete::state_model(alg, s).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    for p in alg.spec.properties.iter().filter(|p| p.kind == PropertyKind::Eventually) {
        check(&p.pred, &m, format!("property {}", p.name), &mut out)?;
    }
    Ok(out)
}

/// Whether the liveness predicate `live` holds in the round from `pre`
/// with heard-of sets `ho` and value faults `faults`.
pub fn live_holds(alg: &Algorithm, pre: &Snapshot, (ho, faults): (&[std::collections::BTreeSet<u32>], &psync_encodings::faults::ValueFaults), live: &Pred) -> bool {
    let mut s = pre.clone();
    s.ho = ho.to_vec();
    s.faults = faults.clone();
    concrete::state_model(alg, &s).is_ok_and(|m| holds(&live.term, &m) == Ok(true))
}

