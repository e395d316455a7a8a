//! The benchmark specs run in the runtime's lockstep simulator: their
//! invariants and properties hold on seeded faulty runs, and fault-free runs
//! decide.

use psync::prelude::*;
use psync::sim::{Faults, RandomAdversary, SimOptions, simulate};
use psync_benchmarks::{floodmin::FloodMin, last_voting::LastVoting, otr::Otr};

/// The monitors' findings, readable. (`Termination` is termination-style,
/// `eventually(..)`: the monitors take it as holding; the runs without
/// faults check that it holds at their end, `SimOutcome::pending`.)
fn violations(v: &[psync::sim::Violation]) -> Vec<String> {
    v.iter().map(|x| format!("round {}: {}", x.round, x.what)).collect()
}

fn ios(n: usize, seed: u64) -> Vec<Consensus<i64>> {
    (0..n).map(|i| Consensus::new(((i as u64 * 7 + seed) % 3) as i64)).collect()
}

/// Over 40 seeds, with `n` from `min_n` to `min_n + span - 1`: no monitor
/// finding on runs with 30 % omissions (`faulty_rounds` rounds), and runs
/// without faults all decide with `Termination` holding at their end.
fn safe_under_omissions_and_decides_without_them<P>(min_n: usize, span: usize, faulty_rounds: u64)
where
    P: Spec<Io = Consensus<i64>> + Serialize,
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
        assert_eq!(out.pending, Vec::<String>::new(), "seed {seed}: Termination holds at the end");
    }
}

#[test]
fn otr_is_safe_under_omissions_and_decides_without_them() {
    safe_under_omissions_and_decides_without_them::<Otr>(3, 4, 30);
}

#[test]
fn last_voting_is_safe_under_omissions_and_decides_without_them() {
    safe_under_omissions_and_decides_without_them::<LastVoting>(3, 4, 40);
}

#[test]
fn the_guides_floodmin_is_safe_under_omissions_and_decides_without_them() {
    safe_under_omissions_and_decides_without_them::<FloodMin>(2, 5, 30);
}
