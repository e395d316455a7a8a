//! Vacuous proofs are caught: a VC whose hypotheses are unsatisfiable is
//! `Vacuous`, never `Proved`, with the assumption responsible named and
//! located. Each spec here is `zoo/otr.rs` with one textual patch
//! (whose `from` must occur exactly once), so the base stays the spec that
//! is proved.

use std::time::Duration;

use psync_encodings::{Algorithm, NO_HINTS, Vacuity, Verdict, check_vc, generate_vcs, parse_spec};
use psync_logic::check::CheckConfig;
use psync_logic::smt::Z3InProcess;

const OTR: &str = include_str!("../../zoo/otr.rs");

/// `zoo/otr.rs` with `from` replaced by `to`.
fn patched(from: &str, to: &str) -> Algorithm {
    assert_eq!(OTR.matches(from).count(), 1, "the patch site must occur once: {from}");
    parse_spec("otr-patched.rs", &OTR.replacen(from, to, 1)).expect("in the subset")
}

/// A safety predicate added to `impl Spec for Otr`, with `doc` lines above it.
fn with_safety(doc: &str, body: &str) -> Algorithm {
    let from = "impl Spec for Otr {\n";
    patched(from, &format!("{from}    {doc}\n    fn safety(w: &World<Self>) -> bool {{\n        {body}\n    }}\n\n"))
}

fn check(alg: &Algorithm, id: &str) -> Verdict {
    check_within(alg, id, Duration::from_secs(60))
}

fn check_within(alg: &Algorithm, id: &str, timeout: Duration) -> Verdict {
    let vc = generate_vcs(alg).into_iter().find(|v| v.id == id).unwrap_or_else(|| panic!("no VC {id}"));
    let cfg = CheckConfig { timeout, ..CheckConfig::default() };
    check_vc(alg, &vc, &cfg, &Z3InProcess::new(), &NO_HINTS).expect("checkable").verdict
}

fn vacuity(v: Verdict) -> Vacuity {
    match v {
        Verdict::Vacuous(why) => *why,
        other => panic!("expected a vacuous verdict, got {other:?}"),
    }
}

#[test]
fn a_false_safety_predicate_makes_every_round_vc_vacuous() {
    let alg = with_safety("", "false");
    let why = vacuity(check(&alg, "otr/inductive/inv0/round0"));
    assert_eq!(why.assumption, "the safety predicate");
    assert_eq!(why.method.as_deref(), Some("safety"));
    let loc = why.loc.expect("a spec predicate is located");
    assert_eq!(OTR[..OTR.find("impl Spec for Otr {").unwrap()].lines().count() + 4, loc.line, "the line of `false`");
    assert!(!why.allowed);
    // A VC without a transition does not assume the safety predicate.
    assert!(matches!(check(&alg, "otr/property/agreement/inv0"), Verdict::Proved));
}

#[test]
fn a_safety_predicate_of_several_conjuncts_is_named() {
    let alg = with_safety("", "w.n() > 0 && w.forall(|p| w.ho(p).len() > w.n())");
    let why = vacuity(check(&alg, "otr/inductive/inv0/round0"));
    assert_eq!(why.assumption, "the safety predicate");
}

#[test]
fn a_safety_predicate_that_stops_the_rounds_makes_their_proofs_vacuous() {
    // Satisfiable at round 0 only: the hypotheses have a model there, yet
    // no run gets through round 1.
    let alg = with_safety("", "w.round() == 0 && w.forall(|p| w.ho(p).contains(p))");
    let why = vacuity(check(&alg, "otr/inductive/inv0/round0"));
    assert!(why.assumption.starts_with("at round 1, the safety predicate"), "{}", why.assumption);
    assert_eq!(why.method.as_deref(), Some("safety"));
    assert!(why.loc.is_some());
    // Satisfiable up to some round: dies far out.
    let alg = with_safety("", "w.round() < 100 && w.forall(|p| w.ho(p).contains(p))");
    let why = vacuity(check(&alg, "otr/inductive/inv0/round0"));
    assert!(why.assumption.starts_with("at round 1000000, the safety predicate"), "{}", why.assumption);
    // Round 0 special, every round satisfiable: a proof.
    let alg = with_safety("", "w.round() == 0 || w.forall(|p| w.ho(p).contains(p))");
    assert!(matches!(check(&alg, "otr/inductive/inv0/round0"), Verdict::Proved));
}

#[test]
fn a_safety_predicate_no_small_system_meets_makes_the_proofs_vacuous() {
    // `|HO(p)| ≥ 2` for every `p`: no heard-of sets with one process,
    // which OTR's assumptions (none) allow.
    let alg = with_safety("", "w.forall(|p| 2 * w.ho(p).len() > w.n() + 2)");
    let why = vacuity(check(&alg, "otr/property/irrevocability/round0"));
    assert!(why.assumption.starts_with("with 1 process, the safety predicate"), "{}", why.assumption);
    assert_eq!(why.method.as_deref(), Some("safety"));
    // Stated as an assumption on `n`, it is not blamed.
    let text = OTR.replacen("impl Spec for Otr {\n", "impl Spec for Otr {\n    fn assumptions(w: &World<Self>) -> Vec<bool> {\n        vec![w.n() > 3]\n    }\n\n    fn safety(w: &World<Self>) -> bool {\n        w.forall(|p| 2 * w.ho(p).len() > w.n() + 2)\n    }\n\n", 1);
    let alg = parse_spec("otr-large.rs", &text).expect("in the subset");
    // (The review finds a model of the hypotheses with 4 processes.)
    let vc = generate_vcs(&alg).into_iter().find(|v| v.id == "otr/property/irrevocability/round0").expect("a VC");
    let out = check_vc(&alg, &vc, &CheckConfig { timeout: Duration::from_secs(60), ..CheckConfig::default() }, &Z3InProcess::new(), &NO_HINTS).expect("checkable");
    assert!(matches!(out.verdict, Verdict::Proved), "{:?}", out.verdict);
    assert_eq!(out.witness.map(|m| m.n), Some(4), "a model of the hypotheses, found by the search");
}

#[test]
fn an_unsatisfiable_safety_predicate_does_not_prove_a_false_property() {
    // `x` never changes: false for OTR, "proved" under a safety predicate
    // no heard-of sets satisfy.
    let props = "(\"Termination\",";
    let alg = patched(props, &format!("(\"Stable\", w.forall(|i| w.old(i).x == w[i].x)),\n            {props}"));
    // (A short budget: the refutation comes from the bounded search.)
    let without = check_within(&alg, "otr/property/stable/round0", Duration::from_secs(5));
    assert!(matches!(without, Verdict::Refuted(_)), "false without a safety predicate: {without:?}");
    let from = "impl Spec for Otr {\n";
    let text = OTR.replacen(props, &format!("(\"Stable\", w.forall(|i| w.old(i).x == w[i].x)),\n            {props}"), 1).replacen(
        from,
        &format!("{from}    fn safety(w: &World<Self>) -> bool {{\n        w.forall(|p| w.ho(p).len() > w.n())\n    }}\n\n"),
        1,
    );
    let alg = parse_spec("otr-stable.rs", &text).expect("in the subset");
    let why = vacuity(check(&alg, "otr/property/stable/round0"));
    assert_eq!(why.assumption, "the safety predicate");
}

#[test]
fn an_unsatisfiable_liveness_predicate_makes_progress_vacuous() {
    let alg = patched("3 * s.len() > 2 * w.n());", "2 * s.len() > 2 * w.n());");
    let why = vacuity(check(&alg, "otr/progress/inv0/round0"));
    assert_eq!(why.assumption, "liveness predicate L_0");
    assert_eq!(why.method.as_deref(), Some("liveness"));
    assert!(matches!(check(&alg, "otr/inductive/inv0/round0"), Verdict::Proved));
}

#[test]
fn a_false_invariant_is_named() {
    // Inv_1 = false: the init VC (about Inv_0) is unaffected, every VC
    // assuming Inv_1 is vacuous.
    let alg = patched("keeps_init && w.exists_value(|v: i64| w.count(|i| w[i].x == v) == n && agreed_on(v)),", "false,");
    let why = vacuity(check(&alg, "otr/inductive/inv1/round0"));
    assert_eq!(why.assumption, "invariant Inv_1");
    assert!(matches!(check(&alg, "otr/init/inv0/start"), Verdict::Proved));
}

#[test]
fn a_marked_method_allows_its_vacuity() {
    let alg = with_safety("/// (allow vacuous) no run is admitted: a teaching example.", "false");
    let why = vacuity(check(&alg, "otr/inductive/inv0/round0"));
    assert!(why.allowed);
}

#[test]
fn assumptions_unsatisfiable_only_together_are_named_together() {
    // Each alone is satisfiable; together with Inv_0's "nobody decided or a
    // 2n/3 majority agrees", a state where everyone decided on two values
    // is impossible.
    let from = "        let good = w.exists_set(|s| w.forall(|p| w.ho(p) == s) && 3 * s.len() > 2 * w.n());";
    let to = "        let good = w.exists_set(|s| w.forall(|p| w.ho(p) == s) && 3 * s.len() > 2 * w.n()) \
              && w.exists(|i| w[i].decided && w[i].decision == 0) && w.exists(|i| w[i].decided && w[i].decision == 1);";
    let alg = patched(from, to);
    let why = vacuity(check(&alg, "otr/progress/inv0/round0"));
    assert_eq!(why.assumption, "invariant Inv_0 with liveness predicate L_0");
    assert_eq!(why.loc, None);
}
