//! The deterministic lockstep simulator: runs `n` processes round by round
//! under a heard-of adversary, checks the spec after every round, and records
//! a replayable trace.

mod adversary;
mod trace;

pub use adversary::{Adversary, Faults, FixedHo, RandomAdversary};
pub use trace::{Trace, TraceRound, Violation};

use crate::codec::CodecError;
use crate::dsl::{Ctx, Outgoing, Params, ProcSet, Process, ProcessId, ProcessIo, RoundRun, Spec, World};
use std::sync::Arc;
use serde::{Serialize, de::DeserializeOwned};

/// A simulation could not run.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// The algorithm's phase has no round.
    #[error("the phase of {0} has no round")]
    EmptyPhase(&'static str),
    /// `ios` does not have one entry per process, or n = 0.
    #[error("need one IO per process and n > 0 (got {0} IOs)")]
    BadIos(usize),
    /// A message could not be encoded or decoded.
    #[error(transparent)]
    Codec(#[from] CodecError),
    /// A state or IO could not be converted to or from JSON.
    #[error("JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// The parameter values do not fit the algorithm's `Process::PARAMS`.
    #[error("parameters: {0}")]
    Params(String),
    /// The parameter values and `n` falsify an assumption of the spec.
    #[error("assumption {index} of the spec is false for n = {n} and {params:?}")]
    Assumption {
        /// Its position in `Spec::assumptions`.
        index: usize,
        /// The number of processes.
        n: usize,
        /// The parameter values.
        params: Params,
    },
    /// A replay did not reproduce the recorded states.
    #[error("replay diverged at round {round}, process {process}")]
    Diverged {
        /// The round.
        round: u64,
        /// The process.
        process: usize,
    },
}

/// Options of one simulated run.
#[derive(Clone, Debug)]
pub struct SimOptions {
    /// Maximum number of rounds.
    pub max_rounds: u64,
    /// Stop once every live process has decided.
    pub stop_when_decided: bool,
    /// Stop at the first violation.
    pub stop_on_violation: bool,
}

impl Default for SimOptions {
    fn default() -> Self {
        SimOptions { max_rounds: 100, stop_when_decided: true, stop_on_violation: true }
    }
}

/// The result of one run.
#[derive(Debug)]
pub struct SimOutcome<P: Process> {
    /// The final world.
    pub world: World<P>,
    /// Each process's decision.
    pub decisions: Vec<Option<<P::Io as ProcessIo>::Output>>,
    /// What failed (empty when the run satisfied its spec).
    pub violations: Vec<Violation>,
    /// The termination-style properties (`eventually(..)`) that do not hold
    /// at the end of the run: not violations (the run may not have had the
    /// good phases they need), but what a run that should have terminated
    /// is checked by.
    pub pending: Vec<String>,
    /// The replayable trace.
    pub trace: Trace,
}

impl<P: Process> SimOutcome<P> {
    /// Whether every non-crashed process decided.
    pub fn all_decided(&self, crashed: &[(ProcessId, u64)]) -> bool {
        self.decisions.iter().enumerate().all(|(i, d)| d.is_some() || crashed.iter().any(|c| c.0.index() == i))
    }
}

fn check<P: Spec>(w: &World<P>, violations: &mut Vec<Violation>) {
    let r = w.round();
    // The safety predicate is about the heard-of sets of a round and the
    // state before it: the world before the first round has none.
    if let Some(view) = w.round_view()
        && !P::safety(&view)
    {
        violations.push(Violation { round: r, what: "safety assumption".into() });
    }
    if r.is_multiple_of(w.phase_len() as u64)
        && let Some(false) = P::invariants(w).first()
    {
        violations.push(Violation { round: r, what: "invariant 0".into() });
    }
    // Termination-style properties hold only after the good phases, which a
    // run reaches when it does: not something one round can refute.
    for (name, ok) in crate::dsl::safety_view(|| P::properties(w)) {
        if !ok {
            violations.push(Violation { round: r, what: format!("property {name}") });
        }
    }
}

/// Runs one simulation of `P` from `ios` (one per process) against `adv`.
pub fn simulate<P>(ios: &[P::Io], adv: &mut dyn Adversary, seed: u64, opts: &SimOptions) -> Result<SimOutcome<P>, SimError>
where
    P: Spec + Serialize,
    P::Io: Serialize,
{
    simulate_with_crashes(ios, adv, seed, &[], opts)
}

/// [`simulate`], recording `crashes` in the trace (the adversary must agree).
pub fn simulate_with_crashes<P>(
    ios: &[P::Io],
    adv: &mut dyn Adversary,
    seed: u64,
    crashes: &[(ProcessId, u64)],
    opts: &SimOptions,
) -> Result<SimOutcome<P>, SimError>
where
    P: Spec + Serialize,
    P::Io: Serialize,
{
    simulate_full(ios, adv, seed, crashes, &Params::new(), opts)
}

/// [`simulate`] of an algorithm with parameters (`Process::PARAMS`): every
/// declared parameter needs a value in `params` and the spec's
/// `assumptions` must hold for them and `n`, or the run does not start.
pub fn simulate_with_params<P>(ios: &[P::Io], adv: &mut dyn Adversary, seed: u64, params: &Params, opts: &SimOptions) -> Result<SimOutcome<P>, SimError>
where
    P: Spec + Serialize,
    P::Io: Serialize,
{
    simulate_full(ios, adv, seed, &[], params, opts)
}

/// The simulator: [`simulate_with_crashes`] with parameter values.
fn simulate_full<P>(
    ios: &[P::Io],
    adv: &mut dyn Adversary,
    seed: u64,
    crashes: &[(ProcessId, u64)],
    params: &Params,
    opts: &SimOptions,
) -> Result<SimOutcome<P>, SimError>
where
    P: Spec + Serialize,
    P::Io: Serialize,
{
    let n = ios.len();
    if n == 0 {
        return Err(SimError::BadIos(0));
    }
    let phase = P::phase();
    if phase.is_empty() {
        return Err(SimError::EmptyPhase(std::any::type_name::<P>()));
    }
    params.check_declared(P::PARAMS).map_err(SimError::Params)?;
    let shared = Arc::new(params.clone());
    let k = phase.len();
    let mut runs: Vec<Vec<Box<dyn RoundRun<P>>>> = (0..n).map(|_| phase.instantiate()).collect();
    let cx = |i: usize, r: u64| Ctx::new(ProcessId::new(i), n, r, k).with_params(shared.clone());
    let init: Vec<P> = (0..n).map(|i| P::init(&ios[i], &cx(i, 0))).collect();
    let mut world = World::new(init.clone(), k).with_params(shared.clone());
    if let Some(index) = P::assumptions(&world).iter().position(|holds| !holds) {
        return Err(SimError::Assumption { index, n, params: params.clone() });
    }
    let mut trace = Trace {
        algorithm: std::any::type_name::<P>().to_string(),
        n,
        phase_len: k,
        seed,
        ios: ios.iter().map(serde_json::to_value).collect::<Result<_, _>>()?,
        crashes: crashes.to_vec(),
        init: init.iter().map(serde_json::to_value).collect::<Result<_, _>>()?,
        params: params.clone(),
        rounds: Vec::new(),
        violations: Vec::new(),
    };
    let mut violations = Vec::new();
    check(&world, &mut violations);
    let mut halted = vec![false; n];
    let decided = |w: &World<P>| w.states().iter().map(|p| p.decision()).collect::<Vec<_>>();
    for r in 0..opts.max_rounds {
        if opts.stop_on_violation && !violations.is_empty() {
            break;
        }
        // A crashed process is the HO model's crash: it is never heard again
        // and hears nobody, but it keeps taking its rounds (with an empty
        // mailbox), so its state stays one the verified model allows; a
        // frozen state would break invariants the proof does not promise for
        // it (e.g. a coordinator that crashed while committed).
        let running: Vec<bool> = (0..n).map(|i| !halted[i]).collect();
        let live: Vec<bool> = (0..n).map(|i| running[i] && !adv.crashed(r, ProcessId::new(i))).collect();
        if opts.stop_when_decided && (0..n).all(|i| !live[i] || world.states()[i].decision().is_some()) {
            break;
        }
        let mut states = world.states().to_vec();
        let ri = (r % k as u64) as usize;
        let cxs: Vec<Ctx> = (0..n).map(|i| cx(i, r)).collect();
        let mut progress = Vec::with_capacity(n);
        let mut out = Vec::with_capacity(n);
        for i in 0..n {
            if running[i] {
                progress.push(runs[i][ri].init(&mut states[i], &cxs[i]));
                let sent = runs[i][ri].send(&mut states[i], &cxs[i])?;
                out.push(if live[i] { sent } else { Outgoing::None });
            } else {
                progress.push(crate::dsl::Progress::unchanged());
                out.push(Outgoing::None);
            }
        }
        // Who sent what to whom.
        let payload = |from: usize, to: usize| -> Option<&[u8]> {
            match &out[from] {
                Outgoing::None => None,
                Outgoing::Broadcast(b) => Some(&b[..]),
                Outgoing::To(v) => v.iter().find(|(q, _)| q.index() == to).map(|(_, b)| &b[..]),
            }
        };
        let mut ho_sets = vec![ProcSet::new(); n];
        let mut ho_lists = vec![Vec::new(); n];
        for j in 0..n {
            if !running[j] {
                continue;
            }
            let me = ProcessId::new(j);
            let sent: Vec<ProcessId> = (0..n)
                .filter(|&i| live[i] && (if i == j { runs[i][ri].has_self_message() } else { payload(i, j).is_some() }))
                .map(ProcessId::new)
                .collect();
            let order = if live[j] { adv.deliver(r, me, &sent) } else { Vec::new() };
            let mut prog = progress[j];
            for q in order {
                if prog.is_go_ahead(ho_sets[j].len()) || !ho_sets[j].insert(q) {
                    continue;
                }
                let p = if q == me {
                    runs[j][ri].deliver_self(&mut states[j], &cxs[j])
                } else {
                    let bytes = payload(q.index(), j).unwrap_or(&[]);
                    runs[j][ri].receive(&mut states[j], q, bytes, &cxs[j])?
                };
                prog = prog.update(p);
                ho_lists[j].push(q);
            }
            let timed_out = !prog.is_go_ahead(ho_sets[j].len());
            if !runs[j][ri].finish(&mut states[j], timed_out, &cxs[j]) {
                halted[j] = true;
            }
        }
        trace.rounds.push(TraceRound {
            round: r,
            ho: ho_lists,
            states: states.iter().map(serde_json::to_value).collect::<Result<_, _>>()?,
        });
        world.step(states, ho_sets);
        check(&world, &mut violations);
    }
    trace.violations = violations.clone();
    let pending = pending(&world);
    Ok(SimOutcome { decisions: decided(&world), world, violations, pending, trace })
}

/// The properties false in `w` that hold in the monitors' view: those an
/// `eventually(..)` made hold there, i.e. the termination-style properties
/// not (yet) met.
fn pending<P: Spec>(w: &World<P>) -> Vec<String> {
    let now = P::properties(w);
    let viewed = crate::dsl::safety_view(|| P::properties(w));
    now.into_iter().zip(viewed).filter(|((_, holds), (_, seen))| !holds && *seen).map(|((name, _), _)| name.to_string()).collect()
}

/// Replays a recorded trace: same IOs, same deliveries; fails with
/// [`SimError::Diverged`] if the states differ from the recorded ones.
pub fn replay<P>(trace: &Trace) -> Result<SimOutcome<P>, SimError>
where
    P: Spec + Serialize,
    P::Io: Serialize + DeserializeOwned,
{
    let ios: Vec<P::Io> = trace.ios.iter().map(|v| serde_json::from_value(v.clone())).collect::<Result<_, _>>()?;
    if ios.len() != trace.n {
        return Err(SimError::BadIos(ios.len()));
    }
    let ho: Vec<Vec<Vec<ProcessId>>> = trace.rounds.iter().map(|r| r.ho.clone()).collect();
    let mut adv = FixedHo::new(ho, trace.crashes.clone());
    let opts = SimOptions { max_rounds: trace.rounds.len() as u64, stop_when_decided: false, stop_on_violation: false };
    let out = simulate_full::<P>(&ios, &mut adv, trace.seed, &trace.crashes, &trace.params, &opts)?;
    for (a, b) in out.trace.rounds.iter().zip(&trace.rounds) {
        if let Some(i) = (0..trace.n).find(|&i| a.states.get(i) != b.states.get(i) || a.ho.get(i) != b.ho.get(i)) {
            return Err(SimError::Diverged { round: a.round, process: i });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dsl::{Consensus, Mailbox, Outbox, Phase, Round, eventually};
    use serde::{Deserialize, Serialize};

    /// Counts its rounds and remembers how many messages it last heard.
    #[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
    struct Counter {
        rounds: u64,
        heard: usize,
    }
    struct Tick;
    impl Round<Counter> for Tick {
        type Msg = u64;
        fn send(p: &Counter, _cx: &Ctx) -> Outbox<u64> {
            Outbox::broadcast(p.rounds)
        }
        fn update(p: &mut Counter, mbox: &Mailbox<u64>, _cx: &Ctx) {
            p.rounds += 1;
            p.heard = mbox.len();
        }
    }
    impl Process for Counter {
        type Io = Consensus<i64>;
        fn init(_io: &Consensus<i64>, _cx: &Ctx) -> Self {
            Counter { rounds: 0, heard: 0 }
        }
        fn phase() -> Phase<Self> {
            Phase::new().round::<Tick>()
        }
    }
    impl Spec for Counter {
        fn invariants(w: &World<Self>) -> Vec<bool> {
            vec![w.forall(|i| w[i].rounds == w.round())]
        }
        fn properties(w: &World<Self>) -> Vec<(&'static str, bool)> {
            // False before round 3: termination-style, so the monitor
            // takes it as holding; `Counts` it checks every round.
            vec![("Reaches3", eventually(w.forall(|i| w[i].rounds >= 3))), ("Counts", w.forall(|i| w[i].rounds == w.round()))]
        }
    }

    #[test]
    fn eventually_holds_only_in_the_monitor_view() {
        assert!(!eventually(false));
        assert!(crate::dsl::safety_view(|| eventually(false)));
        assert!(!eventually(false), "the view ends with its closure");
        let panicked = std::panic::catch_unwind(|| crate::dsl::safety_view(|| panic!("a spec that panics")));
        assert!(panicked.is_err());
        assert!(!eventually(false), "and when the closure panics");
    }

    #[test]
    fn a_termination_style_property_is_pending_not_violated_before_it_holds() {
        let run = |rounds| {
            let mut adv = RandomAdversary::new(Faults::default(), 1);
            let opts = SimOptions { max_rounds: rounds, stop_when_decided: false, stop_on_violation: true };
            simulate::<Counter>(&[Consensus::new(0), Consensus::new(1)], &mut adv, 1, &opts).unwrap()
        };
        let short = run(2);
        assert!(short.violations.is_empty(), "{:?}", short.violations);
        assert_eq!(short.world.round(), 2, "the run was not stopped at round 0");
        assert_eq!(short.pending, vec!["Reaches3".to_string()]);
        let long = run(4);
        assert!(long.violations.is_empty() && long.pending.is_empty(), "{:?} {:?}", long.violations, long.pending);
    }

    #[test]
    fn a_crashed_process_is_silent_and_deaf_but_keeps_stepping() {
        let crashes = vec![(ProcessId::new(1), 2)];
        let mut adv = RandomAdversary::new(Faults { crashes: crashes.clone(), ..Faults::default() }, 5);
        let ios = vec![Consensus::new(0); 3];
        let opts = SimOptions { max_rounds: 4, stop_when_decided: false, stop_on_violation: false };
        let out = simulate_with_crashes::<Counter>(&ios, &mut adv, 5, &crashes, &opts).unwrap();
        assert!(out.violations.is_empty(), "{:?}", out.violations);
        assert!(out.world.states().iter().all(|p| p.rounds == 4), "everyone, the crashed process too, took 4 rounds");
        let p1 = ProcessId::new(1);
        for tr in &out.trace.rounds {
            let crashed = tr.round >= 2;
            assert_eq!(tr.ho[1].is_empty(), crashed, "round {}: the crashed process hears nobody", tr.round);
            assert!(tr.ho.iter().all(|h| h.contains(&p1) != crashed), "round {}: nobody hears the crashed process", tr.round);
        }
        assert_eq!(out.world.states()[1].heard, 0);
        assert_eq!(out.world.states()[0].heard, 2);
        let again = replay::<Counter>(&out.trace).unwrap();
        assert_eq!(again.world.states(), out.world.states());
    }
}
