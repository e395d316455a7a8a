//! The zoo (and the guide's FloodMin) compiled and run in the runtime's
//! lockstep simulator, with the spec's assumptions, invariants and
//! properties (Agreement among them) as monitors after every round. For
//! each zoo algorithm: 1,000 seeded runs under its fault model find
//! nothing, and runs that have the good rounds its liveness predicate asks
//! for decide, with their termination-style properties true at the end.
//! (`psync-verify simulate zoo/FILE.rs --adversary spec` runs the same
//! specs through the interpreter, with heard-of sets drawn to satisfy the
//! predicates; zoo/README.md.)

use psync::prelude::*;
use psync::sim::{Adversary, Faults, RandomAdversary, SimError, SimOptions, simulate, simulate_with_params};

/// Seeded runs per algorithm.
const RUNS: u64 = 1000;
use psync_benchmarks::approximate_agreement::ApproximateAgreement;
use psync_benchmarks::ate::Ate;
use psync_benchmarks::ben_or::BenOr;
use psync_benchmarks::chandra_toueg::ChandraToueg;
use psync_benchmarks::eager_reliable_broadcast::EagerReliableBroadcast;
use psync_benchmarks::floodmin_crash::FloodMinCrash;
use psync_benchmarks::floodmin_kset::FloodMinKSet;
use psync_benchmarks::quorum_vote::QuorumVote;
use psync_benchmarks::short_last_voting::ShortLastVoting;
use psync_benchmarks::two_phase_commit::TwoPhaseCommit;
use psync_benchmarks::{floodmin::FloodMin, last_voting::LastVoting, last_voting_event::LastVotingEvent, otr::Otr};

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

/// The largest `f` with `n > 2f`.
fn minority(n: usize) -> Params {
    Params::new().with("f", (n as i64 - 1) / 2)
}

/// The guide's FloodMin over 40 seeds, `n` in 2..=6: no monitor finding on
/// runs with 30 % omissions for 30 rounds, and runs without faults all
/// decide with their termination-style properties holding at their end.
#[test]
fn the_guides_floodmin_is_safe_under_omissions_and_decides_without_them() {
    for seed in 0..40 {
        let n = 2 + seed as usize % 5;
        let mut adv = RandomAdversary::new(Faults { omission: 0.3, ..Faults::default() }, seed);
        let opts = SimOptions { max_rounds: 30, ..SimOptions::default() };
        let out = simulate::<FloodMin>(&ios(n, seed), &mut adv, seed, &opts).unwrap();
        assert_eq!(violations(&out.violations), Vec::<String>::new(), "seed {seed}");
        let mut adv = RandomAdversary::new(Faults::default(), seed);
        let out = simulate::<FloodMin>(&ios(n, seed), &mut adv, seed, &SimOptions::default()).unwrap();
        assert!(out.all_decided(&[]), "seed {seed}: {:?}", out.decisions);
        assert_eq!(out.pending, Vec::<String>::new(), "seed {seed}: the termination-style properties hold at the end");
    }
}

/// A fault model for a run's first `good_from` rounds, then good rounds:
/// every message sent is delivered (everyone hears everyone), which
/// satisfies each zoo algorithm's liveness predicates.
struct ThenGood<A> {
    faulty: A,
    good_from: u64,
}

impl<A: Adversary> Adversary for ThenGood<A> {
    fn deliver(&mut self, round: u64, to: ProcessId, sent: &[ProcessId]) -> Vec<ProcessId> {
        if round >= self.good_from { sent.to_vec() } else { self.faulty.deliver(round, to, sent) }
    }
}

/// [`RUNS`] seeded runs of `P` with `n` in `1..=6`, inputs `ios(n, seed)`:
/// omissions (each message but a self-message lost with probability 0.1
/// to 0.6, by the seed) for 0 to 8 phases, then `good_phases` good phases
/// ([`ThenGood`]). No monitor finds anything in any run, and every run
/// ends with every process decided and the termination-style properties
/// true. The spec has no safety predicate: any heard-of sets are its fault
/// model.
fn agrees_under_omissions_and_decides_after_good_phases<P>(good_phases: u64, ios: fn(usize, u64) -> Vec<P::Io>)
where
    P: Spec + Serialize,
    P::Io: Serialize,
    <P::Io as ProcessIo>::Output: std::fmt::Debug,
{
    let k = P::phase().len() as u64;
    let mut faulty_rounds = 0;
    for seed in 0..RUNS {
        let n = 1 + seed as usize % 6;
        let faulty_phases = seed / 6 % 9;
        faulty_rounds += faulty_phases * k;
        let omission = 0.1 * (1 + seed % 6) as f64;
        let faulty = RandomAdversary::new(Faults { omission, ..Faults::default() }, seed);
        let mut adv = ThenGood { faulty, good_from: faulty_phases * k };
        let opts = SimOptions { max_rounds: (faulty_phases + good_phases) * k, ..SimOptions::default() };
        let out = simulate::<P>(&ios(n, seed), &mut adv, seed, &opts).unwrap();
        assert_eq!(violations(&out.violations), Vec::<String>::new(), "seed {seed}");
        assert!(out.all_decided(&[]), "seed {seed}: not decided after {good_phases} good phase(s): {:?}", out.decisions);
        assert_eq!(out.pending, Vec::<String>::new(), "seed {seed}: the termination-style properties hold at the end");
    }
    assert!(faulty_rounds >= RUNS * k * 3, "the runs have faulty rounds");
}

#[test]
fn otr_agrees_under_omissions_and_decides_after_two_good_rounds() {
    // Liveness: two rounds with one common heard-of set of more than 2n/3.
    agrees_under_omissions_and_decides_after_good_phases::<Otr>(2, ios);
}

#[test]
fn last_voting_agrees_under_omissions_and_decides_after_a_good_phase() {
    // Liveness: a phase in which everyone hears the coordinator, and it a majority.
    agrees_under_omissions_and_decides_after_good_phases::<LastVoting>(1, ios);
}

#[test]
fn last_voting_with_event_rounds_agrees_under_omissions_and_decides_after_a_good_phase() {
    // The simulator runs the compiled handlers: delivery in a shuffled
    // order, each round ending when its `receive` says go ahead. Liveness as
    // LastVoting's: everyone hears the coordinator, and it a majority.
    agrees_under_omissions_and_decides_after_good_phases::<LastVotingEvent>(1, ios);
}

#[test]
fn short_last_voting_agrees_under_omissions_and_decides_after_a_good_phase() {
    // Liveness: a phase in which everyone hears the coordinator and a majority.
    agrees_under_omissions_and_decides_after_good_phases::<ShortLastVoting>(1, ios);
}

#[test]
fn chandra_toueg_agrees_under_omissions_and_decides_after_a_good_phase() {
    // Liveness: a phase in which everyone hears the coordinator, and it a majority.
    agrees_under_omissions_and_decides_after_good_phases::<ChandraToueg>(1, ios);
}

#[test]
fn two_phase_commit_agrees_under_omissions_and_decides_after_a_good_phase() {
    // Liveness: a phase in which the coordinator hears everyone and everyone hears it.
    agrees_under_omissions_and_decides_after_good_phases::<TwoPhaseCommit>(1, votes);
}

#[test]
fn eager_reliable_broadcast_agrees_under_omissions_and_delivers_after_two_good_rounds() {
    // Liveness: a round in which everyone hears everyone, then any round.
    agrees_under_omissions_and_decides_after_good_phases::<EagerReliableBroadcast>(2, ios);
}

#[test]
fn the_quorum_vote_agrees_under_omissions_and_decides_on_equal_votes_hearing_n_minus_f() {
    // No safety predicate: any heard-of sets. With mixed votes and
    // omissions, no monitor finding; with equal votes and every process
    // hearing at least n − f (`UpToF`), everyone decides in the first round.
    let opts = SimOptions { max_rounds: 10, ..SimOptions::default() };
    let mut decided_runs = 0;
    for seed in 0..RUNS {
        let n = 1 + seed as usize % 6;
        let out = if seed % 2 == 0 {
            let mut adv = RandomAdversary::new(Faults { omission: 0.1 * (1 + seed % 6) as f64, ..Faults::default() }, seed);
            simulate_with_params::<QuorumVote>(&ios(n, seed), &mut adv, seed, &minority(n), &opts).unwrap()
        } else {
            let mut adv = UpToF { f: (n - 1) / 2, state: seed * 2654435761 + 1 };
            let one_round = SimOptions { max_rounds: 1, ..opts.clone() };
            let out = simulate_with_params::<QuorumVote>(&same(n, seed), &mut adv, seed, &minority(n), &one_round).unwrap();
            assert!(out.all_decided(&[]), "seed {seed}: equal votes, n − f heard, not decided: {:?}", out.decisions);
            decided_runs += 1;
            out
        };
        assert_eq!(violations(&out.violations), Vec::<String>::new(), "seed {seed}");
    }
    assert_eq!(decided_runs, RUNS / 2);
}

#[test]
fn approximate_agreement_keeps_validity_and_halves_the_spread_every_round() {
    // Every process hears at least n − f (`UpToF`, n > 2f) and moves to the
    // midpoint of what it heard: no monitor finding (Validity, Contraction),
    // and after `rounds` rounds the spread is at most 2^-rounds of the
    // inputs' (exact rationals: no rounding to blame).
    let mut spread_shrank = 0;
    for seed in 0..RUNS {
        let n = 1 + seed as usize % 7;
        let rounds = 1 + seed % 8;
        let inputs: Vec<Consensus<i64>> = (0..n).map(|i| Consensus::new(((i as u64 * 7 + seed) % 11) as i64 - 5)).collect();
        let mut adv = UpToF { f: (n - 1) / 2, state: seed * 2654435761 + 1 };
        let opts = SimOptions { max_rounds: rounds, ..SimOptions::default() };
        let out = simulate_with_params::<ApproximateAgreement>(&inputs, &mut adv, seed, &minority(n), &opts).unwrap();
        assert_eq!(violations(&out.violations), Vec::<String>::new(), "seed {seed}");
        let spread = |xs: &mut dyn Iterator<Item = Real>| {
            let xs: Vec<Real> = xs.collect();
            *xs.iter().max().unwrap() - *xs.iter().min().unwrap()
        };
        let before = spread(&mut inputs.iter().map(|c| Real::from(c.initial)));
        let after = spread(&mut out.world.states().iter().map(|s| s.x));
        assert!(after * (1i64 << rounds) <= before, "seed {seed}: spread {before} became {after} after {rounds} rounds");
        if after < before {
            spread_shrank += 1;
        }
    }
    assert!(spread_shrank > RUNS / 2, "the spread shrank in only {spread_shrank} runs");
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
fn ben_or_agrees_over_seeded_runs_with_real_coins_and_decides_equal_inputs_in_one_phase() {
    let opts = SimOptions { max_rounds: 60, ..SimOptions::default() };
    let mut decided_runs = 0;
    for seed in 0..RUNS {
        let n = 1 + seed as usize % 7;
        let mut adv = UpToF { f: (n - 1) / 2, state: seed * 2654435761 + 1 };
        let out = simulate_with_params::<BenOr>(&votes(n, seed), &mut adv, seed, &minority(n), &opts).unwrap();
        assert_eq!(violations(&out.violations), Vec::<String>::new(), "seed {seed}");
        decided_runs += usize::from(out.all_decided(&[]));
        if seed % 3 == 0 {
            // Equal inputs (`votes`): every report is the same, a majority
            // of it is heard, and more than f proposals of it: decided in
            // the first phase.
            let mut adv = UpToF { f: (n - 1) / 2, state: seed * 2654435761 + 3 };
            let one_phase = SimOptions { max_rounds: 2, ..opts.clone() };
            let out = simulate_with_params::<BenOr>(&votes(n, seed), &mut adv, seed, &minority(n), &one_phase).unwrap();
            assert!(out.all_decided(&[]), "seed {seed}: equal inputs, not decided in one phase: {:?}", out.decisions);
        }
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
    for seed in 0..RUNS {
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

/// FloodMin k-set: `n` in 1..=7, `f < n`, `k` in 1..=3, up to `f` crashes
/// in rounds `0..=f`; after `⌊f/k⌋ + 1` rounds every process has decided
/// (and not one round earlier), with no monitor finding (k-agreement,
/// `KAgreement`, among them) and at most `k` values decided.
#[test]
fn floodmin_kset_decides_at_most_k_values_after_f_over_k_plus_one_rounds() {
    let mut crashed_runs = 0;
    for seed in 0..RUNS {
        let n = 1 + seed as usize % 7;
        let f = seed as usize / 7 % n;
        let k = 1 + seed as usize / 49 % 3;
        let rounds = (f / k) as u64 + 1;
        let params = Params::new().with("f", f as i64).with("k", k as i64);
        let mut adv = CrashUpToF::new(n, f, seed);
        crashed_runs += usize::from(adv.crash_round.iter().any(Option::is_some));
        let opts = SimOptions { max_rounds: rounds, ..SimOptions::default() };
        // Inputs in 0..7: up to seven distinct values, more than k.
        let inputs: Vec<Consensus<i64>> = (0..n).map(|i| Consensus::new(((i as u64 * 5 + seed) % 7) as i64)).collect();
        let out = simulate_with_params::<FloodMinKSet>(&inputs, &mut adv, seed, &params, &opts).unwrap();
        assert_eq!(violations(&out.violations), Vec::<String>::new(), "seed {seed}");
        assert!(out.all_decided(&[]), "seed {seed}: not decided after ⌊f/k⌋ + 1 rounds: {:?}", out.decisions);
        let mut taken: Vec<i64> = out.decisions.iter().flatten().copied().collect();
        taken.sort_unstable();
        taken.dedup();
        assert!(taken.len() <= k, "seed {seed}: {} values decided, k = {k}: {:?}", taken.len(), out.decisions);
        assert!(out.world.forall(|i| !out.world.old(i).decided), "seed {seed}: decided before round ⌊f/k⌋");
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

/// A_T,E compiled, for n = 7, T = E = 6, α = 1 (the paper's bounds): the
/// runtime's simulator alters no message (`World::aho` is empty; the
/// interpreter's `simulate --adversary spec` does alter them). Under
/// omissions no monitor finding; without faults every process hears all
/// 7 > E, so everyone decides in the first round.
#[test]
fn ate_agrees_under_omissions_and_decides_when_everyone_hears_everyone() {
    let params = Params::new().with("T", 6).with("E", 6).with("alpha", 1);
    let opts = SimOptions { max_rounds: 10, ..SimOptions::default() };
    for seed in 0..RUNS / 10 {
        let faults = if seed % 2 == 0 { Faults { omission: 0.05 * (1 + seed % 4) as f64, ..Faults::default() } } else { Faults::default() };
        let mut adv = RandomAdversary::new(faults, seed);
        let out = simulate_with_params::<Ate>(&ios(7, seed), &mut adv, seed, &params, &opts).unwrap();
        assert_eq!(violations(&out.violations), Vec::<String>::new(), "seed {seed}");
        if seed % 2 == 1 {
            assert!(out.all_decided(&[]), "seed {seed}: no faults, not decided: {:?}", out.decisions);
        }
    }
}
