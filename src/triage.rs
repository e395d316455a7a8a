//! Real bug or weak invariant? For a refuted inductiveness VC, property VC
//! or progress VC, runs of the algorithm from initial states
//! are searched for a violation of the same invariant or property (or of
//! another one; for progress, an `eventually` property false at the end of
//! a run that had the good phases).
//!
//! A counterexample to an inductiveness VC is one round from a state the
//! invariant allows; that state may be unreachable, and then the invariant
//! is too weak, not the algorithm wrong. The search runs the interpreted
//! spec (`simulate`'s engine) with heard-of sets drawn within the spec's
//! `safety` predicate, at the counterexample's number of processes and a
//! few small ones, with its parameter values, then at two larger numbers
//! (with the largest parameter values the assumptions allow where the
//! counterexample's do not fit). A violation found is a run
//! from the start: the verdict "reachable" is certain. None found within
//! the bounds says only "likely a counterexample to induction".

use std::path::Path;

use psync_encodings::concrete::Snapshot;
use psync_encodings::{Algorithm, Vc, VcKind};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::cli::{Format, SimulateArgs};
use crate::simulate::AdversaryKind;
use crate::simulate::engine::RunSpec;
use crate::simulate::trace::TraceFile;

/// Runs per number of processes and message-loss level.
const RUNS: u64 = 200;

/// Numbers of processes tried besides the counterexample's.
const SMALL_N: [usize; 3] = [3, 4, 5];

/// Numbers of processes tried when no run of the small ones violates
/// anything.
const LARGER_N: [usize; 2] = [7, 9];

/// Parameter vectors tried when looking for values the assumptions allow.
const PARAM_CANDIDATES: usize = 100_000;

/// Message-loss levels tried (within the safety predicate).
const DROPS: [f64; 2] = [0.2, 0.5];

/// What the search from initial states found for a refuted VC.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum Triage {
    /// A run from an initial state violates the invariant (or a property):
    /// a real bug of the algorithm or of the invariant's statement.
    Reachable {
        /// What the run violates (`Inv_0`, `R[0][0]`, `property Agreement`).
        violated: String,
        /// Rounds run when it was first violated.
        after_rounds: i64,
        /// The run, replayable with `simulate --replay`.
        trace: Box<TraceFile>,
        /// A process misses its own message in the run, and with every
        /// process hearing itself the same run no longer violates it.
        #[serde(default)]
        needs_lost_self_message: bool,
    },
    /// No run violated it within the bounds.
    NotReached {
        /// Runs tried.
        runs: u64,
        /// The numbers of processes tried.
        n: Vec<usize>,
        /// Rounds per run.
        rounds: u64,
    },
    /// The search could not run (a helper the interpreter cannot run, an
    /// invariant it does not monitor, …).
    NotRun {
        /// Why.
        why: String,
    },
}

impl Triage {
    /// One sentence for the human report.
    pub fn sentence(&self) -> String {
        match self {
            Triage::Reachable { violated, after_rounds, trace, needs_lost_self_message } => {
                let deaf = self_unheard(trace, *after_rounds).filter(|_| *needs_lost_self_message).map_or_else(String::new, |(p, r)| {
                    format!(
                        "; in this run p{p} does not hear itself in round {r}: the runtime delivers a live process's own \
                         message, the Heard-Of model the proof assumes does not, so if the algorithm relies on it, state \
                         `w.forall(|p| w.ho(p).contains(p))` in `safety`"
                    )
                });
                // An invariant false on a run is a bug of the algorithm
                // or of the invariant's statement; a property's, of the
                // algorithm.
                let whose = if violated.starts_with("property") {
                    "a real bug of the algorithm: the property is false on a run"
                } else {
                    "a real bug of the algorithm or of the invariant's statement: the invariant is false on a run, not \
                     only too weak for the proof (whether a property fails too, `simulate` shows)"
                };
                format!(
                    "reachable: a run from initial states (n = {}, seed {}) violates {violated} after {after_rounds} round(s) — \
                     {whose} (the JSON report has the run as a trace for `simulate --replay`){deaf}",
                    trace.n, trace.seed
                )
            }
            Triage::NotReached { runs, n, rounds } => {
                let ns: Vec<String> = n.iter().map(usize::to_string).collect();
                format!(
                    "not reached in {runs} runs from initial states (n = {}; {rounds} rounds; heard-of sets within the safety \
                     predicate): likely a counterexample to induction — its pre-state may be unreachable and the invariant too \
                     weak (strengthen it with what excludes that state)",
                    ns.join(", ")
                )
            }
            Triage::NotRun { why } => format!("no search from initial states: {why}"),
        }
    }
}

/// The first process and round, within the first `rounds` rounds of
/// `trace`, where a process is not in its own heard-of set.
fn self_unheard(trace: &TraceFile, rounds: i64) -> Option<(usize, i64)> {
    let rounds = usize::try_from(rounds).unwrap_or(0);
    trace.rounds.iter().take(rounds).find_map(|r| {
        let p = r.ho.iter().enumerate().position(|(p, heard)| !heard.contains(&(p as u32)))?;
        Some((p, r.round))
    })
}

/// Whether `vc`'s refutation gets a search: inductiveness through a round
/// (of `Inv_0`, what the monitors check at phase boundaries and, as round
/// invariants, mid-phase, or of a later invariant), a safety or transition property
/// implied by `Inv_0` (what they check after every round), and progress
/// (the `eventually` properties, checked at the end of runs that had the
/// good phases).
pub fn applies(vc: &Vc) -> bool {
    match vc.kind {
        // `Inv_0` is monitored; for a later `Inv_j` (which holds only
        // after good phases) a run violating what is monitored still shows
        // a real bug, and none found still suggests a weak invariant.
        VcKind::Inductive => vc.round.is_some(),
        VcKind::Property => vc.invariant == Some(0),
        // Runs with the good phases the liveness predicates ask for end
        // with the `eventually` properties checked.
        VcKind::Progress => true,
        _ => false,
    }
}

/// The monitor a refuted `vc` is about, as `simulate` names it: the
/// property (`property Agreement`) or `Inv_0`.
pub fn monitor_of(vc: &Vc) -> Option<String> {
    match (&vc.property, vc.kind, vc.invariant) {
        (Some(name), VcKind::Property, _) => Some(format!("property {name}")),
        (_, VcKind::Inductive, Some(0)) => Some("Inv_0".into()),
        _ => None,
    }
}

/// Search runs of `alg` (from `file`) for a violation of `Inv_0`, a round
/// invariant or a property, given the counterexample `cex` (its report
/// JSON: `processes`, `params`). A run found is reported by its violation
/// of `about` (the VC's own monitor, [`monitor_of`]) when it has one,
/// else by its first.
pub fn search(file: &Path, alg: &Algorithm, cex: &serde_json::Value, about: Option<&str>) -> Triage {
    let cex_n = cex["processes"].as_array().map_or(0, Vec::len);
    let params: Vec<String> =
        crate::simulate::cex_params(cex).into_iter().map(|(name, v)| format!("{name}={v}")).collect();
    let mut ns: Vec<usize> = Vec::new();
    for n in std::iter::once(cex_n).chain(SMALL_N) {
        if n >= 1 && !ns.contains(&n) {
            ns.push(n);
        }
    }
    // Some bugs need more processes than the counterexample has (a
    // U_T,E deciding on one copy of a vote breaks agreement only from n = 7 with
    // its thresholds): larger sizes come after the small ones, with the
    // counterexample's parameters if they fit, else the largest the
    // assumptions allow.
    let small = ns.iter().map(|&n| (n, params.clone()));
    let larger = LARGER_N.into_iter().filter(|n| !ns.contains(n)).filter_map(|n| Some((n, params_at(alg, &params, n)?)));
    let tries: Vec<(usize, Vec<String>)> = small.chain(larger).collect();
    let (mut runs, mut tried, mut rounds, mut last_error) = (0, Vec::new(), 0, None);
    let mut first_other: Option<(usize, f64, u64, &Vec<String>)> = None;
    for (n, params) in &tries {
        let n = *n;
        // A run violating another monitor is enough once the small sizes
        // are done.
        if first_other.is_some() && !ns.contains(&n) {
            break;
        }
        for &drop in &DROPS {
            let args = arguments(file, n, drop, params.clone());
            let spec = match RunSpec::new(alg, &args) {
                Ok(spec) => spec,
                // Parameter values that break the assumptions at this n.
                Err(e) => {
                    last_error = Some(match e {
                        crate::simulate::SimInputError::Spec(e) => e.to_string(),
                        crate::simulate::SimInputError::Other(s) => s,
                    });
                    continue;
                }
            };
            rounds = spec.rounds;
            if !tried.contains(&n) {
                tried.push(n);
            }
            let violating: Vec<Result<(u64, bool), String>> = (0..RUNS)
                .into_par_iter()
                .filter_map(|k| match spec.run(k, false) {
                    Ok(o) => o
                        .findings
                        .iter()
                        .any(|(_, f)| is_target(&f.what))
                        .then(|| Ok((k, o.findings.iter().any(|(_, f)| Some(f.what.as_str()) == about)))),
                    Err(e) => Some(Err(format!("{e:?}"))),
                })
                .collect();
            runs += RUNS;
            // In run order: an error before any violating run ends the
            // search; one after them is not looked at.
            let mut violating_runs = Vec::new();
            for r in violating {
                match r {
                    Ok(run) => violating_runs.push(run),
                    Err(e) if violating_runs.is_empty() => return Triage::NotRun { why: short(&e) },
                    Err(_) => break,
                }
            }
            // A run that violates the VC's own monitor ends the search; the
            // first run that violates another is kept in case none does.
            if let Some(&(k, _)) = violating_runs.iter().find(|(_, own)| *own) {
                return reachable(file, alg, &spec, k, n, about);
            }
            if let (None, Some(&(k, _))) = (first_other, violating_runs.first()) {
                if about.is_none() {
                    return reachable(file, alg, &spec, k, n, about);
                }
                first_other = Some((n, drop, k, params));
            }
        }
    }
    if let Some((n, drop, k, params)) = first_other
        && let Ok(spec) = RunSpec::new(alg, &arguments(file, n, drop, params.clone()))
    {
        return reachable(file, alg, &spec, k, n, about);
    }
    if tried.is_empty() {
        let why = last_error.unwrap_or_else(|| "no number of processes to try".into());
        return Triage::NotRun { why: short(&why) };
    }
    Triage::NotReached { runs, n: tried, rounds }
}

/// Parameter settings (`NAME=VALUE`) for runs with `n` processes: `given`
/// when the assumptions hold for them at `n`, else the lexicographically
/// largest values in `0..=n` (in the order the spec declares them) that
/// they hold for; `None` when there are none within the search's budget.
fn params_at(alg: &Algorithm, given: &[String], n: usize) -> Option<Vec<String>> {
    if alg.params.is_empty() || crate::simulate::engine::params(alg, given, n).is_ok() {
        return Some(given.to_vec());
    }
    let k = alg.params.len() as u32;
    let total = (n as u64 + 1).checked_pow(k).filter(|&t| t <= PARAM_CANDIDATES as u64)?;
    (0..total).find_map(|code| {
        // Counting down: the first vector that fits is the largest.
        let mut rest = total - 1 - code;
        let mut values = vec![0; alg.params.len()];
        for v in values.iter_mut().rev() {
            *v = rest % (n as u64 + 1);
            rest /= n as u64 + 1;
        }
        let setting: Vec<String> = alg.params.iter().zip(&values).map(|(p, v)| format!("{}={v}", p.name)).collect();
        crate::simulate::engine::params(alg, &setting, n).is_ok().then_some(setting)
    })
}

/// The run `k` of `spec`, recorded, as a [`Triage::Reachable`] (named by
/// its violation of `about` if it has one).
fn reachable(file: &Path, alg: &Algorithm, spec: &RunSpec<'_>, k: u64, n: usize, about: Option<&str>) -> Triage {
    let o = match spec.run(k, true) {
        Ok(o) => o,
        Err(e) => return Triage::NotRun { why: short(&format!("{e:?}")) },
    };
    let own = o.findings.iter().find(|(_, f)| Some(f.what.as_str()) == about);
    let Some((after_rounds, finding)) = own.or_else(|| o.findings.iter().find(|(_, f)| is_target(&f.what))).cloned() else {
        return Triage::NotRun { why: format!("run {k} at n = {n} did not repeat its violation") };
    };
    let history = o.history.as_deref().unwrap_or_default();
    if history.is_empty() {
        return Triage::NotRun { why: "the run kept no states".into() };
    }
    let header = (spec.run_seed(k), k, "spec (safety every round)");
    let trace = TraceFile::new(&file.display().to_string(), alg, header, history, &o.findings);
    let needs_lost_self_message = self_unheard(&trace, after_rounds).is_some()
        && !violated_hearing_itself(alg, &trace, history[0].clone(), &finding.what);
    Triage::Reachable { violated: finding.what, after_rounds, trace: Box::new(trace), needs_lost_self_message }
}

/// Whether the run of `trace` (from `start`) with every process also
/// hearing itself still violates `what`: then the lost self-messages of
/// the run are not what the violation needs.
fn violated_hearing_itself(alg: &Algorithm, trace: &TraceFile, start: Snapshot, what: &str) -> bool {
    let Ok(mut schedule) = trace.schedule(alg) else { return false };
    for (ho, _) in &mut schedule {
        for (p, heard) in ho.iter_mut().enumerate() {
            heard.insert(p as u32);
        }
    }
    crate::simulate::engine::replay(alg, start, &schedule, trace.seed)
        .is_ok_and(|o| o.findings.iter().any(|(_, f)| f.what == what))
}

/// The monitors whose violation on a run from the start shows the
/// refuted inductiveness is real: `Inv_0`, a round invariant, a property.
fn is_target(what: &str) -> bool {
    what == "Inv_0" || what.starts_with("R[") || what.starts_with("property ")
}

/// `simulate`'s arguments for the search at `n` processes.
fn arguments(file: &Path, n: usize, drop: f64, params: Vec<String>) -> SimulateArgs {
    SimulateArgs {
        file: file.to_path_buf(),
        n,
        runs: RUNS,
        seed: 0,
        rounds: None,
        jobs: None,
        adversary: AdversaryKind::Spec,
        drop,
        params,
        values: 3,
        trace_out: None,
        replay: None,
        format: Format::Human,
        no_timing: true,
        quiet: true,
    }
}

/// The first line of an error, capped.
fn short(e: &str) -> String {
    let line = e.lines().next().unwrap_or_default();
    line.chars().take(300).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `zoo/quorum_vote.rs` assumes `n > 2f`: the counterexample's `f`
    /// where it fits, else the largest `f` that does.
    #[test]
    fn larger_runs_keep_the_parameters_that_fit_and_else_take_the_largest() {
        let text = include_str!("../zoo/quorum_vote.rs");
        let alg = psync_encodings::parse_spec("quorum_vote.rs", text).expect("the zoo file");
        let f = |v: i64| vec![format!("f={v}")];
        assert_eq!(params_at(&alg, &f(1), 7), Some(f(1)));
        assert_eq!(params_at(&alg, &f(4), 7), Some(f(3)));
        assert_eq!(params_at(&alg, &f(4), 9), Some(f(4)));
        assert_eq!(params_at(&alg, &f(1), 1), Some(f(0)));
    }
}
