//! The benchmark specs run in the runtime's lockstep simulator: their
//! invariants and properties hold on seeded faulty runs, and fault-free runs
//! decide.

use psync::prelude::*;
use psync::sim::{Adversary, Faults, RandomAdversary, SimError, SimOptions, simulate, simulate_with_params};
use psync_benchmarks::ben_or::BenOr;
use psync_benchmarks::eager_reliable_broadcast::EagerReliableBroadcast;
use psync_benchmarks::floodmin_crash::FloodMinCrash;
use psync_benchmarks::quorum_vote::QuorumVote;
use psync_benchmarks::short_last_voting::ShortLastVoting;
use psync_benchmarks::two_phase_commit::TwoPhaseCommit;
use psync_benchmarks::{floodmin::FloodMin, last_voting::LastVoting, otr::Otr};

/// The monitors' findings, readable. (Termination-style properties,
/// `eventually(..)`, are taken as holding by the monitors; the runs without
/// faults check that they hold at their end, `SimOutcome::pending`.)
fn violations(v: &[psync::sim::Violation]) -> Vec<String> {
    v.iter().map(|x| format!("round {}: {}", x.round, x.what)).collect()
}

/// Integer inputs in 0..3, spread over the processes by the seed.
fn ios(n: usize, seed: u64) -> Vec<Consensus<i64>> {
    (0..n).map(|i| Consensus::new(((i as u64 * 7 + seed) % 3) as i64)).collect()
}

/// Boolean inputs (votes): all `true` on every third seed (so that commits
/// happen), otherwise mixed.
fn votes(n: usize, seed: u64) -> Vec<Consensus<bool>> {
    (0..n).map(|i| Consensus::new(seed.is_multiple_of(3) || !(i as u64 * 7 + seed).is_multiple_of(3))).collect()
}

/// One input for everyone (a quorum vote decides only on equal votes).
fn same(n: usize, seed: u64) -> Vec<Consensus<i64>> {
    vec![Consensus::new((seed % 3) as i64); n]
}

/// The runs' parameter values for `n` processes: none.
fn no_params(_n: usize) -> Params {
    Params::new()
}

/// The largest `f` with `n > 2f`.
fn minority(n: usize) -> Params {
    Params::new().with("f", (n as i64 - 1) / 2)
}

/// The inputs and parameter values of a run with `n` processes and a seed.
struct Inputs<Io> {
    ios: fn(usize, u64) -> Vec<Io>,
    params: fn(usize) -> Params,
}

/// Over 40 seeds, with `n` from `min_n` to `min_n + span - 1` and the
/// inputs `ios(n, seed)`: no monitor finding on runs with 30 % omissions
/// (`faulty_rounds` rounds), and runs without faults all decide with their
/// termination-style properties holding at their end.
fn safe_under_omissions_and_decides_without_them<P>(min_n: usize, span: usize, faulty_rounds: u64, ios: fn(usize, u64) -> Vec<P::Io>)
where
    P: Spec + Serialize,
    P::Io: Serialize,
    <P::Io as ProcessIo>::Output: std::fmt::Debug,
{
    safe_and_decides_with::<P>(min_n, span, faulty_rounds, Inputs { ios, params: no_params });
}

/// [`safe_under_omissions_and_decides_without_them`] with parameter values.
fn safe_and_decides_with<P>(min_n: usize, span: usize, faulty_rounds: u64, inputs: Inputs<P::Io>)
where
    P: Spec + Serialize,
    P::Io: Serialize,
    <P::Io as ProcessIo>::Output: std::fmt::Debug,
{
    for seed in 0..40 {
        let n = min_n + (seed as usize % span);
        let mut adv = RandomAdversary::new(Faults { omission: 0.3, ..Faults::default() }, seed);
        let opts = SimOptions { max_rounds: faulty_rounds, ..SimOptions::default() };
        let (ios, params) = ((inputs.ios)(n, seed), (inputs.params)(n));
        let out = simulate_with_params::<P>(&ios, &mut adv, seed, &params, &opts).unwrap();
        assert_eq!(violations(&out.violations), Vec::<String>::new(), "seed {seed}");
        let mut adv = RandomAdversary::new(Faults::default(), seed);
        let out = simulate_with_params::<P>(&ios, &mut adv, seed, &params, &SimOptions::default()).unwrap();
        assert!(out.all_decided(&[]), "seed {seed}: {:?}", out.decisions);
        assert_eq!(out.pending, Vec::<String>::new(), "seed {seed}: the termination-style properties hold at the end");
    }
}

#[test]
fn otr_is_safe_under_omissions_and_decides_without_them() {
    safe_under_omissions_and_decides_without_them::<Otr>(3, 4, 30, ios);
}

#[test]
fn last_voting_is_safe_under_omissions_and_decides_without_them() {
    safe_under_omissions_and_decides_without_them::<LastVoting>(3, 4, 40, ios);
}

#[test]
fn the_guides_floodmin_is_safe_under_omissions_and_decides_without_them() {
    safe_under_omissions_and_decides_without_them::<FloodMin>(2, 5, 30, ios);
}

#[test]
fn short_last_voting_is_safe_under_omissions_and_decides_without_them() {
    safe_under_omissions_and_decides_without_them::<ShortLastVoting>(3, 4, 30, ios);
}

#[test]
fn two_phase_commit_is_safe_under_omissions_and_decides_without_them() {
    safe_under_omissions_and_decides_without_them::<TwoPhaseCommit>(2, 5, 30, votes);
}

#[test]
fn eager_reliable_broadcast_is_safe_under_omissions_and_delivers_without_them() {
    safe_under_omissions_and_decides_without_them::<EagerReliableBroadcast>(2, 5, 30, ios);
}

#[test]
fn the_quorum_vote_with_f_is_safe_under_omissions_and_decides_without_them() {
    // Equal votes: the generic check (with them, a fault-free run decides).
    safe_and_decides_with::<QuorumVote>(1, 6, 30, Inputs { ios: same, params: minority });
    // Mixed votes: no monitor finding, with or without omissions.
    for seed in 0..40 {
        let n = 1 + seed as usize % 6;
        for omission in [0.0, 0.3] {
            let mut adv = RandomAdversary::new(Faults { omission, ..Faults::default() }, seed);
            let opts = SimOptions { max_rounds: 30, ..SimOptions::default() };
            let out = simulate_with_params::<QuorumVote>(&ios(n, seed), &mut adv, seed, &minority(n), &opts).unwrap();
            assert_eq!(violations(&out.violations), Vec::<String>::new(), "seed {seed}");
        }
    }
}

#[test]
fn a_run_needs_every_parameter_and_its_assumptions() {
    let mut adv = RandomAdversary::new(Faults::default(), 0);
    let opts = SimOptions::default();
    let run = |n: usize, params: Params, adv: &mut RandomAdversary| simulate_with_params::<QuorumVote>(&ios(n, 0), adv, 0, &params, &opts);
    assert!(matches!(run(3, Params::new(), &mut adv), Err(SimError::Params(m)) if m.contains("`f` has no value")));
    assert!(matches!(run(3, minority(3).with("k", 1), &mut adv), Err(SimError::Params(m)) if m.contains("`k` is not a parameter")));
    // n > 2f is assumption 0.
    assert!(matches!(run(2, Params::new().with("f", 1), &mut adv), Err(SimError::Assumption { index: 0, n: 2, .. })));
    assert!(matches!(simulate::<QuorumVote>(&ios(3, 0), &mut adv, 0, &opts), Err(SimError::Params(_))));
    let out = run(3, minority(3), &mut adv).expect("n = 3, f = 1 fits");
    assert_eq!(out.trace.params, minority(3), "the trace records the parameters for replays");
    let again = psync::sim::replay::<QuorumVote>(&out.trace).expect("replays with its parameters");
    assert_eq!(again.decisions, out.decisions);
}

/// Ben-Or's fault model: each round, each process misses the messages of
/// at most `f` others (chosen by a seeded xorshift), so it hears at least
/// `n − f` processes, the spec's safety predicate.
struct UpToF {
    f: usize,
    state: u64,
}

impl UpToF {
    fn next(&mut self) -> u64 {
        self.state ^= self.state << 13;
        self.state ^= self.state >> 7;
        self.state ^= self.state << 17;
        self.state
    }
}

impl Adversary for UpToF {
    fn deliver(&mut self, _round: u64, to: ProcessId, sent: &[ProcessId]) -> Vec<ProcessId> {
        let mut out = sent.to_vec();
        let missed = (self.next() % (self.f as u64 + 1)) as usize;
        for _ in 0..missed {
            let others: Vec<usize> = (0..out.len()).filter(|&k| out[k] != to).collect();
            if others.is_empty() {
                break;
            }
            out.remove(others[(self.next() % others.len() as u64) as usize]);
        }
        out
    }
}

#[test]
fn ben_or_agrees_over_seeded_runs_with_real_coins() {
    let opts = SimOptions { max_rounds: 60, ..SimOptions::default() };
    let mut decided_runs = 0;
    for seed in 0..1000 {
        let n = 1 + seed as usize % 7;
        let mut adv = UpToF { f: (n - 1) / 2, state: seed * 2654435761 + 1 };
        let out = simulate_with_params::<BenOr>(&votes(n, seed), &mut adv, seed, &minority(n), &opts).unwrap();
        assert_eq!(violations(&out.violations), Vec::<String>::new(), "seed {seed}");
        decided_runs += usize::from(out.all_decided(&[]));
    }
    assert!(decided_runs >= 900, "only {decided_runs} of 1000 runs decided within 60 rounds");
}

/// FloodMin's crash faults: up to `f` processes, chosen by the seed, each
/// crash in a round in `0..=f`; in that round each other process (itself
/// included) still hears it with probability 1/2, afterwards nobody does.
/// These heard-of sets satisfy the spec's safety predicate.
struct CrashUpToF {
    crash_round: Vec<Option<u64>>,
    state: u64,
}

impl CrashUpToF {
    fn new(n: usize, f: usize, seed: u64) -> CrashUpToF {
        let mut adv = CrashUpToF { crash_round: vec![None; n], state: seed * 2654435761 + 1 };
        let crashes = (adv.next() % (f as u64 + 1)) as usize;
        for _ in 0..crashes {
            let q = (adv.next() % n as u64) as usize;
            adv.crash_round[q] = Some(adv.next() % (f as u64 + 1));
        }
        adv
    }

    fn next(&mut self) -> u64 {
        self.state ^= self.state << 13;
        self.state ^= self.state >> 7;
        self.state ^= self.state << 17;
        self.state
    }
}

impl Adversary for CrashUpToF {
    fn deliver(&mut self, round: u64, _to: ProcessId, sent: &[ProcessId]) -> Vec<ProcessId> {
        let mut out = Vec::new();
        for &s in sent {
            let heard = match self.crash_round[s.index()] {
                Some(c) if round > c => false,
                Some(c) if round == c => self.next().is_multiple_of(2),
                _ => true,
            };
            if heard {
                out.push(s);
            }
        }
        out
    }
}

#[test]
fn floodmin_under_crashes_agrees_and_decides_after_f_plus_one_rounds() {
    let mut crashed_runs = 0;
    for seed in 0..1000 {
        let n = 1 + seed as usize % 7;
        let f = seed as usize / 7 % n;
        let mut adv = CrashUpToF::new(n, f, seed);
        crashed_runs += usize::from(adv.crash_round.iter().any(Option::is_some));
        let opts = SimOptions { max_rounds: f as u64 + 1, ..SimOptions::default() };
        let params = Params::new().with("f", f as i64);
        let out = simulate_with_params::<FloodMinCrash>(&ios(n, seed), &mut adv, seed, &params, &opts).unwrap();
        assert_eq!(violations(&out.violations), Vec::<String>::new(), "seed {seed}");
        assert!(out.all_decided(&[]), "seed {seed}: not decided after f + 1 rounds: {:?}", out.decisions);
    }
    assert!(crashed_runs >= 300, "only {crashed_runs} of 1000 runs had a crash");
}

#[test]
fn floodmin_under_crashes_breaks_its_safety_predicate_with_omissions() {
    // Omissions are not crashes: a process missed in one round is heard
    // again in the next, which the monitors report as a broken assumption.
    let found = (0..40).any(|seed| {
        let mut adv = RandomAdversary::new(Faults { omission: 0.3, ..Faults::default() }, seed);
        let opts = SimOptions { max_rounds: 3, ..SimOptions::default() };
        let out = simulate_with_params::<FloodMinCrash>(&ios(4, seed), &mut adv, seed, &Params::new().with("f", 2), &opts).unwrap();
        out.violations.iter().any(|v| v.what == "safety assumption")
    });
    assert!(found, "omissions never broke the crash predicate");
}
