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

#[test]
fn otr_is_safe_under_omissions_and_decides_without_them() {
    for seed in 0..40 {
        let n = 3 + (seed as usize % 4);
        let mut adv = RandomAdversary::new(Faults { omission: 0.3, ..Faults::default() }, seed);
        let out = simulate::<Otr>(&ios(n, seed), &mut adv, seed, &SimOptions { max_rounds: 30, ..SimOptions::default() }).unwrap();
        assert_eq!(violations(&out.violations), Vec::<String>::new(), "seed {seed}");
        let mut adv = RandomAdversary::new(Faults::default(), seed);
        let out = simulate::<Otr>(&ios(n, seed), &mut adv, seed, &SimOptions::default()).unwrap();
        assert!(out.all_decided(&[]), "seed {seed}: {:?}", out.decisions);
        assert_eq!(out.pending, Vec::<String>::new(), "seed {seed}: Termination holds at the end");
    }
}

#[test]
fn last_voting_is_safe_under_omissions_and_decides_without_them() {
    for seed in 0..40 {
        let n = 3 + (seed as usize % 4);
        let mut adv = RandomAdversary::new(Faults { omission: 0.3, ..Faults::default() }, seed);
        let out = simulate::<LastVoting>(&ios(n, seed), &mut adv, seed, &SimOptions { max_rounds: 40, ..SimOptions::default() }).unwrap();
        assert_eq!(violations(&out.violations), Vec::<String>::new(), "seed {seed}");
        let mut adv = RandomAdversary::new(Faults::default(), seed);
        let out = simulate::<LastVoting>(&ios(n, seed), &mut adv, seed, &SimOptions::default()).unwrap();
        assert!(out.all_decided(&[]), "seed {seed}: {:?}", out.decisions);
        assert_eq!(out.pending, Vec::<String>::new(), "seed {seed}: Termination holds at the end");
    }
}

#[test]
fn the_guides_floodmin_is_safe_under_omissions_and_decides_without_them() {
    for seed in 0..40 {
        let n = 2 + (seed as usize % 5);
        let mut adv = RandomAdversary::new(Faults { omission: 0.3, ..Faults::default() }, seed);
        let out = simulate::<FloodMin>(&ios(n, seed), &mut adv, seed, &SimOptions { max_rounds: 30, ..SimOptions::default() }).unwrap();
        assert_eq!(violations(&out.violations), Vec::<String>::new(), "seed {seed}");
        let mut adv = RandomAdversary::new(Faults::default(), seed);
        let out = simulate::<FloodMin>(&ios(n, seed), &mut adv, seed, &SimOptions::default()).unwrap();
        assert!(out.all_decided(&[]), "seed {seed}: {:?}", out.decisions);
        assert_eq!(out.pending, Vec::<String>::new(), "seed {seed}: Termination holds at the end");
    }
}
