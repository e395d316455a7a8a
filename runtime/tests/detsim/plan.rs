//! A fault schedule drawn from a seed: network faults while the run is
//! faulty, partitions and crashes at set times, and a heal time after which
//! the network is timely again (links restored, no loss or duplication,
//! delays well under the round timeout: the good period the algorithms need
//! to decide; packets still overtake each other).

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::time::Duration;

/// One scheduled fault.
#[derive(Clone, Debug, PartialEq)]
pub enum Fault {
    /// Cut both directions between two replicas.
    Cut(usize, usize),
    /// Restore that link.
    Restore(usize, usize),
    /// Cut every link between `side` (true) and the others.
    Split(Vec<bool>),
    /// Crash a replica: its node shuts down and loses its state.
    Crash(usize),
    /// Start a crashed replica again (see `cluster::Restart`).
    Restart(usize),
}

/// The faults of one run.
#[derive(Clone, Debug)]
pub struct Plan {
    pub n: usize,
    pub loss: f64,
    pub duplicate: f64,
    /// Delay bounds of every packet until the heal, in milliseconds.
    pub delay_ms: (u64, u64),
    /// Delay bounds after the heal.
    pub healed_delay_ms: (u64, u64),
    /// From then on: no loss, no duplication, every link restored.
    pub heal_at: Duration,
    /// Faults in time order.
    pub events: Vec<(Duration, Fault)>,
}

/// Most delay after the heal: a fraction of the round timeout (10 ms in
/// `consensus.rs`), so rounds end on their messages.
pub const HEALED_MAX_DELAY_MS: u64 = 2;

/// Separates the schedule's random stream from the network's (seeded with
/// the seed itself).
const PLAN_STREAM: u64 = 0x9e37_79b9_7f4a_7c15;

impl Plan {
    /// The plan of `seed` for `n` replicas, with at most `crashes` distinct
    /// replicas ever crashing.
    pub fn draw(seed: u64, n: usize, crashes: usize) -> Plan {
        let mut rng = StdRng::seed_from_u64(seed ^ PLAN_STREAM);
        let ms = Duration::from_millis;
        let heal = rng.random_range(60..300u64);
        let mut events = Vec::new();
        for _ in 0..rng.random_range(0..=3) {
            let (a, b) = (rng.random_range(0..n), rng.random_range(0..n));
            if a == b {
                continue;
            }
            let t = rng.random_range(0..heal);
            events.push((ms(t), Fault::Cut(a, b)));
            events.push((ms(rng.random_range(t..=heal)), Fault::Restore(a, b)));
        }
        if rng.random_bool(0.5) {
            let side: Vec<bool> = (0..n).map(|_| rng.random_bool(0.5)).collect();
            events.push((ms(rng.random_range(0..heal)), Fault::Split(side)));
        }
        let mut crashed: Vec<usize> = Vec::new();
        for _ in 0..crashes {
            let p = rng.random_range(0..n);
            if crashed.contains(&p) {
                continue;
            }
            crashed.push(p);
            let t = rng.random_range(0..heal);
            events.push((ms(t), Fault::Crash(p)));
            if rng.random_bool(0.6) {
                events.push((ms(t + rng.random_range(5..150)), Fault::Restart(p)));
            }
        }
        events.sort_by_key(|(t, _)| *t);
        // At least 1 ms: rounds that end on their messages must take time,
        // or a run whose rounds never decide (OTR with a link cut) turns
        // rounds at one instant forever and paused time never advances.
        let max_delay = [1, 2, 5, 10, 25][rng.random_range(0..5)];
        Plan {
            n,
            loss: [0.0, 0.05, 0.15, 0.3][rng.random_range(0..4)],
            duplicate: [0.0, 0.05, 0.2][rng.random_range(0..3)],
            delay_ms: (1, max_delay),
            healed_delay_ms: (1, max_delay.min(HEALED_MAX_DELAY_MS)),
            heal_at: ms(heal),
            events,
        }
    }
}
