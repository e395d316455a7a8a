//! The logic crate's front half: typechecker, printer, parser, evaluator,
//! finite-model oracle, and the corpus of valid and invalid queries.

use std::path::PathBuf;
use std::time::Instant;

use psync_logic::build::*;
use psync_logic::eval::active_domain;
use psync_logic::oracle::search;
use psync_logic::testgen::{random_formula, signature};
use psync_logic::{
    eval, eval_with, holds, parse_query, parse_term, typecheck, EvalError, Expect, FunTable, Model, Op,
    OracleBounds, OracleResult, Query, Sort, Term, Value,
};
use rand::SeedableRng;
use rand::rngs::StdRng;

// ---------- typechecker ----------

fn type_error(t: &Term) -> String {
    match typecheck(t) {
        Ok(()) => panic!("expected a sort error for {t}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn typechecker_rejects_ill_sorted_terms_with_useful_messages() {
    let set = Sort::set(Sort::P);
    let a = cnst("A", set.clone());
    let x = fun("x", vec![Sort::P], Sort::Int);
    let p = cnst("p", Sort::P);
    let i = var("i", Sort::P);

    assert_eq!(typecheck(&gt(mul(2, card(a.clone())), n())), Ok(()));
    let e = type_error(&member(x.at(p.clone()), a.clone()));
    assert!(e.contains("membership of an element of sort Int in a set of P"), "{e}");
    let e = type_error(&Term::Op(Op::Mul, vec![x.at(p.clone()), card(a.clone())]));
    assert!(e.contains("non-linear"), "{e}");
    let e = type_error(&div(n(), 0));
    assert!(e.contains("positive integer literal"), "{e}");
    let e = type_error(&Term::Op(Op::Div, vec![n(), card(a.clone())]));
    assert!(e.contains("positive integer literal"), "{e}");
    let e = type_error(&Term::Bind(psync_logic::Binder::Comprehension, vec![i.clone(), var("j", Sort::P)], Box::new(bool_(true))));
    assert!(e.contains("exactly one"), "{e}");
    let e = type_error(&and(vec![gt(x.at(p.clone()), int(0)), fun("x", vec![Sort::P], Sort::Bool).at(p.clone())]));
    assert!(e.contains("two signatures"), "{e}");
    let e = type_error(&eq(p.clone(), int(1)));
    assert!(e.contains("different sorts: P and Int"), "{e}");
    let e = type_error(&ite(bool_(true), a.clone(), int(0)));
    assert!(e.contains("branches"), "{e}");
    let e = type_error(&forall(vec![i.clone()], x.at(i.t())));
    assert!(e.contains("must be a formula"), "{e}");
    let e = type_error(&x.app(vec![p.clone(), p.clone()]));
    assert!(e.contains("expects 1 argument(s), got 2"), "{e}");
    let e = type_error(&proj(tuple(vec![int(1), bool_(true)]), 2));
    assert!(e.contains("projection .2"), "{e}");
    let e = type_error(&get(int(3)));
    assert!(e.contains("non-option"), "{e}");
    // Where: the path and the offending subterm.
    let deep = forall(vec![i.clone()], or(vec![bool_(false), lt(x.at(i.t()), a.clone())]));
    let err = typecheck(&deep).unwrap_err();
    assert_eq!(err.path, vec![0, 1]);
    assert_eq!(err.subterm, "x(i) < A");
}

// ---------- parser ----------

fn parse_error(src: &str) -> (usize, usize, String) {
    match parse_query(src) {
        Ok(q) => panic!("expected a parse error, got {q:?}"),
        Err(e) => (e.line, e.col, e.message),
    }
}

#[test]
fn parser_errors_carry_line_and_column() {
    let decls = "const A: Set<P>;\nfun x: P -> Int;\n";
    let (l, c, m) = parse_error(&format!("{decls}assert |A| > ;\n"));
    assert_eq!((l, c), (3, 14), "{m}");
    let (l, c, m) = parse_error(&format!("{decls}assert forall i: P. x(i) > y;\n"));
    assert_eq!((l, c), (3, 28), "{m}");
    assert!(m.contains("unknown identifier `y`"), "{m}");
    let (l, c, m) = parse_error(&format!("{decls}assert x(1) in A;\n"));
    assert_eq!((l, c), (3, 8), "{m}");
    assert!(m.contains("argument 1 of `x` has sort Int, expected P"), "{m}");
    let (l, c, m) = parse_error(&format!("{decls}assert 1 < 2 < 3;\n"));
    assert_eq!((l, c), (3, 14), "{m}");
    assert!(m.contains("do not chain"), "{m}");
    let (l, c, m) = parse_error("const A: Set<Q>;\n");
    assert_eq!((l, c), (1, 14), "{m}");
    let (l, _, m) = parse_error(&format!("{decls}\n\nassert |A| $ 2;\n"));
    assert_eq!(l, 5, "{m}");
    assert!(m.contains("unexpected character `$`"), "{m}");
    let (l, c, m) = parse_error(&format!("{decls}assert |A| + 1;\n"));
    assert_eq!((l, c), (3, 8), "{m}");
    assert!(m.contains("formula"), "{m}");
    let (_, _, m) = parse_error("fun x: P -> Int;\nfun x: P -> Bool;\n");
    assert!(m.contains("already declared"), "{m}");
    let (l, c, m) = parse_error("assert true\n");
    assert_eq!((l, c), (2, 1), "{m}");
    assert!(m.contains("expected `;`"), "{m}");
}

#[test]
fn parser_reads_both_spellings_and_sugar() {
    let sig = signature();
    let ascii = parse_term("forall i: P. i in A inter HO(p) ==> 3 * |HO(i)| > 2 * n && x(i) != v", &sig).unwrap();
    let unicode = parse_term("∀ i: P. i ∈ A ∩ HO(p) ⇒ 3 * |HO(i)| > 2 * n ∧ x(i) ≠ v", &sig).unwrap();
    assert_eq!(ascii, unicode);
    // `forall i, j: P` is `forall i: P, j: P`; `card(S)` is `|S|`.
    let a = parse_term("forall i, j: P. card(HO(i)) == |HO(j)|", &sig).unwrap();
    let b = parse_term("forall i: P, j: P. |HO(i)| == |HO(j)|", &sig).unwrap();
    assert_eq!(a, b);
    // Precedence: `+` chains are n-ary, `-` is left associative, `*` binds tighter.
    let t = parse_term("1 + 2 * v - 3 + v", &sig).unwrap();
    assert_eq!(t, add(sub(add(int(1), mul(2, cnst("v", Sort::Int))), int(3)), cnst("v", Sort::Int)));
    let t = parse_term("v + v + v", &sig).unwrap();
    assert_eq!(t, Term::Op(Op::Add, vec![cnst("v", Sort::Int); 3]));
}

// ---------- printer / parser round trips ----------

/// Print in both spellings and parse back: the same term.
fn assert_round_trip(t: &Term, sig: &psync_logic::Signature) {
    for text in [t.to_string(), t.ascii()] {
        match parse_term(&text, sig) {
            Ok(back) => assert_eq!(&back, t, "round trip through `{text}`"),
            Err(e) => panic!("`{text}` does not parse back: {e}"),
        }
    }
}

#[test]
fn print_parse_round_trip_on_generated_formulas() {
    let sig = signature();
    let mut rng = StdRng::seed_from_u64(2024);
    for k in 0..1000 {
        let f = random_formula(&mut rng, 1 + k % 30);
        assert_round_trip(&f, &sig);
    }
}

#[test]
fn print_parse_round_trip_on_tricky_terms() {
    let sig = psync_logic::Signature {
        sorts: vec!["V".into()],
        funs: vec![
            fun("o", vec![Sort::P], Sort::opt(Sort::Int)),
            fun("t", vec![Sort::P], Sort::Tuple(vec![Sort::Int, Sort::Bool])),
            fun("S", vec![], Sort::set(Sort::Int)),
            fun("y", vec![Sort::P, Sort::Int], Sort::Uninterpreted("V".into())),
        ],
        vars: vec![var("k", Sort::Int)],
    };
    let k = var("k", Sort::Int).t();
    let p = var("p0", Sort::P);
    let neg = |a| Term::Op(Op::Neg, vec![a]);
    let terms = vec![
        eq(neg(int(3)), int(-3)),
        eq(neg(neg(k.clone())), sub(k.clone(), int(-2))),
        eq(sub(k.clone(), sub(k.clone(), k.clone())), add(add(k.clone(), k.clone()), k.clone())),
        eq(mul(-2, k.clone()), Term::Op(Op::Mul, vec![k.clone(), int(-1)])),
        eq(modulo(add(k.clone(), int(1)), 3), div(neg(k.clone()), 2)),
        and(vec![]),
        or(vec![bool_(true)]),
        eq(Term::Op(Op::Add, vec![]), Term::Op(Op::Add, vec![k.clone()])),
        and(vec![and(vec![bool_(true), bool_(false)]), or(vec![bool_(true), bool_(true)])]),
        implies(implies(bool_(true), bool_(false)), implies(bool_(false), bool_(true))),
        iff(iff(bool_(true), bool_(false)), bool_(true)),
        not(not(eq(k.clone(), int(0)))),
        eq(eq(k.clone(), int(1)), not(bool_(true))),
        forall(
            vec![p.clone()],
            and(vec![
                is_some(fun("o", vec![Sort::P], Sort::opt(Sort::Int)).at(p.t())),
                eq(get(fun("o", vec![Sort::P], Sort::opt(Sort::Int)).at(p.t())), proj(fun("t", vec![Sort::P], Sort::Tuple(vec![Sort::Int, Sort::Bool])).at(p.t()), 0)),
                proj(tuple(vec![k.clone(), not(bool_(false))]), 1),
                eq(some(int(1)), none(Sort::Int)),
                subset(singleton(k.clone()), union(cnst("S", Sort::set(Sort::Int)), empty(Sort::Int))),
                eq(card(compr(var("w", Sort::Int), eq(var("w", Sort::Int).t(), k.clone()))), int(1)),
                exists(vec![var("e", Sort::Uninterpreted("V".into()))], eq(var("e", Sort::Uninterpreted("V".into())).t(), fun("y", vec![Sort::P, Sort::Int], Sort::Uninterpreted("V".into())).app(vec![p.t(), k.clone()]))),
                member(p.t(), diff(all_procs(), inter(empty(Sort::P), all_procs()))),
                eq(ite(bool_(true), k.clone(), int(i64::MIN)), int(i64::MAX)),
            ]),
        ),
    ];
    for t in &terms {
        assert_eq!(typecheck(t), Ok(()), "{t}");
        assert_round_trip(t, &sig);
    }
}

#[test]
fn corpus_queries_print_and_parse_back() {
    for (path, q) in corpus() {
        let sig = q.signature();
        for a in &q.assertions {
            assert_round_trip(a, &sig);
        }
        let again = parse_query(&q.to_string()).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(again, q, "{}", path.display());
    }
}

// ---------- evaluator ----------

fn procs(ks: &[u32]) -> Value {
    Value::Set(ks.iter().map(|k| Value::Proc(*k)).collect())
}

fn table(f: &psync_logic::Fun, entries: Vec<(Vec<Value>, Value)>, default: Option<Value>) -> FunTable {
    FunTable { fun: f.clone(), entries: entries.into_iter().collect(), default }
}

/// n = 3; A = {0, 1}; HO(0) = {0, 1, 2}, HO(1) = {1}, HO(2) = {}; x = [5, 5, 7].
fn small_model() -> Model {
    let set = Sort::set(Sort::P);
    let mut m = Model { n: 3, ..Model::default() };
    let a = fun("A", vec![], set.clone());
    let ho = fun("HO", vec![Sort::P], set);
    let x = fun("x", vec![Sort::P], Sort::Int);
    m.funs.insert("A".into(), table(&a, vec![(vec![], procs(&[0, 1]))], None));
    m.funs.insert(
        "HO".into(),
        table(&ho, vec![(vec![Value::Proc(0)], procs(&[0, 1, 2])), (vec![Value::Proc(1)], procs(&[1])), (vec![Value::Proc(2)], procs(&[]))], None),
    );
    m.funs.insert(
        "x".into(),
        table(&x, vec![(vec![Value::Proc(0)], Value::Int(5)), (vec![Value::Proc(1)], Value::Int(5)), (vec![Value::Proc(2)], Value::Int(7))], None),
    );
    m
}

fn q(src: &str) -> Term {
    let sig = psync_logic::Signature {
        sorts: vec![],
        funs: vec![
            fun("A", vec![], Sort::set(Sort::P)),
            fun("HO", vec![Sort::P], Sort::set(Sort::P)),
            fun("x", vec![Sort::P], Sort::Int),
            fun("o", vec![], Sort::opt(Sort::Int)),
        ],
        vars: vec![var("k", Sort::Int)],
    };
    parse_term(src, &sig).unwrap_or_else(|e| panic!("{src}: {e}"))
}

#[test]
fn eval_on_a_hand_built_model() {
    let m = small_model();
    let int_of = |s: &str| eval(&q(s), &m).unwrap();
    assert_eq!(int_of("|A|"), Value::Int(2));
    assert_eq!(int_of("n"), Value::Int(3));
    assert_eq!(int_of("|{i: P | x(i) == 5}|"), Value::Int(2));
    assert_eq!(int_of("|all| + |{i: P | HO(i) == empty<P>}|"), Value::Int(4));
    assert_eq!(eval(&q("all minus A"), &m).unwrap(), procs(&[2]));
    assert_eq!(eval(&q("{i: P | i in HO(i)}"), &m).unwrap(), procs(&[0, 1]));
    for (src, want) in [
        ("2 * |A| > n", true),
        ("forall i: P. exists j: P. j in HO(i)", false),
        ("exists i: P. HO(i) == all", true),
        ("forall i: P. i in A ==> x(i) == 5", true),
        ("forall i: P, j: P. x(i) == x(j)", false),
        ("exists w: Int. forall i: P. i in A ==> x(i) == w", true),
        ("exists w: Int. forall i: P. x(i) != w", true),
        ("|{i: P | x(i) == 5} union {i: P | x(i) == 7}| == n", true),
        ("A subset all && !(all subset A) && (exists i: P. A subset HO(i)) && !(forall i: P. A subset HO(i))", true),
        ("(-7) / 2 == -4 && (-7) % 2 == 1 && 7 / 2 == 3 && 7 % 2 == 1", true),
        ("-7 / 2 == -4", true),
        ("get(None<Int>) == 0 && !is_some(None<Int>) && get(Some(4)) == 4", true),
        ("(1, (true, 3)).1.1 == 3 && (1, false) != (1, true)", true),
        ("ite(|A| > 1, |A|, n) == 2 && ite(|A| > 2, all, A) == A", true),
        ("|{b: Bool | b || !b}| == 2", true),
        ("forall S: Set<P>. |S| <= n && (S subset A ==> |S| <= 2)", true),
        ("exists S: Set<P>. |S| == 3 && !(S subset A)", true),
    ] {
        assert_eq!(holds(&q(src), &m), Ok(want), "{src}");
    }
}

#[test]
fn eval_int_quantifiers_range_over_the_active_domain() {
    let m = small_model();
    let t = q("forall w: Int. w < 10");
    // Integers of the model 5, 7; literal 10; 0 and n = 3 — and their neighbours.
    assert_eq!(active_domain(&t, &m, &[]), vec![-1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    assert_eq!(holds(&t, &m), Ok(false));
    // Outside CL the active domain is an approximation: 7 + 2 = 9 is not in it.
    assert_eq!(holds(&q("exists w: Int. forall i: P. x(i) == 7 ==> w == x(i) + 2"), &m), Ok(false));
    assert_eq!(holds(&q("exists w: Int. forall i: P. x(i) == 7 ==> w == x(i) + 1"), &m), Ok(true));
    // Free variables come from the environment.
    let k = var("k", Sort::Int);
    let t = q("exists i: P. x(i) == k + 2");
    assert_eq!(eval_with(&t, &m, &[(k.clone(), Value::Int(3))]), Ok(Value::Bool(true)));
    assert_eq!(eval_with(&t, &m, &[(k, Value::Int(4))]), Ok(Value::Bool(false)));
}

/// Four nested quantifiers over 60 processes (13 million steps): past its
/// deadline the evaluation stops with an error instead of running on.
#[test]
fn an_evaluation_past_its_deadline_is_an_error() {
    let m = Model { n: 60, ..Model::default() };
    let f = q("forall a: P. forall b: P. forall c: P. forall d: P. a == a");
    let got = psync_logic::eval::eval_until(&f, &m, std::time::Instant::now());
    assert!(matches!(got, Err(EvalError::TooLarge(_))), "{got:?}");
    assert_eq!(psync_logic::eval(&f, &m), Ok(Value::Bool(true)), "without a deadline it runs to the end");
}

#[test]
fn eval_reports_errors_instead_of_guessing() {
    let m = small_model();
    // `o` has no table.
    match eval(&q("is_some(o)"), &m) {
        Err(EvalError::MissingInterpretation { symbol, .. }) => assert_eq!(symbol, "o"),
        other => panic!("expected a missing interpretation, got {other:?}"),
    }
    // The free variable `k` has no value.
    assert!(matches!(eval(&q("k == 1"), &m), Err(EvalError::MissingInterpretation { .. })));
    // A table without an entry for process 2 and no default.
    let mut partial = small_model();
    partial.funs.get_mut("x").unwrap().entries.remove(&vec![Value::Proc(2)]);
    let e = eval(&q("forall i: P. x(i) > 0"), &partial).unwrap_err();
    assert_eq!(e.to_string(), "no interpretation for `x` at (Proc(2))");
    // ... but a default fills the gaps.
    partial.funs.get_mut("x").unwrap().default = Some(Value::Int(1));
    assert_eq!(holds(&q("forall i: P. x(i) > 0"), &partial), Ok(true));
    // Values must belong to their sorts; n = 0 is not a model.
    let mut bad = small_model();
    bad.funs.get_mut("A").unwrap().entries.insert(vec![], procs(&[3]));
    assert!(matches!(eval(&q("|A| == 0"), &bad), Err(EvalError::BadValue(_))));
    let empty = Model::default();
    assert!(eval(&q("n > 0"), &empty).is_err());
    // Overflow is an error, not a wrap-around.
    assert!(matches!(eval(&q("9223372036854775807 + 1 > 0"), &m), Err(EvalError::Overflow(_))));
    // Ill-sorted terms are refused.
    assert!(matches!(eval(&Term::Op(Op::Card, vec![int(1)]), &m), Err(EvalError::IllSorted(_))));
}

// ---------- corpus and oracle ----------

fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/corpus")
}

/// Whether a query has symbols of sort `Real`: the oracle enumerates finite
/// domains and refuses the rationals (the solver decides those queries).
fn rational_query(q: &Query) -> bool {
    q.formula().funs().iter().any(|f| f.ret == Sort::Real || f.args.contains(&Sort::Real))
}

fn corpus_files(kind: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(corpus_dir().join(kind))
        .expect("corpus directory")
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "cl"))
        .collect();
    files.sort();
    files
}

fn corpus() -> Vec<(PathBuf, Query)> {
    ["valid", "invalid"]
        .iter()
        .flat_map(|k| corpus_files(k))
        .map(|p| {
            let src = std::fs::read_to_string(&p).expect("readable corpus file");
            let q = parse_query(&src).unwrap_or_else(|e| panic!("{}:{e}", p.display()));
            (p, q)
        })
        .collect()
}

/// The corpus bounds: n ≤ 4 and data values {0, 1}, unless the file lowers
/// `max_n` with a comment line `// oracle: max_n = K` (for queries whose
/// exhaustive search at n = 4 is too long for a test).
fn corpus_bounds(path: &PathBuf) -> OracleBounds {
    let src = std::fs::read_to_string(path).expect("readable corpus file");
    let max_n = src
        .lines()
        .filter_map(|l| l.strip_prefix("// oracle: max_n = "))
        .map(|rest| rest.split_whitespace().next().and_then(|k| k.parse().ok()).expect("a number after max_n ="))
        .next()
        .unwrap_or(4);
    OracleBounds { max_n, ints: 0..=1, universe: 2, budget: 200_000 }
}

#[test]
fn corpus_is_large_and_annotated() {
    for (kind, expect) in [("valid", Expect::Unsat), ("invalid", Expect::Sat)] {
        let files = corpus_files(kind);
        assert!(files.len() >= 30, "{kind}: only {} files", files.len());
        for f in files {
            let src = std::fs::read_to_string(&f).unwrap();
            assert!(src.starts_with("// "), "{}: first line must say what it states", f.display());
            let q = parse_query(&src).unwrap();
            assert_eq!(q.expect, Some(expect), "{}", f.display());
        }
    }
}

#[test]
fn oracle_finds_a_model_of_every_invalid_query() {
    let start = Instant::now();
    for path in corpus_files("invalid") {
        let q = parse_query(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let report = search(&q.formula(), &corpus_bounds(&path));
        if rational_query(&q) {
            assert!(matches!(&report.result, OracleResult::Unsupported(m) if m.contains("Real")), "{}: {:?}", path.display(), report.result);
            continue;
        }
        match report.result {
            OracleResult::Found(m) => {
                assert!(m.n <= 4);
                assert_eq!(holds(&q.formula(), &m), Ok(true), "{}: the model must satisfy the query", path.display());
            }
            other => panic!("{}: expected a model, got {other:?} after {} nodes", path.display(), report.nodes),
        }
    }
    eprintln!("invalid corpus: {:?}", start.elapsed());
}

#[test]
fn oracle_exhausts_every_valid_query_without_a_model() {
    let start = Instant::now();
    for path in corpus_files("valid") {
        let q = parse_query(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let report = search(&q.formula(), &corpus_bounds(&path));
        if rational_query(&q) {
            assert!(matches!(&report.result, OracleResult::Unsupported(m) if m.contains("Real")), "{}: {:?}", path.display(), report.result);
            continue;
        }
        assert_eq!(report.result, OracleResult::NoModel, "{}: after {} nodes", path.display(), report.nodes);
    }
    eprintln!("valid corpus: {:?}", start.elapsed());
}

#[test]
fn oracle_reports_budget_and_unsupported_input() {
    let path = corpus_dir().join("valid/otr_agreement_first_round.cl");
    let q = parse_query(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let tiny = OracleBounds { budget: 10, ..OracleBounds::default() };
    assert_eq!(search(&q.formula(), &tiny).result, OracleResult::BudgetExceeded);
    // Not a formula.
    assert!(matches!(search(&card(all_procs()), &OracleBounds::default()).result, OracleResult::Unsupported(_)));
    // With 3 processes, a constant of sort Set<Set<Set<P>>> has 2^256 candidate values.
    let c = cnst("c", Sort::set(Sort::set(Sort::set(Sort::P))));
    let t = and(vec![gt(n(), int(2)), eq(c.clone(), c)]);
    assert!(matches!(search(&t, &OracleBounds::default()).result, OracleResult::Unsupported(_)));
}

/// Does some interpretation of the formula's symbols, with n processes and
/// integers in `ints`, satisfy it? Plain enumeration with the evaluator: an
/// independent check of the oracle's pruning and symmetry reduction.
fn naive_model_exists(t: &Term, n: u32, ints: &[i64]) -> Option<bool> {
    let procs_v: Vec<Value> = (0..n).map(Value::Proc).collect();
    let values = |s: &Sort| -> Vec<Value> {
        match s {
            Sort::Bool => vec![Value::Bool(false), Value::Bool(true)],
            Sort::Int => ints.iter().map(|k| Value::Int(*k)).collect(),
            Sort::P => procs_v.clone(),
            Sort::Set(e) if **e == Sort::P => (0..1u32 << n)
                .map(|bits| Value::Set((0..n).filter(|b| bits >> b & 1 == 1).map(Value::Proc).collect()))
                .collect(),
            other => panic!("unexpected sort {other}"),
        }
    };
    // One slot per table entry.
    let mut slots: Vec<(psync_logic::Fun, Vec<Value>, Vec<Value>)> = Vec::new();
    for f in t.funs() {
        let keys: Vec<Vec<Value>> = match f.args.as_slice() {
            [] => vec![vec![]],
            [Sort::P] => procs_v.iter().map(|p| vec![p.clone()]).collect(),
            other => panic!("unexpected arguments {other:?}"),
        };
        for k in keys {
            slots.push((f.clone(), k, values(&f.ret)));
        }
    }
    let space: u64 = slots.iter().map(|s| s.2.len() as u64).product();
    if space > 20_000 {
        return None;
    }
    let mut digits = vec![0usize; slots.len()];
    loop {
        let mut m = Model { n, ..Model::default() };
        for ((f, key, vals), d) in slots.iter().zip(&digits) {
            m.funs
                .entry(f.name.clone())
                .or_insert_with(|| FunTable { fun: f.clone(), entries: Default::default(), default: None })
                .entries
                .insert(key.clone(), vals[*d].clone());
        }
        if holds(t, &m).expect("generated formulas evaluate") {
            return Some(true);
        }
        // Odometer.
        let mut k = 0;
        loop {
            if k == digits.len() {
                return Some(false);
            }
            digits[k] += 1;
            if digits[k] < slots[k].2.len() {
                break;
            }
            digits[k] = 0;
            k += 1;
        }
    }
}

#[test]
fn oracle_agrees_with_plain_enumeration_on_generated_formulas() {
    let mut rng = StdRng::seed_from_u64(99);
    let mut compared = 0;
    for k in 0..400 {
        let f = random_formula(&mut rng, 2 + k % 10);
        for n in 1..=2 {
            let Some(expected) = naive_model_exists(&f, n, &[0, 1]) else { continue };
            let bounds = OracleBounds { max_n: n, ints: 0..=1, universe: 2, budget: 1_000_000 };
            // The oracle tries every n' ≤ n; enumeration at n' < n was done in the previous round.
            let found = match search(&f, &bounds).result {
                OracleResult::Found(m) => {
                    assert_eq!(holds(&f, &m), Ok(true), "{f}");
                    true
                }
                OracleResult::NoModel => false,
                other => panic!("{f}: {other:?}"),
            };
            let expected_up_to_n = expected || (n == 2 && naive_model_exists(&f, 1, &[0, 1]) == Some(true));
            assert_eq!(found, expected_up_to_n, "n ≤ {n}: {f}");
            compared += 1;
        }
    }
    assert!(compared >= 300, "only {compared} comparisons");
}

#[test]
fn oracle_decides_most_generated_formulas_quickly() {
    let mut rng = StdRng::seed_from_u64(1);
    let bounds = OracleBounds { budget: 20_000, ..OracleBounds::default() };
    let start = Instant::now();
    let (mut found, mut none, mut undecided) = (0, 0, 0);
    for k in 0..1000 {
        let f = random_formula(&mut rng, 1 + k % 16);
        match search(&f, &bounds).result {
            OracleResult::Found(m) => {
                assert_eq!(holds(&f, &m), Ok(true), "{f}");
                assert_eq!(holds(&not(f.clone()), &m), Ok(false), "{f}");
                found += 1;
            }
            OracleResult::NoModel => none += 1,
            OracleResult::BudgetExceeded => undecided += 1,
            OracleResult::Unsupported(why) => panic!("{f}: {why}"),
        }
    }
    eprintln!("generated: {found} sat, {none} unsat, {undecided} undecided in {:?}", start.elapsed());
    assert!(found + none >= 950, "only {} of 1000 decided", found + none);
    assert!(found >= 100 && none >= 50, "a generator of mostly trivial formulas: {found} sat, {none} unsat");
}

#[test]
fn typechecker_keeps_reals_and_integers_apart() {
    let x = fun("x", vec![Sort::P], Sort::Real);
    let k = fun("k", vec![Sort::P], Sort::Int);
    let p = cnst("p", Sort::P);
    let (xp, kp) = (x.at(p.clone()), k.at(p.clone()));
    // The linear forms: sums, literal factors and divisors, comparisons, to_real.
    let mid = div(add(xp.clone(), mul(3, xp.clone())), 2);
    assert_eq!(mid.sort(), Sort::Real);
    assert_eq!(typecheck(&le(mid, to_real(kp.clone()))), Ok(()));
    assert_eq!(typecheck(&eq(real(1, 2), div(to_real(int(1)), 2))), Ok(()));
    let e = type_error(&le(xp.clone(), kp.clone()));
    assert!(e.contains("has sort Int, expected Real"), "{e}");
    let e = type_error(&add(xp.clone(), int(1)));
    assert!(e.contains("expected Real"), "{e}");
    let e = type_error(&Term::Op(Op::Mul, vec![xp.clone(), xp.clone()]));
    assert!(e.contains("non-linear"), "{e}");
    let e = type_error(&modulo(xp.clone(), 2));
    assert!(e.contains("expected Int"), "{e}");
    let e = type_error(&to_real(xp.clone()));
    assert!(e.contains("expected Int"), "{e}");
    let e = type_error(&Term::Op(Op::Div, vec![xp.clone(), to_real(int(2))]));
    assert!(e.contains("positive integer literal"), "{e}");
}

#[test]
fn evaluator_computes_with_exact_rationals() {
    let x = fun("x", vec![Sort::P], Sort::Real);
    let table = FunTable {
        fun: x.clone(),
        entries: [(vec![Value::Proc(0)], Value::Real((1, 3).into())), (vec![Value::Proc(1)], Value::Real((1, 2).into()))]
            .into_iter()
            .collect(),
        default: None,
    };
    let m = Model { n: 2, funs: [("x".to_string(), table)].into_iter().collect(), ..Default::default() };
    let p0 = var("i", Sort::P);
    // (x(i) + x(j)) / 2 over all pairs is at most the largest value, 1/2.
    let j = var("j", Sort::P);
    let mid = div(add(x.at(p0.t()), x.at(j.t())), 2);
    assert_eq!(eval(&forall(vec![p0.clone(), j.clone()], le(mid.clone(), real(1, 2))), &m), Ok(Value::Bool(true)));
    assert_eq!(eval(&exists(vec![p0.clone(), j.clone()], eq(mid, real(5, 12))), &m), Ok(Value::Bool(true)));
    // A quantifier over the rationals has no finite domain: a clear error, not a guess.
    let r = var("r", Sort::Real);
    let e = eval(&exists(vec![r.clone()], le(r.t(), real(0, 1))), &m).unwrap_err();
    assert!(e.to_string().contains("over Real"), "{e}");
}
