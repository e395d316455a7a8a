//! The benchmark specs run in the runtime's lockstep simulator: their
//! invariants and properties hold on seeded faulty runs, and fault-free runs
//! decide.

use psync::prelude::*;
use psync::sim::{Faults, RandomAdversary, SimOptions, simulate};
use psync_benchmarks::{last_voting::LastVoting, otr::Otr};

/// Violations other than the termination-style property, which the
/// simulator checks every round (the verifier proves it from the last
/// invariant, i.e. only after the good phases of the liveness predicates).
fn safety_violations(v: &[psync::sim::Violation]) -> Vec<String> {
    v.iter().map(|x| format!("round {}: {}", x.round, x.what)).filter(|w| !w.contains("Termination")).collect()
}

fn ios(n: usize, seed: u64) -> Vec<Consensus<i64>> {
    (0..n).map(|i| Consensus::new(((i as u64 * 7 + seed) % 3) as i64)).collect()
}

#[test]
fn otr_is_safe_under_omissions_and_decides_without_them() {
    for seed in 0..40 {
        let n = 3 + (seed as usize % 4);
        let mut adv = RandomAdversary::new(Faults { omission: 0.3, ..Faults::default() }, seed);
        let out = simulate::<Otr>(&ios(n, seed), &mut adv, seed, &SimOptions { max_rounds: 30, stop_on_violation: false, ..SimOptions::default() }).unwrap();
        assert_eq!(safety_violations(&out.violations), Vec::<String>::new(), "seed {seed}");
        let mut adv = RandomAdversary::new(Faults::default(), seed);
        let out = simulate::<Otr>(&ios(n, seed), &mut adv, seed, &SimOptions { stop_on_violation: false, ..SimOptions::default() }).unwrap();
        assert!(out.all_decided(&[]), "seed {seed}: {:?}", out.decisions);
    }
}

#[test]
fn last_voting_is_safe_under_omissions_and_decides_without_them() {
    for seed in 0..40 {
        let n = 3 + (seed as usize % 4);
        let mut adv = RandomAdversary::new(Faults { omission: 0.3, ..Faults::default() }, seed);
        let out = simulate::<LastVoting>(&ios(n, seed), &mut adv, seed, &SimOptions { max_rounds: 40, stop_on_violation: false, ..SimOptions::default() }).unwrap();
        assert_eq!(safety_violations(&out.violations), Vec::<String>::new(), "seed {seed}");
        let mut adv = RandomAdversary::new(Faults::default(), seed);
        let out = simulate::<LastVoting>(&ios(n, seed), &mut adv, seed, &SimOptions { stop_on_violation: false, ..SimOptions::default() }).unwrap();
        assert!(out.all_decided(&[]), "seed {seed}: {:?}", out.decisions);
    }
}
