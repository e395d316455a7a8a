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
        let mut args = vec!["zoo/otr.rs", "--format", format];
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

/// A spec file outside the accepted subset next to OTR's init VC: the
/// broken file is reported in its place (located message), OTR is still
/// checked, and the run exits with 3 (an input error outranks every verdict).
#[test]
fn an_input_error_next_to_a_checked_file_in_every_format() {
    for (format, name) in [("human", "input_error_human"), ("json", "input_error_json"), ("junit", "input_error_junit")] {
        let args = ["tests/inputs/unsupported_loop.rs", "zoo/otr.rs", "--vc", "otr/init/*", "--format", format];
        let (code, out) = check(&args);
        assert_eq!(code, Some(3), "an input error exits with 3:\n{out}");
        assert!(out.contains("unsupported_loop.rs") && out.contains("25"), "the broken file is reported, located:\n{out}");
        assert!(out.contains("otr/init/inv0/start"), "the good file's VC is checked:\n{out}");
        insta::assert_snapshot!(name, out);
    }
}

/// A counterexample with a state field of every kind (integer, boolean,
/// process, option, tuple), a heard-of set and a mailbox: the JSON
/// encoding of values that docs/json-output.md describes. One strategy,
/// so the undecided query goes straight to the bounded search, whose
/// first model (smallest n) is what is pinned.
#[test]
fn a_counterexample_with_every_value_kind_in_json() {
    let args = ["tests/inputs/value_kinds.rs", "--vc", "kinds/inductive/*", "--strategy", "parametric", "--format", "json"];
    let (code, out) = check(&args);
    assert_eq!(code, Some(1), "the invariant is broken by the round:\n{out}");
    let report: serde_json::Value = serde_json::from_str(&out).expect("a JSON document");
    let p0 = &report["vcs"][0]["counterexample"]["processes"][0];
    for state in ["pre", "post"] {
        for entry in p0[state].as_array().expect("a list of [field, value] pairs") {
            assert!(entry[0].is_string() && entry[1].is_string(), "field values are strings: {entry}");
        }
    }
    assert!(p0["ho"].as_array().is_some_and(|ho| ho.iter().all(|k| k.is_u64())), "HO sets are process indices: {p0}");
    insta::assert_snapshot!("value_kinds_json", out);
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
