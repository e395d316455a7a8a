//! The outputs of `simulate`: human, JSON (`psync-verify/simulate/v1`) and
//! JUnit, like `check`'s.

use std::fmt::Write as _;

use super::SimReport;
use super::trace::TraceFile;

/// `{"x": 1, "decided": true}` as `decided=true x=1`.
fn show_state(v: &serde_json::Value) -> String {
    match v.as_object() {
        Some(o) => o.iter().map(|(k, x)| format!("{k}={x}")).collect::<Vec<_>>().join(" "),
        None => v.to_string(),
    }
}

fn show_set(h: &[u32]) -> String {
    format!("{{{}}}", h.iter().map(|q| q.to_string()).collect::<Vec<_>>().join(","))
}

/// The run as a table: one line per process and round, with the heard-of
/// set of the round that led to the state.
fn table(t: &TraceFile) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "  {:>5}  {:<4} {:<16} state", "round", "p", "HO");
    let first = if t.start.is_some() { "start" } else { "init" };
    for (p, st) in t.initial.iter().enumerate() {
        let _ = writeln!(s, "  {:>5}  p{:<3} {:<16} {}", first, p, "", show_state(st));
    }
    for r in &t.rounds {
        for (p, st) in r.states.iter().enumerate() {
            let _ = writeln!(s, "  {:>5}  p{:<3} {:<16} {}", r.round, p, show_set(&r.ho[p]), show_state(st));
        }
    }
    s
}

fn monitor_name(file: &str, what: &str, line: usize) -> String {
    if line > 0 { format!("{what} ({file}:{line})") } else { what.to_string() }
}

/// The human report.
pub fn render_human(r: &SimReport, timing: bool) -> String {
    let mut s = String::new();
    if r.replay {
        let _ = writeln!(s, "replay of {} on {}: n = {}, {} rounds", r.adversary.trim_start_matches("replay of "), r.file, r.n, r.rounds);
    } else {
        let _ = writeln!(s, "simulate {}: n = {}, {} runs of {} rounds, adversary {}, seed {}", r.file, r.n, r.runs, r.rounds, r.adversary, r.seed);
    }
    let _ = write!(s, "  rounds run: {}", r.rounds_run);
    if timing {
        let secs = r.elapsed.as_secs_f64();
        let _ = write!(s, " in {secs:.2} s ({:.0} rounds/s)", r.rounds_run as f64 / secs.max(1e-9));
    }
    let _ = writeln!(s);
    let _ = writeln!(s, "  runs with the good phases: {}; runs where every eventually property held at the end: {}", r.with_good_phases, r.terminated);
    if r.outside_safety > 0 {
        let _ = writeln!(s, "  runs stopped where the heard-of sets broke the spec's safety predicate: {}", r.outside_safety);
        if r.outside_safety == r.runs && !r.adversary.starts_with("spec") && !r.replay {
            let _ = writeln!(s, "  (every run stopped: `--adversary spec` draws heard-of sets that satisfy the safety predicate)");
        }
    }
    if let Some(d) = &r.diverged {
        let _ = writeln!(s, "  ✗ the replay does not reproduce the trace: {d}");
    } else if r.replay {
        let _ = writeln!(s, "  the replay reproduces every recorded state");
    }
    if r.violations.is_empty() {
        let _ = writeln!(s, "  violations: none");
    } else {
        let _ = writeln!(s, "  violations (runs):");
        for ((what, line), count) in &r.violations {
            let _ = writeln!(s, "    ✗ {}: {count}", monitor_name(&r.file, what, *line));
        }
    }
    if let Some(t) = r.first.as_ref().filter(|t| !t.findings.is_empty()) {
        let found: Vec<String> = t.findings.iter().map(|f| format!("{} after {} rounds", f.finding.what, f.round)).collect();
        let _ = writeln!(s, "{} run {} (seed {}): {}", if r.replay { "replayed" } else { "shown" }, t.run, t.seed, found.join("; "));
        s.push_str(&table(t));
    }
    s
}

/// The JSON report.
pub fn render_json(r: &SimReport, timing: bool) -> String {
    let violations: Vec<serde_json::Value> = r
        .violations
        .iter()
        .map(|((what, line), runs)| serde_json::json!({ "what": what, "line": line, "runs": runs }))
        .collect();
    let status = if r.diverged.is_some() { "diverged" } else if r.violations.is_empty() { "clean" } else { "violation" };
    let mut doc = serde_json::json!({
        "format": "psync-verify/simulate/v1",
        "file": r.file,
        "replay": r.replay,
        "n": r.n,
        "runs": r.runs,
        "rounds": r.rounds,
        "seed": r.seed,
        "adversary": r.adversary,
        "rounds_run": r.rounds_run,
        "with_good_phases": r.with_good_phases,
        "terminated": r.terminated,
        "outside_safety": r.outside_safety,
        "violations": violations,
        "status": status,
        "diverged": r.diverged,
        "first_violation": r.first.as_ref().filter(|t| !t.findings.is_empty()),
    });
    if timing {
        let secs = r.elapsed.as_secs_f64();
        doc["seconds"] = serde_json::json!(secs);
        doc["rounds_per_second"] = serde_json::json!(r.rounds_run as f64 / secs.max(1e-9));
    }
    serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
}

/// The JUnit report: one test case per failing monitor (and one for a
/// replay's divergence), or one passing case for a clean simulation.
pub fn render_junit(r: &SimReport, timing: bool) -> String {
    use crate::report::xml_escape as esc;
    let mut cases = String::new();
    let mut failures = 0;
    for ((what, line), runs) in &r.violations {
        failures += 1;
        let _ = writeln!(
            cases,
            "    <testcase classname=\"simulate\" name=\"{}\"><failure message=\"{}\"/></testcase>",
            esc(&monitor_name(&r.file, what, *line)),
            esc(&format!("violated in {runs} of {} runs", r.runs))
        );
    }
    if let Some(d) = &r.diverged {
        failures += 1;
        let _ = writeln!(cases, "    <testcase classname=\"simulate\" name=\"replay\"><failure message=\"{}\"/></testcase>", esc(d));
    }
    if failures == 0 {
        let _ = writeln!(cases, "    <testcase classname=\"simulate\" name=\"{}\"/>", esc(&format!("no violation in {} runs", r.runs)));
    }
    let tests = failures.max(1);
    let time = if timing { format!(" time=\"{:.3}\"", r.elapsed.as_secs_f64()) } else { String::new() };
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n  <testsuite name=\"{}\" tests=\"{tests}\" failures=\"{failures}\"{time}>\n{cases}  </testsuite>\n</testsuites>\n",
        esc(&format!("simulate {}", r.file))
    )
}

/// The SARIF report: one result per violated monitor at its spec line, and
/// one for a replay's divergence.
pub fn render_sarif(r: &SimReport) -> String {
    use crate::report::{sarif_log, sarif_result};
    let mut results: Vec<serde_json::Value> = r
        .violations
        .iter()
        .map(|((what, line), runs)| {
            let text = format!("{what} violated in {runs} of {} simulated runs (n = {}, adversary {}, seed {})", r.runs, r.n, r.adversary, r.seed);
            sarif_result("violation", "error", &text, &r.file, Some((*line, 1)))
        })
        .collect();
    if let Some(d) = &r.diverged {
        results.push(sarif_result("violation", "error", &format!("the replay does not reproduce the trace: {d}"), &r.file, None));
    }
    sarif_log(results)
}
