//! The benchmark specs run in the runtime's lockstep simulator: their
//! invariants and properties hold on seeded faulty runs, and fault-free runs
//! decide.

use psync::prelude::*;
use psync::sim::{Faults, RandomAdversary, SimOptions, simulate};
use psync_benchmarks::eager_reliable_broadcast::EagerReliableBroadcast;
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
    for seed in 0..40 {
        let n = min_n + (seed as usize % span);
        let mut adv = RandomAdversary::new(Faults { omission: 0.3, ..Faults::default() }, seed);
        let opts = SimOptions { max_rounds: faulty_rounds, ..SimOptions::default() };
        let out = simulate::<P>(&ios(n, seed), &mut adv, seed, &opts).unwrap();
        assert_eq!(violations(&out.violations), Vec::<String>::new(), "seed {seed}");
        let mut adv = RandomAdversary::new(Faults::default(), seed);
        let out = simulate::<P>(&ios(n, seed), &mut adv, seed, &SimOptions::default()).unwrap();
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
