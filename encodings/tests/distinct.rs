//! Counting values (`encodings/SPEC_LANGUAGE.md`, *Counting values*):
//! `w.distinct(|i| w[i].x)` and `w.distinct_where(|i| φ, |i| w[i].x)` on
//! `zoo/floodmin_kset.rs`, patched here and there.

use psync_encodings::{Verdict, generate_vcs};
use psync_logic::{Binder, Op, Sort, Term};

mod common;
use common::{expect_error, load, verdict};

const FLOODMIN_KSET: &str = include_str!("../../zoo/floodmin_kset.rs");

fn patched(from: &str, to: &str) -> String {
    common::patched(FLOODMIN_KSET, from, to)
}

/// Whether `t` counts a comprehension over integers.
fn counts_values(t: &Term) -> bool {
    let mut found = false;
    t.visit(&mut |s| {
        if let Term::Op(Op::Card, args) = s
            && let [Term::Bind(Binder::Comprehension, vs, _)] = args.as_slice()
        {
            found |= vs[0].sort == Sort::Int;
        }
    });
    found
}

#[test]
fn the_spec_keeps_the_value_count_and_the_queries_count_representatives() {
    let alg = load("floodmin_kset.rs", FLOODMIN_KSET);
    assert!(counts_values(&alg.spec.invariants[0].term), "the invariant counts values of `x`");
    let prop = alg.spec.properties.iter().find(|p| p.name == "KAgreement").expect("the property");
    assert!(counts_values(&prop.pred.term));
    let vc = generate_vcs(&alg).into_iter().find(|v| v.id == "flood_min_k_set/property/kagreement/inv0").expect("the VC");
    assert!(counts_values(&vc.formula()), "the VC states the counts as written");
    for part in vc.parts() {
        assert!(!counts_values(&part), "a query counts processes only");
        assert!(part.funs().iter().any(|f| f.name.starts_with(psync_encodings::distinct::REP)));
    }
    assert!(!counts_values(&vc.query()));
}

#[test]
fn k_agreement_follows_and_a_smaller_bound_is_refuted() {
    let alg = load("floodmin_kset.rs", FLOODMIN_KSET);
    assert!(matches!(verdict(&alg, "flood_min_k_set/property/kagreement/inv0"), Verdict::Proved));
    // k − 1 values are too few: k estimates can survive the rounds.
    let src = patched(
        "w.distinct_where(|i| w[i].decided, |i| w[i].decision) as i64 <= w.param(\"k\")",
        "w.distinct_where(|i| w[i].decided, |i| w[i].decision) as i64 <= w.param(\"k\") - 1",
    );
    let alg = load("bad.rs", &src);
    match verdict(&alg, "flood_min_k_set/property/kagreement/inv0") {
        Verdict::Refuted(cex) => {
            let text = cex.to_string();
            assert!(text.contains("decision"), "{text}");
        }
        other => panic!("expected a counterexample, got {other:?}"),
    }
}

#[test]
fn only_a_field_of_the_closures_process_is_counted() {
    let src = patched("w.distinct(|i| w[i].x) as i64", "w.distinct(|i| w[i].x + 1) as i64");
    expect_error(&src, "counts the values of a state field", "w.distinct(|i| w[i].x + 1)", "w[i].x + 1");
    let src = patched("w.distinct(|i| w[i].x) as i64", "w.distinct(|i| w.init(w.coord()).x) as i64");
    expect_error(&src, "counts the values of a state field", "w.distinct(|i| w.init(w.coord()).x)", "w.init(w.coord()).x");
    let src = patched("w.distinct(|i| w[i].x) as i64", "w.distinct(|i| w[i].heard) as i64");
    expect_error(&src, "cannot count set values", "w.distinct(|i| w[i].heard)", "w[i].heard");
}

#[test]
fn distinct_takes_its_closures() {
    let src = patched("w.distinct(|i| w[i].x) as i64", "w.distinct(|i| w[i].decided, |i| w[i].x) as i64");
    expect_error(&src, "`distinct` takes 1 closure(s)", "w.distinct(|i| w[i].decided, |i| w[i].x)", "w.distinct");
    let src = patched("w.distinct_where(|i| w[i].decided, |i| w[i].decision)", "w.distinct_where(|i| w[i].x, |i| w[i].decision)");
    expect_error(&src, "must return a bool", "w.distinct_where(|i| w[i].x, |i| w[i].decision)", "|i| w[i].x,");
}

/// More values than processes: an invariant no state satisfies. The
/// vacuity review's queries are lowered too, so the proof that assumes it
/// is `Vacuous`, the invariant named.
#[test]
fn an_impossible_count_makes_the_proofs_that_assume_it_vacuous() {
    let src = patched(
        "w.forall(|i| w.exists(|j| w[i].x == w.init(j).x))\n",
        "w.forall(|i| w.exists(|j| w[i].x == w.init(j).x)) && w.distinct(|i| w[i].x) as i64 > w.n() as i64\n",
    );
    let alg = load("bad.rs", &src);
    match verdict(&alg, "flood_min_k_set/property/validity/inv0") {
        Verdict::Vacuous(why) => assert_eq!(why.assumption, "invariant Inv_0"),
        other => panic!("expected a vacuous verdict, got {other:?}"),
    }
}

/// The spec's count is evaluated as written on concrete states (what the
/// simulator's monitors read): decisions 0, 1, 1 are two values.
#[test]
fn the_count_evaluates_on_a_concrete_state() {
    use psync_logic::{FunTable, Model, Value, holds};
    let alg = load("floodmin_kset.rs", FLOODMIN_KSET);
    let prop = &alg.spec.properties.iter().find(|p| p.name == "KAgreement").expect("the property").pred.term;
    let mut m = Model { n: 3, ..Default::default() };
    let table = |name: &str, sort: Sort, vals: Vec<Value>| FunTable {
        fun: psync_logic::Fun::new(name, vec![Sort::P], sort),
        entries: vals.into_iter().enumerate().map(|(p, v)| (vec![Value::Proc(p as u32)], v)).collect(),
        default: None,
    };
    m.funs.insert("decided".into(), table("decided", Sort::Bool, vec![Value::Bool(true); 3]));
    m.funs.insert("decision".into(), table("decision", Sort::Int, vec![Value::Int(0), Value::Int(1), Value::Int(1)]));
    for (k, holds_then) in [(1, false), (2, true)] {
        m.funs.insert("param.k".into(), FunTable { fun: psync_logic::Fun::constant("param.k", Sort::Int), entries: [(vec![], Value::Int(k))].into_iter().collect(), default: None });
        assert_eq!(holds(prop, &m), Ok(holds_then), "k = {k}");
    }
    // Undecided processes' decisions are not counted.
    m.funs.insert("decided".into(), table("decided", Sort::Bool, vec![Value::Bool(true), Value::Bool(false), Value::Bool(true)]));
    m.funs.insert("param.k".into(), FunTable { fun: psync_logic::Fun::constant("param.k", Sort::Int), entries: [(vec![], Value::Int(1))].into_iter().collect(), default: None });
    assert_eq!(holds(prop, &m), Ok(false));
    m.funs.insert("decision".into(), table("decision", Sort::Int, vec![Value::Int(0), Value::Int(1), Value::Int(0)]));
    assert_eq!(holds(prop, &m), Ok(true));
}

/// Values are only ever adopted from other processes, so there are never
/// more of them than before, or than initially: a set of values included
/// in another is no larger. Without that lemma
/// (`psync_encodings::distinct`, the inclusion lemmas) both VCs are left
/// `unknown` on spurious models.
#[test]
fn a_count_of_values_taken_from_another_is_no_larger() {
    let src = patched(
        "(\"Validity\",",
        "(\"NoNewValues\", w.distinct(|i| w[i].x) <= w.distinct(|i| w.old(i).x)),\n            \
         (\"InitialValues\", w.distinct(|i| w[i].x) <= w.distinct(|i| w.init(i).x)),\n            (\"Validity\",",
    );
    let alg = load("fewer.rs", &src);
    for id in ["flood_min_k_set/property/nonewvalues/round0", "flood_min_k_set/property/initialvalues/inv0"] {
        assert!(matches!(verdict(&alg, id), Verdict::Proved), "{id}");
    }
    // Adding the least value heard to one's own makes new ones (adopting
    // `m + 1` would not: the new values are the old ones shifted).
    let alg = load("more.rs", &common::patched(&src, "p.x = *m;", "p.x = p.x + *m;"));
    assert!(matches!(verdict(&alg, "flood_min_k_set/property/nonewvalues/round0"), Verdict::Refuted(_)));
}
