//! Verification-time harness: end-to-end `check` of the zoo's spec files
//! (parse, VC generation, reduction, solving, decoding) next to the time Z3
//! needs for the hand-reduced VMCAI'14 queries of the same algorithm.
//!
//! Three end-to-end figures per file: the VCs one after the other in this
//! process (the work itself); the `psync-verify check` binary as a user
//! runs it, with its default of one job per core (what a CI gate waits
//! for); and that command again with the committed hint file
//! (`zoo/*.hints.json`, a copy, so that the bench never rewrites
//! it): a check of an unchanged spec from a clean checkout.
//!
//! A second table gives the share of the sequential check spent on the
//! vacuity review of its proofs (see `psync_encodings::vacuity`).
//!
//! Run: `cargo bench --bench verify` (prints a table; `-- --runs K` to change
//! the number of repetitions, default 5; the median is reported).
//!
//! `cargo bench --bench verify -- --zoo` prints instead the table of the
//! whole zoo (`zoo/*.rs`): per file its VCs and verdicts, the cold check and
//! the check with its committed hint file, the totals, and the whole zoo
//! in one command (see [`zoo_table`]).

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
    if args.iter().any(|a| a == "--zoo") {
        zoo_table(runs);
    } else {
        anchor_table(runs);
    }
}

/// The zoo's spec files, in the order of `zoo/README.md`.
const ZOO: [&str; 13] = [
    "otr",
    "last_voting",
    "last_voting_event",
    "short_last_voting",
    "two_phase_commit",
    "eager_reliable_broadcast",
    "quorum_vote",
    "ben_or",
    "floodmin_crash",
    "floodmin_kset",
    "chandra_toueg",
    "ate",
    "approximate_agreement",
];

/// The verdict counts of a `psync-verify check` run, from its summary line
/// (`N VCs: P proved, R refuted, U unknown, T timeout`).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Tally {
    vcs: usize,
    proved: usize,
    refuted: usize,
    unknown: usize,
    timeout: usize,
}

impl Tally {
    fn parse(output: &str) -> Option<Tally> {
        let line = output.lines().find(|l| l.contains(" VCs: ") && l.contains(" proved, "))?;
        let words: Vec<&str> = line.split(|c: char| c.is_whitespace() || c == ',').filter(|w| !w.is_empty()).collect();
        let before = |label: &str| words.iter().position(|w| *w == label).and_then(|k| words.get(k.checked_sub(1)?)).and_then(|w| w.parse().ok());
        Some(Tally {
            vcs: words.first()?.parse().ok()?,
            proved: before("proved")?,
            refuted: before("refuted")?,
            unknown: before("unknown")?,
            timeout: before("timeout")?,
        })
    }

    fn add(self, o: Tally) -> Tally {
        Tally {
            vcs: self.vcs + o.vcs,
            proved: self.proved + o.proved,
            refuted: self.refuted + o.refuted,
            unknown: self.unknown + o.unknown,
            timeout: self.timeout + o.timeout,
        }
    }
}

/// Run `psync-verify check FILES --quiet` (default jobs), with a hint file
/// if given: its verdict counts, wall time and `hints: K of N parts …` line.
fn zoo_check(files: &[std::path::PathBuf], hints: Option<&Path>) -> (Tally, Duration, String) {
    let start = Instant::now();
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_psync-verify"));
    command.arg("check").args(files).arg("--quiet");
    if let Some(h) = hints {
        command.arg("--hints").arg(h);
    }
    let out = command.stdin(std::process::Stdio::null()).output().unwrap_or_else(|e| panic!("cannot run psync-verify: {e}"));
    let took = start.elapsed();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    let tally = Tally::parse(&text).unwrap_or_else(|| panic!("no summary line in the output of psync-verify check:\n{text}"));
    let hinted = text.lines().find(|l| l.starts_with("hints: ") && l.contains(" parts ")).unwrap_or("").trim_start_matches("hints: ").to_string();
    (tally, took, hinted)
}

/// The whole zoo, `runs` times (medians): per file, the cold
/// `psync-verify check` (no hint file) and the check with a copy of its
/// committed hint file (so the bench never rewrites it); then the sums,
/// and the whole zoo as one `psync-verify check zoo/*.rs` command, cold.
/// Verdicts are those of the last run, reported as they are (a VC the
/// prover leaves open counts as unknown or timeout, never as proved).
fn zoo_table(runs: usize) {
    let zoo = Path::new(env!("CARGO_MANIFEST_DIR")).join("zoo");
    let scratch = std::env::temp_dir().join(format!("psync-verify-zoo-bench-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).expect("a scratch folder for hint files");
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "| zoo file | VCs | proved / refuted / unknown / timeout (cold) | cold check, {cores} jobs (median of {runs}) | with its committed hints (median of {runs}) | parts proved by their hint (last run) | proved with hints |"
    );
    println!("|---|---|---|---|---|---|---|");
    let (mut cold_sum, mut hinted_sum) = (Duration::ZERO, Duration::ZERO);
    let (mut cold_total, mut hinted_total) = (Tally::default(), Tally::default());
    for stem in ZOO {
        let spec = zoo.join(format!("{stem}.rs"));
        let (mut cold_times, mut hinted_times) = (Vec::new(), Vec::new());
        let (mut cold, mut hinted, mut parts) = (Tally::default(), Tally::default(), String::new());
        for _ in 0..runs {
            let (t, took, _) = zoo_check(std::slice::from_ref(&spec), None);
            cold = t;
            cold_times.push(took);
        }
        let committed = zoo.join(format!("{stem}.hints.json"));
        let hints = scratch.join(format!("{stem}.hints.json"));
        for _ in 0..runs {
            // A fresh copy each run: the command rewrites the file it reads.
            std::fs::copy(&committed, &hints).unwrap_or_else(|e| panic!("{}: {e}", committed.display()));
            let (t, took, line) = zoo_check(std::slice::from_ref(&spec), Some(&hints));
            (hinted, parts) = (t, line);
            hinted_times.push(took);
        }
        let (cold_time, hinted_time) = (median(cold_times), median(hinted_times));
        cold_sum += cold_time;
        hinted_sum += hinted_time;
        cold_total = cold_total.add(cold);
        hinted_total = hinted_total.add(hinted);
        println!(
            "| zoo/{stem}.rs | {} | {} / {} / {} / {} | {:.2} s | {:.2} s | {} | {} of {} |",
            cold.vcs,
            cold.proved,
            cold.refuted,
            cold.unknown,
            cold.timeout,
            cold_time.as_secs_f64(),
            hinted_time.as_secs_f64(),
            parts.split(" parts").next().unwrap_or(""),
            hinted.proved,
            hinted.vcs
        );
    }
    println!(
        "| **sum over the files** | {} | {} / {} / {} / {} | {:.2} s | {:.2} s | | {} of {} |",
        cold_total.vcs,
        cold_total.proved,
        cold_total.refuted,
        cold_total.unknown,
        cold_total.timeout,
        cold_sum.as_secs_f64(),
        hinted_sum.as_secs_f64(),
        hinted_total.proved,
        hinted_total.vcs
    );
    let files: Vec<std::path::PathBuf> = ZOO.iter().map(|stem| zoo.join(format!("{stem}.rs"))).collect();
    let mut whole_times = Vec::new();
    let mut whole = Tally::default();
    for _ in 0..runs {
        let (t, took, _) = zoo_check(&files, None);
        whole = t;
        whole_times.push(took);
    }
    println!(
        "| **`psync-verify check zoo/*.rs`, one command** | {} | {} / {} / {} / {} | {:.2} s | | | |",
        whole.vcs,
        whole.proved,
        whole.refuted,
        whole.unknown,
        whole.timeout,
        median(whole_times).as_secs_f64()
    );
    let _ = std::fs::remove_dir_all(&scratch);
}

/// OTR and LastVoting: the end-to-end check beside Z3 on the hand-reduced
/// VMCAI'14 queries, and the vacuity review's share.
fn anchor_table(runs: usize) {
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
            let (vcs, proved, t, review) = check_file(&root.join("zoo").join(spec), &backend);
            counts = (vcs, proved);
            times.push(t);
            reviews.push(review);
        }
        let ours = median(times);
        let review = median(reviews);
        vacuity_rows.push(format!(
            "| zoo/{spec} | {:.3} s | {:.3} s | {:.0} % |",
            ours.as_secs_f64(),
            review.as_secs_f64(),
            100.0 * review.as_secs_f64() / (ours - review).as_secs_f64()
        ));
        let mut command_times = Vec::new();
        for _ in 0..runs {
            let (all_proved, t, _) = check_command(&root.join("zoo").join(spec), None);
            assert!(all_proved, "psync-verify check zoo/{spec} did not prove every VC");
            command_times.push(t);
        }
        let command = median(command_times);
        let stem = spec.trim_end_matches(".rs");
        let hints = scratch.join(format!("{stem}.hints.json"));
        std::fs::copy(root.join("zoo").join(format!("{stem}.hints.json")), &hints).expect("the committed hint file");
        let mut hinted_times = Vec::new();
        let mut from_core = String::new();
        for _ in 0..runs {
            let (all_proved, t, line) = check_command(&root.join("zoo").join(spec), Some(&hints));
            assert!(all_proved, "psync-verify check --hints zoo/{spec} did not prove every VC");
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
            "| zoo/{spec} | {} | {} | {:.3} s | {:.3} s | {:.3} s ({}, last run) | {anchor_cell} | {ratio} |",
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
