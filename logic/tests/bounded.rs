//! The bounded counterexample search (`psync_logic::bounded`): confirmed
//! models for every invalid corpus query, none for the valid ones, agreement
//! with the brute-force oracle on random formulas, clear errors for what the
//! finite lowering does not support, and its use by `check_sat`.

use std::path::Path;
use std::time::Duration;

use psync_logic::bounded::{BoundedConfig, BoundedError, BoundedResult, NVerdict, check_n, search, search_until};
use psync_logic::smt::Cancel;
use psync_logic::build::*;
use psync_logic::smt::Z3InProcess;
use psync_logic::{OracleBounds, OracleResult, Sort, Term, Value, find_model, holds, parse_query};
use rand::SeedableRng;
use rand::rngs::StdRng;

fn corpus(dir: &str) -> Vec<(String, Term)> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus").join(dir);
    let mut out: Vec<(String, Term)> = std::fs::read_dir(&path)
        .expect("corpus folder")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "cl"))
        .map(|p| {
            let src = std::fs::read_to_string(&p).expect("readable corpus file");
            let q = parse_query(&src).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            (p.file_name().unwrap().to_string_lossy().into_owned(), q.formula())
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn cfg() -> BoundedConfig {
    BoundedConfig { max_n: 5, exact_max_n: 5, timeout_per_n: Duration::from_secs(10), budget: Duration::from_secs(30) }
}

#[test]
fn every_invalid_corpus_query_has_a_confirmed_small_model() {
    let backend = Z3InProcess::new();
    let mut failures = Vec::new();
    for (file, f) in corpus("invalid") {
        let start = std::time::Instant::now();
        match search(&f, &cfg(), &backend) {
            Ok(BoundedResult::Found(m)) => {
                assert_eq!(holds(&f, &m), Ok(true), "{file}: reported model does not hold");
                println!("{file}: model with n = {} in {:?}", m.n, start.elapsed());
            }
            Ok(r) => failures.push(format!("{file}: {}", r.summary())),
            Err(e) => failures.push(format!("{file}: error: {e}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn valid_corpus_queries_have_no_small_model() {
    let backend = Z3InProcess::new();
    for (file, f) in corpus("valid") {
        let start = std::time::Instant::now();
        let r = search(&f, &cfg(), &backend).unwrap_or_else(|e| panic!("{file}: {e}"));
        println!("{file}: {} in {:?}", r.summary(), start.elapsed());
        match r {
            BoundedResult::Found(m) => panic!("{file} is valid but has a model: {m:?}"),
            BoundedResult::NotFound { tried_up_to, no_model_up_to, .. } => {
                assert_eq!(tried_up_to, 5, "{file}");
                assert!(no_model_up_to >= 3, "{file}: the solver should refute small n");
            }
        }
    }
}

/// The first `n ≤ 5` with a confirmed model of the query `src`.
fn model_of(src: &str) -> psync_logic::Model {
    let f = parse_query(src).unwrap_or_else(|e| panic!("{e}")).formula();
    match search(&f, &cfg(), &Z3InProcess::new()) {
        Ok(BoundedResult::Found(m)) => {
            assert_eq!(holds(&f, &m), Ok(true));
            m
        }
        other => panic!("no model for\n{src}\n{other:?}"),
    }
}

#[test]
fn smallest_n_is_found_and_models_use_real_values() {
    assert_eq!(model_of("assert n > 3;").n, 4);
    let m = model_of("assert exists S: Set<P>. |S| >= 3 && !(S == all);");
    assert_eq!(m.n, 4);
    // Set-valued functions come back as tables of real sets.
    let m = model_of("fun HO: P -> Set<P>; assert exists i: P, j: P. |HO(i)| == 2 && !(HO(i) == HO(j));");
    assert_eq!(m.n, 2);
    let ho = &m.funs["HO"];
    assert_eq!(ho.entries.len(), 2);
    assert!(ho.entries.values().all(|v| matches!(v, Value::Set(_))));
}

#[test]
fn options_tuples_and_uninterpreted_defaults_are_decoded() {
    // get(None) is element 0 of D, so c must be another element.
    model_of("sort D; const o: Option<D>; const c: D; assert !is_some(o) && get(o) != c;");
    model_of(
        "fun t: P -> (Set<P>, Option<Int>); \
         assert exists i: P. is_some(t(i).1) && get(t(i).1) == |t(i).0| + 1 && i in t(i).0; \
         assert forall i: P. exists j: P. !(j in t(i).0);",
    );
    let m = model_of("sort D; fun f: D -> Option<P>; assert exists a: D, b: D. f(a) != f(b) && is_some(f(a)) && is_some(f(b));");
    assert_eq!(m.n, 2);
}

#[test]
fn functions_of_integers_and_free_variables_are_decoded() {
    let m = model_of("fun f: Int -> P; fun x: P -> Int; assert f(3) != f(4) && x(f(3)) == 7 && x(f(4)) == 3 + x(f(3));");
    assert_eq!(m.n, 2);
    // A free variable (not a declared constant) becomes a value of the model.
    let v = var("v", Sort::Int);
    let x = fun("x", vec![Sort::P], Sort::Int);
    let i = var("i", Sort::P);
    let f = and(vec![forall(vec![i.clone()], gt(x.at(i.t()), v.t())), gt(v.t(), int(10)), gt(n(), int(1))]);
    let r = search(&f, &cfg(), &Z3InProcess::new()).unwrap();
    let BoundedResult::Found(m) = r else { panic!("{r:?}") };
    assert!(matches!(m.vars["v"], Value::Int(k) if k > 10));
    assert_eq!(holds(&f, &m), Ok(true));
}

#[test]
fn sizes_past_the_exact_ones_are_searched_with_small_data() {
    // Only n ≥ 7 has a model; the exact query is tried up to n = 2 only.
    let f = parse_query("fun x: P -> Int; assert n > 6 && exists i: P, j: P. x(i) != x(j);").unwrap().formula();
    let cfg = BoundedConfig { max_n: 9, exact_max_n: 2, timeout_per_n: Duration::from_secs(10), budget: Duration::from_secs(30) };
    let BoundedResult::Found(m) = search(&f, &cfg, &Z3InProcess::new()).unwrap() else { panic!("no model") };
    assert_eq!(m.n, 7);
    assert_eq!(holds(&f, &m), Ok(true));
    // Without a model, the sizes past the exact ones are ruled out too
    // while their exact queries stay cheap (these take milliseconds).
    let g = parse_query("fun x: P -> Int; assert n > 6 && forall i: P. x(i) > 5 && x(i) < 5;").unwrap().formula();
    match search(&g, &cfg, &Z3InProcess::new()).unwrap() {
        BoundedResult::NotFound { tried_up_to, no_model_up_to, .. } => assert_eq!((tried_up_to, no_model_up_to), (9, 9)),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_model_beyond_every_data_range_is_found_by_cheap_exact_sizes() {
    // Ten processes with pairwise distinct values: no data range (at most
    // 0..=8) holds ten values, so only the exact query at n = 10 has it;
    // the exact sizes before it are ruled out quickly.
    let f = parse_query("fun x: P -> Int; assert n > 9 && forall i: P, j: P. i == j || x(i) != x(j);").unwrap().formula();
    let cfg = BoundedConfig { max_n: 10, exact_max_n: 2, timeout_per_n: Duration::from_secs(10), budget: Duration::from_secs(60) };
    let BoundedResult::Found(m) = search(&f, &cfg, &Z3InProcess::new()).unwrap() else { panic!("no model") };
    assert_eq!(m.n, 10);
    assert_eq!(holds(&f, &m), Ok(true));
}

#[test]
fn a_model_of_the_exact_query_is_re_solved_with_small_data() {
    // The exact query leaves the values to the solver; the model shown has
    // them in 0..=1 (the narrow range), since there is one.
    let m = model_of("fun x: P -> Int; fun y: P -> Int; assert exists i: P, j: P. x(i) != x(j) && y(i) > y(j);");
    assert_eq!(m.n, 2);
    for name in ["x", "y"] {
        assert!(m.funs[name].entries.values().all(|v| matches!(v, Value::Int(0 | 1))), "{name}: {:?}", m.funs[name]);
    }
}

#[test]
fn a_cancelled_search_stops_without_a_verdict() {
    let f = parse_query("assert n > 3;").unwrap().formula();
    let cancel = Cancel::new();
    cancel.cancel();
    match search_until(&f, &cfg(), &Z3InProcess::new(), &cancel).unwrap() {
        BoundedResult::NotFound { tried_up_to, notes, .. } => {
            assert_eq!(tried_up_to, 0);
            assert!(notes.iter().any(|n| n.contains("stopped")), "{notes:?}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn unsupported_input_is_an_error_not_a_verdict() {
    let backend = Z3InProcess::new();
    let s = cnst("S", Sort::set(Sort::Int));
    let f = gt(card(s), int(2));
    match search(&f, &cfg(), &backend) {
        Err(BoundedError::Unsupported(why)) => assert!(why.contains("Int"), "{why}"),
        other => panic!("expected Unsupported, got {other:?}"),
    }
    let d = Sort::Uninterpreted("D".into());
    let t = cnst("T", Sort::set(d.clone()));
    let e = var("e", d);
    assert!(matches!(
        check_n(&exists(vec![e.clone()], member(e.t(), t)), 2, &backend, Duration::from_secs(5)),
        Err(BoundedError::Unsupported(_))
    ));
    // Ill-sorted input is a type error.
    assert!(matches!(search(&add(int(1), int(2)), &cfg(), &backend), Err(BoundedError::Type(_))));
}

#[test]
fn agrees_with_the_oracle_on_random_formulas() {
    let backend = Z3InProcess::new();
    let mut rng = StdRng::seed_from_u64(0xb0_0de1);
    let bounds = OracleBounds { max_n: 3, ints: -1..=2, universe: 2, budget: 300_000 };
    let (mut found, mut agree, mut only_ours, mut inconclusive, mut compared) = (0, 0, 0, 0, 0);
    let mut none = 0;
    for idx in 0..200 {
        // Conjunctions of two formulas, every other time, for more unsatisfiable ones.
        let mut f = psync_logic::testgen::random_formula(&mut rng, 8);
        if idx % 2 == 1 {
            f = and(vec![f, psync_logic::testgen::random_formula(&mut rng, 8)]);
        }
        for k in 1..=3u32 {
            let ours = check_n(&f, k, &backend, Duration::from_secs(5)).unwrap_or_else(|e| panic!("{idx}: {e}\n{f}"));
            // The oracle restricted to exactly k processes.
            let exact = and(vec![f.clone(), eq(n(), int(i64::from(k)))]);
            let oracle = find_model(&exact, &OracleBounds { max_n: k, ..bounds.clone() });
            match (&ours, &oracle) {
                (_, OracleResult::BudgetExceeded | OracleResult::Unsupported(_)) => continue,
                (NVerdict::NoModel, OracleResult::Found(m)) => {
                    panic!("formula {idx}, n = {k}: the bounded search says no model, the oracle has one\n{f}\n{m:?}")
                }
                (NVerdict::Found(m), _) => {
                    assert_eq!(m.n, k);
                    assert_eq!(holds(&f, m), Ok(true), "formula {idx}");
                    found += 1;
                    if matches!(oracle, OracleResult::Found(_)) {
                        agree += 1;
                    } else {
                        // Only possible with integers outside the oracle's range.
                        only_ours += 1;
                    }
                }
                (NVerdict::NoModel, OracleResult::NoModel) => {
                    agree += 1;
                    none += 1;
                }
                (NVerdict::Inconclusive(why), _) => {
                    println!("formula {idx}, n = {k}: inconclusive: {why}\n  {f}");
                    inconclusive += 1;
                }
            }
            compared += 1;
        }
    }
    println!(
        "{compared} comparisons: {agree} agree ({none} without a model), {found} models found \
         ({only_ours} outside the oracle's integers), {inconclusive} inconclusive"
    );
    assert!(none >= 50, "too few formulas without a model to compare");
    assert!(compared >= 450, "too few comparisons: {compared}");
    assert!(inconclusive * 50 <= compared, "too many inconclusive answers");
    assert!(agree + only_ours + inconclusive == compared);
}

#[test]
fn check_sat_refutes_what_the_reduction_leaves_unknown() {
    use psync_logic::check::{CheckConfig, CheckResult, check_sat};
    let cfg = CheckConfig { timeout: Duration::from_secs(10), ..Default::default() };
    let backend = Z3InProcess::new();
    let all = corpus("invalid");
    for name in ["otr_nonuniform_round.cl", "otr_uniform_round_small_quorum.cl", "forall_exists_swap.cl"] {
        let (_, f) = all.iter().find(|(file, _)| file == name).expect("a corpus query");
        let checked = check_sat(f, &cfg, &backend).unwrap();
        match checked.result {
            CheckResult::Sat(m) => assert_eq!(holds(f, &m), Ok(true), "{name}"),
            other => panic!("{name}: {other:?}"),
        }
    }
}

/// A model found another way (the prover's, with the solver's arbitrary
/// integers) is re-solved at its size with small data; one whose data is
/// already small, or that none with small data replaces, is kept.
#[test]
fn a_model_with_large_data_is_replaced_by_one_with_small_data() {
    use psync_logic::bounded::with_small_data;
    let f = parse_query("fun x: P -> Int; assert n > 1 && exists i: P, j: P. x(i) < x(j);").unwrap().formula();
    let backend = Z3InProcess::new();
    let mut large = model_of("fun x: P -> Int; assert n > 1 && exists i: P, j: P. x(i) < x(j);");
    let table = large.funs.get_mut("x").expect("x");
    for (k, v) in table.entries.values_mut().enumerate() {
        *v = Value::Int(1000 + 7 * k as i64);
    }
    assert_eq!(holds(&f, &large), Ok(true));
    let small = with_small_data(&f, large.clone(), &backend, &Cancel::new());
    assert_eq!(holds(&f, &small), Ok(true));
    assert_eq!(small.n, large.n);
    assert!(small.funs["x"].entries.values().all(|v| matches!(v, Value::Int(0..=8))), "{small:?}");
    assert_eq!(with_small_data(&f, small.clone(), &backend, &Cancel::new()), small);
    // Only values beyond 8 satisfy it: the large model stays.
    let g = parse_query("fun x: P -> Int; assert n > 1 && exists i: P, j: P. x(i) < x(j) && x(i) > 100;").unwrap().formula();
    assert_eq!(with_small_data(&g, large.clone(), &backend, &Cancel::new()), large);
}
