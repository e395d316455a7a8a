//! End-to-end tests of the bounds `check` puts on each VC from outside its
//! worker process: the time limit (reduction and solver calls included),
//! the memory budget, and a worker that dies. In each case the VC gets a
//! verdict, the other VCs go on, and the report is complete.

use std::io::Write;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn psync_verify(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_psync-verify"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the psync-verify binary runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("a JSON report ({e}): {}", stderr(o)))
}

/// The VCs of a JSON report.
fn vcs(report: &serde_json::Value) -> Vec<serde_json::Value> {
    report["vcs"].as_array().cloned().unwrap_or_else(|| panic!("no VCs: {report}"))
}

#[test]
fn a_vc_too_heavy_for_its_time_ends_timeout_and_the_run_goes_on() {
    // Instantiation depth 12 makes OTR's reductions far larger than
    // 2 s allow (unbounded, they need tens of GB); each VC is stopped
    // by its deadline, by the reduction's own check of it or by the kill
    // 3 s later, and none may take the run down, hold it up, or hold more
    // than its memory budget.
    let (timeout, jobs, budget_gb) = (2.0, 2.0, 2.0);
    let start = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_psync-verify"))
        .args(["check", "zoo/otr.rs", "--depth", "12", "--timeout", "2", "--jobs", "2", "--memory", "2", "--format", "json"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the psync-verify binary runs");
    let mut peak = 0;
    // (The report is a few kB: it waits in the pipe until the end.)
    while child.try_wait().expect("check can be waited for").is_none() {
        peak = peak.max(tree_resident(child.id()));
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().expect("check ends");
    let took = start.elapsed().as_secs_f64();
    let report = json(&out);
    let vcs = vcs(&report);
    assert_eq!(vcs.len(), 11, "{report}");
    assert!(vcs.iter().all(|vc| vc["verdict"].is_string()), "every VC has a verdict: {report}");
    assert!(
        vcs.iter().any(|vc| vc["verdict"] == "timeout" || vc["verdict"] == "unknown"),
        "some VC is too heavy at depth 12: {report}"
    );
    assert!(matches!(out.status.code(), Some(0 | 2)), "proved or undecided, never a crash: {}", stderr(&out));
    // A VC whose worker had to be stopped says so: past the grace (and
    // the 10 ms poll) only a stopped worker's VC can end, and only then.
    let stopped = |vc: &serde_json::Value| vc["reason"].as_str().is_some_and(|r| r.starts_with("stopped: its worker gave no answer"));
    let time = |vc: &serde_json::Value| vc["time"].as_f64().unwrap_or_default();
    for vc in &vcs {
        if stopped(vc) {
            assert!(vc["verdict"] == "timeout" && time(vc) >= timeout + 3.0, "{vc}");
        }
        if vc["verdict"] == "timeout" && time(vc) >= timeout + 3.1 {
            assert!(stopped(vc), "{vc}");
        }
    }
    // Each VC ends within its timeout plus the 3 s grace; the startup of
    // a worker and a loaded machine get generous slack on top.
    let bound = (timeout + 3.0) * vcs.len() as f64 / jobs + 60.0;
    assert!(took < bound, "{took:.1} s, over {bound:.1} s");
    // Two workers within their budgets, and the check itself (a few MB;
    // sampling misses nothing that lasts longer than 20 ms).
    let limit = (jobs * budget_gb + 0.5) * 1e9;
    assert!((peak as f64) < limit, "the process tree held {peak} bytes");
}

#[test]
fn a_tiny_memory_budget_makes_every_vc_unknown_with_a_normal_report() {
    let out = psync_verify(&["check", "zoo/otr.rs", "--memory", "0.001", "--jobs", "2", "--format", "json"]);
    assert_eq!(out.status.code(), Some(2), "undecided: {}", stderr(&out));
    let report = json(&out);
    let vcs = vcs(&report);
    assert_eq!(vcs.len(), 11, "{report}");
    for vc in &vcs {
        assert_eq!(vc["verdict"], "unknown", "{vc}");
        assert!(vc["reason"].as_str().is_some_and(|r| r.starts_with("memory budget")), "{vc}");
    }
    assert_eq!(report["summary"]["unknown"], 11, "{report}");
    let human = psync_verify(&["check", "zoo/otr.rs", "--vc", "otr/init", "--memory", "0.001"]);
    assert_eq!(human.status.code(), Some(2), "{}", stderr(&human));
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(text.contains("memory budget") && text.contains("VCs:"), "{text}");
}

#[test]
fn the_otr_benchmark_is_still_proved_through_the_workers() {
    let out = psync_verify(&["check", "zoo/otr.rs", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report = json(&out);
    assert!(vcs(&report).iter().all(|vc| vc["verdict"] == "proved"), "{report}");
}

/// The pids of the children of process `pid`.
fn children(pid: u32) -> Vec<u32> {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else { return Vec::new() };
    tasks
        .flatten()
        .filter_map(|t| std::fs::read_to_string(t.path().join("children")).ok())
        .flat_map(|text| text.split_whitespace().filter_map(|p| p.parse().ok()).collect::<Vec<u32>>())
        .collect()
}

/// The resident size of process `pid` and its descendants, in bytes (0
/// once it has ended).
fn tree_resident(pid: u32) -> u64 {
    let rss = |p: u32| -> u64 {
        let statm = std::fs::read_to_string(format!("/proc/{p}/statm")).unwrap_or_default();
        // SAFETY: sysconf has no preconditions.
        let page = u64::try_from(unsafe { libc::sysconf(libc::_SC_PAGESIZE) }).unwrap_or(4096);
        statm.split_whitespace().nth(1).and_then(|n| n.parse::<u64>().ok()).unwrap_or(0) * page
    };
    let (mut total, mut pending) = (0, vec![pid]);
    while let Some(p) = pending.pop() {
        total += rss(p);
        pending.extend(children(p));
    }
    total
}

#[test]
fn a_worker_that_dies_gives_unknown_with_the_signal_not_a_crash() {
    // One job on heavy VCs; its worker is sent SIGABRT while it works.
    let child = Command::new(env!("CARGO_BIN_EXE_psync-verify"))
        .args(["check", "zoo/otr.rs", "--depth", "12", "--timeout", "20", "--jobs", "1", "--memory", "2", "--vc", "otr/inductive/inv0", "--format", "json"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the psync-verify binary runs");
    let worker = (0..1000).find_map(|_| {
        std::thread::sleep(Duration::from_millis(10));
        children(child.id()).first().copied()
    });
    let worker = worker.expect("check starts a worker process");
    // Let it get into the VC.
    std::thread::sleep(Duration::from_millis(500));
    // SAFETY: kill has no memory preconditions.
    unsafe { libc::kill(worker as libc::pid_t, libc::SIGABRT) };
    let out = child.wait_with_output().expect("check ends");
    assert_eq!(out.status.code(), Some(2), "undecided: {}", stderr(&out));
    let report = json(&out);
    let vc = &vcs(&report)[0];
    assert_eq!(vc["verdict"], "unknown", "{vc}");
    let reason = vc["reason"].as_str().unwrap_or_default();
    assert!(reason.contains("worker process") && reason.contains("signal 6"), "{reason}");
}

#[test]
fn the_worker_subcommand_is_not_in_the_help_and_ends_with_its_input() {
    let help = psync_verify(&["--help"]);
    let text = String::from_utf8_lossy(&help.stdout);
    assert!(text.contains("check") && !text.contains("worker"), "{text}");
    // No requests: the worker ends at once, successfully, answering nothing.
    let idle = Command::new(env!("CARGO_BIN_EXE_psync-verify")).arg("worker").stdin(Stdio::null()).output().expect("the worker runs");
    assert_eq!(idle.status.code(), Some(0), "{}", stderr(&idle));
    assert!(idle.stdout.is_empty());
    // A line that is no request is an error of the worker, not a verdict.
    let mut bad = Command::new(env!("CARGO_BIN_EXE_psync-verify"))
        .arg("worker")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the worker runs");
    bad.stdin.take().expect("stdin").write_all(b"{ not a request\n").expect("the worker reads");
    let out = bad.wait_with_output().expect("the worker ends");
    assert_ne!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty(), "no reply: {}", String::from_utf8_lossy(&out.stdout));
}
