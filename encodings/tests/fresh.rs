//! Algorithms written from the spec language's documentation alone
//! (`tests/specs/`): equivalent formulations of a predicate get the same
//! verdict, every VC of a correct algorithm is proved with the default
//! settings, and a broken variant of each is refuted. The budget per VC is
//! 120 s, not the default 20 s: the suite runs two tests at once, each
//! racing three strategies, on a two-core CI machine, where the slowest
//! proof here (the binary One-Third Rule's step, 11–18 s alone) takes
//! three times as long; a verdict, not a time, is what these tests assert
//! (times are in `cargo bench --bench verify`).
//!
//! Variants are made here by one textual patch of the spec file, whose
//! `from` snippet must occur exactly once (as in `mutants.rs`).

use psync_encodings::{check_vc, generate_vcs, parse_spec};
use psync_logic::check::CheckConfig;
use psync_logic::smt::Z3InProcess;

fn spec_text(name: &str) -> String {
    std::fs::read_to_string(format!("{}/tests/specs/{name}.rs", env!("CARGO_MANIFEST_DIR"))).expect("spec file")
}

/// `text` with the one occurrence of `from` replaced by `to`.
fn patched(text: &str, from: &str, to: &str) -> String {
    assert_eq!(text.matches(from).count(), 1, "`{from}` must occur exactly once");
    text.replace(from, to)
}

/// Every VC's id and verdict kind ("proved", "refuted", "unknown", "timeout", "vacuous").
fn verdicts(text: &str) -> Vec<(String, &'static str)> {
    verdicts_of(text, "")
}

/// [`verdicts`] of the VCs whose id contains `pattern`.
fn verdicts_of(text: &str, pattern: &str) -> Vec<(String, &'static str)> {
    let alg = parse_spec("fresh.rs", text).expect("in the subset");
    let backend = Z3InProcess::new();
    let cfg = CheckConfig { timeout: std::time::Duration::from_secs(120), ..CheckConfig::default() };
    generate_vcs(&alg)
        .iter()
        .filter(|vc| vc.id.contains(pattern))
        .map(|vc| {
            let out = check_vc(&alg, vc, &cfg, &backend, &psync_encodings::NO_HINTS).expect("checkable, no internal error");
            let kind = out.verdict.kind().as_str();
            println!("{:50} {kind}", vc.id);
            (vc.id.clone(), kind)
        })
        .collect()
}

fn assert_all_proved(verdicts: &[(String, &str)]) {
    let bad: Vec<_> = verdicts.iter().filter(|(_, k)| *k != "proved").collect();
    assert!(bad.is_empty(), "not proved: {bad:?}");
}

fn assert_some_refuted(verdicts: &[(String, &str)]) {
    assert!(verdicts.iter().any(|(_, k)| *k == "refuted"), "none refuted: {verdicts:?}");
}

const FLOODMIN_LIVENESS: &str = "vec![w.forall(|p| w.ho(p).len() == w.n())]";

#[test]
fn floodmin_liveness_forms_are_all_proved() {
    let text = spec_text("floodmin");
    let card = verdicts(&text);
    assert_all_proved(&card);
    for form in [
        "vec![w.forall(|p| w.forall(|q| w.ho(p).contains(q)))]",
        "vec![w.forall(|p| w.ho(p).len() == w.n() && w.forall(|q| w.ho(p).contains(q)))]",
    ] {
        assert_eq!(verdicts(&patched(&text, FLOODMIN_LIVENESS, form)), card, "{form}");
    }
}

#[test]
fn floodmin_deciding_one_short_is_refuted() {
    let text = patched(&spec_text("floodmin"), "if mbox.len() == cx.n() {", "if mbox.len() + 1 >= cx.n() {");
    let got = verdicts(&text);
    assert!(got.iter().any(|(id, k)| id == "flood_min/inductive/inv0/round0" && *k == "refuted"), "{got:?}");
}

const NO_SPLIT: &str = "w.forall(|p| w.forall(|q| w.exists(|s| w.ho(p).contains(s) && w.ho(q).contains(s))))";

#[test]
fn uniform_voting_no_split_forms_are_all_proved() {
    let text = spec_text("uniform_voting");
    let exists = verdicts(&text);
    assert_all_proved(&exists);
    for form in [
        "w.forall(|p| w.forall(|q| w.count(|s| w.ho(p).contains(s) && w.ho(q).contains(s)) > 0))",
        "w.forall(|p| w.forall(|q| w.ho(p).intersects(&w.ho(q))))",
        "w.forall(|p| w.forall(|q| !w.ho(p).intersection(&w.ho(q)).is_empty()))",
    ] {
        assert_eq!(verdicts(&patched(&text, NO_SPLIT, form)), exists, "{form}");
    }
}

/// No split as a consequence: everyone hears a majority, so any two
/// processes hear a common one. The step needs a member of `HO(p) ∩
/// HO(q)` at processes the solver makes (the parametric strategy's deeper
/// reduction); it was unknown on spurious models.
#[test]
fn uniform_voting_under_majorities_is_proved() {
    let text = patched(&spec_text("uniform_voting"), NO_SPLIT, "w.forall(|p| 2 * w.ho(p).len() > w.n())");
    assert_all_proved(&verdicts(&text));
}

#[test]
fn uniform_voting_deciding_on_one_vote_is_refuted() {
    let text = patched(
        &spec_text("uniform_voting"),
        "if mbox.forall(|&(other_voted, w)| other_voted && w == v) {",
        "if mbox.exists(|&(other_voted, w)| other_voted && w == v) {",
    );
    let got = verdicts(&text);
    assert!(got.iter().any(|(id, k)| id == "uniform_voting/inductive/inv0/round1" && *k == "refuted"), "{got:?}");
}

const UV_SEND: &str = "    fn send(p: &UniformVoting, _cx: &Ctx) -> Outbox<i64> {
        Outbox::broadcast(p.x)
    }";

/// UniformVoting whose decided processes broadcast their decision in the
/// first round (`if p.decided { broadcast(decision) } else { broadcast(x) }`):
/// every VC proved, as for the original. The two branches send to everyone,
/// so the mailbox is the heard-of set; read as a comprehension over the
/// branch condition, the first round's step was left `unknown`. Broadcasting
/// a value other than the decision is refuted.
#[test]
fn uniform_voting_broadcasting_the_decision_is_proved() {
    let send = |decided: &str| {
        format!(
            "    fn send(p: &UniformVoting, _cx: &Ctx) -> Outbox<i64> {{
        if p.decided {{ Outbox::broadcast({decided}) }} else {{ Outbox::broadcast(p.x) }}
    }}"
        )
    };
    let text = patched(&spec_text("uniform_voting"), UV_SEND, &send("p.decision"));
    assert_all_proved(&verdicts(&text));
    let wrong = patched(&spec_text("uniform_voting"), UV_SEND, &send("p.decision + 1"));
    let got = verdicts_of(&wrong, "inductive/inv0/round0");
    assert_eq!(got, vec![("uniform_voting/inductive/inv0/round0".to_string(), "refuted")]);
}

/// `mbox.exists` on `Option<bool>` payloads in `update` gets a verdict (not
/// an internal error of the reduction).
#[test]
fn binary_consensus_mbox_exists_on_options_is_checked() {
    let got = verdicts_of(&spec_text("binary_consensus"), "irrevocability/round1");
    assert!(got.iter().any(|(id, k)| id == "binary_consensus/property/irrevocability/round1" && *k == "proved"), "{got:?}");
}

/// The second round's step keeps "everyone holds `v`" for the bit `v`
/// decided (`w.exists_value(|v: bool| w.forall(..))`, two universals under
/// a disjunction once the Boolean quantifier is expanded): the proof needs
/// it at the Venn witness of a heard majority of votes, a term made after
/// eager instantiation, so the conjunct must reach the solver whole.
#[test]
fn binary_consensus_adopt_round_keeps_the_decided_bit() {
    let got = verdicts_of(&spec_text("binary_consensus"), "inductive/inv0/round1");
    assert_eq!(got, vec![("binary_consensus/inductive/inv0/round1".to_string(), "proved")]);
}

/// Round 1 keeps "every process holds one bit `v`" (`w.exists_value(|v:
/// bool| ..)`): the conclusion's `∀v:Bool` must meet the hypothesis's
/// witness, which only the expansion of Boolean quantifiers into their two
/// cases gives (a placeholder instance left it unknown).
#[test]
fn binary_consensus_vote_round_keeps_a_bit_quantified_over_bool() {
    let got = verdicts_of(&spec_text("binary_consensus"), "inductive/inv0/round0");
    assert_eq!(got, vec![("binary_consensus/inductive/inv0/round0".to_string(), "proved")]);
}

/// The same VC with a vote for `false` on one process short of a majority
/// lets two processes vote for different bits (n = 5: one hears three
/// `true`, another two `false`): refuted, never proved.
#[test]
fn binary_consensus_vote_short_of_a_majority_is_refuted() {
    let text = patched(&spec_text("binary_consensus"), "2 * mbox.count(|&b| !b) > cx.n()", "2 * mbox.count(|&b| !b) + 2 > cx.n()");
    let got = verdicts_of(&text, "inductive/inv0/round0");
    assert_eq!(got, vec![("binary_consensus/inductive/inv0/round0".to_string(), "refuted")]);
}

/// OTR written with the update's threshold weaker than the good round's
/// (`3·|mbox| ≥ 2n` under `3·|S| > 2n`): correct, and its progress VC is
/// proved. The guard is implied by a bound the VC asserts but is not the
/// same atom; the reduction folds it (`reduce::entailed`), without which
/// the solver kept it in every instance of the update and timed out.
#[test]
fn otr_with_a_weaker_update_threshold_makes_progress() {
    let otr = std::fs::read_to_string(format!("{}/../zoo/otr.rs", env!("CARGO_MANIFEST_DIR"))).expect("zoo/otr.rs");
    let text = patched(&otr, "if 3 * mbox.len() > 2 * cx.n() {", "if 3 * mbox.len() >= 2 * cx.n() {");
    let got = verdicts_of(&text, "progress/inv0");
    assert_eq!(got, vec![("otr/progress/inv0/round0".to_string(), "proved")]);
}

/// The same threshold written with a division (`|mbox| > 2n / 3`) gets the
/// product form's verdict: the reduction makes a comparison with one floor
/// division division-free (`reduce::division`), so the guard meets the
/// good round's `3·|S| > 2n` as one atom (it was left unknown).
#[test]
fn otr_with_a_threshold_written_as_a_division_makes_progress() {
    let otr = std::fs::read_to_string(format!("{}/../zoo/otr.rs", env!("CARGO_MANIFEST_DIR"))).expect("zoo/otr.rs");
    let text = patched(&otr, "if 3 * mbox.len() > 2 * cx.n() {", "if mbox.len() > 2 * cx.n() / 3 {");
    let got = verdicts_of(&text, "progress/inv0");
    assert_eq!(got, vec![("otr/progress/inv0/round0".to_string(), "proved")]);
}

/// OTR updating on a simple majority (`2·|mbox| > n`) while the good
/// round gives `3·|S| > 2n`: its progress VC is valid (its safety is not:
/// that is refuted at n = 7, not checked here). No fact bounds the
/// guard's form; the sum of `3·|S| > 2n`, `n ≥ 1` and `|S| ≤ n` decides
/// it, which the reduction finds by elimination (`reduce::entailed`); the
/// guard left in every instance of the update timed out.
#[test]
fn otr_updating_on_a_majority_makes_progress() {
    let otr = std::fs::read_to_string(format!("{}/../zoo/otr.rs", env!("CARGO_MANIFEST_DIR"))).expect("zoo/otr.rs");
    let text = patched(&otr, "if 3 * mbox.len() > 2 * cx.n() {", "if 2 * mbox.len() > cx.n() {");
    let got = verdicts_of(&text, "progress/inv0");
    assert_eq!(got, vec![("otr/progress/inv0/round0".to_string(), "proved")]);
}

/// OTR's "nobody decided" written as a count (`w.count(|i| w[i].decided)
/// == 0`) gets the verdicts of its `∀` form: the reduction reads an
/// asserted empty comprehension as its universal (`reduce::nonempty`);
/// without it both VCs timed out.
#[test]
fn otr_with_nobody_decided_written_as_a_count_is_proved() {
    let otr = std::fs::read_to_string(format!("{}/../zoo/otr.rs", env!("CARGO_MANIFEST_DIR"))).expect("zoo/otr.rs");
    let text = patched(&otr, "(w.forall(|i| !w[i].decided)", "(w.count(|i| w[i].decided) == 0");
    let got = verdicts_of(&text, "inv0/round0");
    assert_eq!(
        got,
        vec![("otr/inductive/inv0/round0".to_string(), "proved"), ("otr/progress/inv0/round0".to_string(), "proved")]
    );
    // "Every decision is `v`" as a count too: in the negated conclusion the
    // census said to be non-empty reads as its `∃`.
    let text = patched(
        &text,
        "let agreed_on = |v: i64| w.forall(|i| implies(w[i].decided, w[i].decision == v));",
        "let agreed_on = |v: i64| w.count(|i| w[i].decided && w[i].decision != v) == 0;",
    );
    let got = verdicts_of(&text, "inv0/round0");
    assert_eq!(
        got,
        vec![("otr/inductive/inv0/round0".to_string(), "proved"), ("otr/progress/inv0/round0".to_string(), "proved")]
    );
}

/// OTR's good round written without naming the common heard-of set
/// (`∀p. (∀q. HO(p) = HO(q)) ∧ 3·|HO(p)| > 2n`): both progress VCs proved,
/// as with `∃S. ∀p. HO(p) = S`. The equation under the second `∀` makes
/// `HO` a constant (`reduce::macros`); it timed out before.
#[test]
fn otr_with_a_good_round_without_a_named_set_makes_progress() {
    let otr = std::fs::read_to_string(format!("{}/../zoo/otr.rs", env!("CARGO_MANIFEST_DIR"))).expect("zoo/otr.rs");
    let text = patched(
        &otr,
        "let good = w.exists_set(|s| w.forall(|p| w.ho(p) == s) && 3 * s.len() > 2 * w.n());",
        "let good = w.forall(|p| w.forall(|q| w.ho(p) == w.ho(q)) && 3 * w.ho(p).len() > 2 * w.n());",
    );
    let got = verdicts_of(&text, "progress/");
    assert_eq!(
        got,
        vec![("otr/progress/inv0/round0".to_string(), "proved"), ("otr/progress/inv1/round0".to_string(), "proved")]
    );
}

/// OTR whose decided processes broadcast their decision, with the
/// invariant saying a decision is the estimate: every message is the
/// sender's estimate, and the step is OTR's (it timed out while the counts
/// split on every sender's `decided`).
#[test]
fn otr_broadcasting_the_decision_is_proved() {
    let otr = std::fs::read_to_string(format!("{}/../zoo/otr.rs", env!("CARGO_MANIFEST_DIR"))).expect("zoo/otr.rs");
    let text = patched(&otr, "Outbox::broadcast(p.x)", "if p.decided { Outbox::broadcast(p.decision) } else { Outbox::broadcast(p.x) }");
    let text = patched(
        &text,
        "let keeps_init = w.forall(|i| w.exists(|j| w[i].x == w.init(j).x));",
        "let keeps_init = w.forall(|i| w.exists(|j| w[i].x == w.init(j).x) && implies(w[i].decided, w[i].decision == w[i].x));",
    );
    assert_eq!(verdicts_of(&text, "inductive/inv0"), vec![("otr/inductive/inv0/round0".to_string(), "proved")]);
}

/// The same without the pointwise invariant: the decided processes'
/// messages are their decisions, which the invariant says are all `v`, so
/// the count of `v` among the messages is at least its count among the
/// estimates (`psync_logic::reduce::guarded_constants`). Both VCs timed
/// out while each decided sender's message was `decision(s)`, not `v`.
#[test]
fn otr_broadcasting_the_decision_is_proved_from_agreement_alone() {
    let otr = std::fs::read_to_string(format!("{}/../zoo/otr.rs", env!("CARGO_MANIFEST_DIR"))).expect("zoo/otr.rs");
    let text = patched(&otr, "Outbox::broadcast(p.x)", "if p.decided { Outbox::broadcast(p.decision) } else { Outbox::broadcast(p.x) }");
    let mut got = verdicts_of(&text, "inductive/inv0");
    got.extend(verdicts_of(&text, "progress/inv0"));
    let proved = |id: &str| (id.to_string(), "proved");
    assert_eq!(got, vec![proved("otr/inductive/inv0/round0"), proved("otr/progress/inv0/round0")]);
}

/// CoordUniformVoting (three rounds, a rotating coordinator, no split):
/// every VC proved.
#[test]
fn coord_uniform_voting_is_proved() {
    assert_all_proved(&verdicts(&spec_text("coord_uniform_voting")));
}

/// Deciding on hearing one vote (rather than only votes) lets a process
/// decide while another, which heard no vote, keeps a different estimate
/// for the next phase: refuted, on a run from initial states.
#[test]
fn coord_uniform_voting_deciding_on_one_vote_is_refuted() {
    let text = patched(
        &spec_text("coord_uniform_voting"),
        "if mbox.forall(|&(other_voted, _)| other_voted) {",
        "if mbox.exists(|&(other_voted, _)| other_voted) {",
    );
    let got = verdicts_of(&text, "inductive/inv0/round2");
    assert_eq!(got, vec![("cuv/inductive/inv0/round2".to_string(), "refuted")]);
}

/// The two-round coordinator vote: every VC proved, with "no split" in
/// its ∃ form and in its count form.
#[test]
fn coord_voting_no_split_forms_are_all_proved() {
    let text = spec_text("coord_voting");
    let exists = verdicts(&text);
    assert_all_proved(&exists);
    let count = "w.forall(|p| w.forall(|q| w.count(|s| w.ho(p).contains(s) && w.ho(q).contains(s)) > 0))";
    assert_eq!(verdicts(&patched(&text, NO_SPLIT, count)), exists);
}

/// Deciding on hearing one vote (rather than only votes) lets a process
/// decide while another, which heard no vote, keeps its own estimate:
/// refuted.
#[test]
fn coord_voting_deciding_on_one_vote_is_refuted() {
    let text = patched(
        &spec_text("coord_voting"),
        "if mbox.forall(|&(other_voted, _)| other_voted) {",
        "if mbox.exists(|&(other_voted, _)| other_voted) {",
    );
    let got = verdicts_of(&text, "inductive/inv0/round1");
    assert_eq!(got, vec![("coord_voting/inductive/inv0/round1".to_string(), "refuted")]);
}

/// The One-Third Rule with its thresholds written as `n − f` under
/// `n > 3f`: its good rounds make progress.
#[test]
fn otr_with_a_fault_parameter_makes_progress() {
    let got = verdicts_of(&spec_text("otr_param"), "progress");
    assert_eq!(got.len(), 2, "{got:?}");
    assert_all_proved(&got);
}

/// With `n > 2f` instead, a process may adopt a value held by fewer than
/// `n − f` processes and break the decided value's quorum (n = 3, f = 1):
/// refuted.
#[test]
fn otr_with_a_fault_parameter_under_n_above_2f_is_refuted() {
    let text = patched(&spec_text("otr_param"), "w.n() as i64 > 3 * w.param(\"f\")", "w.n() as i64 > 2 * w.param(\"f\")");
    let got = verdicts_of(&text, "inductive/inv0");
    assert_eq!(got, vec![("otr_param/inductive/inv0/round0".to_string(), "refuted")]);
}

/// A quorum vote under value faults: every VC proved. Its step needs the
/// received count, the altered senders `AHO(p)` and the count of the
/// state in one Venn group (it timed out with pairs alone).
#[test]
fn a_quorum_vote_under_value_faults_is_proved() {
    assert_all_proved(&verdicts(&spec_text("value_quorum")));
}

/// With `2E ≥ n + α` two values can each be held by more than `E − α`
/// processes: Agreement no longer follows from the invariant, refuted.
#[test]
fn a_quorum_vote_under_value_faults_with_a_weaker_bound_is_refuted() {
    let text = patched(&spec_text("value_quorum"), "2 * e >= n + 2 * alpha", "2 * e >= n + alpha");
    let got = verdicts_of(&text, "agreement");
    assert_eq!(got, vec![("value_quorum/property/agreement/inv0".to_string(), "refuted")]);
}

/// U_T,E's ballot round under value faults: a decider's count of votes
/// is at most the altered senders plus the voters for its value, who are
/// not in the input as a set (`logic/src/reduce/covers.rs` defines them);
/// `timeout` at 120 s without those bounds.
#[test]
fn a_ballot_under_value_faults_keeps_its_quorum() {
    assert_all_proved(&verdicts(&spec_text("altered_ballot")));
}

/// Deciding on `E − α` copies: the altered messages can make a decision
/// no `E − α` processes hold, refuted.
#[test]
fn a_ballot_under_value_faults_deciding_short_of_its_quorum_is_refuted() {
    let text = patched(
        &spec_text("altered_ballot"),
        "copies > cx.param(\"E\") && !p.decided",
        "copies > cx.param(\"E\") - cx.param(\"alpha\") && !p.decided",
    );
    assert_some_refuted(&verdicts_of(&text, "inductive"));
}

/// Three-phase commit (four rounds, a coordinator fixed for the run),
/// written from the paper by a user of the docs: every VC proved.
#[test]
fn three_phase_commit_is_proved() {
    assert_all_proved(&verdicts(&spec_text("three_phase_commit")));
}

/// Pre-committing on a majority of yes votes rather than on everyone's
/// lets the coordinator commit while a participant that voted no aborted:
/// refuted at the votes round.
#[test]
fn three_phase_commit_pre_committing_on_a_majority_is_refuted() {
    let text = patched(
        &spec_text("three_phase_commit"),
        "if mbox.len() == cx.n() && mbox.forall(|&v| v) {",
        "if 2 * mbox.len() > cx.n() && mbox.forall(|&v| v) {",
    );
    let got = verdicts_of(&text, "inductive/inv0/round0");
    assert_eq!(got, vec![("three_pc/inductive/inv0/round0".to_string(), "refuted")]);
}

/// A Mostéfaoui–Raynal-style binary consensus with a coin (two rounds, a
/// majority heard every round), written from the paper by a user of the
/// docs, with a round invariant: every VC proved.
#[test]
fn mr_binary_consensus_is_proved() {
    assert_all_proved(&verdicts(&spec_text("mr_binary")));
}

/// A good round that gives a majority one common heard-of set (not
/// everyone, so the set cannot be substituted for `HO`): that they all
/// adopt one value takes the liveness predicate and the update at the
/// Venn witnesses of the set of processes holding it, which the model-
/// guided refinement must add in the same round as the region counts
/// those witnesses falsify.
#[test]
fn a_majority_with_one_view_adopts_one_value() {
    assert_all_proved(&verdicts_of(&spec_text("same_view"), "progress"));
}

/// The same good round with nothing naming a member of the majority: the
/// quorum bound `2·|S₁| > n` gives `S₁` a member before instantiation
/// (`reduce/nonempty.rs`), at whose new value the goal is instantiated.
#[test]
fn a_majority_with_one_view_and_no_named_member_adopts_one_value() {
    let text = patched(&spec_text("same_view"), "                    && w.exists(|c| s1.contains(c))\n", "");
    assert_all_proved(&verdicts_of(&text, "progress"));
}

/// The One-Third Rule with a round relaying decisions: its first round's
/// steps are proved although the phase's coordinator frame and the unread
/// fields' updates are in their VCs (definitions nothing reads, dropped).
#[test]
fn otr_with_a_decision_relay_keeps_its_invariant() {
    assert_all_proved(&verdicts_of(&spec_text("otr_relay"), "inductive/inv0"));
}

/// Deciding on a simple majority of the messages breaks the invariant in
/// the vote round: refuted with a confirmed counterexample, whose model
/// gets back the coordinator's frame the query dropped.
#[test]
fn otr_with_a_decision_relay_deciding_on_a_majority_is_refuted() {
    let text = patched(&spec_text("otr_relay"), "if 3 * mbox.count(|&v| v == p.x) > 2 * cx.n() {", "if 2 * mbox.count(|&v| v == p.x) > cx.n() {");
    let got = verdicts_of(&text, "inductive/inv0/round0");
    assert_eq!(got, vec![("otr_relay/inductive/inv0/round0".to_string(), "refuted")]);
}

/// The quorum value named by a process that holds it
/// (`w.exists(|k| |{i | x(i) = x(k)}| ≥ n − f ∧ …)`) rather than by the
/// value (`w.exists_value(|v| …)`): the same verdict, proved (the holder
/// becomes the value, `logic/src/reduce/holders.rs`).
#[test]
fn otr_with_a_fault_parameter_and_a_holder_for_the_quorum_value_keeps_its_invariant() {
    let text = patched(
        &spec_text("otr_param"),
        "|| w.exists_value(|v: i64| {\n                w.count(|i| w[i].x == v) as i64 >= quorum && w.forall(|i| w[i].decision == None || w[i].decision == Some(v))\n            });",
        "|| w.exists(|k| {\n                w.count(|i| w[i].x == w[k].x) as i64 >= quorum && w.forall(|i| w[i].decision == None || w[i].decision == Some(w[k].x))\n            });",
    );
    assert_all_proved(&verdicts_of(&text, "inductive/inv0"));
}

/// The One-Third Rule (`zoo/otr.rs`) with "all agree" written with a
/// holder or pairwise instead of with the value: the same verdict on the
/// step that needs it (the field becomes one constant,
/// `logic/src/reduce/macros.rs`).
#[test]
fn otr_with_agreement_written_with_a_holder_or_pairwise_makes_progress() {
    let otr = std::fs::read_to_string(format!("{}/../zoo/otr.rs", env!("CARGO_MANIFEST_DIR"))).expect("zoo/otr.rs");
    let value_form = "keeps_init && w.exists_value(|v: i64| w.count(|i| w[i].x == v) == n && agreed_on(v)),";
    for form in [
        "keeps_init && w.exists(|k| w.forall(|i| w[i].x == w[k].x) && agreed_on(w[k].x)),",
        "keeps_init && w.forall(|i| w.forall(|j| w[i].x == w[j].x && implies(w[j].decided, w[j].decision == w[i].x))),",
    ] {
        assert_all_proved(&verdicts_of(&patched(&otr, value_form, form), "progress/inv1"));
    }
}

/// `match` in `update` and in the spec, nested `Some` patterns in `if let`,
/// and an `if` whose `then` is `None`: read as the `if let` chains they
/// mean, so UniformVoting written with them is proved as the `if` form is.
#[test]
fn uniform_voting_written_with_match_is_proved() {
    let text = spec_text("uniform_voting_match");
    assert_all_proved(&verdicts(&text));
}

/// Voting for the least value heard whenever it was heard at all (a `match`
/// on a count) breaks the votes' agreement.
#[test]
fn uniform_voting_written_with_match_voting_without_unanimity_is_refuted() {
    let text = patched(
        &spec_text("uniform_voting_match"),
        "p.vote = if mbox.forall(|&v| v == m) { Some(m) } else { None };",
        "p.vote = match mbox.count(|&v| v == m) { 0 => None, _ => Some(m) };",
    );
    assert!(verdicts(&text).iter().any(|(_, k)| *k == "refuted"), "a variant voting without unanimity is refuted");
}

/// A vote sent to one process named by a state field (`Outbox::to(p.vote,
/// …)`, `vote: ProcessId`): at most one leader per phase is proved, since
/// two majorities of votes share a voter and a voter's one message goes to
/// one candidate.
#[test]
fn majority_leader_election_is_proved() {
    assert_all_proved(&verdicts(&spec_text("majority_leader")));
}

/// Half of the votes elects, or a voter's vote goes to everyone: two
/// leaders in one phase, refuted.
#[test]
fn majority_leader_election_on_half_the_votes_or_votes_to_all_is_refuted() {
    let text = spec_text("majority_leader");
    for (from, to) in [
        ("if 2 * mbox.len() > cx.n() {", "if 2 * mbox.len() >= cx.n() {"),
        ("Outbox::to(p.vote, true)", "Outbox::broadcast(true)"),
    ] {
        let got = verdicts_of(&patched(&text, from, to), "inductive/inv0/round1");
        assert_eq!(got, vec![("majority_leader/inductive/inv0/round1".to_string(), "refuted")], "{to}");
    }
}

/// `zoo/ben_or.rs` with its report round written as an event round, as a
/// user of the runtime's open rounds would: `receive` counts the reports
/// of each value as they arrive and raises a flag once more than half of
/// all processes reported it, the round goes ahead once `n − f` arrived,
/// and `finish` proposes. Read as counts of the mailbox (SPEC_LANGUAGE,
/// *Event rounds*), the round's step is proved with the closed round's
/// invariants; flags raised at half (`>=`) are refuted.
#[test]
fn ben_or_with_an_event_report_round_is_proved_and_its_tie_is_refuted() {
    let ben_or = std::fs::read_to_string(format!("{}/../zoo/ben_or.rs", env!("CARGO_MANIFEST_DIR"))).expect("zoo/ben_or.rs");
    let mut text = patched(&ben_or, "    pub vote: i64,\n", "    pub vote: i64,\n    pub ones: i64,\n    pub zeros: i64,\n    pub saw1: bool,\n    pub saw0: bool,\n");
    text = patched(&text, "vote: -1, decided", "vote: -1, ones: 0, zeros: 0, saw1: false, saw0: false, decided");
    text = patched(&text, "phase![Report, Propose]", "Phase::new().event_round::<Report>().round::<Propose>()");
    let report = &text[text.find("impl Round<BenOr> for Report {").expect("the report round")..text.find("/// Round 2").expect("round 2")];
    let event = "impl EventRound<BenOr> for Report {
    type Msg = bool;

    fn init(p: &mut BenOr, cx: &Ctx) -> Progress {
        p.ones = 0;
        p.zeros = 0;
        p.saw1 = false;
        p.saw0 = false;
        Progress::timeout(cx.timeout())
    }

    fn send(p: &mut BenOr, _cx: &Ctx) -> Outbox<bool> {
        Outbox::broadcast(p.x)
    }

    fn receive(p: &mut BenOr, _from: ProcessId, v: bool, cx: &Ctx) -> Progress {
        if v {
            p.ones += 1;
        }
        if !v {
            p.zeros += 1;
        }
        if 2 * p.ones > cx.n() as i64 {
            p.saw1 = true;
        }
        if 2 * p.zeros > cx.n() as i64 {
            p.saw0 = true;
        }
        if p.ones + p.zeros >= cx.n() as i64 - cx.param(\"f\") { Progress::go_ahead() } else { Progress::unchanged() }
    }

    fn finish(p: &mut BenOr, _timed_out: bool, _cx: &Ctx) -> bool {
        p.vote = if p.saw1 { 1 } else if p.saw0 { 0 } else { -1 };
        true
    }
}

";
    let text = patched(&text, report, event);
    assert_all_proved(&verdicts_of(&text, "round0"));
    let tie = patched(&text, "if 2 * p.ones > cx.n() as i64 {", "if 2 * p.ones >= cx.n() as i64 {");
    let got = verdicts_of(&tie, "inductive/inv0/round0");
    assert_eq!(got, vec![("ben_or/inductive/inv0/round0".to_string(), "refuted")]);
}

const SAME_VIEW_ADOPT: &str = "        if let Some(m) = mbox.min_by_key(|&v| v) {
            p.x = *m;
        }";
const SAME_VIEW_LIVENESS: &str = "        vec![w.exists_set(|s1| {
            w.exists_set(|s2| {
                2 * s1.len() > w.n()
                    && !s2.is_empty()
                    && w.exists(|c| s1.contains(c))
                    && w.forall(|p| implies(s1.contains(p), w.ho(p) == s2))
            })
        })]";

/// Everyone adopts `min_most_often` in a round where all hear one set:
/// all then hold one value. Proved from the fact that one heard-of set
/// makes one such value (`encodings/src/frontend/mailbox.rs`); without it
/// the step was `unknown` at 30 s, its models spurious (each process's
/// value was compared only in its own counts). When the processes hear
/// different majorities, they may adopt different values: refuted.
#[test]
fn a_common_heard_of_set_makes_one_least_most_often_value() {
    let mmo = patched(&spec_text("same_view"), SAME_VIEW_ADOPT, "        if !mbox.is_empty() {\n            p.x = mbox.min_most_often();\n        }");
    let one_value = "vec![true, w.exists_value(|v: i64| w.count(|i| w[i].x == v) == w.n())]";
    let mmo = patched(&mmo, "vec![true, w.exists_value(|v: i64| 2 * w.count(|i| w[i].x == v) > w.n() as i64)]", one_value);
    let common = patched(&mmo, SAME_VIEW_LIVENESS, "        vec![w.exists_set(|s| !s.is_empty() && w.forall(|p| w.ho(p) == s))]");
    assert_all_proved(&verdicts_of(&common, "progress"));
    let majorities = patched(&mmo, SAME_VIEW_LIVENESS, "        vec![w.forall(|p| 2 * w.ho(p).len() > w.n())]");
    assert_eq!(verdicts_of(&majorities, "progress"), vec![("same_view/progress/inv0/round0".to_string(), "refuted")]);
}

/// The same under value faults: where no message is altered, one
/// heard-of set still makes one `min_most_often` value (the fact is
/// guarded by `|AHO(p)| = 0`), so a common unaltered view leaves one value;
/// a common view with altered messages, whose payloads depend on their
/// receiver, may leave two: refuted.
#[test]
fn a_common_unaltered_view_makes_one_least_most_often_value_under_value_faults() {
    let mmo = patched(&spec_text("same_view"), SAME_VIEW_ADOPT, "        if !mbox.is_empty() {\n            p.x = mbox.min_most_often();\n        }");
    let faulty = patched(&mmo, "    type Io = Consensus<i64>;\n", "    type Io = Consensus<i64>;\n    const VALUE_FAULTS: bool = true;\n");
    let one_value = "vec![true, w.exists_value(|v: i64| w.count(|i| w[i].x == v) == w.n())]";
    let faulty = patched(&faulty, "vec![true, w.exists_value(|v: i64| 2 * w.count(|i| w[i].x == v) > w.n() as i64)]", one_value);
    let unaltered = "        vec![w.exists_set(|s| !s.is_empty() && w.forall(|p| w.ho(p) == s && w.aho(p).is_empty()))]";
    assert_all_proved(&verdicts_of(&patched(&faulty, SAME_VIEW_LIVENESS, unaltered), "progress"));
    let altered = "        vec![w.exists_set(|s| !s.is_empty() && w.forall(|p| w.ho(p) == s))]";
    assert_eq!(verdicts_of(&patched(&faulty, SAME_VIEW_LIVENESS, altered), "progress"), vec![("same_view/progress/inv0/round0".to_string(), "refuted")]);
}

/// A majority hears one set and adopts `min_most_often`: a majority then
/// holds one value. The proof takes, at the Venn witness of "in the
/// majority, not holding the value its named member adopts", the liveness
/// predicate, the update and the choice's function of the heard-of set
/// together. Refinement adds instances one model at a time, and each next
/// model moved the falsified facts to another witness (a timeout at 30 s);
/// the sweep of the input's universals over the witnesses of the regions
/// the model counts, made the first time a model falsifies one at a
/// witness (`reduce/refine.rs`), proves it.
#[test]
fn a_majority_with_one_view_adopts_one_least_most_often_value() {
    let mmo = patched(&spec_text("same_view"), SAME_VIEW_ADOPT, "        if !mbox.is_empty() {\n            p.x = mbox.min_most_often();\n        }");
    assert_all_proved(&verdicts_of(&mmo, "progress"));
    let without_member = patched(&mmo, "                    && w.exists(|c| s1.contains(c))\n", "");
    assert_all_proved(&verdicts_of(&without_member, "progress"));
}

/// Reliable broadcast with a majority echo (written from the docs, not in
/// the zoo): "everyone knew the message a round ago, so everyone has
/// delivered" takes, at the Venn witness of "heard by the process that did
/// not deliver, not echoing its message", the agreement of the known
/// messages at the pair (witness, that process). The refinement's sweep
/// makes the instances at each counted witness with the named processes,
/// so these are proved in about a second (7 s before, after six rounds of
/// refinement at the default 20 s budget).
#[test]
fn a_majority_echo_delivers_once_everyone_knows() {
    let text = spec_text("majority_echo");
    assert_all_proved(&verdicts_of(&text, "knowndelivers"));
    assert_all_proved(&verdicts_of(&text, "progress/inv1"));
}

const FLOODMAX_LEADER_IS_AN_ID: &str = "w.exists(|j| w.init(j).id == m)";

/// FloodMax leader election (Lynch §4.1.2): once someone decided, `m` is
/// the largest id, and `m` is someone's id. Written as a count
/// (`w.count(..) > 0`), the negated conclusion says the census of `m`'s
/// holders is empty, which reads as its universal as the `∃` form's
/// negation does; both forms are proved, and taking the minimum instead of
/// the maximum is refuted.
#[test]
fn floodmax_with_the_leader_an_id_written_with_exists_or_count_is_proved() {
    let text = spec_text("floodmax");
    let exists = verdicts(&text);
    assert_all_proved(&exists);
    let count = patched(&text, FLOODMAX_LEADER_IS_AN_ID, "w.count(|j| w.init(j).id == m) > 0");
    assert_eq!(verdicts(&count), exists);
    let min = patched(&text, "p.x = p.x.max(m);", "p.x = p.x.min(m);");
    assert_some_refuted(&verdicts_of(&min, "inductive"));
}

/// FloodMax with "`m` is the largest id" stated from the start: at `init`
/// its truth is that the finitely many ids have a largest, which the
/// reduction states for a number of each process bounded by a universal
/// number in the negated goal (`logic/src/reduce/extrema.rs`). Proved, and
/// still refuted when the bound is strict.
#[test]
fn floodmax_with_the_largest_id_known_from_the_start_is_proved() {
    let text = patched(
        &spec_text("floodmax"),
        "let inv = keep && (w.forall(|i| !w[i].decided) || max_known);",
        "let inv = keep && max_known;",
    );
    assert_all_proved(&verdicts(&text));
    let strict = patched(&text, "w.init(i).id <= m", "w.init(i).id < m");
    let got = verdicts_of(&strict, "init");
    assert_eq!(got, vec![("flood_max/init/inv0/start".to_string(), "refuted")]);
}

/// One-step consensus (Brasileiro et al. 2001) over a One-Third-Rule round,
/// its fast round adopting `min_most_often`. In the progress VC "everyone
/// holds `v`, so everyone keeps it", the solver's first models size many
/// family instances (`HO(j)`, `{i ∈ HO(j) | x(i) = v}`) with no member it
/// names; the refinement's recount gives several such groups their Venn
/// facts per model (one per model timed out). Deciding on `n − 2f` copies
/// breaks agreement.
#[test]
fn one_step_consensus_with_min_most_often_keeps_a_unanimous_value() {
    let text = spec_text("one_step");
    assert_all_proved(&verdicts_of(&text, "progress"));
    let early = patched(&text, "if c >= n - f {", "if c >= n - 2 * f {");
    assert_some_refuted(&verdicts_of(&early, "inductive/inv0/round0"));
}

/// A one-term Raft election (helper-written from the docs): candidates ask
/// for votes, a voter sends its one vote to one candidate (`Outbox::to`),
/// a candidate with a strict majority of votes leads. At most one leader is
/// proved; voting more than once is refuted.
#[test]
fn a_raft_election_elects_at_most_one_leader() {
    let text = spec_text("raft_election");
    assert_all_proved(&verdicts(&text));
    let twice = patched(&text, "if p.voted_for.is_none() {", "if true {");
    assert_some_refuted(&verdicts_of(&twice, "inductive/inv0/round0"));
}

/// A binary One-Third Rule written with counts (`commits > aborts`): its
/// step needs a voter for the decided value that does not hold it after the
/// round, and there an element of its messages for the other value among
/// the decider's voters; the parametric strategy's deeper reduction has
/// cardinality witnesses for the families over processes
/// (`logic/src/reduce/witnesses.rs`). Deciding on a majority is refuted.
#[test]
fn a_binary_one_third_rule_written_with_counts_is_proved() {
    let text = spec_text("binary_otr");
    assert_all_proved(&verdicts(&text));
    let majority = patched(&text, "if 3 * mbox.count(|&u| u == v) > 2 * cx.n() {", "if 2 * mbox.count(|&u| u == v) > cx.n() {");
    assert_some_refuted(&verdicts_of(&majority, "inductive"));
}

/// Mostéfaoui–Raynal's ◇S consensus (`specs/mr_consensus.rs`): its echo
/// round's step is proved by the deeper reduction in the time the first
/// one's refinement leaves; deciding on `f` echoes is refuted.
#[test]
fn mostefaoui_raynal_consensus_keeps_a_decided_value() {
    let text = spec_text("mr_consensus");
    assert_all_proved(&verdicts_of(&text, "inductive/inv0/round1"));
    let few = patched(&text, ">= cx.n() as i64 - cx.param(\"f\") && !p.decided", ">= cx.param(\"f\") && !p.decided");
    assert_some_refuted(&verdicts_of(&few, "inductive/inv0/round1"));
}

/// U_T,E without value faults (`specs/ute_benign.rs`): its vote round
/// keeps "all votes are one value" written with `w.exists_value` or
/// pairwise; voting on `x̄` with more than `T/2` copies is refuted.
#[test]
fn ute_votes_for_one_value_written_with_a_value_or_pairwise() {
    let text = spec_text("ute_benign");
    assert_all_proved(&verdicts_of(&text, "inductive/inv0/round0"));
    let pairwise = patched(
        &text,
        "w.exists_value(|v: i64| w.forall(|i| implies(w[i].voted, w[i].vote == v && w[i].x == v)))",
        "w.forall(|i| w.forall(|j| implies(w[i].voted && w[j].voted, w[i].vote == w[j].vote && w[i].x == w[i].vote)))",
    );
    assert_all_proved(&verdicts_of(&pairwise, "inductive/inv0/round0"));
    let half = patched(&text, "if mbox.count(|&v| v == xbar) as i64 > cx.param(\"T\") {", "if 2 * mbox.count(|&v| v == xbar) as i64 > cx.param(\"T\") {");
    assert_some_refuted(&verdicts_of(&half, "inductive/inv0/round0"));
}

/// U_T,E with value faults (`specs/ute_altered.rs`, written by a helper
/// from the paper): every VC proved, by bounding each received count by
/// the senders of its value (`logic/src/reduce/covers.rs`; both inductive
/// VCs `timeout` at 60 s without); deciding on a single copy is refuted.
#[test]
fn ute_under_value_faults_is_proved_and_deciding_on_one_copy_is_refuted() {
    let text = spec_text("ute_altered");
    assert_all_proved(&verdicts(&text));
    let one = patched(&text, "if voted && copies > cx.param(\"E\") && !p.decided {", "if voted && copies > 0 && !p.decided {");
    assert_some_refuted(&verdicts_of(&one, "inductive"));
}

/// Phase-Queen (`specs/phase_queen.rs`): its exchange round keeps "all
/// hold one value and the decided decided it" written pairwise or with
/// `w.exists_value` (no guard), and "every value held or decided is
/// someone's initial value" written with `exists` or with counts (a
/// census in a case of the negated conclusion, `nonempty.rs`); strong on a
/// bare majority is refuted.
#[test]
fn phase_queen_keeps_one_value_written_pairwise_or_with_a_value() {
    let text = spec_text("phase_queen");
    assert_all_proved(&verdicts_of(&text, "inductive/inv0/round0"));
    let value = patched(
        &text,
        "w.forall(|i| w.forall(|j| w[i].x == w[j].x) && implies(w[i].decided, w[i].decision == w[i].x))",
        "w.exists_value(|v: i64| w.forall(|i| w[i].x == v && implies(w[i].decided, w[i].decision == v)))",
    );
    assert_all_proved(&verdicts_of(&value, "inductive/inv0/round0"));
    let counted = patched(
        &text,
        "w.exists(|j| w[i].x == w.init(j).x) && implies(w[i].decided, w.exists(|j| w[i].decision == w.init(j).x))",
        "w.count(|j| w[i].x == w.init(j).x) > 0 && implies(w[i].decided, w.count(|j| w[i].decision == w.init(j).x) > 0)",
    );
    assert_all_proved(&verdicts_of(&counted, "inductive/inv0/round0"));
    let majority = patched(&text, "p.strong = 2 * c1 as i64 > cx.n() as i64 + 2 * cx.param(\"f\");", "p.strong = 2 * c1 as i64 > cx.n() as i64;");
    assert_some_refuted(&verdicts_of(&majority, "inductive/inv0/round0"));
}

/// A three-round rotating-coordinator consensus with timestamps
/// (`specs/ct3.rs`): every VC is proved with "everyone with a timestamp
/// from `t` on holds `v`" written with `forall` or as a count equal to `n`
/// (its negation, a census short of everyone, reads as a process missing
/// from it, `nonempty.rs`); deciding on half the acks is refuted.
#[test]
fn a_coordinator_consensus_with_timestamps_keeps_its_majority_written_with_a_count() {
    let text = spec_text("ct3");
    assert_all_proved(&verdicts(&text));
    let counted = patched(
        &text,
        "&& w.forall(|i| {\n                        implies(w[i].ts >= t, w[i].x == v)",
        "&& n == w.count(|i| {\n                        implies(w[i].ts >= t, w[i].x == v)",
    );
    assert_all_proved(&verdicts(&counted));
    let half = patched(&text, "if 2 * mbox.len() > cx.n() {", "if 2 * mbox.len() >= cx.n() {");
    assert_some_refuted(&verdicts_of(&half, "inductive"));
}
