//! End-to-end tests of `psync-verify check` on hostile input: nesting far
//! beyond the front end's limit, a huge one-line file with an error, and an
//! empty property list. Each is an input error (exit status 3) with a
//! location, never a crash, and its report stays small.

use std::path::PathBuf;
use std::process::{Command, Output};

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

/// `text` written to a fresh file named `name` in the temporary folder.
fn spec_file(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("psync-cli-limits-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("the temporary folder is writable");
    let path = dir.join(name);
    std::fs::write(&path, text).expect("the spec file is written");
    path
}

fn otr() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/zoo/otr.rs")).expect("otr.rs is readable")
}

/// OTR with `from` (which occurs once) replaced by `to`.
fn otr_with(from: &str, to: &str) -> String {
    let src = otr();
    assert_eq!(src.matches(from).count(), 1, "test setup: {from:?}");
    src.replacen(from, to, 1)
}

/// `check` of `text`: exit status 3, and a report naming `file:line:` of
/// the line holding `at`; the report.
fn expect_located_input_error(name: &str, text: &str, at: &str) -> String {
    let path = spec_file(name, text);
    let out = psync_verify(&["check", path.to_str().expect("temporary paths are UTF-8")]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(3), "{name}: an input error, not a crash; stderr:\n{}", &err[..err.len().min(2_000)]);
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        report.lines().all(|l| !["proved", "refuted", "unknown", "timeout", "vacuous"].iter().any(|v| l.starts_with(v))),
        "{name}: no verdicts for a file that does not load:\n{}",
        &report[..report.len().min(2_000)]
    );
    let line = text[..text.find(at).expect("test setup: marker")].matches('\n').count() + 1;
    assert!(err.contains(&format!("{name}:{line}:")), "{name}: located at line {line}:\n{err}");
    let _ = std::fs::remove_file(path);
    err
}

#[test]
fn nesting_100_000_deep_is_a_located_input_error() {
    let n = 100_000;
    let shapes = [
        ("parens", format!("{}true{}", "(".repeat(n), ")".repeat(n))),
        ("negations", format!("{}true", "!".repeat(n))),
        ("and_chain", vec!["true"; n].join(" && ")),
    ];
    for (shape, expr) in shapes {
        let in_invariant = otr_with("w.exists(|j| w.forall(|i| w[i].decided && w[i].decision == w.init(j).x)),", &format!("{expr},"));
        let in_update = otr_with("p.decided = true;", &format!("p.decided = {expr};"));
        for (name, text) in [(format!("{shape}_inv.rs"), in_invariant), (format!("{shape}_update.rs"), in_update)] {
            let err = expect_located_input_error(&name, &text, &expr);
            assert!(err.contains("nests deeper than the verifier accepts"), "{name}:\n{err}");
            assert!(err.len() < 4_000, "{name}: the report shows a window of the line ({} bytes)", err.len());
        }
    }
}

#[test]
fn a_syntax_error_on_a_5_mb_line_is_reported_in_a_few_lines() {
    let code: Vec<String> = otr().lines().map(str::trim).filter(|l| !l.starts_with("//")).map(String::from).collect();
    let text = format!("{}{}", "use psync::prelude::*; ".repeat(5_000_000 / 23), code.join(" ")).replacen("p.decided = true;", "p.decided = ;", 1);
    assert!(text.len() > 5_000_000 && !text.contains('\n'));
    let err = expect_located_input_error("huge.rs", &text, "p.decided = ;");
    let column = text.find("p.decided = ;").expect("the error is in the text") + "p.decided = ".len() + 1;
    assert!(err.contains(&format!("huge.rs:1:{column}")), "{err}");
    assert!(err.contains("p.decided = ;"), "the offending code is shown:\n{err}");
    assert!(err.len() < 4_000, "stderr stays small: {} bytes", err.len());
}

#[test]
fn an_empty_property_list_is_a_located_input_error() {
    let src = otr();
    let cut = src.find("    fn properties").expect("OTR has properties");
    let text = format!("{}    fn properties(_w: &World<Self>) -> Vec<(&'static str, bool)> {{\n        vec![]\n    }}\n}}\n", &src[..cut]);
    let err = expect_located_input_error("no_properties.rs", &text, "vec![]");
    assert!(err.contains("`properties` is empty"), "{err}");
}

#[test]
fn a_check_over_its_memory_budget_is_unknown_not_a_crash() {
    // A budget below what a worker process holds before any solving: the
    // VC's worker is stopped, and the VC ends `unknown` with the reason.
    let out = Command::new(env!("CARGO_BIN_EXE_psync-verify"))
        .args(["check", "zoo/otr.rs", "--vc", "otr/init", "--memory", "0.001", "--format", "json"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the psync-verify binary runs");
    assert_eq!(out.status.code(), Some(2), "undecided: {}", String::from_utf8_lossy(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let vc = &doc["vcs"][0];
    assert_eq!(vc["verdict"], "unknown");
    assert!(vc["reason"].as_str().is_some_and(|r| r.contains("memory budget")), "{vc}");
    let bad = Command::new(env!("CARGO_BIN_EXE_psync-verify"))
        .args(["check", "zoo/otr.rs", "--memory", "0"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the psync-verify binary runs");
    assert_eq!(bad.status.code(), Some(3), "a zero budget is a usage error");
}
