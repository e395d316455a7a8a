//! Value faults: `const VALUE_FAULTS: bool = true;` in `impl Process`,
//! `w.aho(p)` / `w.sho(p)` in `safety` and `liveness`. A message from a
//! sender in `AHO(p)` carries an arbitrary payload: a spec whose property
//! an altered payload breaks is refuted with a confirmed counterexample,
//! and proved once the spec bounds `|AHO(p)|`. Misuse is a located error.


use psync_encodings::ir::names;
use psync_encodings::{Algorithm, Verdict, generate_vcs};

mod common;
use common::{expect_error, verdict};

const ALTERED_ZERO: &str = include_str!("specs/altered_zero.rs");
const SAFETY: &str = "w.forall(|p| w.aho(p).len() as i64 <= w.param(\"a\"))";

fn patched(from: &str, to: &str) -> String {
    common::patched(ALTERED_ZERO, from, to)
}

fn load(text: &str) -> Algorithm {
    common::load("altered_zero.rs", text)
}

const INDUCTIVE: &str = "altered_zero/inductive/inv0/round0";

#[test]
fn a_received_payload_is_the_altered_one_for_senders_in_aho() {
    let alg = load(ALTERED_ZERO);
    assert!(alg.value_faults.is_some());
    assert_eq!(alg.rounds[0].altered.len(), 1);
    assert_eq!(alg.rounds[0].altered[0].args.len(), 2, "alt(sender, receiver)");
    let update = format!("{:?}", alg.rounds[0].update);
    assert!(update.contains(names::AHO) && update.contains("alt.r0"), "{update}");
    for vc in generate_vcs(&alg).iter().filter(|v| v.round.is_some()) {
        assert!(vc.hypotheses.iter().any(|h| h.label == psync_encodings::vc::ALTERED_LABEL), "{}: no AHO ⊆ HO", vc.id);
    }
    // Without the declaration, the same round reads what was sent.
    let plain = load(&patched("    const VALUE_FAULTS: bool = true;\n", "").replace(SAFETY, "true"));
    assert!(plain.value_faults.is_none() && plain.rounds[0].altered.is_empty());
    assert!(!format!("{:?}", plain.rounds[0].update).contains(names::AHO));
}

/// A mailbox count under value faults is one set of senders, tested on the
/// payload as received (`ite(s ∈ AHO(p), alt(s, p), sent)`), not a sum of
/// a count over the safe senders and one over the altered ones: the same
/// number, with half the sets for the reduction to relate.
#[test]
fn a_count_under_value_faults_is_one_set_over_the_received_payload() {
    use psync_encodings::ir::Stmt;
    use psync_logic::{Op, Term};
    let alg = load(ALTERED_ZERO);
    let Some(Stmt::If { cond, .. }) = alg.rounds[0].update.first() else {
        panic!("the update starts with the alarm's `if`: {:?}", alg.rounds[0].update)
    };
    let mut counts = Vec::new();
    cond.visit(&mut |t| {
        if let Term::Op(Op::Card, args) = t {
            counts.push(args[0].clone());
        }
    });
    assert_eq!(counts.len(), 1, "one count: {cond:?}");
    let set = format!("{:?}", counts[0]);
    assert!(set.contains(names::AHO) && set.contains("alt.r0"), "the count reads the received payload: {set}");
}

#[test]
fn bounded_altered_messages_keep_the_property_and_unbounded_ones_break_it() {
    let alg = load(ALTERED_ZERO);
    assert!(matches!(verdict(&alg, INDUCTIVE), Verdict::Proved), "bounded |AHO| must be proved");
    let unbounded = load(&patched(SAFETY, "true"));
    match verdict(&unbounded, INDUCTIVE) {
        Verdict::Refuted(cex) => {
            assert!(cex.confirmed, "{cex}");
            // Everyone sends 0: the alarm comes from altered payloads, and
            // the counterexample shows them as received, from senders it
            // lists as altered.
            let altered: Vec<(u32, u32, String)> = cex
                .processes
                .iter()
                .flat_map(|p| p.mailbox.iter().flatten().map(move |(s, v)| (p.id, *s, v.clone())))
                .filter(|(_, _, v)| v != "0")
                .collect();
            assert!(!altered.is_empty(), "no altered payload shown:\n{cex}");
            for (p, s, _) in &altered {
                let aho = cex.processes[*p as usize].aho.as_ref().expect("an AHO column with value faults");
                assert!(aho.contains(s), "p{p} got a non-zero payload from p{s}, not in its AHO:\n{cex}");
            }
            assert!(cex.to_string().contains("altered (AHO)"), "{cex}");
        }
        other => panic!("an altered payload must break the invariant: {other:?}"),
    }
    // Without value faults nothing is altered, so no bound is needed.
    let plain = load(&patched("    const VALUE_FAULTS: bool = true;\n", "").replace(SAFETY, "true"));
    assert!(matches!(verdict(&plain, INDUCTIVE), Verdict::Proved));
}

#[test]
fn reading_aho_or_sho_without_declaring_value_faults_is_a_located_error() {
    let src = patched("    const VALUE_FAULTS: bool = true;\n", "");
    expect_error(&src, "does not declare value faults", "w.aho(p).len()", "aho");
    let src = src.replace(SAFETY, "w.forall(|p| w.sho(p).len() >= 1)");
    expect_error(&src, "does not declare value faults", "w.sho(p)", "sho");
}

#[test]
fn the_declaration_is_a_boolean_literal() {
    let src = patched("const VALUE_FAULTS: bool = true;", "const VALUE_FAULTS: bool = 1 > 0;");
    expect_error(&src, "VALUE_FAULTS", "VALUE_FAULTS", "const");
    let off = load(&patched("const VALUE_FAULTS: bool = true;", "const VALUE_FAULTS: bool = false;").replace(SAFETY, "true"));
    assert!(off.value_faults.is_none());
}

#[test]
fn altered_sets_belong_to_safety_and_liveness_only() {
    let src = patched("vec![w.forall(|i| w[i].x == 0 && !w[i].alarm)]", "vec![w.forall(|i| w[i].x == 0 && !w[i].alarm && w.aho(i).is_empty())]");
    expect_error(&src, "not allowed here", "w.aho(i).is_empty()", "aho");
    let src = patched("vec![w.param(\"a\") >= 0]", "vec![w.param(\"a\") >= 0 && w.forall(|p| w.aho(p).is_empty())]");
    expect_error(&src, "not allowed here", "w.aho(p).is_empty()", "aho");
}
