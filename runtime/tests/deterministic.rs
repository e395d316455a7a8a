//! Deterministic simulation of the real engine (not the lockstep simulator):
//! OTR and LastVoting instances and the replicated KV log on paused tokio
//! time over a seeded in-memory network with loss, duplication, reordering,
//! partitions and crash-restarts. A failing seed prints the command that
//! replays it; `DETSIM_SEEDS=100000 cargo test -p psync --release --test
//! deterministic -- --ignored` sweeps more (`DETSIM_FIRST` moves the range).
mod algos;
mod detsim;

use detsim::{consensus, kv};
use detsim::plan::Fault;
use detsim::sweep::{rerun, seeds, single, sweep};

/// Of the (instance, replica) pairs whose replica is still up at the end,
/// at least these fractions decide (OTR, LastVoting): every plan heals, and
/// after the heal the run has 10 s (virtual) to decide. LastVoting stays
/// well below 1 (93.5–95.9 % per 1,000 seeds): in about one run in ten its
/// replicas keep out of step after the heal and never decide; see
/// "Deterministic simulation" in `runtime/README.md`.
const MIN_DECIDED: [f64; 2] = [1.0, 0.9];

fn consensus_sweep(count: u64, test: &str) {
    let runs = sweep(seeds(count), consensus::run);
    let (mut live, mut decided) = ([0; 2], [0; 2]);
    let (mut reordered, mut duplicated, mut lost, mut cut, mut restarts) = (0, 0, 0, 0, 0);
    let mut failures = Vec::new();
    for r in &runs {
        if single() {
            println!("{r}");
        }
        for a in 0..2 {
            live[a] += r.live[a];
            decided[a] += r.decided[a];
        }
        reordered += r.counters.reordered;
        duplicated += r.counters.duplicated;
        lost += r.counters.lost;
        cut += r.counters.cut;
        restarts += r.plan.events.iter().filter(|(_, f)| matches!(f, Fault::Restart(_))).count();
        if !r.violations.is_empty() {
            failures.push(format!("{}\n  rerun: {}", r.violations.join("\n"), rerun("deterministic", test, r.seed)));
        }
    }
    println!(
        "{} seeds: decided/live (instance, replica) pairs: OTR {}/{}, LastVoting {}/{}; packets lost {lost}, cut {cut}, duplicated {duplicated}, reordered {reordered}; {restarts} restarts",
        runs.len(),
        decided[0],
        live[0],
        decided[1],
        live[1],
    );
    assert!(failures.is_empty(), "{} failing seeds:\n{}", failures.len(), failures.join("\n"));
    for a in 0..2 {
        let undecided: Vec<String> =
            runs.iter().filter(|r| r.decided[a] < r.live[a]).map(|r| rerun("deterministic", test, r.seed)).take(3).collect();
        assert!(
            live[a] > 0 && decided[a] as f64 >= MIN_DECIDED[a] * live[a] as f64,
            "{} of {} decided; undecided runs, e.g.:\n{}",
            decided[a],
            live[a],
            undecided.join("\n")
        );
    }
    if !single() {
        assert!(lost > 0 && cut > 0 && duplicated > 0 && reordered > 0 && restarts > 0, "every fault happened");
    }
}

#[test]
fn otr_and_last_voting_agree_over_a_thousand_seeds() {
    consensus_sweep(1000, "otr_and_last_voting_agree_over_a_thousand_seeds");
}

#[test]
#[ignore = "long: a larger sweep, e.g. DETSIM_SEEDS=100000 in release"]
fn otr_and_last_voting_agree_over_many_seeds() {
    consensus_sweep(20_000, "otr_and_last_voting_agree_over_many_seeds");
}

#[test]
fn a_seed_replays_exactly() {
    for seed in 0..20 {
        let (a, b) = (consensus::run(seed), consensus::run(seed));
        assert!(a.counters.delivered > 0);
        assert_eq!(a.counters, b.counters, "seed {seed}: the network saw another run (fingerprint over every delivery)");
        assert_eq!(a.to_string(), b.to_string(), "seed {seed}: other outcomes or engine counters");
    }
    for seed in 0..10 {
        let (a, b) = (kv::run(seed), kv::run(seed));
        assert!(!a.history.is_empty());
        assert_eq!(a.counters, b.counters, "seed {seed}: the network saw another run");
        assert_eq!(a.to_string(), b.to_string(), "seed {seed}: another client history");
        let (a, b) = (kv::run_durable(seed), kv::run_durable(seed));
        assert!(!a.history.is_empty());
        assert_eq!(a.counters, b.counters, "seed {seed}: the network saw another run");
        assert_eq!(a.to_string(), b.to_string(), "seed {seed}: another client history");
    }
}

/// At least this fraction of KV operations returns (within 2 s each): the
/// others wait out a cut link or a partition until the heal.
const MIN_RETURNED: f64 = 0.95;

fn kv_sweep(count: u64, test: &str, run: fn(u64) -> kv::KvRun, min_returned: f64) {
    let runs = sweep(seeds(count), run);
    let (mut ops, mut completed) = (0, 0);
    let mut failures = Vec::new();
    for r in &runs {
        if single() {
            println!("{r}");
        }
        ops += r.history.len();
        completed += r.completed();
        if !r.violations.is_empty() {
            failures.push(format!("{}\n  rerun: {}", r.violations.join("\n"), rerun("deterministic", test, r.seed)));
        }
    }
    println!("{} seeds: {completed}/{ops} operations returned", runs.len());
    assert!(failures.is_empty(), "{} failing seeds:\n{}", failures.len(), failures.join("\n"));
    assert!(completed as f64 >= min_returned * ops as f64, "only {completed} of {ops} operations returned");
}

#[test]
fn kv_histories_are_linearizable() {
    kv_sweep(200, "kv_histories_are_linearizable", kv::run, MIN_RETURNED);
}

#[test]
#[ignore = "long: a larger sweep, e.g. DETSIM_SEEDS=20000 in release"]
fn kv_histories_are_linearizable_over_many_seeds() {
    kv_sweep(5_000, "kv_histories_are_linearizable_over_many_seeds", kv::run, MIN_RETURNED);
}

/// With up to two of the three replicas crashed (both at once: no
/// majority until one restarts) fewer operations return.
const MIN_RETURNED_WITH_CRASHES: f64 = 0.9;

/// 1,000 seeds (about 14 s in debug): with replicas that forget their
/// votes at a restart (the node admitting every slot as new), seeds 474
/// and 528 apply different batches in one slot; 200 seeds find none.
#[test]
fn kv_histories_stay_linearizable_across_restarts_with_data_directories() {
    kv_sweep(1000, "kv_histories_stay_linearizable_across_restarts_with_data_directories", kv::run_durable, MIN_RETURNED_WITH_CRASHES);
}

#[test]
#[ignore = "long: a larger sweep, e.g. DETSIM_SEEDS=20000 in release"]
fn kv_histories_stay_linearizable_across_restarts_over_many_seeds() {
    kv_sweep(5_000, "kv_histories_stay_linearizable_across_restarts_over_many_seeds", kv::run_durable, MIN_RETURNED_WITH_CRASHES);
}
