//! Front end: the benchmarks parse into the expected IR; bad input is a
//! located error, never a panic and never `true`.

use psync_encodings::ir::{PropertyKind, Stmt};
use psync_encodings::{MAX_NESTING, MAX_TERM_DEPTH, generate_vcs, load_spec, parse_spec};
use psync_logic::Sort;

fn bench(name: &str) -> String {
    format!("{}/../zoo/{name}.rs", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn otr_parses_into_the_expected_ir() {
    let alg = load_spec(bench("otr")).expect("otr.rs is in the subset");
    assert_eq!(alg.name, "otr");
    let fields: Vec<(&str, &Sort)> = alg.fields.iter().map(|f| (f.name.as_str(), &f.sort)).collect();
    assert_eq!(fields, vec![("x", &Sort::Int), ("decided", &Sort::Bool), ("decision", &Sort::Int)]);
    assert_eq!(alg.rounds.len(), 1);
    assert_eq!(alg.rounds[0].msg, Sort::Int);
    assert_eq!(alg.spec.invariants.len(), 3);
    assert_eq!(alg.spec.liveness.len(), 2);
    let kinds: Vec<(&str, PropertyKind)> = alg.spec.properties.iter().map(|p| (p.name.as_str(), p.kind)).collect();
    assert_eq!(
        kinds,
        vec![
            ("Termination", PropertyKind::Eventually),
            ("Agreement", PropertyKind::Safety),
            ("Validity", PropertyKind::Safety),
            ("Integrity", PropertyKind::Safety),
            ("Irrevocability", PropertyKind::Transition),
        ]
    );
    // min_most_often becomes a chosen value with its axiom and, the
    // round being a broadcast, the fact that one heard-of set makes one
    // choice; then the assignment.
    let Stmt::If { then, .. } = &alg.rounds[0].update[0] else { panic!("update starts with the quorum test") };
    assert!(matches!(&then[0], Stmt::Choose { what, .. } if what == "mbox.min_most_often"));
    assert!(matches!(&then[1], Stmt::ChoiceOfHeard { what, .. } if what.starts_with("mbox.min_most_often")));
    assert!(matches!(&then[2], Stmt::Assign { field, .. } if field == "x"));
}

/// The fact that one heard-of set makes one `min_most_often` value is
/// stated only where the heard-of set determines the mailbox: under value
/// faults (A_T,E: an altered payload depends on its receiver) only for the
/// processes with no altered message, and not at all when a message goes
/// to some processes only.
#[test]
fn one_heard_of_set_one_choice_only_where_the_mailbox_is_the_heard_of_set() {
    fn facts(stmts: &[Stmt]) -> usize {
        stmts
            .iter()
            .map(|s| match s {
                Stmt::ChoiceOfHeard { .. } => 1,
                Stmt::If { then, els, .. } => facts(then) + facts(els),
                _ => 0,
            })
            .sum()
    }
    let ate = load_spec(bench("ate")).expect("ate.rs is in the subset");
    assert_eq!(facts(&ate.rounds[0].update), 1, "value faults: one fact");
    let guarded = |stmts: &[Stmt]| stmts.iter().any(|s| matches!(s, Stmt::ChoiceOfHeard { unaltered_only: true, .. }));
    assert!(guarded(&ate.rounds[0].update), "value faults: the fact is about unaltered processes only");
    let otr = load_spec(bench("otr")).expect("otr.rs is in the subset");
    let Stmt::If { then, .. } = &otr.rounds[0].update[0] else { panic!("update starts with the quorum test") };
    assert!(!guarded(then), "no value faults: the fact is about every process");
    let otr = std::fs::read_to_string(bench("otr")).expect("zoo/otr.rs");
    let to_one = otr.replace("Outbox::broadcast(p.x)", "Outbox::to(cx.coord(), p.x)").replace("fn send(p: &Otr, _cx: &Ctx)", "fn send(p: &Otr, cx: &Ctx)");
    assert_ne!(to_one, otr);
    let alg = parse_spec("otr_to_one.rs", &to_one).expect("in the subset");
    assert_eq!(facts(&alg.rounds[0].update), 0, "a message to one process: no fact");
}

#[test]
fn last_voting_parses_into_the_expected_ir() {
    let alg = load_spec(bench("last_voting")).expect("last_voting.rs is in the subset");
    let names: Vec<&str> = alg.rounds.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, vec!["Collect", "Candidate", "Quorum", "Accept"]);
    assert_eq!(alg.rounds[0].msg, Sort::Tuple(vec![Sort::Int, Sort::Int]));
    assert_eq!(alg.spec.round_invariants.len(), 3);
    assert!(alg.spec.round_invariants.iter().all(|row| row.len() == 2));
}

#[test]
fn vc_ids_are_stable() {
    let ids: Vec<String> = generate_vcs(&load_spec(bench("otr")).unwrap()).into_iter().map(|v| v.id).collect();
    assert_eq!(
        ids,
        vec![
            "otr/init/inv0/start",
            "otr/inductive/inv0/round0",
            "otr/inductive/inv1/round0",
            "otr/inductive/inv2/round0",
            "otr/progress/inv0/round0",
            "otr/progress/inv1/round0",
            "otr/property/termination/inv2",
            "otr/property/agreement/inv0",
            "otr/property/validity/inv0",
            "otr/property/integrity/inv0",
            "otr/property/irrevocability/round0",
        ]
    );
    let lv = generate_vcs(&load_spec(bench("last_voting")).unwrap());
    assert_eq!(lv.len(), 1 + 2 * 4 + 4 + 3 + 1 + 4);
}

/// OTR's source with `from` replaced by `to` (which must occur once).
fn otr_with(from: &str, to: &str) -> String {
    let src = std::fs::read_to_string(bench("otr")).unwrap();
    assert_eq!(src.matches(from).count(), 1, "test setup: {from:?}");
    src.replacen(from, to, 1)
}

/// Parse, expect an error whose message contains `msg`, at the line holding `at`,
/// with `snippet` as the offending text.
fn expect_error(src: &str, msg: &str, at: &str, snippet: &str) {
    let e = parse_spec("bad.rs", src).expect_err("must be rejected");
    assert!(e.message.contains(msg), "message {:?} should contain {msg:?}", e.message);
    let line = src.lines().position(|l| l.contains(at)).expect("test setup: marker line") + 1;
    assert_eq!(e.line, line, "{}", e.short());
    let col = src.lines().nth(line - 1).unwrap().find(snippet).expect("snippet on that line") + 1;
    assert_eq!((e.column, e.snippet.as_str()), (col, snippet), "{}", e.short());
    let rendered = format!("{:?}", miette::Report::new(e));
    assert!(rendered.contains("bad.rs") && rendered.contains(msg), "{rendered}");
}

#[test]
fn unsupported_construct_is_located() {
    let src = otr_with("p.x = mbox.min_most_often();", "for _m in mbox.iter() { p.x = 0; }");
    expect_error(&src, "loops are outside the verifiable subset", "for _m in", "for _m in mbox.iter() { p.x = 0; }");
}

#[test]
fn an_early_return_is_located_in_send_and_in_update() {
    let src = otr_with("        Outbox::broadcast(p.x)\n", "        if p.decided {\n            return Outbox::none();\n        }\n        Outbox::broadcast(p.x)\n");
    expect_error(&src, "`return` is outside the verifiable subset", "return Outbox::none();", "return Outbox::none()");
    let src = otr_with("        Outbox::broadcast(p.x)\n", "        return Outbox::broadcast(p.x);\n");
    expect_error(&src, "`return` is outside the verifiable subset", "return Outbox::broadcast", "return Outbox::broadcast(p.x)");
    let src = otr_with("p.decided = true;", "p.decided = true;\n                return;");
    expect_error(&src, "`return` is outside the verifiable subset", "return;", "return");
}

#[test]
fn type_error_is_located() {
    let src = otr_with("p.decided = true;", "p.decided = 3;");
    expect_error(&src, "type mismatch: expected a bool, found an integer", "p.decided = 3;", "3");
}

#[test]
fn unknown_field_is_located() {
    let src = otr_with("p.decision = p.x;", "p.decision = p.y;");
    expect_error(&src, "unknown field `y`", "p.decision = p.y;", "y");
}

#[test]
fn unknown_method_is_located() {
    let src = otr_with("if 3 * mbox.len() > 2 * cx.n() {", "if 3 * mbox.size() > 2 * cx.n() {");
    expect_error(&src, "unknown method `size` on the mailbox", "mbox.size()", "size");
}

#[test]
fn non_linear_arithmetic_is_located() {
    let src = otr_with("if 3 * mbox.len() > 2 * cx.n() {", "if mbox.len() * mbox.len() > 2 * cx.n() {");
    expect_error(&src, "non-linear multiplication", "mbox.len() * mbox.len()", "mbox.len() * mbox.len()");
}

#[test]
fn unwrap_is_rejected() {
    let src = otr_with("p.x = mbox.min_most_often();", "p.x = mbox.try_min_most_often().unwrap();");
    expect_error(&src, "`unwrap` may panic", "try_min_most_often().unwrap()", "unwrap");
}

#[test]
fn missing_spec_is_an_error() {
    let src = std::fs::read_to_string(bench("otr")).unwrap();
    let cut = src.find("impl Spec for Otr").unwrap();
    let e = parse_spec("bad.rs", &src[..cut]).expect_err("no spec");
    assert!(e.message.contains("missing `impl Spec for Otr`"), "{}", e.message);
    assert!(e.line > 0);
}

#[test]
fn ho_in_an_invariant_is_rejected() {
    let src = otr_with("w.exists(|j| w.forall(|i| w[i].decided && w[i].decision == w.init(j).x)),", "w.forall(|i| w.ho(i).len() > 0),");
    expect_error(&src, "`w.ho(..)` is not allowed here", "w.ho(i).len() > 0", "ho");
}

#[test]
fn ghost_state_may_not_flow_into_real_state() {
    let src = otr_with("    /// The decided value (meaningful once `decided`).", "    /// (ghost) The decided value.")
        .replacen("p.decision = p.x;", "p.decision = p.x;\n                p.x = p.decision;", 1);
    expect_error(&src, "non-ghost field `x` depends on ghost state", "p.x = p.decision;", "p.x = p.decision");
    // Ghost updates themselves are fine.
    let ok = otr_with("    /// The decided value (meaningful once `decided`).", "    /// (ghost) The decided value.");
    let alg = parse_spec("ok.rs", &ok).expect("ghost field only written");
    assert!(alg.field("decision").unwrap().ghost);
}

#[test]
fn syntax_errors_are_located() {
    let e = parse_spec("bad.rs", "pub struct S { x: i64 ").expect_err("syntax");
    assert!(e.message.starts_with("syntax error"), "{}", e.message);
    assert_eq!(e.line, 1);
}

/// OTR with `expr` as its third invariant (`in_update`: as the value
/// `p.decided` is given in its update instead).
fn otr_with_expr(expr: &str, in_update: bool) -> String {
    if in_update {
        otr_with("p.decided = true;", &format!("p.decided = {expr};"))
    } else {
        otr_with("w.exists(|j| w.forall(|i| w[i].decided && w[i].decision == w.init(j).x)),", &format!("{expr},"))
    }
}

/// The three shapes of deep nesting, `depth` levels each.
fn deep_shapes(depth: usize) -> [(&'static str, String); 3] {
    [
        ("parentheses", format!("{}true{}", "(".repeat(depth), ")".repeat(depth))),
        ("negations", format!("{}true", "!".repeat(depth))),
        ("a `&&` chain", vec!["true"; depth].join(" && ")),
    ]
}

#[test]
fn deep_nesting_is_a_located_error_not_a_crash() {
    for in_update in [false, true] {
        for (shape, expr) in deep_shapes(100_000) {
            let src = otr_with_expr(&expr, in_update);
            let e = parse_spec("deep.rs", &src).expect_err("100,000 levels are over the limit");
            assert!(e.message.contains(&format!("more than {MAX_NESTING} levels")), "{shape}: {}", e.short());
            let start = src.find(&expr).expect("the expression is in the source");
            let line = src[..start].matches('\n').count() + 1;
            let column = start - src[..start].rfind('\n').map_or(0, |k| k + 1) + 1;
            assert_eq!(e.line, line, "{shape}: {}", e.short());
            // Reported where the limit is reached, not at the end of the expression.
            assert!(e.column > column && e.column <= column + 4 * MAX_NESTING, "{shape}: {} (expression at column {column})", e.short());
            let rendered = format!("{:?}", miette::Report::new(e));
            assert!(rendered.len() < 4_000, "{shape}: the report shows a window of the line ({} bytes)", rendered.len());
        }
    }
}

#[test]
fn nesting_well_beyond_real_specs_is_accepted() {
    // The benchmarks nest about 60 deep in the limit's measure; 100 more
    // levels of each shape still load and generate their VCs.
    for in_update in [false, true] {
        for (shape, expr) in deep_shapes(100) {
            let src = otr_with_expr(&expr, in_update);
            let alg = parse_spec("deep.rs", &src).unwrap_or_else(|e| panic!("{shape}: {}", e.short()));
            assert_eq!(generate_vcs(&alg).len(), 11, "{shape}");
        }
    }
}

#[test]
fn an_error_on_a_huge_line_shows_a_window_of_it() {
    // OTR on one line, after 5 MB of `use` items, with a syntax error.
    let otr = std::fs::read_to_string(bench("otr")).unwrap();
    let code: Vec<&str> = otr.lines().map(str::trim).filter(|l| !l.starts_with("//")).collect();
    let one_line = format!("{}{}", "use psync::prelude::*; ".repeat(5_000_000 / 23), code.join(" "));
    let src = one_line.replacen("p.decided = true;", "p.decided = ;", 1);
    assert!(src.len() > 5_000_000 && !src.contains('\n'));
    let e = parse_spec("huge.rs", &src).expect_err("syntax error");
    assert!(e.message.starts_with("syntax error"), "{}", e.short());
    let column = src.find("p.decided = ;").unwrap() + "p.decided = ".len() + 1;
    assert_eq!((e.line, e.column), (1, column), "{}", e.short());
    assert!(e.message.len() <= 600 && e.snippet.len() <= 600, "{}", e.short());
    let rendered = format!("{:?}", miette::Report::new(e));
    assert!(rendered.len() < 4_000, "the report shows a window of the line, not all of it ({} bytes)", rendered.len());
    assert!(rendered.contains(&format!("huge.rs:1:{column}")), "{rendered}");
    assert!(rendered.contains("p.decided = ;") && rendered.contains('…'), "{rendered}");
}

#[test]
fn an_empty_property_list_is_a_located_error() {
    let src = std::fs::read_to_string(bench("otr")).unwrap();
    let cut = src.find("    fn properties").unwrap();
    let src = format!("{}    fn properties(_w: &World<Self>) -> Vec<(&'static str, bool)> {{\n        vec![]\n    }}\n}}\n", &src[..cut]);
    expect_error(&src, "`properties` is empty", "vec![]", "vec![]");
    let e = parse_spec("bad.rs", &src).unwrap_err();
    assert!(format!("{:?}", miette::Report::new(e)).contains("(\"Agreement\""), "the hint shows what to write");
}

#[test]
fn long_chains_of_lets_and_assignments_are_located_errors() {
    let n = 100_000;
    // In a spec method: each `let` uses the one before.
    let lets: String = (0..n).map(|k| format!("        let x{} = x{k} + 1;\n", k + 1)).collect();
    let src = otr_with("let n = w.n();", &format!("let n = w.n();\n        let x0 = n;\n{lets}"))
        .replacen("w.exists(|j| w.forall(|i| w[i].decided && w[i].decision == w.init(j).x)),", &format!("x{n} > 0,"), 1);
    let e = parse_spec("lets.rs", &src).expect_err("too deep");
    assert!(e.message.contains(&format!("more than the verifier accepts ({MAX_TERM_DEPTH})")), "{}", e.short());
    let first_too_deep = src.lines().position(|l| l.contains(&format!("let x{} =", MAX_TERM_DEPTH))).unwrap() + 1;
    assert_eq!(e.line, first_too_deep, "at the first `let` past the limit: {}", e.short());
    // In an update: assignments compose when the VC generator substitutes them.
    let src = otr_with("p.decided = true;", &"p.x = p.x + 1;\n".repeat(n));
    let e = parse_spec("assignments.rs", &src).expect_err("too deep");
    assert!(e.message.contains("this update builds a term"), "{}", e.short());
    assert_eq!(e.line, src.lines().position(|l| l.contains("fn update")).unwrap() + 1, "{}", e.short());
    // A chain just under the limit goes through VC generation, here on a
    // test's 2 MB thread.
    let src = otr_with("p.decided = true;", &"p.x = p.x + 1;\n".repeat(MAX_TERM_DEPTH - 10));
    assert_eq!(generate_vcs(&parse_spec("ok.rs", &src).expect("a chain under the limit")).len(), 11);
}

#[test]
fn a_match_the_verifier_cannot_see_is_exhaustive_is_located() {
    let src = otr_with("p.x = mbox.min_most_often();", "match mbox.len() { 0 => {} 1 => p.x = 1 }");
    expect_error(&src, "cannot see that this `match` is exhaustive", "match mbox.len()", "match mbox.len() { 0 => {} 1 => p.x = 1 }");
}

#[test]
fn an_unsupported_pattern_in_a_match_is_located() {
    let src = otr_with("p.x = mbox.min_most_often();", "match mbox.len() { 0..=2 => p.x = 1, _ => {} }");
    expect_error(&src, "pattern outside the verifiable subset", "match mbox.len()", "0..=2");
}

#[test]
fn a_pattern_of_the_wrong_type_is_located() {
    let src = otr_with("p.x = mbox.min_most_often();", "match mbox.len() { None => {} _ => p.x = 1 }");
    expect_error(&src, "this pattern needs an `Option`", "match mbox.len()", "None");
}

/// An outbox chosen by an `if` whose branches reach the same destinations
/// sends there whatever the condition: OTR broadcasting its decision once
/// decided sends to everyone (`sends_to` is `true`, so the mailbox is the
/// heard-of set), while a branch sending nothing keeps the condition.
#[test]
fn branches_of_a_send_that_reach_everyone_send_to_everyone() {
    let otr = std::fs::read_to_string(bench("otr")).expect("zoo/otr.rs");
    let from = "Outbox::broadcast(p.x)\n";
    assert_eq!(otr.matches(from).count(), 1);
    let both = otr.replace(from, "if p.decided { Outbox::broadcast(p.decision) } else { Outbox::broadcast(p.x) }\n");
    let alg = parse_spec("otr.rs", &both).expect("in the subset");
    assert_eq!(alg.rounds[0].sends_to, psync_logic::Term::Bool(true));
    let quiet = otr.replace(from, "if p.decided { Outbox::none() } else { Outbox::broadcast(p.x) }\n");
    let alg = parse_spec("otr.rs", &quiet).expect("in the subset");
    assert_ne!(alg.rounds[0].sends_to, psync_logic::Term::Bool(true));
    assert!(alg.rounds[0].sends_to.to_string().contains("decided"), "{}", alg.rounds[0].sends_to);
}
