//! Verification-time harness: end-to-end `check` of the benchmark spec files
//! (parse, VC generation, reduction, solving, decoding) next to the time Z3
//! needs for the hand-reduced VMCAI'14 queries of the same algorithm.
//!
//! Three end-to-end figures per file: the VCs one after the other in this
//! process (the work itself); the `psync-verify check` binary as a user
//! runs it, with its default of one job per core (what a CI gate waits
//! for); and that command again with the committed hint file
//! (`benchmarks/*.hints.json`, a copy, so that the bench never rewrites
//! it): a check of an unchanged spec from a clean checkout.
//!
//! A second table gives the share of the sequential check spent on the
//! vacuity review of its proofs (see `psync_encodings::vacuity`).
//!
//! Run: `cargo bench --bench verify` (prints a table; `-- --runs K` to change
//! the number of repetitions, default 5; the median is reported).

use std::path::Path;
use std::time::{Duration, Instant};

use psync_logic::check::CheckConfig;
use psync_logic::smt::{Backend, ScriptVerdict, Z3InProcess};

/// The allocator of the `psync-verify` binary, so that the in-process
/// figures are of the same program.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Median of a non-empty list of durations.
fn median(mut xs: Vec<Duration>) -> Duration {
    xs.sort();
    xs[xs.len() / 2]
}

/// Check every VC of `file` one after the other; (VC count, proved count,
/// time, of which the vacuity review of the proofs).
fn check_file(file: &Path, backend: &dyn Backend) -> (usize, usize, Duration, Duration) {
    let start = Instant::now();
    let alg = psync_encodings::load_spec(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    let vcs = psync_encodings::generate_vcs(&alg);
    let cfg = CheckConfig::default();
    let (mut proved, mut review) = (0, Duration::ZERO);
    for vc in &vcs {
        let o = psync_encodings::check_vc(&alg, vc, &cfg, backend, &psync_encodings::NO_HINTS).unwrap_or_else(|e| panic!("{}: {e}", vc.id));
        review += o.review;
        if matches!(o.verdict, psync_encodings::Verdict::Proved) {
            proved += 1;
        } else {
            eprintln!("not proved: {} ({:.3} s): {:?}", vc.id, o.time.as_secs_f64(), o.verdict);
        }
    }
    (vcs.len(), proved, start.elapsed(), review)
}

/// Run `psync-verify check FILE` (default jobs: one per core), with a hint
/// file if given; whether every VC was proved (exit status 0), the wall
/// time, and the command's `hints: K of N parts …` line (if any).
fn check_command(file: &Path, hints: Option<&Path>) -> (bool, Duration, String) {
    let start = Instant::now();
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_psync-verify"));
    command.arg("check").arg(file).arg("--quiet");
    if let Some(h) = hints {
        command.arg("--hints").arg(h);
    }
    let out = command.stdin(std::process::Stdio::null()).output().unwrap_or_else(|e| panic!("cannot run psync-verify: {e}"));
    let took = start.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let hinted = stderr.lines().find(|l| l.starts_with("hints: ") && l.contains(" parts ")).unwrap_or("").to_string();
    (out.status.success(), took, hinted)
}

/// Time Z3 (in-process) on a hand-reduced anchor file; (queries, unsat answers, time).
fn anchor(path: &Path, backend: &dyn Backend) -> Option<(usize, usize, Duration)> {
    let text = std::fs::read_to_string(path).ok()?;
    let start = Instant::now();
    let answers = backend.check_script(&text, Duration::from_secs(20)).ok()?;
    let unsat = answers.iter().filter(|a| a.verdict == ScriptVerdict::Unsat).count();
    Some((answers.len(), unsat, start.elapsed()))
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let runs = args
        .iter()
        .position(|a| a == "--runs")
        .and_then(|k| args.get(k + 1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(5usize)
        .max(1);
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let anchors = root.join("../shared/anchors/vmcai14");
    let backend = Z3InProcess::new();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "| spec file | VCs | proved | end to end, sequential (median of {runs}) | `psync-verify check`, {cores} jobs (median of {runs}) | the same with the committed `--hints` file (median of {runs}) | hand-reduced VMCAI'14 anchor, Z3 in-process | ratio: sequential / check / check with hints |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    let scratch = std::env::temp_dir().join(format!("psync-verify-bench-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).expect("a scratch folder for hint files");
    let mut vacuity_rows = Vec::new();
    for (spec, anchor_file) in [("otr.rs", "one_third_rule.smt"), ("last_voting.rs", "last_voting.smt")] {
        let (mut times, mut reviews) = (Vec::new(), Vec::new());
        let mut counts = (0, 0);
        for _ in 0..runs {
            let (vcs, proved, t, review) = check_file(&root.join("benchmarks").join(spec), &backend);
            counts = (vcs, proved);
            times.push(t);
            reviews.push(review);
        }
        let ours = median(times);
        let review = median(reviews);
        vacuity_rows.push(format!(
            "| benchmarks/{spec} | {:.3} s | {:.3} s | {:.0} % |",
            ours.as_secs_f64(),
            review.as_secs_f64(),
            100.0 * review.as_secs_f64() / (ours - review).as_secs_f64()
        ));
        let mut command_times = Vec::new();
        for _ in 0..runs {
            let (all_proved, t, _) = check_command(&root.join("benchmarks").join(spec), None);
            assert!(all_proved, "psync-verify check benchmarks/{spec} did not prove every VC");
            command_times.push(t);
        }
        let command = median(command_times);
        let stem = spec.trim_end_matches(".rs");
        let hints = scratch.join(format!("{stem}.hints.json"));
        std::fs::copy(root.join("benchmarks").join(format!("{stem}.hints.json")), &hints).expect("the committed hint file");
        let mut hinted_times = Vec::new();
        let mut from_core = String::new();
        for _ in 0..runs {
            let (all_proved, t, line) = check_command(&root.join("benchmarks").join(spec), Some(&hints));
            assert!(all_proved, "psync-verify check --hints benchmarks/{spec} did not prove every VC");
            hinted_times.push(t);
            from_core = line;
        }
        let hinted = median(hinted_times);
        let mut anchor_times = Vec::new();
        let mut anchor_desc = String::from("anchor not found (../shared/anchors/vmcai14)");
        for _ in 0..runs {
            if let Some((queries, unsat, t)) = anchor(&anchors.join(anchor_file), &backend) {
                anchor_times.push(t);
                anchor_desc = format!("{queries} queries, {unsat} unsat");
            }
        }
        let (anchor_cell, ratio) = if anchor_times.is_empty() {
            (anchor_desc, "—".to_string())
        } else {
            let a = median(anchor_times);
            let r = |t: Duration| t.as_secs_f64() / a.as_secs_f64();
            (format!("{:.3} s ({anchor_desc})", a.as_secs_f64()), format!("{:.1}× / {:.1}× / {:.1}×", r(ours), r(command), r(hinted)))
        };
        println!(
            "| benchmarks/{spec} | {} | {} | {:.3} s | {:.3} s | {:.3} s ({}, last run) | {anchor_cell} | {ratio} |",
            counts.0,
            counts.1,
            ours.as_secs_f64(),
            command.as_secs_f64(),
            hinted.as_secs_f64(),
            from_core.trim_start_matches("hints: ")
        );
    }
    let _ = std::fs::remove_dir_all(&scratch);
    println!("\n| spec file | sequential check (median of {runs}) | of which the vacuity review of the proofs (median) | added to the check without it |");
    println!("|---|---|---|---|");
    for row in vacuity_rows {
        println!("{row}");
    }
}
