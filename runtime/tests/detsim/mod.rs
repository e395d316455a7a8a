//! Deterministic simulation of the real round engine: every replica's node
//! runs on one single-threaded tokio runtime with paused time, over the
//! in-memory network; every random choice (the fault plan, the network's
//! loss, duplication and delays, the workload) comes from one seed, so a
//! failing seed replays exactly.
#![allow(dead_code)]

pub mod cluster;
pub mod consensus;
pub mod kv;
pub mod linearizability;
pub mod plan;
pub mod sweep;

use rand::SeedableRng;
use rand::rngs::StdRng;

/// A single-threaded runtime whose clock is paused: it jumps to the next
/// timer whenever every task waits, so timeouts cost no real time and the
/// schedule depends on the seed alone.
pub fn paused_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().start_paused(true).build().expect("a tokio runtime")
}

/// The random stream `stream` of `seed` (the network uses the seed itself).
pub fn rng_for(seed: u64, stream: u64) -> StdRng {
    StdRng::seed_from_u64(seed.wrapping_mul(0x2545_f491_4f6c_dd1d) ^ stream.rotate_left(32))
}
