//! `--format sarif`: the reports of `check` and `simulate` are valid SARIF
//! 2.1.0 (against `tests/sarif-2.1.0-subset.schema.json`, a JSON schema of
//! the SARIF objects psync-verify writes, written from the specification),
//! each result located at the spec line it is about; insta snapshots of both.

use std::process::Command;

fn psync_verify(args: &[&str]) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_psync-verify"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the psync-verify binary runs");
    (out.status.code(), String::from_utf8(out.stdout).expect("UTF-8 output"))
}

fn validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/sarif-2.1.0-subset.schema.json")).expect("the schema");
    let schema: serde_json::Value = serde_json::from_str(&text).expect("the schema is JSON");
    jsonschema::validator_for(&schema).expect("the schema compiles")
}

/// The report as JSON, after checking it against the schema.
fn valid(v: &jsonschema::Validator, text: &str) -> serde_json::Value {
    let doc: serde_json::Value = serde_json::from_str(text).expect("SARIF is JSON");
    let errors: Vec<String> = v.iter_errors(&doc).map(|e| format!("{e} at {}", e.instance_path)).collect();
    assert!(errors.is_empty(), "not valid SARIF 2.1.0:\n{}\n{text}", errors.join("\n"));
    doc
}

/// `(ruleId, uri, startLine)` of every result.
fn located(doc: &serde_json::Value) -> Vec<(String, String, u64)> {
    doc["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| {
            let p = &r["locations"][0]["physicalLocation"];
            (r["ruleId"].as_str().unwrap_or("").to_string(), p["artifactLocation"]["uri"].as_str().unwrap_or("").to_string(), p["region"]["startLine"].as_u64().unwrap_or(0))
        })
        .collect()
}

#[test]
fn the_schema_rejects_what_is_not_sarif() {
    let v = validator();
    assert!(!v.is_valid(&serde_json::json!({ "version": "2.0.0", "runs": [] })));
    assert!(!v.is_valid(&serde_json::json!({ "version": "2.1.0", "runs": [{ "results": [] }] })), "a run needs its tool");
    assert!(v.is_valid(&serde_json::json!({ "version": "2.1.0", "runs": [] })));
}

#[test]
fn check_reports_refuted_vcs_and_input_errors_at_their_lines() {
    let v = validator();
    let args = ["check", "encodings/tests/mutants/otr_decided_at_start.rs", "tests/inputs/unsupported_loop.rs", "--vc", "otr/init/*", "--format", "sarif", "--quiet"];
    let (code, out) = psync_verify(&args);
    assert_eq!(code, Some(3), "{out}");
    let doc = valid(&v, &out);
    let inv0 = std::fs::read_to_string("encodings/tests/mutants/otr_decided_at_start.rs")
        .expect("the mutant")
        .lines()
        .position(|l| l.contains("keeps_init") && l.trim_start().starts_with("keeps_init"))
        .map(|k| k as u64 + 1)
        .expect("Inv_0's first line");
    assert_eq!(
        located(&doc),
        vec![
            ("refuted".to_string(), "encodings/tests/mutants/otr_decided_at_start.rs".to_string(), inv0),
            ("input-error".to_string(), "tests/inputs/unsupported_loop.rs".to_string(), 25),
        ]
    );
    insta::assert_snapshot!("check_sarif", out);
}

#[test]
fn simulate_reports_violated_monitors_at_their_lines() {
    let v = validator();
    let text = std::fs::read_to_string("zoo/otr.rs").expect("the benchmark");
    let site = "3 * mbox.count(|&v| v == p.x) > 2 * cx.n()";
    let path = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("otr_majority_sarif.rs");
    std::fs::write(&path, text.replace(site, "2 * mbox.count(|&v| v == p.x) > cx.n()")).expect("scratch file");
    let spec = path.display().to_string();
    let (code, out) = psync_verify(&["simulate", &spec, "--n", "5", "--runs", "300", "--seed", "3", "--format", "sarif", "--quiet"]);
    assert_eq!(code, Some(1), "{out}");
    let doc = valid(&v, &out);
    // The predicate is on the line after the property's name.
    let agreement = text.lines().position(|l| l.contains("\"Agreement\",")).map(|k| k as u64 + 2).expect("Agreement's line");
    assert!(located(&doc).contains(&("violation".to_string(), spec.clone(), agreement)), "{:?}", located(&doc));
    insta::assert_snapshot!("simulate_sarif", out.replace(&spec, "otr_majority.rs"));
    let (code, out) = psync_verify(&["simulate", "zoo/otr.rs", "--runs", "20", "--format", "sarif", "--quiet"]);
    assert_eq!(code, Some(0));
    assert_eq!(located(&valid(&v, &out)), Vec::new(), "a clean simulation has no result");
}
