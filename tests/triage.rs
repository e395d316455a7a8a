//! Real bug or weak invariant: a refuted inductiveness VC of `Inv_0` or
//! property VC gets a search from initial states. On OTR deciding on a bare
//! majority (a real bug) a run reaches the violation; on OTR with a correct
//! algorithm but an invariant too weak to be inductive, none does; a
//! property false on runs is reached, and so is a run with the good phases
//! that does not terminate. The specs are made from
//! `zoo/otr.rs` at test time.

use std::path::{Path, PathBuf};
use std::process::Command;

/// `zoo/otr.rs` with the one occurrence of `from` replaced by `to`,
/// written to a scratch file.
fn variant(name: &str, from: &str, to: &str) -> PathBuf {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/zoo/otr.rs")).expect("the benchmark");
    assert_eq!(text.matches(from).count(), 1, "`{from}` must occur exactly once");
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::write(&path, text.replace(from, to)).expect("scratch file");
    path
}

/// The `triage` of `otr/inductive/inv0/round0` in the JSON report.
fn triage(spec: &Path) -> serde_json::Value {
    triage_of(spec, "otr/inductive/inv0/round0")
}

/// The `triage` of the refuted VC `id` in the JSON report.
fn triage_of(spec: &Path, id: &str) -> serde_json::Value {
    let out = Command::new(env!("CARGO_BIN_EXE_psync-verify"))
        .args(["check", spec.to_str().expect("UTF-8 path"), "--vc", id, "--format", "json", "--quiet"])
        .output()
        .expect("the psync-verify binary runs");
    assert_eq!(out.status.code(), Some(1), "refuted: {}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let vc = &report["vcs"][0];
    assert_eq!(vc["verdict"], "refuted", "{vc}");
    vc["triage"].clone()
}

/// Whether a process of the triage's run misses its own message.
fn misses_own_message(t: &serde_json::Value) -> bool {
    t["trace"]["rounds"].as_array().expect("rounds").iter().any(|r| {
        let ho = r["ho"].as_array().expect("heard-of sets");
        ho.iter().enumerate().any(|(p, h)| !h.as_array().expect("a set").iter().any(|q| q.as_u64() == Some(p as u64)))
    })
}

#[test]
fn a_real_bug_is_reachable_from_initial_states() {
    let spec = variant("otr_bare_majority.rs", "if 3 * mbox.count(|&v| v == p.x) > 2 * cx.n() {", "if 2 * mbox.count(|&v| v == p.x) > cx.n() {");
    let t = triage(&spec);
    assert_eq!(t["result"], "reachable", "{t}");
    assert_eq!(t["violated"], "Inv_0", "{t}");
    // A process of the run misses its own message, but the run with every
    // process hearing itself violates `Inv_0` too: no note about it.
    assert!(misses_own_message(&t), "the test needs a run where a process misses its own message: {t}");
    assert_eq!(t["needs_lost_self_message"], false, "{t}");
    // The run is a trace `simulate --replay` reproduces.
    let trace = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("otr_bare_majority.trace.json");
    std::fs::write(&trace, serde_json::to_string(&t["trace"]).expect("JSON")).expect("scratch file");
    let replay = Command::new(env!("CARGO_BIN_EXE_psync-verify"))
        .args(["simulate", spec.to_str().expect("UTF-8 path"), "--replay", trace.to_str().expect("UTF-8 path"), "--quiet"])
        .output()
        .expect("the psync-verify binary runs");
    let shown = String::from_utf8_lossy(&replay.stdout);
    assert_eq!(replay.status.code(), Some(1), "the replay violates again: {shown}{}", String::from_utf8_lossy(&replay.stderr));
    assert!(shown.contains("Inv_0"), "{shown}");
}

#[test]
fn a_weak_invariant_of_a_correct_algorithm_is_a_likely_counterexample_to_induction() {
    let spec = variant(
        "otr_weak_invariant.rs",
        "|| w.exists_value(|v: i64| 3 * w.count(|i| w[i].x == v) > 2 * n && agreed_on(v))),",
        "|| w.exists_value(|v: i64| agreed_on(v))),",
    );
    let t = triage(&spec);
    assert_eq!(t["result"], "not_reached", "{t}");
    assert!(t["runs"].as_u64().is_some_and(|r| r > 0), "{t}");
}

/// "Nobody decides anew" as a transition property: refuted from `Inv_0`,
/// and false on the first run where someone decides.
#[test]
fn a_property_false_on_runs_is_reachable() {
    let spec = variant(
        "otr_no_new_decision.rs",
        "w.forall(|i| implies(w.old(i).decided, w[i].decided && w.old(i).decision == w[i].decision)),",
        "w.forall(|i| implies(w[i].decided, w.old(i).decided)),",
    );
    let t = triage_of(&spec, "otr/property/irrevocability/round0");
    assert_eq!(t["result"], "reachable", "{t}");
    assert_eq!(t["violated"], "property Irrevocability", "{t}");
}

/// Deciding only on all `n` votes is safe, but the good round (a common
/// heard-of set of more than 2n/3) need not hold everyone: the progress VC
/// is refuted, and a run with the good phases ends without a decision.
#[test]
fn a_progress_failure_is_reachable_as_a_run_that_does_not_terminate() {
    let spec = variant("otr_decide_on_all.rs", "if 3 * mbox.count(|&v| v == p.x) > 2 * cx.n() {", "if mbox.count(|&v| v == p.x) == cx.n() {");
    let t = triage_of(&spec, "otr/progress/inv1/round0");
    assert_eq!(t["result"], "reachable", "{t}");
    assert!(t["violated"].as_str().is_some_and(|v| v.starts_with("property Termination")), "{t}");
}

/// A run is reported by its violation of the refuted VC's own monitor when
/// it has one: OTR deciding on a bare majority with "nobody decides anew"
/// as its Irrevocability breaks both on runs; the inductive VC's search
/// names `Inv_0`, the property VC's names the property.
#[test]
fn a_run_is_named_by_the_violation_the_vc_is_about() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/zoo/otr.rs")).expect("the benchmark");
    let text = text
        .replacen("if 3 * mbox.count(|&v| v == p.x) > 2 * cx.n() {", "if 2 * mbox.count(|&v| v == p.x) > cx.n() {", 1)
        .replacen(
            "w.forall(|i| implies(w.old(i).decided, w[i].decided && w.old(i).decision == w[i].decision)),",
            "w.forall(|i| implies(w[i].decided, w.old(i).decided)),",
            1,
        );
    let spec = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("otr_bare_majority_no_new_decision.rs");
    std::fs::write(&spec, text).expect("scratch file");
    let t = triage(&spec);
    assert_eq!((&t["result"], &t["violated"]), (&serde_json::json!("reachable"), &serde_json::json!("Inv_0")), "{t}");
    let t = triage_of(&spec, "otr/property/irrevocability/round0");
    assert_eq!((&t["result"], &t["violated"]), (&serde_json::json!("reachable"), &serde_json::json!("property Irrevocability")), "{t}");
}

/// The runs let a process miss its own message, as the Heard-Of model the
/// proof assumes does: max gossip keeping only the largest value heard
/// (not its own as well) is refuted, a run where a process does not hear
/// itself reaches the violation, and the report says what the runtime
/// does differently and what to state in `safety`; with that stated, the
/// variant is proved.
#[test]
fn a_bug_that_needs_a_lost_self_message_is_reachable_and_named() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/inputs/max_gossip.rs")).expect("the spec");
    let from = "p.x = p.x.max(m);";
    assert_eq!(text.matches(from).count(), 1);
    let broken = text.replace(from, "p.x = m;");
    let spec = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("max_gossip_heard_only.rs");
    std::fs::write(&spec, &broken).expect("scratch file");
    let t = triage_of(&spec, "max_gossip/property/monotone/round0");
    assert_eq!(t["result"], "reachable", "{t}");
    assert!(misses_own_message(&t), "a process misses its own message: {t}");
    assert_eq!(t["needs_lost_self_message"], true, "{t}");
    let human = Command::new(env!("CARGO_BIN_EXE_psync-verify"))
        .args(["check", spec.to_str().expect("UTF-8 path"), "--vc", "max_gossip/property/monotone/round0"])
        .output()
        .expect("the psync-verify binary runs");
    let shown = String::from_utf8_lossy(&human.stdout);
    assert!(shown.contains("does not hear itself") && shown.contains("w.forall(|p| w.ho(p).contains(p))"), "{shown}");
    let hearing_itself =
        broken.replacen("impl Spec for MaxGossip {\n", "impl Spec for MaxGossip {\n    fn safety(w: &World<Self>) -> bool {\n        w.forall(|p| w.ho(p).contains(p))\n    }\n\n", 1);
    let stated = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("max_gossip_hearing_itself.rs");
    std::fs::write(&stated, hearing_itself).expect("scratch file");
    let out = Command::new(env!("CARGO_BIN_EXE_psync-verify"))
        .args(["check", stated.to_str().expect("UTF-8 path"), "--quiet"])
        .output()
        .expect("the psync-verify binary runs");
    assert_eq!(out.status.code(), Some(0), "proved: {}", String::from_utf8_lossy(&out.stdout));
}
