//! One simulated run: inputs, heard-of sets from the adversary (or a
//! recorded schedule), the interpreter's rounds, the monitors.

use std::collections::BTreeMap;

use psync_encodings::concrete::{Snapshot, State};
use psync_encodings::interp::{self, InterpError};
use psync_encodings::Algorithm;
use rand::rngs::StdRng;
use rand::SeedableRng;

use super::adversary::{Adversary, AdversaryKind, Heard};
use super::monitor::{self, Finding};
use super::SimInputError;
use crate::cli::SimulateArgs;
use crate::run::{draw_input, drawable};

/// Why a run could not go on.
#[derive(Debug)]
pub enum RunError {
    /// The interpreter cannot run a round.
    Interp(InterpError),
    /// Anything else (a predicate that cannot be evaluated, `spec` finding
    /// no heard-of sets), already described.
    Other(String),
}

impl RunError {
    /// The error for the report, located in `file`.
    pub fn locate(self, file: &str, text: &str) -> SimInputError {
        match self {
            RunError::Interp(e) => SimInputError::Other(super::located(file, text, &e)),
            RunError::Other(s) => SimInputError::Other(format!("{file}: {s}")),
        }
    }
}

impl From<InterpError> for RunError {
    fn from(e: InterpError) -> Self {
        RunError::Interp(e)
    }
}

/// What one run did.
pub struct RunOutcome {
    /// Rounds run.
    pub rounds_run: u64,
    /// Whether its heard-of sets satisfied `L_0`, …, `L_{m−1}` in the
    /// rounds of `m` successive (not necessarily adjacent) phases.
    pub good_phases: bool,
    /// Whether every `eventually` property held at its end.
    pub terminated: bool,
    /// Whether the run stopped at a round whose heard-of sets break the
    /// spec's `safety` predicate (the spec says nothing about what follows).
    pub outside_safety: bool,
    /// The monitors that failed, each with the number of rounds run when
    /// it first failed (a run goes on to its end after a failure, so that a
    /// broken invariant does not hide the property violation it leads to).
    pub findings: Vec<(i64, Finding)>,
    /// The global states, initial first, when recorded.
    pub history: Option<Vec<Snapshot>>,
}

/// Everything the runs share.
pub struct RunSpec<'a> {
    alg: &'a Algorithm,
    kind: AdversaryKind,
    drop: f64,
    n: usize,
    values: i64,
    seed: u64,
    /// The parameters' values (`--param`).
    params: BTreeMap<String, i64>,
    /// Rounds per run.
    pub rounds: u64,
}

/// The values of `--param NAME=VALUE`: every parameter the spec declares,
/// once, and no other; the spec's assumptions must hold for them and `n`.
pub(crate) fn params(alg: &Algorithm, given: &[String], n: usize) -> Result<BTreeMap<String, i64>, SimInputError> {
    let mut out = BTreeMap::new();
    for g in given {
        let (name, v) = psync::dsl::Params::parse_setting(g).map_err(|e| format!("--param {e}"))?;
        if !alg.params.iter().any(|p| p.name == name) {
            return Err(format!("--param {g}: the spec declares no parameter `{name}`").into());
        }
        if out.insert(name.clone(), v).is_some() {
            return Err(format!("--param {g}: `{name}` is given twice").into());
        }
    }
    if let Some(p) = alg.params.iter().find(|p| !out.contains_key(&p.name)) {
        return Err(format!("the spec declares the parameter `{}`: give its value with --param {}=VALUE", p.name, p.name).into());
    }
    let mut m = psync_logic::Model { n: n as u32, ..psync_logic::Model::default() };
    psync_encodings::concrete::param_constants(alg, &out, &mut m).map_err(|e| e.to_string())?;
    for a in &alg.spec.assumptions {
        if psync_logic::holds(&a.term, &m) != Ok(true) {
            return Err(format!("the spec's assumption at line {} does not hold for n = {n} and these parameters", a.loc.line).into());
        }
    }
    Ok(out)
}

/// Where the heard-of sets come from.
enum Source<'s> {
    Adversary(Adversary, Box<StdRng>, u64),
    Fixed(&'s [Heard]),
}

impl<'a> RunSpec<'a> {
    /// Checks the arguments against the algorithm.
    pub fn new(alg: &'a Algorithm, a: &SimulateArgs) -> Result<RunSpec<'a>, SimInputError> {
        let kk = alg.phase_len() as u64;
        let m = alg.spec.liveness.len() as u64;
        if a.n == 0 || a.n > 64 {
            return Err(format!("--n {} is outside 1..=64", a.n).into());
        }
        if !(0.0..=1.0).contains(&a.drop) {
            return Err(format!("--drop {} is not a probability", a.drop).into());
        }
        if a.values < 1 {
            return Err("--values must be at least 1".to_string().into());
        }
        let rounds = a.rounds.unwrap_or(kk * (4 + 2 * m).max(8));
        if a.adversary == AdversaryKind::Spec && rounds < kk * m {
            return Err(format!("--adversary spec puts {m} good phase(s) of {kk} round(s) at the end of each run: --rounds must be at least {}", kk * m).into());
        }
        for f in &alg.inputs {
            if !drawable(&f.ret) {
                return Err(format!("the input `{}` has sort {}: simulate draws only integer, boolean and process inputs, and tuples and options of them", f.name, f.ret).into());
            }
        }
        let params = params(alg, &a.params, a.n)?;
        Ok(RunSpec { alg, kind: a.adversary, drop: a.drop, n: a.n, values: a.values, seed: a.seed, params, rounds })
    }

    /// The adversary as the report names it.
    pub fn describe(&self) -> String {
        let name = format!("{:?}", self.kind).to_lowercase();
        match self.kind {
            AdversaryKind::Partition | AdversaryKind::Crash | AdversaryKind::Omission => format!("{name} (drop {})", self.drop),
            AdversaryKind::Spec => format!("spec (safety every round, liveness in the last {} phase(s))", self.alg.spec.liveness.len()),
        }
    }

    /// The seed of run `k`.
    pub fn run_seed(&self, k: u64) -> u64 {
        self.seed.wrapping_add(k.wrapping_mul(0x9E37_79B9_7F4A_7C15))
    }

    fn inputs(&self, rng: &mut StdRng) -> Vec<State> {
        (0..self.n)
            .map(|_| {
                self.alg
                    .inputs
                    .iter()
                    .map(|f| (f.name.strip_prefix("io.").unwrap_or(&f.name).to_string(), draw_input(&f.ret, self.n, self.values, rng)))
                    .collect()
            })
            .collect()
    }

    /// Run `k` (its history kept when `record`).
    pub fn run(&self, k: u64, record: bool) -> Result<RunOutcome, RunError> {
        let mut rng = StdRng::seed_from_u64(self.run_seed(k));
        let inputs = self.inputs(&mut rng);
        let adv = Adversary::new(self.kind, self.drop, self.n, self.rounds, &mut rng);
        let s0 = interp::initial(self.alg, inputs, self.params.clone())?;
        execute(self.alg, s0, Source::Adversary(adv, Box::new(rng), self.rounds), record, self.run_seed(k))
    }
}

/// Runs a recorded schedule from `start` (history kept, every round run),
/// helper results drawn with the recorded run's `seed`.
pub fn replay(alg: &Algorithm, start: Snapshot, schedule: &[Heard], seed: u64) -> Result<RunOutcome, RunError> {
    execute(alg, start, Source::Fixed(schedule), true, seed)
}

/// The liveness predicate the `spec` adversary must satisfy in the round
/// from `pre`: `L_j` in the `j`-th of the last `m` complete phases.
fn good_phase_pred<'a>(alg: &'a Algorithm, pre: &Snapshot, rounds: u64) -> Option<&'a psync_encodings::ir::Pred> {
    let kk = alg.phase_len() as u64;
    let m = alg.spec.liveness.len() as u64;
    let (phases, phase) = (rounds / kk, pre.round as u64 / kk);
    (phase + m >= phases && phase < phases).then(|| &alg.spec.liveness[(phase + m - phases) as usize])
}

/// Runs from `start`; helper results are drawn with `seed` (the run's).
fn execute(alg: &Algorithm, start: Snapshot, mut source: Source<'_>, record: bool, seed: u64) -> Result<RunOutcome, RunError> {
    let kk = alg.phase_len() as i64;
    let live = &alg.spec.liveness;
    let mut s = start;
    let mut findings: Vec<(i64, Finding)> = monitor::check_state(alg, &s).map_err(RunError::Other)?.into_iter().map(|f| (s.round, f)).collect();
    let mut history = record.then(|| vec![s.clone()]);
    let total = match &source {
        Source::Adversary(_, _, rounds) => *rounds,
        Source::Fixed(sched) => sched.len() as u64,
    };
    let (mut next_live, mut phase_ok, mut outside_safety) = (0usize, true, false);
    let mut r = 0;
    while r < total {
        let (ho, faults) = match &mut source {
            Source::Adversary(adv, rng, rounds) => {
                let want = if adv_is_spec(adv) { good_phase_pred(alg, &s, *rounds) } else { None };
                adv.draw(alg, &s, want, rng).map_err(|e| RunError::Other(format!("--adversary spec: no heard-of sets satisfying {} in {} tries (round {})", e.what, super::adversary::SPEC_TRIES, s.round)))?
            }
            Source::Fixed(sched) => sched[r as usize].clone(),
        };
        if alg.spec.safety.is_some() && !super::adversary::satisfies(alg, &s, (&ho, &faults), None) {
            outside_safety = true;
            break;
        }
        if next_live < live.len() {
            phase_ok &= monitor::live_holds(alg, &s, (&ho, &faults), &live[next_live]);
        }
        let step = interp::step_faulty(alg, &s, &ho, &faults, Some(seed))?;
        s = step.post;
        let mut now: Vec<Finding> = step.failed_checks.into_iter().map(|(p, label)| Finding { what: format!("{label} at p{p}"), line: 0 }).collect();
        now.extend(monitor::check_state(alg, &s).map_err(RunError::Other)?);
        for f in now {
            if !findings.iter().any(|(_, g)| g.what == f.what) {
                findings.push((s.round, f));
            }
        }
        if s.round % kk == 0 {
            next_live += usize::from(phase_ok && next_live < live.len());
            phase_ok = true;
        }
        if let Some(h) = &mut history {
            h.push(s.clone());
        }
        r += 1;
    }
    let good_phases = next_live == live.len() && !outside_safety;
    let pending = monitor::eventually_failed(alg, &s).map_err(RunError::Other)?;
    let terminated = pending.is_empty();
    if findings.is_empty() && good_phases {
        findings.extend(pending.into_iter().map(|mut f| {
            f.what = format!("{} (not reached after the good phases)", f.what);
            (s.round, f)
        }));
    }
    Ok(RunOutcome { rounds_run: r, good_phases, terminated, outside_safety, findings, history })
}

fn adv_is_spec(adv: &Adversary) -> bool {
    adv.kind() == AdversaryKind::Spec
}
