//! Parameters and assumptions: `const PARAMS` in `impl Process`,
//! `cx.param("f")` / `w.param("f")`, `fn assumptions` in `impl Spec`.
//! A parameter is a rigid integer constant, every assumption a hypothesis
//! of every VC (and of the vacuity review); misuse is a located error.
//! The spec is `zoo/quorum_vote.rs` (a decision needs `n − f` equal
//! votes), patched here and there.


use psync_encodings::ir::names;
use psync_encodings::{Algorithm, Verdict, generate_vcs, parse_spec};

mod common;
use common::{expect_error, verdict};

const QUORUM_VOTE: &str = include_str!("../../zoo/quorum_vote.rs");
const ASSUMPTIONS: &str = "vec![w.n() as i64 > 2 * w.param(\"f\"), w.param(\"f\") >= 0]";

fn patched(from: &str, to: &str) -> String {
    common::patched(QUORUM_VOTE, from, to)
}

fn load(text: &str) -> Algorithm {
    common::load("quorum_vote.rs", text)
}

#[test]
fn a_parameter_is_a_rigid_constant_and_assumptions_are_hypotheses_of_every_vc() {
    let alg = load(QUORUM_VOTE);
    assert_eq!(alg.params.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(), vec!["f"]);
    assert_eq!(alg.spec.assumptions.len(), 2);
    let f = names::param("f");
    for vc in generate_vcs(&alg) {
        for a in &alg.spec.assumptions {
            assert!(vc.hypotheses.iter().any(|h| h.term == a.term && h.label.starts_with("assumption: ")), "{}: lacks {}", vc.id, a.text);
        }
        // Rigid: the post-state has no copy of it.
        let text = format!("{:?}", vc.formula());
        assert!(!text.contains("param.f.post"), "{}", vc.id);
    }
    let update = format!("{:?}", alg.rounds[0].update);
    assert!(update.contains(&format!("{:?}", f)), "the round reads the constant: {update}");
}

#[test]
fn agreement_holds_when_n_is_more_than_twice_f_and_not_without_it() {
    let alg = load(QUORUM_VOTE);
    for id in ["quorum_vote/inductive/inv0/round0", "quorum_vote/property/agreement/inv0"] {
        assert!(matches!(verdict(&alg, id), Verdict::Proved), "{id}");
    }
    let weaker = load(&patched(ASSUMPTIONS, "vec![w.param(\"f\") >= 0]"));
    match verdict(&weaker, "quorum_vote/property/agreement/inv0") {
        Verdict::Refuted(cex) => {
            assert!(cex.confirmed, "{cex}");
            let f = cex.params.iter().find(|(name, _)| name == "f").expect("the counterexample gives f").1;
            assert!(i64::from(cex.n) <= 2 * f, "a counterexample needs n ≤ 2f:\n{cex}");
            assert!(cex.to_string().contains("parameters: f = "), "{cex}");
        }
        other => panic!("agreement without n > 2f: {other:?}"),
    }
}

#[test]
fn unsatisfiable_assumptions_make_the_vcs_vacuous() {
    let alg = load(&patched(ASSUMPTIONS, "vec![w.n() as i64 > 2 * w.param(\"f\"), w.param(\"f\") >= w.n() as i64]"));
    for id in ["quorum_vote/init/inv0/start", "quorum_vote/property/agreement/inv0"] {
        match verdict(&alg, id) {
            Verdict::Vacuous(why) => {
                assert_eq!(why.method.as_deref(), Some("assumptions"), "{id}: {why:?}");
                assert!(why.assumption.contains("assumptions on the parameters"), "{id}: {why:?}");
            }
            other => panic!("{id}: expected vacuous, got {other:?}"),
        }
    }
    // One assumption alone unsatisfiable: it is named and located.
    let alg = load(&patched(ASSUMPTIONS, "vec![w.param(\"f\") >= 0, w.param(\"f\") < w.param(\"f\")]"));
    match verdict(&alg, "quorum_vote/property/agreement/inv0") {
        Verdict::Vacuous(why) => {
            assert_eq!(why.assumption, "assumption 1 on the parameters");
            let line = QUORUM_VOTE.lines().position(|l| l.contains(ASSUMPTIONS)).expect("marker") + 1;
            assert_eq!(why.loc.map(|l| l.line), Some(line));
        }
        other => panic!("expected vacuous, got {other:?}"),
    }
}

#[test]
fn an_unknown_parameter_is_a_located_error() {
    let src = patched("cx.n() as i64 - cx.param(\"f\")", "cx.n() as i64 - cx.param(\"t\")");
    expect_error(&src, "unknown parameter `t`", "cx.param(\"t\")", "\"t\"");
    let src = patched("w.param(\"f\") >= 0]", "w.param(\"g\") >= 0]");
    expect_error(&src, "unknown parameter `g`", "w.param(\"g\")", "\"g\"");
    // Without a declaration, no parameter is known.
    let src = patched("    const PARAMS: &'static [&'static str] = &[\"f\"];\n", "");
    expect_error(&src, "unknown parameter `f`", "cx.param(\"f\")", "\"f\"");
    let e = parse_spec("bad.rs", &src).expect_err("rejected");
    assert!(format!("{:?}", miette::Report::new(e)).contains("declares no parameters"));
}

#[test]
fn a_parameter_name_is_a_declared_string_literal() {
    let src = patched("cx.n() as i64 - cx.param(\"f\")", "cx.n() as i64 - cx.param(NAME)");
    expect_error(&src, "named by a string literal", "cx.param(NAME)", "NAME");
    let src = patched("&[\"f\"];", "&[\"f\", \"f\"];");
    expect_error(&src, "declared twice", "const PARAMS", "\"f\"]");
    let src = patched("&[\"f\"];", "&[\"two words\"];");
    expect_error(&src, "is not a parameter name", "const PARAMS", "\"two words\"");
    let src = patched("&[\"f\"];", "&NAMES;");
    expect_error(&src, "expected a list of parameter names", "const PARAMS", "NAMES");
}

#[test]
fn an_assumption_speaks_of_the_parameters_and_n_only() {
    let src = patched(ASSUMPTIONS, "vec![w.forall(|i| w[i].x >= w.param(\"f\"))]");
    expect_error(&src, "this one uses a quantifier", "vec![w.forall", "w.forall");
    let src = patched(ASSUMPTIONS, "vec![w.round() as i64 >= w.param(\"f\")]");
    expect_error(&src, "uses the round number", "vec![w.round()", "w.round()");
    let src = patched(ASSUMPTIONS, "vec![w[w.coord()].x > w.param(\"f\")]");
    expect_error(&src, "this one uses `x`", "vec![w[w.coord()]", "w[w.coord()]");
    let src = patched(ASSUMPTIONS, "vec![w.ho(w.coord()).len() as i64 > w.param(\"f\")]");
    expect_error(&src, "`w.ho(..)` is not allowed here", "vec![w.ho", "ho");
    let src = patched(ASSUMPTIONS, "vec![w.param(\"f\") + 1]");
    expect_error(&src, "type mismatch: expected a bool", "vec![w.param(\"f\") + 1]", "w.param");
}

#[test]
fn a_parameter_cannot_be_assigned_in_a_round() {
    let src = patched("            p.decided = true;\n", "            p.decided = true;\n            p.f = 2;\n");
    expect_error(&src, "`f` is a parameter: it cannot be assigned", "p.f = 2", "f = 2");
    let src = patched("            p.decided = true;\n", "            p.decided = true;\n            cx.param(\"f\") = 2;\n");
    expect_error(&src, "a parameter cannot be assigned", "cx.param(\"f\") = 2", "cx.param");
    // A local binding is no state either: the message says why.
    let src = patched("            p.decided = true;\n", "            let mut v = 1;\n            v = 2;\n            p.decided = v > 0;\n");
    expect_error(&src, "a local `let` binding is immutable", "v = 2;", "v = 2");
}
