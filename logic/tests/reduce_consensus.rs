//! The consensus entailments of VMCAI'14 through the whole pipeline
//! (reduce → Z3 in process → decode → confirm): valid ones are `Unsat`,
//! near-miss invalid ones are `Sat` with a model the evaluator confirms.

use std::time::Duration;

use psync_logic::check::{CheckConfig, CheckResult, check_sat};
use psync_logic::smt::Z3InProcess;
use psync_logic::{eval, parse_query};

fn run(src: &str) -> CheckResult {
    let q = parse_query(src).unwrap_or_else(|e| panic!("{e}\n{src}"));
    let cfg = CheckConfig {
        timeout: Duration::from_secs(30),
        ..Default::default()
    };
    let checked =
        check_sat(&q.formula(), &cfg, &Z3InProcess::new()).unwrap_or_else(|e| panic!("{e}"));
    checked.result
}

fn assert_unsat(src: &str) {
    match run(src) {
        CheckResult::Unsat => {}
        other => panic!("expected unsat, got {other:?}\n{src}"),
    }
}

fn assert_sat(src: &str) {
    let q = parse_query(src).unwrap();
    match run(src) {
        CheckResult::Sat(m) => {
            assert!(m.n >= 1);
            assert_eq!(
                eval(&q.formula(), &m).unwrap(),
                psync_logic::Value::Bool(true)
            );
        }
        other => panic!("expected a confirmed model, got {other:?}\n{src}"),
    }
}

const MAJORITIES: &str = "
const A, B: Set<P>;
assert 2 * |A| > n && 2 * |B| > n;
assert !(exists w: P. w in A && w in B);
";

#[test]
fn two_majorities_intersect() {
    assert_unsat(MAJORITIES);
}

#[test]
fn two_halves_need_not_intersect() {
    assert_sat(
        "const A, B: Set<P>;
         assert 2 * |A| >= n && 2 * |B| >= n;
         assert !(exists w: P. w in A && w in B);",
    );
}

#[test]
fn two_thirds_intersect_in_more_than_a_third() {
    assert_unsat(
        "const A, B: Set<P>;
         assert 3 * |A| > 2 * n && 3 * |B| > 2 * n;
         assert 3 * |A inter B| <= n;",
    );
}

#[test]
fn two_thirds_and_a_half_may_meet_in_a_third() {
    assert_sat(
        "const A, B: Set<P>;
         assert 3 * |A| > 2 * n && 2 * |B| > n;
         assert 3 * |A inter B| <= n;",
    );
}

/// VMCAI'14 §5.2, the agreement step of the One-Third Rule: a process that
/// received `w` from more than 2n/3 processes, while more than 2n/3 hold `v`,
/// must have `w = v`.
const OTR_AGREEMENT: &str = "
fun x: P -> Int;
fun HO: P -> Set<P>;
const v, w: Int;
const p: P;
assert 3 * |{i: P | x(i) == v}| > 2 * n;
assert 3 * |{i: P | i in HO(p) && x(i) == w}| > 2 * n;
assert w != v;
";

#[test]
fn otr_agreement_step() {
    assert_unsat(OTR_AGREEMENT);
}

#[test]
fn otr_agreement_fails_with_half_quorums() {
    assert_sat(
        "fun x: P -> Int;
         fun HO: P -> Set<P>;
         const v, w: Int;
         const p: P;
         assert 2 * |{i: P | x(i) == v}| >= n;
         assert 2 * |{i: P | i in HO(p) && x(i) == w}| >= n;
         assert w != v;",
    );
}

/// Every heard-of set is a two-thirds quorum and more than 2n/3 hold `v`:
/// every process hears `v` from more than n/3 processes.
const HO_QUORUM_HEARS_V: &str = "
fun x: P -> Int;
fun HO: P -> Set<P>;
const v: Int;
const p: P;
assert forall i: P. 3 * |HO(i)| > 2 * n;
assert 3 * |{i: P | x(i) == v}| > 2 * n;
assert 3 * |{j: P | j in HO(p) && x(j) == v}| <= n;
";

#[test]
fn two_thirds_heard_of_sets_hear_the_majority_value() {
    assert_unsat(HO_QUORUM_HEARS_V);
}

#[test]
fn half_heard_of_sets_may_miss_the_majority_value() {
    assert_sat(
        "fun x: P -> Int;
         fun HO: P -> Set<P>;
         const v: Int;
         const p: P;
         assert forall i: P. 2 * |HO(i)| >= n;
         assert 3 * |{i: P | x(i) == v}| > 2 * n;
         assert 3 * |{j: P | j in HO(p) && x(j) == v}| <= n;",
    );
}

/// OTR invariant preservation (the `∃v` branch of Inv_0, one round): if more
/// than 2n/3 hold `v` and every decision is `v`, then after the round every
/// decision is still `v` and more than 2n/3 still hold `v`. `mmor(i)` is the
/// minimal most often received value (most often: no value is received
/// more often).
const OTR_INVARIANT: &str = "
fun x: P -> Int;
fun x1: P -> Int;
fun decision: P -> Int;
fun decision1: P -> Int;
fun mmor: P -> Int;
fun dec: P -> Bool;
fun dec1: P -> Bool;
fun HO: P -> Set<P>;
const v: Int;
assert 3 * |{i: P | x(i) == v}| > 2 * n;
assert forall i: P. dec(i) ==> decision(i) == v;
assert forall i: P, u: Int. |{j: P | j in HO(i) && x(j) == u}| <= |{j: P | j in HO(i) && x(j) == mmor(i)}|;
assert forall i: P. 3 * |HO(i)| > 2 * n ==> x1(i) == mmor(i);
assert forall i: P. 3 * |HO(i)| <= 2 * n ==> x1(i) == x(i);
assert forall i: P. 3 * |HO(i)| > 2 * n && 3 * |{j: P | j in HO(i) && x(j) == mmor(i)}| > 2 * n
    ==> dec1(i) && decision1(i) == mmor(i);
assert forall i: P. !(3 * |HO(i)| > 2 * n && 3 * |{j: P | j in HO(i) && x(j) == mmor(i)}| > 2 * n)
    ==> (dec1(i) <==> dec(i)) && decision1(i) == decision(i);
assert !(forall i: P. dec1(i) ==> decision1(i) == v);
";

#[test]
fn otr_invariant_decisions_are_preserved() {
    assert_unsat(OTR_INVARIANT);
}

/// Without the supermajority for `v` (any minority of `v` is too strong a
/// hypothesis to break it: another value could not gather 2n/3), a process
/// may decide another value.
#[test]
fn otr_invariant_breaks_without_the_supermajority() {
    assert_sat(&OTR_INVARIANT.replace(
        "3 * |{i: P | x(i) == v}| > 2 * n",
        "3 * |{i: P | x(i) == v}| >= 0",
    ));
}

/// A member makes a set non-empty: through the regions' element counts
/// ([`ElementCounts`], in their universal form or as ground instances), and,
/// for a set whose size the formula pins to 0, through the membership facts
/// of `reduce/membership.rs` even without them.
#[test]
fn regions_count_their_members_unless_told_not_to() {
    use psync_logic::reduce::ElementCounts;
    let src = "const A: Set<P>; fun x: P -> Int;
               assert (exists p: P. p in A && x(p) == 1) && |A| == 0;";
    let q = parse_query(src).unwrap();
    let verdict = |counts: ElementCounts| {
        let mut cfg = CheckConfig { timeout: Duration::from_secs(30), bounded_search: false, ..Default::default() };
        cfg.reduce.element_counts = counts;
        check_sat(&q.formula(), &cfg, &Z3InProcess::new()).unwrap().result
    };
    assert_eq!(verdict(ElementCounts::Universal), CheckResult::Unsat);
    assert_eq!(verdict(ElementCounts::Ground), CheckResult::Unsat);
    assert_eq!(verdict(ElementCounts::Off), CheckResult::Unsat);
}

/// Data instances of kept universals: with
/// `ReduceConfig::data_at_named_processes` off (the base knobs), not at a
/// value read at a witness process named by data (`ts(sk(ts(p0)))`, the
/// witness of the negated `∃v. ∀i. ts(i) < v` at `v = ts(p0)`); on (global
/// anchors), there too. Either way the universal stays, and the query is
/// decided the same.
#[test]
fn data_instances_skip_values_read_at_data_named_witnesses_unless_told() {
    use psync_logic::check::{Strategy, reduce};
    use psync_logic::reduce::ReduceConfig;
    let src = "fun ts: P -> Int; const p0: P;
               assert forall t: Int. 2 * |{i: P | ts(i) >= t}| > n;
               assert !(exists v: Int. forall i: P. ts(i) < v) && ts(p0) >= 0;
               assert |{i: P | ts(i) >= ts(p0)}| == 0;";
    let q = parse_query(src).unwrap();
    let at_witness_values = |on: bool| {
        let cfg = ReduceConfig { data_at_named_processes: on, ..Strategy::Parametric.apply(&ReduceConfig::default()) };
        let reduced = reduce(&q.formula(), &cfg).unwrap();
        // (`sk$i`: the witness of `∃i`; the extrema of `ts` are named processes)
        reduced.assertions.iter().filter(|a| a.to_string().contains("compr$1(ts(sk$i")).count()
    };
    assert_eq!(at_witness_values(false), 0);
    assert!(at_witness_values(true) > 0);
    assert!(Strategy::GlobalAnchors.apply(&ReduceConfig::default()).data_at_named_processes);
    for s in [Strategy::Parametric, Strategy::GlobalAnchors] {
        let cfg = CheckConfig { strategies: vec![s], timeout: Duration::from_secs(30), bounded_search: false, ..Default::default() };
        assert_eq!(check_sat(&q.formula(), &cfg, &Z3InProcess::new()).unwrap().result, CheckResult::Unsat, "{s:?}");
    }
}
