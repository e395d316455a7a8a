//! insta snapshots of what `psync-verify check` prints, in every format, for
//! the One-Third Rule and for a mutant of it. Run with `--no-timing` so the
//! output is reproducible; a change in verdicts, ids, counterexample tables or
//! formats shows up in review.

use std::process::Command;

fn check(args: &[&str]) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_psync-verify"))
        .arg("check")
        .args(args)
        .args(["--no-timing", "--quiet"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the psync-verify binary runs");
    assert!(
        out.stderr.is_empty() || out.status.code() == Some(3),
        "unexpected diagnostics:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code(), String::from_utf8(out.stdout).expect("UTF-8 output"))
}

/// The OTR VCs this snapshot covers (selected so every verdict is decided
/// well inside the time limit, whatever the machine's load).
const OTR: [&str; 6] = ["--vc", "otr/init/*", "--vc", "otr/property/*", "--vc", "otr/inductive/inv2/*"];

/// A mutant that decides at start: its init VC is refuted at n = 1.
const MUTANT: [&str; 3] = ["encodings/tests/mutants/otr_decided_at_start.rs", "--vc", "otr/init/*"];

#[test]
fn otr_in_every_format() {
    for (format, name) in [("human", "otr_human"), ("json", "otr_json"), ("junit", "otr_junit")] {
        let mut args = vec!["benchmarks/otr.rs", "--format", format];
        args.extend(OTR);
        let (code, out) = check(&args);
        insta::assert_snapshot!(name, out);
        assert_eq!(code, Some(exit_code(&out, format)), "exit status matches the verdicts:\n{out}");
    }
}

#[test]
fn a_refuted_mutant_in_every_format() {
    for (format, name) in [("human", "mutant_human"), ("json", "mutant_json"), ("junit", "mutant_junit")] {
        let mut args = MUTANT.to_vec();
        args.extend(["--format", format]);
        let (code, out) = check(&args);
        assert_eq!(code, Some(1), "a refuted VC exits with 1:\n{out}");
        insta::assert_snapshot!(name, out);
    }
}

/// The exit status the report's verdicts call for (0 proved, 1 refuted, 2 undecided).
fn exit_code(out: &str, format: &str) -> i32 {
    let has = |verdict: &str| match format {
        "json" => out.contains(&format!("\"verdict\": \"{verdict}\"")),
        "junit" => match verdict {
            "refuted" => out.contains("type=\"refuted\""),
            other => out.contains(&format!("type=\"{other}\"")),
        },
        _ => out.lines().any(|l| l.starts_with(verdict)),
    };
    if has("refuted") {
        1
    } else if has("unknown") || has("timeout") {
        2
    } else {
        0
    }
}
