//! Resources are bounded whatever the reduction's knobs say: OTR's
//! inductiveness VC at instantiation depth 12 (unbounded, it filled the
//! machine's 23 GB) is decided or times out soon after its time limit, and
//! the process stays far below a VC's memory budget.

use std::path::Path;
use std::time::{Duration, Instant};

use psync_logic::check::CheckConfig;
use psync_logic::smt::Z3InProcess;

/// The process's peak resident memory (`VmHWM`), in kB.
fn peak_rss_kb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).expect("a VmHWM line");
    line.split_whitespace().nth(1).and_then(|k| k.parse().ok()).expect("a number of kB")
}

#[test]
fn depth_twelve_on_otr_stays_within_its_time_limit_and_memory_budget() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let alg = psync_encodings::load_spec(root.join("../zoo/otr.rs")).expect("the spec loads");
    let vc = psync_encodings::generate_vcs(&alg)
        .into_iter()
        .find(|vc| vc.id == "otr/inductive/inv0/round0")
        .expect("OTR's inductiveness VC of inv0");
    let mut cfg = CheckConfig { timeout: Duration::from_secs(5), bounded_search: false, ..CheckConfig::default() };
    cfg.reduce.inst_depth = 12;
    let start = Instant::now();
    let outcome = psync_encodings::check_vc(&alg, &vc, &cfg, &Z3InProcess::new(), &psync_encodings::NO_HINTS).expect("no error");
    let took = start.elapsed();
    // In process the limit is soft (a decoding gets at least a second, a
    // solver call stops when libz3 looks at its interrupt); the CLI's hard
    // bound is the worker kill (`tests/isolation.rs`). Unbounded, this VC
    // ran for minutes, so a generous margin still tells the two apart on a
    // loaded machine.
    assert!(took < cfg.timeout + Duration::from_secs(15), "{} took {took:?} ({:?})", vc.id, outcome.verdict);
    // 4 GB is a VC's memory budget; the bounded reduction needs far less.
    let peak = peak_rss_kb();
    assert!(peak < 4 << 20, "peak resident memory {peak} kB");
}
