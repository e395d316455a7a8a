//! End-to-end tests of the `psync-verify` command line: exit statuses, input
//! errors with locations, and the output formats.

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

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn an_unsupported_construct_is_a_located_input_error() {
    let out = psync_verify(&["check", "tests/inputs/unsupported_loop.rs"]);
    assert_eq!(out.status.code(), Some(3), "input errors exit with 3; stderr:\n{}", stderr(&out));
    let err = stderr(&out);
    // The `while` loop is on line 25 of the file; the report names file and line.
    assert!(err.contains("unsupported_loop.rs"), "{err}");
    assert!(err.contains("25"), "the error points at line 25:\n{err}");
    assert!(err.contains("while"), "the offending snippet is shown:\n{err}");
    let text = stdout(&out);
    assert!(
        text.lines().any(|l| l.starts_with("error") && l.contains("tests/inputs/unsupported_loop.rs:25:9: loops")),
        "the report has the file's located line:\n{text}"
    );
    assert!(text.contains("0 VCs") && text.contains("1 of 1 files not loaded"), "{text}");
}

#[test]
fn a_missing_file_is_an_input_error() {
    let out = psync_verify(&["check", "tests/inputs/no_such_spec.rs", "--format", "json"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(stderr(&out).contains("no_such_spec.rs"), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("stdout is the JSON report");
    let error = &report["files"][0]["error"];
    assert!(error["message"].as_str().is_some_and(|m| m.contains("cannot read")), "{report}");
    assert!(error["line"].is_null() && error["column"].is_null(), "an unreadable file has no location: {report}");
    assert_eq!(report["summary"]["status"], "input-error", "{report}");
}

/// An input error outranks a refutation: a CI gate reading only the exit
/// status sees that a file was not checked, even when another is refuted.
#[test]
fn an_input_error_outranks_a_refuted_file() {
    let mutant = "encodings/tests/mutants/otr_decided_at_start.rs";
    let out = psync_verify(&["check", mutant, "tests/inputs/unsupported_loop.rs", "--vc", "otr/init/*", "--format", "junit"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let xml = stdout(&out);
    assert!(xml.contains("type=\"refuted\""), "the mutant is still checked and refuted:\n{xml}");
    assert!(
        xml.contains("<error message=\"tests/inputs/unsupported_loop.rs:25:9: loops are outside the verifiable subset\" type=\"input-error\">"),
        "the broken file is an errored test case:\n{xml}"
    );
    // The suites come in command-line order.
    assert!(xml.find(mutant) < xml.find("unsupported_loop.rs"), "{xml}");
}

#[test]
fn bad_command_lines_are_usage_errors_not_verdicts() {
    let out = psync_verify(&["check", "zoo/otr.rs", "--timeout", "0"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(stderr(&out).contains("--timeout"), "{}", stderr(&out));
    let out = psync_verify(&["check", "zoo/otr.rs", "--format", "yaml"]);
    assert_eq!(out.status.code(), Some(3));
    let out = psync_verify(&["check"]);
    assert_eq!(out.status.code(), Some(3), "a missing FILE is a usage error");
    let out = psync_verify(&["--help"]);
    assert_eq!(out.status.code(), Some(0), "--help is not an error");
}

/// A `--vc` pattern that selects nothing (a typo in a CI job) is a usage
/// error naming it, not a passing run of 0 VCs; nothing is checked.
#[test]
fn a_vc_pattern_that_selects_nothing_is_a_usage_error() {
    let out = psync_verify(&["check", "zoo/otr.rs", "--vc", "no-such-vc", "--format", "json"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stderr(&out).contains("`no-such-vc`"), "the pattern is named: {}", stderr(&out));
    assert!(out.stdout.is_empty(), "a usage error prints no report: {}", stdout(&out));
    // Each pattern is judged on its own: one that selects VCs does not
    // excuse another that selects none; every such pattern is named.
    let args = ["check", "zoo/otr.rs", "zoo/last_voting.rs", "--vc", "otr/init/*", "--vc", "lastvoting/init/*", "--vc", "otr/inductive/inv9"];
    let out = psync_verify(&args);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("`lastvoting/init/*`") && err.contains("`otr/inductive/inv9`"), "{err}");
    assert!(!err.contains("`otr/init/*`"), "a pattern that selects VCs is not an error: {err}");
}

/// `check --help` shows the defaults the run uses: the reduction's from
/// `ReduceConfig::default()`, the time limit from `CheckConfig::default()`.
#[test]
fn help_shows_the_real_defaults() {
    let out = psync_verify(&["check", "--help"]);
    assert_eq!(out.status.code(), Some(0));
    let help = stdout(&out);
    // The help text of one option: from its flag up to the next option.
    let section = |flag: &str| -> String {
        let start = help.find(&format!("--{flag} <")).unwrap_or_else(|| panic!("--{flag} in:\n{help}"));
        let rest = &help[start + 2..];
        rest[..rest.find("\n  -").unwrap_or(rest.len())].to_string()
    };
    let reduce = psync_logic::reduce::ReduceConfig::default();
    let timeout = psync_logic::check::CheckConfig::default().timeout.as_secs_f64();
    for (flag, default) in
        [("venn-bound", reduce.venn_bound.to_string()), ("depth", reduce.inst_depth.to_string()), ("timeout", timeout.to_string())]
    {
        assert!(section(flag).contains(&format!("[default: {default}]")), "--{flag}:\n{}", section(flag));
    }
    assert!(section("jobs").contains("[default: one per logical core"), "{}", section("jobs"));
    assert!(section("memory").contains("[default: half the physical memory"), "{}", section("memory"));
}

/// Run `check` on OTR's init VC with `extra` flags, dumping the reduced
/// queries; the names of the files written.
fn dump_otr_init(tag: &str, extra: &[&str]) -> Vec<String> {
    let dir = std::env::temp_dir().join(format!("psync-dump-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mut args = vec!["check", "zoo/otr.rs", "--vc", "otr/init/*", "--dump-smt", dir.to_str().expect("temp paths are UTF-8")];
    args.extend(extra);
    let out = psync_verify(&args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let files: Vec<String> = std::fs::read_dir(&dir)
        .expect("the dump folder exists")
        .map(|e| e.expect("readable entry").file_name().to_string_lossy().into_owned())
        .collect();
    for f in &files {
        assert!(f.starts_with("otr__init__") && f.ends_with(".smt2"), "{f}");
        let text = std::fs::read_to_string(dir.join(f)).expect("readable dump");
        assert!(text.contains("(check-sat)") && text.contains("(assert"), "{text}");
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(!files.is_empty());
    files
}

#[test]
fn dump_smt_writes_one_script_per_selected_vc_and_strategy() {
    let files = dump_otr_init("all", &[]);
    let strategies = ["global-anchors", "ground", "parametric"];
    for f in &files {
        assert!(strategies.iter().any(|s| f.ends_with(&format!(".{s}.smt2"))), "{f}");
    }
    for s in strategies {
        let of = files.iter().filter(|f| f.ends_with(&format!(".{s}.smt2"))).count();
        assert_eq!(of * strategies.len(), files.len(), "{s}: {files:?}");
    }
}

#[test]
fn strategy_selects_the_reductions_scheduled() {
    let files = dump_otr_init("ground", &["--strategy", "ground"]);
    assert!(files.iter().all(|f| f.ends_with(".ground.smt2")), "{files:?}");
    let bad = psync_verify(&["check", "zoo/otr.rs", "--strategy", "fastest"]);
    assert_eq!(bad.status.code(), Some(3), "{}", stderr(&bad));
}

#[test]
fn hints_are_recorded_then_prove_again_and_a_mutant_is_still_refuted() {
    let dir = std::env::temp_dir().join(format!("psync-cli-hints-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let hints = dir.join("otr.hints.json");
    let hints = hints.to_str().unwrap();
    // "hints: K of N parts …" on stderr: (K, N).
    let counts = |o: &Output| -> (usize, usize) {
        let err = stderr(o);
        let line = err.lines().find(|l| l.starts_with("hints: ") && l.contains(" of ")).unwrap_or_else(|| panic!("{err}"));
        let words: Vec<&str> = line.split_whitespace().collect();
        (words[1].parse().unwrap(), words[3].parse().unwrap())
    };
    let select = ["--vc", "otr/init/*", "--vc", "otr/inductive/inv0"];
    let run = |extra: &[&str]| psync_verify(&[&["check", "zoo/otr.rs", "--hints", hints][..], &select, extra].concat());
    let first = run(&[]);
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    assert_eq!(counts(&first), (0, 6), "init has 2 parts, inv0 has 4");
    let text = std::fs::read_to_string(hints).expect("the hint file is written");
    assert!(text.contains("\"otr/inductive/inv0/round0\"") && text.contains("\"core\""), "{text}");
    let again = run(&["--format", "json"]);
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
    let (hinted, parts) = counts(&again);
    assert!(hinted >= 4 && parts == 6, "the inductiveness parts are proved from their cores: {}", stderr(&again));
    let report: serde_json::Value = serde_json::from_slice(&again.stdout).expect("stdout stays the JSON report");
    assert_eq!(report["summary"]["proved"], 2, "{report}");
    // A mutant's init VC differs in its formula: its hints are not found,
    // and it is refuted as without them.
    let mutant = psync_verify(&["check", "encodings/tests/mutants/otr_decided_at_start.rs", "--vc", "otr/init/*", "--hints", hints]);
    assert_eq!(mutant.status.code(), Some(1), "{}", stderr(&mutant));
    assert_eq!(counts(&mutant).0, 0);
    assert!(!std::fs::read_to_string(hints).unwrap().contains("otr/init/inv0/start"), "a refuted VC keeps no hints");
    std::fs::write(hints, "{ not json").unwrap();
    let corrupt = run(&[]);
    assert_eq!(corrupt.status.code(), Some(3), "a hint file that cannot be read is an input error");
    assert!(stderr(&corrupt).contains("not a hint file") && stderr(&corrupt).contains("line 1"), "{}", stderr(&corrupt));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// An undecided VC says which of its parts was the first not decided: the
/// conclusion conjunct and hypothesis case that part proves (FloodMin
/// k-set's open step, given 4 s), or, when the parts before it used the
/// time up, how many were proved before it; and a timeout what the search
/// found.
#[test]
fn an_undecided_vc_names_its_first_undecided_part() {
    let out = psync_verify(&["check", "zoo/floodmin_kset.rs", "--vc", "inductive/inv0", "--timeout", "4", "--format", "json"]);
    assert_eq!(out.status.code(), Some(2), "undecided: {}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let vc = &report["vcs"][0];
    assert!(vc["verdict"] == "timeout" || vc["verdict"] == "unknown", "{vc}");
    let note = vc["note"].as_str().unwrap_or_else(|| panic!("a note: {vc}"));
    let tried = note.starts_with("the first part not decided is ") && note.contains(" of 28 (proving `Inv_0' [");
    let reached = note.starts_with("the time ran out with ") && note.contains(" of 28 parts proved, before part ");
    assert!((tried || reached) && note.contains("(proving `Inv_0' ["), "{note}");
    assert!(note.contains("hypothesis case "), "{note}");
    // A timeout also keeps what the counterexample search found out (an
    // unknown says it in its reason).
    if vc["verdict"] == "timeout" {
        assert!(note.contains("; bounded search"), "{note}");
    }
}
