//! A vacuous proof fails the gate: `psync-verify check` reports a VC whose
//! hypotheses are unsatisfiable as `vacuous`, with the assumption named
//! and located, in every format, and exits with status 4.

use std::path::PathBuf;
use std::process::{Command, Output};

/// `zoo/otr.rs` with a safety predicate no heard-of sets satisfy
/// (with `doc` lines above it).
fn spec_text(doc: &str) -> String {
    let otr = include_str!("../zoo/otr.rs");
    let at = "impl Spec for Otr {\n";
    assert_eq!(otr.matches(at).count(), 1);
    otr.replacen(at, &format!("{at}{doc}    fn safety(w: &World<Self>) -> bool {{\n        false\n    }}\n\n"), 1)
}

/// The spec written to a temporary file of its own (one per call: the
/// tests run in parallel, and each removes its file when done).
fn spec_file(name: &str, text: &str) -> PathBuf {
    static CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let k = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let path = std::env::temp_dir().join(format!("psync-{name}-{}-{k}.rs", std::process::id()));
    std::fs::write(&path, text).expect("a temporary spec");
    path
}

fn check(args: &[&str]) -> (Output, String) {
    let path = spec_file("false-safety", &spec_text(""));
    let shown = path.display().to_string();
    let out = Command::new(env!("CARGO_BIN_EXE_psync-verify"))
        .args(["check", &shown, "--vc", "otr/inductive/inv0/round0", "--vc", "otr/init", "--no-timing"])
        .args(args)
        .output()
        .expect("the psync-verify binary runs");
    let _ = std::fs::remove_file(&path);
    (out, shown)
}

/// The line of `false` in the spec.
fn false_line() -> usize {
    spec_text("").lines().position(|l| l.trim() == "false").expect("the safety predicate") + 1
}

#[test]
fn a_false_safety_predicate_is_vacuous_not_proved() {
    let (out, spec) = check(&[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(4), "vacuous VCs exit with 4:\n{stdout}");
    let line = stdout.lines().find(|l| l.contains("otr/inductive/inv0/round0")).expect("the VC's line");
    assert!(line.starts_with("vacuous"), "{line}");
    assert!(line.contains("the safety predicate"), "{line}");
    assert!(line.contains(&format!("{spec}:{}:", false_line())), "located: {line}");
    assert!(stdout.lines().any(|l| l.starts_with("proved") && l.contains("otr/init/inv0/start")), "{stdout}");
    assert!(stdout.contains("1 vacuous"), "{stdout}");
}

#[test]
fn json_and_junit_show_the_vacuity() {
    let (out, _) = check(&["--format", "json"]);
    assert_eq!(out.status.code(), Some(4));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(doc["summary"]["vacuous"], 1);
    let vc = doc["vcs"].as_array().expect("vcs").iter().find(|v| v["id"] == "otr/inductive/inv0/round0").expect("the VC").clone();
    assert_eq!(vc["verdict"], "vacuous");
    assert_eq!(vc["vacuity"]["assumption"], "the safety predicate");
    assert_eq!(vc["vacuity"]["method"], "safety");
    assert_eq!(vc["vacuity"]["loc"]["line"], false_line());
    assert_eq!(vc["vacuity"]["allowed"], false);

    let (out, _) = check(&["--format", "junit"]);
    assert_eq!(out.status.code(), Some(4));
    let xml = String::from_utf8_lossy(&out.stdout);
    assert!(xml.contains("failures=\"1\""), "{xml}");
    assert!(xml.contains("type=\"vacuous\""), "{xml}");
}

#[test]
fn an_allowed_vacuity_passes_the_gate() {
    let path = spec_file("allowed-vacuity", &spec_text("    /// (allow vacuous) no run is admitted.\n"));
    let out = Command::new(env!("CARGO_BIN_EXE_psync-verify"))
        .args(["check", path.to_str().expect("a UTF-8 path"), "--vc", "otr/inductive/inv0/round0", "--no-timing"])
        .output()
        .expect("the psync-verify binary runs");
    let _ = std::fs::remove_file(&path);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("vacuous") && stdout.contains("allowed by `(allow vacuous)`"), "{stdout}");
}
