//! End-to-end tests of `psync-verify simulate`: the benchmarks run clean,
//! the OTR mutant deciding on a bare majority violates Agreement, its trace
//! replays exactly (and a tampered trace does not), usage errors exit 3.

use std::path::PathBuf;
use std::process::{Command, Output};

fn psync_verify(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_psync-verify"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the psync-verify binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A scratch file of this test binary.
fn scratch(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name)
}

/// zoo/otr.rs deciding with `> n/2` instead of `> 2n/3`, written
/// to a scratch file.
/// The spec at `path` (from the crate's root) with its one occurrence of
/// `site` replaced by `by`, written to the scratch file `name`.
fn patched_spec(path: &str, site: &str, by: &str, name: &str) -> String {
    let text = std::fs::read_to_string(format!("{}/{path}", env!("CARGO_MANIFEST_DIR"))).expect("the spec");
    assert_eq!(text.matches(site).count(), 1, "`{site}` occurs once in {path}");
    let out = scratch(name);
    std::fs::write(&out, text.replace(site, by)).expect("scratch file");
    out.display().to_string()
}

fn otr_mutant(name: &str) -> String {
    patched_spec("zoo/otr.rs", "3 * mbox.count(|&v| v == p.x) > 2 * cx.n()", "2 * mbox.count(|&v| v == p.x) > cx.n()", name)
}

fn clean(args: &[&str]) {
    let out = psync_verify(args);
    assert_eq!(out.status.code(), Some(0), "{args:?}:\n{}{}", stdout(&out), stderr(&out));
    assert!(stdout(&out).contains("violations: none"), "{}", stdout(&out));
}

#[test]
fn otr_runs_clean() {
    clean(&["simulate", "zoo/otr.rs", "--runs", "2000", "--quiet"]);
}

#[test]
fn last_voting_and_floodmin_run_clean_under_every_adversary() {
    for adv in ["omission", "partition", "crash", "spec"] {
        clean(&["simulate", "zoo/last_voting.rs", "--runs", "40", "--adversary", adv, "--quiet"]);
        clean(&["simulate", "docs/examples/floodmin.rs", "--runs", "100", "--adversary", adv, "--quiet"]);
    }
    clean(&["simulate", "zoo/otr.rs", "--runs", "200", "--adversary", "spec", "--n", "5", "--quiet"]);
}

/// Under `spec`, every run has the good phases, so every run must end with
/// its `eventually` properties true (and OTR's do).
#[test]
fn the_spec_adversary_gives_every_run_its_good_phases() {
    let out = psync_verify(&["simulate", "zoo/otr.rs", "--runs", "100", "--adversary", "spec", "--format", "json", "--quiet"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(r["with_good_phases"], 100, "{r}");
    assert_eq!(r["terminated"], 100, "{r}");
}

#[test]
fn the_majority_mutant_violates_agreement_and_its_trace_replays_exactly() {
    let spec = otr_mutant("otr_majority.rs");
    let trace = scratch("otr_majority.trace.json");
    let trace_s = trace.display().to_string();
    let out = psync_verify(&["simulate", &spec, "--n", "5", "--runs", "1000", "--trace-out", &trace_s, "--quiet", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let violated: Vec<&str> = r["violations"].as_array().expect("a list").iter().filter_map(|v| v["what"].as_str()).collect();
    assert!(violated.contains(&"property Agreement"), "{violated:?}");
    let recorded: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&trace).expect("the trace is written")).expect("JSON trace");
    let found: Vec<&str> = recorded["findings"].as_array().expect("a list").iter().filter_map(|f| f["what"].as_str()).collect();
    assert!(found.contains(&"property Agreement"), "the trace is of a run violating Agreement: {found:?}");
    assert_eq!(recorded, r["first_violation"], "the report shows the traced run");

    let again = psync_verify(&["simulate", &spec, "--replay", &trace_s, "--format", "json"]);
    assert_eq!(again.status.code(), Some(1), "the violation is replayed: {}", stderr(&again));
    let a: serde_json::Value = serde_json::from_slice(&again.stdout).expect("JSON");
    assert_eq!(a["status"], "violation", "{a}");
    assert!(a["diverged"].is_null(), "{a}");
    assert_eq!(a["first_violation"]["rounds"], recorded["rounds"], "the same states, round by round");
    assert_eq!(a["first_violation"]["findings"], recorded["findings"]);

    // A trace whose recorded state the interpreter does not compute.
    let mut forged = recorded.clone();
    forged["rounds"][0]["states"][0]["x"] = serde_json::json!(77);
    let forged_path = scratch("otr_majority.forged.json");
    std::fs::write(&forged_path, forged.to_string()).expect("scratch file");
    let out = psync_verify(&["simulate", &spec, "--replay", &forged_path.display().to_string()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("does not reproduce the trace: after 1 rounds, p0"), "{}", stdout(&out));
}

#[test]
fn usage_and_input_errors_exit_3_with_a_location() {
    let out = psync_verify(&["simulate", "zoo/last_voting.rs", "--adversary", "spec", "--rounds", "2"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(stderr(&out).contains("--rounds must be at least 4"), "{}", stderr(&out));
    let out = psync_verify(&["simulate", "tests/inputs/unsupported_loop.rs"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(stderr(&out).contains("while"), "{}", stderr(&out));
    let out = psync_verify(&["simulate", "zoo/otr.rs", "--replay", "Cargo.toml"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(stderr(&out).contains("not a trace"), "{}", stderr(&out));
}

/// The reports of a fixed seed, with the scratch path replaced.
fn report(args: &[&str], spec: &str) -> String {
    let out = psync_verify(args);
    stdout(&out).replace(spec, "otr_majority.rs")
}

#[test]
fn reports_of_a_fixed_seed() {
    let spec = otr_mutant("otr_majority_snap.rs");
    let base = ["simulate", spec.as_str(), "--n", "5", "--runs", "200", "--seed", "7", "--no-timing", "--quiet"];
    insta::assert_snapshot!("simulate_mutant_human", report(&base, &spec));
    let json: Vec<&str> = base.iter().copied().chain(["--format", "json"]).collect();
    insta::assert_snapshot!("simulate_mutant_json", report(&json, &spec));
    let junit: Vec<&str> = base.iter().copied().chain(["--format", "junit"]).collect();
    insta::assert_snapshot!("simulate_mutant_junit", report(&junit, &spec));
    let otr = ["simulate", "zoo/otr.rs", "--runs", "50", "--seed", "7", "--no-timing", "--quiet"];
    insta::assert_snapshot!("simulate_otr_human", report(&otr, &spec));
}

/// `check --cex-dir`: the counterexample of the mutant's inductive VC is
/// written as a trace from its pre-state; `simulate --replay` computes the
/// same post-state and its monitors see the broken invariant. A trace whose
/// post-state the round cannot produce does not replay.
#[test]
fn a_counterexample_of_check_replays_in_the_interpreter() {
    let spec = otr_mutant("otr_majority_cex.rs");
    let dir = scratch("cex");
    let _ = std::fs::remove_dir_all(&dir);
    let dir_s = dir.display().to_string();
    let out = psync_verify(&["check", &spec, "--vc", "otr/inductive/inv0/round0", "--cex-dir", &dir_s, "--quiet"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let trace = dir.join("otr_inductive_inv0_round0.json");
    assert!(stderr(&out).contains("counterexample trace:"), "{}", stderr(&out));
    let trace_s = trace.display().to_string();
    let again = psync_verify(&["simulate", &spec, "--replay", &trace_s, "--format", "json"]);
    assert_eq!(again.status.code(), Some(1), "{}{}", stdout(&again), stderr(&again));
    let a: serde_json::Value = serde_json::from_slice(&again.stdout).expect("JSON");
    assert!(a["diverged"].is_null(), "the interpreter computes the counterexample's post-state: {a}");
    let seen: Vec<&str> = a["violations"].as_array().expect("a list").iter().filter_map(|v| v["what"].as_str()).collect();
    assert_eq!(seen, vec!["Inv_0"], "{a}");

    let mut forged: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&trace).expect("the trace")).expect("JSON");
    let x = forged["rounds"][0]["states"][0]["x"].as_i64().expect("an integer");
    forged["rounds"][0]["states"][0]["x"] = serde_json::json!(x + 100);
    let forged_path = scratch("cex_forged.json");
    std::fs::write(&forged_path, forged.to_string()).expect("scratch file");
    let out = psync_verify(&["simulate", &spec, "--replay", &forged_path.display().to_string()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("does not reproduce the trace: after 1 rounds, p0"), "{}", stdout(&out));
}

/// `check --cex-dir` when the counterexample's pre-state leaves out a
/// field the VC does not mention (`aux`, which the round overwrites without
/// reading): the trace is written with the field at its sort's default,
/// and the replay computes the recorded post-state and sees the broken
/// round invariant. The spec is a Mostéfaoui–Raynal-style binary consensus
/// whose first round proposes a value heard from more than n/4 processes
/// (rather than n/2), so two processes can propose different values.
#[test]
fn a_counterexample_with_an_unconstrained_pre_state_field_replays() {
    let spec = patched_spec(
        "encodings/tests/specs/mr_binary.rs",
        "if 2 * mbox.count(|&v| v) > cx.n() {",
        "if 4 * mbox.count(|&v| v) > cx.n() {",
        "mr_binary_threshold_mutant.rs",
    );
    let spec = spec.as_str();
    let dir = scratch("cex_unconstrained");
    let _ = std::fs::remove_dir_all(&dir);
    let dir_s = dir.display().to_string();
    let out = psync_verify(&["check", spec, "--vc", "mr_binary/inductive/inv0/round0", "--cex-dir", &dir_s, "--quiet"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(stderr(&out).contains("counterexample trace:"), "{}", stderr(&out));
    let trace = dir.join("mr_binary_inductive_inv0_round0.json").display().to_string();
    let again = psync_verify(&["simulate", spec, "--replay", &trace, "--format", "json"]);
    let a: serde_json::Value = serde_json::from_slice(&again.stdout).expect("JSON");
    assert!(a["diverged"].is_null(), "the interpreter computes the counterexample's post-state: {a}");
    let seen: Vec<&str> = a["violations"].as_array().expect("a list").iter().filter_map(|v| v["what"].as_str()).collect();
    assert_eq!(seen, vec!["R[0][0]"], "{a}");
}

/// A run whose heard-of sets break the spec's `safety` predicate stops
/// there, unblamed (UniformVoting assumes every two processes hear of a
/// common one); under `spec` no run is stopped, and when every run stops
/// the report says so.
#[test]
fn runs_outside_the_safety_assumption_are_stopped_not_blamed() {
    let spec = "encodings/tests/specs/uniform_voting.rs";
    let json = |adv: &str| {
        let out = psync_verify(&["simulate", spec, "--runs", "150", "--adversary", adv, "--format", "json", "--quiet"]);
        assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
        serde_json::from_slice::<serde_json::Value>(&out.stdout).expect("JSON")
    };
    let r = json("omission");
    assert!(r["outside_safety"].as_u64().is_some_and(|k| k > 0), "{r}");
    assert_eq!(json("spec")["outside_safety"], 0);
    // When every run stops there, the report points at `--adversary spec`.
    let all_stopped = psync_verify(&["simulate", spec, "--runs", "20", "--adversary", "omission", "--drop", "0.9"]);
    let text = stdout(&all_stopped);
    assert!(text.contains("broke the spec's safety predicate: 20"), "{text}");
    assert!(text.contains("`--adversary spec` draws heard-of sets that satisfy the safety predicate"), "{text}");
}

/// A spec with parameters runs with their values (`--param f=1`, the
/// assumption `n > 2f` holding for n = 4); a missing value, an unknown
/// name or values that break the assumption are usage errors.
#[test]
fn parameters_are_given_with_param_and_checked_against_the_assumptions() {
    let spec = "zoo/quorum_vote.rs";
    let ok = psync_verify(&["simulate", spec, "--runs", "50", "--param", "f=1", "--quiet"]);
    assert_eq!(ok.status.code(), Some(0), "{}{}", stdout(&ok), stderr(&ok));
    assert!(stdout(&ok).contains("violations: none"), "{}", stdout(&ok));
    let cases: [(&[&str], &str); 3] = [
        (&[], "give its value with --param f=VALUE"),
        (&["--param", "g=1"], "declares no parameter `g`"),
        (&["--param", "f=2"], "does not hold for n = 4"),
    ];
    for (extra, message) in cases {
        let mut args = vec!["simulate", spec, "--runs", "5", "--quiet"];
        args.extend_from_slice(extra);
        let o = psync_verify(&args);
        assert_eq!(o.status.code(), Some(3), "{extra:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(message), "{extra:?}: {}", stderr(&o));
    }
}

/// Ben-Or's coin is a helper: its result is drawn among the values its
/// contract allows, from the run's seed, so the runs are clean under the
/// spec's own heard-of sets and the trace replays exactly.
#[test]
fn helper_results_are_drawn_and_replay_from_the_seed() {
    let trace = scratch("ben_or.trace.json");
    let trace = trace.to_str().expect("UTF-8 path");
    let spec = "zoo/ben_or.rs";
    let run = psync_verify(&["simulate", spec, "--runs", "100", "--param", "f=1", "--adversary", "spec", "--trace-out", trace, "--quiet"]);
    assert_eq!(run.status.code(), Some(0), "{}{}", stdout(&run), stderr(&run));
    assert!(stdout(&run).contains("violations: none"), "{}", stdout(&run));
    let replay = psync_verify(&["simulate", spec, "--replay", trace, "--quiet"]);
    assert_eq!(replay.status.code(), Some(0), "{}{}", stdout(&replay), stderr(&replay));
    assert!(stdout(&replay).contains("the replay reproduces every recorded state"), "{}", stdout(&replay));
    // A helper whose contract allows any integer (`pick`) runs too.
    let out = psync_verify(&["simulate", "tests/inputs/helper_result.rs", "--runs", "3", "--quiet"]);
    assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
}

/// A_T,E under `--adversary spec`: some heard messages arrive altered
/// (within the spec's bound `|AHO(p)| ≤ α`), the monitors find nothing,
/// the trace records the altered payloads, and its replay re-injects them
/// and reproduces every state.
#[test]
fn value_faults_are_injected_within_the_bound_and_replay_exactly() {
    let trace = scratch("ate.trace.json");
    let params = ["--param", "T=6", "--param", "E=6", "--param", "alpha=1"];
    // The first of the seeds 0..20 whose run has an altered message (the
    // adversary alters messages in some rounds only).
    let t = (0..20)
        .find_map(|seed: u64| {
            let seed = seed.to_string();
            let mut args = vec!["simulate", "zoo/ate.rs", "--n", "7", "--runs", "1", "--rounds", "12", "--seed", &seed, "--adversary", "spec", "--quiet"];
            args.extend_from_slice(&params);
            args.extend_from_slice(&["--trace-out", trace.to_str().expect("utf-8 path")]);
            clean(&args);
            let t: serde_json::Value = serde_json::from_slice(&std::fs::read(&trace).expect("trace written")).expect("JSON");
            let rounds = t["rounds"].as_array().expect("rounds");
            rounds.iter().any(|r| r["altered"].as_array().is_some_and(|a| !a.is_empty())).then_some(t)
        })
        .expect("an altered message in the 12 rounds of one of 20 runs");
    let rounds = t["rounds"].as_array().expect("rounds");
    for r in rounds {
        let mut per_receiver = std::collections::BTreeMap::<u64, usize>::new();
        for m in r["altered"].as_array().into_iter().flatten() {
            let (from, to) = (m["from"].as_u64().expect("from"), m["to"].as_u64().expect("to"));
            assert!(r["ho"][to as usize].as_array().expect("ho").iter().any(|q| q.as_u64() == Some(from)), "altered but not heard: {m}");
            *per_receiver.entry(to).or_default() += 1;
        }
        assert!(per_receiver.values().all(|&k| k <= 1), "more than α = 1 altered messages at a receiver: {r}");
    }
    clean(&["simulate", "zoo/ate.rs", "--replay", trace.to_str().expect("utf-8 path"), "--quiet"]);
    let replay = psync_verify(&["simulate", "zoo/ate.rs", "--replay", trace.to_str().expect("utf-8 path"), "--quiet"]);
    assert!(stdout(&replay).contains("the replay reproduces every recorded state"), "{}", stdout(&replay));
}

/// `check --cex-dir` on an algorithm with value faults: the counterexample
/// of a spec that does not bound the altered messages shows them, its
/// trace records them, and the replay re-injects them, computes the same
/// post-state and sees the broken invariant.
#[test]
fn a_counterexample_with_altered_messages_replays_in_the_interpreter() {
    let spec = patched_spec(
        "encodings/tests/specs/altered_zero.rs",
        "w.forall(|p| w.aho(p).len() as i64 <= w.param(\"a\"))",
        "true",
        "altered_zero_unbounded.rs",
    );
    let dir = scratch("cex_altered");
    let _ = std::fs::remove_dir_all(&dir);
    let dir_s = dir.display().to_string();
    let out = psync_verify(&["check", &spec, "--vc", "altered_zero/inductive/inv0/round0", "--cex-dir", &dir_s]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(stdout(&out).contains("altered (AHO)"), "{}", stdout(&out));
    let trace = dir.join("altered_zero_inductive_inv0_round0.json");
    let t: serde_json::Value = serde_json::from_slice(&std::fs::read(&trace).expect("trace written")).expect("JSON");
    let altered = t["rounds"][0]["altered"].as_array().expect("altered messages recorded");
    assert!(altered.iter().any(|m| m["payload"] != serde_json::json!(0)), "{t}");
    let again = psync_verify(&["simulate", &spec, "--replay", &trace.display().to_string(), "--format", "json"]);
    assert_eq!(again.status.code(), Some(1), "{}{}", stdout(&again), stderr(&again));
    let a: serde_json::Value = serde_json::from_slice(&again.stdout).expect("JSON");
    assert!(a["diverged"].is_null(), "the interpreter computes the counterexample's post-state: {a}");
    let seen: Vec<&str> = a["violations"].as_array().expect("a list").iter().filter_map(|v| v["what"].as_str()).collect();
    assert!(seen.contains(&"Inv_0"), "{a}");
}

/// Tuple inputs are drawn component by component (a Raft election whose
/// input is `(timer fired, last log index)`): the correct spec runs with no
/// violation, and voting more than once breaks ElectionSafety.
#[test]
fn tuple_inputs_are_drawn_and_a_double_vote_elects_two_leaders() {
    let spec = "encodings/tests/specs/raft_election.rs";
    let out = psync_verify(&["simulate", spec, "--runs", "200", "--format", "json", "--quiet"]);
    assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(r["violations"].as_array().map(Vec::len), Some(0), "{r}");
    let bad = patched_spec(spec, "if p.voted_for.is_none() {", "if true {", "raft_double_vote.rs");
    let out = psync_verify(&["simulate", &bad, "--runs", "500"]);
    assert!(stdout(&out).contains("property ElectionSafety"), "{}{}", stdout(&out), stderr(&out));
}
