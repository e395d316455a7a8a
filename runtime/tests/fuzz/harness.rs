//! The fuzzing harness (stable Rust, proptest): a target replays its
//! committed corpus (`runtime/fuzz/corpus/<target>/`), then runs batches of
//! proptest cases until its time budget is spent: mutations of the corpus
//! files (bit flips, overwrites with boundary values, insertions, deletions,
//! repeats, splices of two files) and plain arbitrary bytes. A panic fails
//! the test with the input shrunk by proptest, also written to
//! `<target dir>/tmp/fuzz-failures/` to be committed to the corpus as a
//! regression seed once fixed.
//!
//! `PSYNC_FUZZ_SECS` sets the budget per target (default 2 seconds);
//! `PSYNC_FUZZ_SEED` picks another sequence of cases (default 0, so that a
//! run is reproducible).

use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// The time budget of one target.
pub fn budget() -> Duration {
    let secs = std::env::var("PSYNC_FUZZ_SECS").ok().and_then(|s| s.parse::<f64>().ok()).unwrap_or(2.0);
    Duration::from_secs_f64(secs.clamp(0.0, 3600.0))
}

fn seed() -> u64 {
    std::env::var("PSYNC_FUZZ_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0)
}

/// The corpus files of `target`, sorted by name.
pub fn corpus(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus").join(target);
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("corpus {}: {e}", dir.display()))
        .map(|e| {
            let p = e.expect("corpus entry").path();
            (p.file_name().unwrap_or_default().to_string_lossy().into_owned(), std::fs::read(&p).expect("corpus file"))
        })
        .collect();
    files.sort();
    assert!(!files.is_empty(), "corpus {} is empty", dir.display());
    files
}

#[derive(Clone, Debug)]
enum Mutation {
    Flip(usize, u8),
    Boundary(usize, u8),
    Insert(usize, Vec<u8>),
    Remove(usize, usize),
    Repeat(usize, usize, u8),
    Splice(usize, usize, usize),
}

/// Values at the edges of the integer encodings (big-endian headers and
/// postcard varints).
const BOUNDARY: [&[u8]; 8] = [&[0], &[0xff], &[0x7f], &[0x80], &[0xff, 0xff, 0xff, 0xff], &[0xff, 0xff, 0xff, 0xff, 0x0f], &[0, 0, 0, 0], &[0x80, 0x80, 0x80, 0x80, 0x10]];

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 0u8..8).prop_map(|(p, b)| Mutation::Flip(p, b)),
        (any::<usize>(), 0u8..BOUNDARY.len() as u8).prop_map(|(p, k)| Mutation::Boundary(p, k)),
        (any::<usize>(), proptest::collection::vec(any::<u8>(), 1..16)).prop_map(|(p, v)| Mutation::Insert(p, v)),
        (any::<usize>(), 1usize..32).prop_map(|(p, k)| Mutation::Remove(p, k)),
        (any::<usize>(), 1usize..64, 1u8..8).prop_map(|(p, k, t)| Mutation::Repeat(p, k, t)),
        (any::<usize>(), any::<usize>(), any::<usize>()).prop_map(|(f, p, q)| Mutation::Splice(f, p, q)),
    ]
}

fn apply(mut b: Vec<u8>, seeds: &[Vec<u8>], ms: &[Mutation], max_len: usize) -> Vec<u8> {
    for m in ms {
        let at = |p: usize, len: usize| if len == 0 { 0 } else { p % len };
        match m {
            Mutation::Flip(p, bit) if !b.is_empty() => {
                let i = at(*p, b.len());
                b[i] ^= 1 << bit;
            }
            Mutation::Boundary(p, k) => {
                let v = BOUNDARY[*k as usize];
                let i = at(*p, b.len());
                let end = (i + v.len()).min(b.len());
                b.splice(i..end, v.iter().copied());
            }
            Mutation::Insert(p, v) => {
                let i = at(*p, b.len() + 1);
                b.splice(i..i, v.iter().copied());
            }
            Mutation::Remove(p, k) if !b.is_empty() => {
                let i = at(*p, b.len());
                b.drain(i..(i + k).min(b.len()));
            }
            Mutation::Repeat(p, k, times) if !b.is_empty() => {
                let i = at(*p, b.len());
                let chunk: Vec<u8> = b[i..(i + k).min(b.len())].to_vec();
                for _ in 0..*times {
                    b.splice(i..i, chunk.iter().copied());
                }
            }
            Mutation::Splice(f, p, q) => {
                let other = &seeds[f % seeds.len()];
                let i = at(*p, b.len() + 1);
                let j = at(*q, other.len() + 1);
                b.truncate(i);
                b.extend_from_slice(&other[j..]);
            }
            _ => {}
        }
        b.truncate(max_len);
    }
    b
}

/// Inputs: mostly mutated corpus files, sometimes arbitrary bytes.
fn inputs(seeds: Vec<Vec<u8>>, max_len: usize) -> impl Strategy<Value = Vec<u8>> {
    let n = seeds.len();
    let mutated = (0..n, proptest::collection::vec(mutation(), 1..8))
        .prop_map(move |(i, ms)| apply(seeds[i].clone(), &seeds, &ms, max_len));
    prop_oneof![4 => mutated, 1 => proptest::collection::vec(any::<u8>(), 0..max_len)]
}

/// Replays the corpus of `target`, then fuzzes `check` with inputs of at
/// most `max_len` bytes until the budget is spent. Returns the number of
/// generated cases.
pub fn fuzz(target: &str, max_len: usize, check: impl Fn(&[u8])) -> u64 {
    fuzz_seeded(target, Vec::new(), max_len, check)
}

/// As [`fuzz`], with `extra` seeds made by the test (e.g. sealed packets,
/// whose tags depend on a key) besides the corpus files.
pub fn fuzz_seeded(target: &str, extra: Vec<Vec<u8>>, max_len: usize, check: impl Fn(&[u8])) -> u64 {
    let mut files = corpus(target);
    files.extend(extra.into_iter().enumerate().map(|(i, b)| (format!("(made by the test, #{i})"), b)));
    for (name, bytes) in &files {
        if std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| check(bytes))).is_err() {
            panic!("corpus file {target}/{name} panics");
        }
    }
    let strategy = inputs(files.iter().map(|(_, b)| b.clone()).collect(), max_len);
    let start = Instant::now();
    let (mut batch, mut cases) = (0u64, 0u64);
    const BATCH: u32 = 64;
    while start.elapsed() < budget() {
        let mut key = [0u8; 32];
        key[..8].copy_from_slice(&seed().to_le_bytes());
        key[8..16].copy_from_slice(&batch.to_le_bytes());
        for (k, b) in key[16..].iter_mut().zip(target.bytes()) {
            *k = b;
        }
        let config = Config { cases: BATCH, failure_persistence: None, max_shrink_time: 20_000, ..Config::default() };
        let mut runner = TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &key));
        let result = runner.run(&strategy, |b| {
            check(&b);
            Ok::<(), TestCaseError>(())
        });
        if let Err(e) = result {
            let saved = match &e {
                TestError::Fail(_, input) => save_failure(target, input),
                TestError::Abort(_) => String::new(),
            };
            panic!("fuzz target {target} (PSYNC_FUZZ_SEED={}, batch {batch}): {e}\n{saved}", seed());
        }
        batch += 1;
        cases += u64::from(BATCH);
    }
    eprintln!("fuzz {target}: {} corpus files and {cases} generated cases in {:.1?}, no panic", files.len(), start.elapsed());
    cases
}

fn save_failure(target: &str, input: &[u8]) -> String {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("fuzz-failures");
    let path = dir.join(format!("{target}-{:016x}", fnv(input)));
    match std::fs::create_dir_all(&dir).and_then(|_| std::fs::write(&path, input)) {
        Ok(()) => format!("the input is saved in {}: fix the panic, then add it to runtime/fuzz/corpus/{target}/", path.display()),
        Err(e) => format!("could not save the input: {e}"),
    }
}

fn fnv(b: &[u8]) -> u64 {
    b.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &x| (h ^ x as u64).wrapping_mul(0x100_0000_01b3))
}
