//! Runs many seeds on a few threads (each seed on its own paused runtime)
//! and reads the seed range from the environment.

use std::ops::Range;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

/// `DETSIM_SEED=s` runs seed `s` alone; otherwise `DETSIM_FIRST` (default 0)
/// and `DETSIM_SEEDS` (default `count`) choose the range.
pub fn seeds(count: u64) -> Range<u64> {
    let var = |k: &str| std::env::var(k).ok().and_then(|v| v.parse::<u64>().ok());
    if let Some(s) = var("DETSIM_SEED") {
        return s..s + 1;
    }
    let first = var("DETSIM_FIRST").unwrap_or(0);
    first..first + var("DETSIM_SEEDS").unwrap_or(count)
}

/// Whether a single seed was asked for (print its whole run).
pub fn single() -> bool {
    std::env::var("DETSIM_SEED").is_ok()
}

/// The command that replays `seed` of `test` in the test binary `binary`.
pub fn rerun(binary: &str, test: &str, seed: u64) -> String {
    format!("DETSIM_SEED={seed} cargo test -p psync --test {binary} {test} -- --exact --nocapture")
}

/// `run` on every seed of `seeds`, on two threads, in seed order.
pub fn sweep<R: Send>(seeds: Range<u64>, run: impl Fn(u64) -> R + Sync) -> Vec<R> {
    let next = AtomicU64::new(seeds.start);
    let out = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                loop {
                    let seed = next.fetch_add(1, Ordering::Relaxed);
                    if seed >= seeds.end {
                        return;
                    }
                    let r = run(seed);
                    out.lock().unwrap_or_else(|e| e.into_inner()).push((seed, r));
                }
            });
        }
    });
    let mut v = out.into_inner().unwrap_or_else(|e| e.into_inner());
    v.sort_by_key(|(s, _)| *s);
    v.into_iter().map(|(_, r)| r).collect()
}
