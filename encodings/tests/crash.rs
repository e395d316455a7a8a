//! Crash faults (`encodings/SPEC_LANGUAGE.md`, *Crash faults*): a safety
//! predicate on the HO sets and the pre-state's ghost `heard`, which
//! `ProcSet::new()` starts empty. The spec is
//! `zoo/floodmin_crash.rs`, patched here and there.

use psync_encodings::{parse_spec, vc::transition};
use psync_logic::{Op, Term};

mod common;
use common::expect_error;

const FLOODMIN_CRASH: &str = include_str!("../../zoo/floodmin_crash.rs");

/// The spec with `from` (which must occur exactly once) replaced by `to`.
fn patched(from: &str, to: &str) -> String {
    common::patched(FLOODMIN_CRASH, from, to)
}

#[test]
fn the_crash_predicate_reads_the_pre_state_and_the_ho_sets_of_the_round() {
    let alg = parse_spec("floodmin_crash.rs", FLOODMIN_CRASH).unwrap_or_else(|e| panic!("{}", e.short()));
    let (_, heard0) = alg.init.iter().find(|(f, _)| f == "heard").expect("heard is initialised");
    assert!(matches!(heard0, Term::Op(Op::Empty(_), _)), "ProcSet::new() is ∅: {heard0:?}");
    let tr = transition(&alg, 0);
    let safety = tr.conjuncts.iter().find(|c| c.label == "safety predicate on HO").expect("the round assumes safety");
    let text = format!("{:?}", safety.term);
    assert!(text.contains("\"heard\"") && !text.contains("heard.post"), "the pre-state's `heard`: {text}");
    assert!(text.contains("HO"), "the round's HO sets: {text}");
}

#[test]
fn proc_set_new_takes_no_argument() {
    let src = patched("heard: ProcSet::new() }", "heard: ProcSet::new(3) }");
    expect_error(&src, "unknown function `ProcSet::new`", "heard: ProcSet::new(3) }", "ProcSet::new(3)");
}

#[test]
fn the_ghost_crash_record_cannot_steer_the_messages() {
    let src = patched("Outbox::broadcast(p.x)", "if p.heard.is_empty() { Outbox::broadcast(p.x) } else { Outbox::none() }");
    let e = parse_spec("bad.rs", &src).expect_err("a ghost read in send");
    assert!(e.message.contains("ghost"), "{}", e.short());
}

#[test]
fn ho_sets_stay_out_of_invariants() {
    let src = patched("let uniform = w.forall(|i| w.forall(|j| w[i].x == w[j].x));", "let uniform = w.forall(|i| w.ho(i).len() == w.n());");
    expect_error(&src, "`w.ho(..)`", "let uniform = w.forall(|i| w.ho(i).len()", "ho(i)");
}
