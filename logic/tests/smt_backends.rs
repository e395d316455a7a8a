//! The solver layer end to end: printing, both back ends (libz3 in process
//! and `z3 -in -smt2` as a child), verdicts, decoded models, raw scripts.
//!
//! The child-process tests need the `z3` binary (see `common::z3_process`):
//! loudly skipped without it, an error with `PSYNC_REQUIRE_Z3_BINARY=1`.

mod common;

use std::time::{Duration, Instant};

use common::z3_process;
use psync_logic::build::*;
use psync_logic::smt::smtlib::{render, to_script};
use psync_logic::smt::*;
use psync_logic::{Fun, Model, Sort, Term, Value, Var};

const T: Duration = Duration::from_secs(20);

fn backends() -> Vec<Box<dyn Backend>> {
    let mut v: Vec<Box<dyn Backend>> = vec![Box::new(Z3InProcess::new())];
    if let Some(p) = z3_process() {
        v.push(Box::new(p));
    }
    v
}

// ---------------------------------------------------------------- vocabulary

fn set_p() -> Sort {
    Sort::set(Sort::P)
}
fn val_sort() -> Sort {
    Sort::Uninterpreted("V".into())
}
fn x() -> Fun {
    fun("x", vec![Sort::P], Sort::Int)
}
fn dec() -> Fun {
    fun("dec", vec![Sort::P], Sort::Bool)
}
fn inn() -> Fun {
    fun("in", vec![Sort::P, set_p()], Sort::Bool)
}
fn ho() -> Fun {
    fun("ho", vec![Sort::P], set_p())
}
fn card_f() -> Fun {
    fun("card", vec![set_p()], Sort::Int)
}
fn val() -> Fun {
    fun("val", vec![Sort::P], val_sort())
}
fn succ() -> Fun {
    fun("succ", vec![Sort::P], Sort::P)
}
fn f() -> Fun {
    fun("f", vec![Sort::Int], Sort::Int)
}
fn g() -> Fun {
    fun("g", vec![Sort::Int, Sort::Int], Sort::Int)
}
fn h() -> Fun {
    fun("h", vec![Sort::Bool], Sort::Int)
}
fn pc(name: &str) -> Term {
    cnst(name, Sort::P)
}
fn k() -> Term {
    cnst("k", Sort::Int)
}
fn b() -> Term {
    cnst("b", Sort::Bool)
}
fn set(name: &str) -> Term {
    cnst(name, set_p())
}
fn p() -> Var {
    var("p", Sort::P)
}
fn q() -> Var {
    var("q", Sort::P)
}
fn i() -> Var {
    var("i", Sort::Int)
}
fn member(e: Term, s: Term) -> Term {
    inn().app(vec![e, s])
}
fn all_in(s: &str, body: impl Fn(Term) -> Term) -> Term {
    forall(vec![p()], implies(member(p().t(), set(s)), body(p().t())))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Expect {
    Sat,
    Unsat,
}

/// Hand-written flat queries with their known verdicts.
fn corpus() -> Vec<(&'static str, SmtQuery, Expect)> {
    use Expect::*;
    let distinct3 = and(vec![neq(pc("c"), pc("d")), neq(pc("c"), pc("e")), neq(pc("d"), pc("e"))]);
    let injective = forall(vec![p(), q()], implies(eq(x().at(p().t()), x().at(q().t())), eq(p().t(), q().t())));
    let big = |s: &str| gt(mul(3, card_f().at(set(s))), mul(2, n()));
    let c = vec![
        ("guarded-axiom-unsat", vec![all_in("A", |t| gt(x().at(t), int(3))), member(pc("c"), set("A")), le(x().at(pc("c")), int(3))], Unsat),
        (
            "guarded-axiom-sat",
            vec![
                all_in("A", |t| gt(x().at(t), int(3))),
                member(pc("c"), set("A")),
                not(member(pc("d"), set("A"))),
                lt(x().at(pc("d")), int(0)),
                gt(n(), int(2)),
            ],
            Sat,
        ),
        ("three-processes", vec![distinct3.clone(), forall(vec![p()], or(vec![eq(p().t(), pc("c")), eq(p().t(), pc("d")), eq(p().t(), pc("e"))]))], Sat),
        ("three-in-two", vec![distinct3, forall(vec![p()], or(vec![eq(p().t(), pc("c")), eq(p().t(), pc("d"))]))], Unsat),
        ("int-args-ground", vec![eq(f().at(k()), int(7)), eq(f().at(add(k(), int(1))), int(-3)), gt(k(), int(10))], Sat),
        ("int-quantifier-unsat", vec![forall(vec![i()], gt(f().at(i().t()), i().t())), lt(f().at(int(5)), int(5))], Unsat),
        (
            "int-quantifier-sat",
            vec![forall(vec![i()], ge(f().at(i().t()), int(0))), eq(f().at(int(3)), int(2)), eq(g().app(vec![f().at(int(3)), k()]), add(k(), int(1)))],
            Sat,
        ),
        ("div-mod", vec![eq(div(k(), 3), int(2)), eq(modulo(k(), 3), int(1))], Sat),
        ("parity-unsat", vec![eq(modulo(k(), 2), int(0)), eq(modulo(add(k(), int(1)), 2), int(0))], Unsat),
        (
            "booleans",
            vec![b(), iff(b(), dec().at(pc("c"))), not(dec().at(pc("d"))), eq(ite(dec().at(pc("c")), x().at(pc("c")), x().at(pc("d"))), int(5))],
            Sat,
        ),
        (
            "forall-exists-heard-of",
            vec![forall(vec![p()], exists(vec![q()], and(vec![member(q().t(), ho().at(p().t())), eq(x().at(q().t()), x().at(p().t()))])))],
            Sat,
        ),
        (
            "quorums-intersect-unsat",
            vec![
                all_in("A", |t| eq(val().at(t), cnst("v0", val_sort()))),
                all_in("B", |t| eq(val().at(t), cnst("v1", val_sort()))),
                neq(cnst("v0", val_sort()), cnst("v1", val_sort())),
                exists(vec![var("w", Sort::P)], and(vec![member(var("w", Sort::P).t(), set("A")), member(var("w", Sort::P).t(), set("B"))])),
            ],
            Unsat,
        ),
        (
            "quorums-disjoint-sat",
            vec![
                all_in("A", |t| eq(val().at(t), cnst("v0", val_sort()))),
                all_in("B", |t| eq(val().at(t), cnst("v1", val_sort()))),
                neq(cnst("v0", val_sort()), cnst("v1", val_sort())),
                member(pc("c"), set("A")),
                member(pc("d"), set("B")),
            ],
            Sat,
        ),
        (
            "two-thirds-sat",
            vec![big("A"), big("B"), ge(n(), int(1)), le(card_f().at(set("A")), n()), le(card_f().at(set("B")), n())],
            Sat,
        ),
        (
            "two-thirds-unsat",
            vec![big("A"), big("B"), ge(n(), int(1)), le(add(card_f().at(set("A")), card_f().at(set("B"))), n())],
            Unsat,
        ),
        ("exists-top", vec![exists(vec![p()], eq(x().at(p().t()), n())), eq(n(), int(4))], Sat),
        ("all-one-some-two", vec![forall(vec![p()], eq(x().at(p().t()), int(1))), exists(vec![p()], eq(x().at(p().t()), int(2)))], Unsat),
        (
            "bool-quantifier",
            vec![forall(vec![var("z", Sort::Bool)], gt(h().at(var("z", Sort::Bool).t()), int(0))), neq(h().at(bool_(true)), h().at(bool_(false)))],
            Sat,
        ),
        ("injective-sat", vec![injective.clone(), neq(pc("c"), pc("d")), eq(x().at(pc("c")), int(1))], Sat),
        ("injective-unsat", vec![injective, neq(pc("c"), pc("d")), eq(x().at(pc("c")), x().at(pc("d")))], Unsat),
        (
            "implications",
            vec![
                implies(dec().at(pc("c")), gt(k(), int(0))),
                iff(dec().at(pc("c")), b()),
                b(),
                lt(k(), int(5)),
                eq(Term::Op(psync_logic::Op::Neg, vec![k()]), int(-3)),
            ],
            Sat,
        ),
        ("involution", vec![forall(vec![p()], eq(succ().at(succ().at(p().t())), p().t())), neq(succ().at(pc("c")), pc("c"))], Sat),
        ("identity-unsat", vec![forall(vec![p()], eq(succ().at(p().t()), p().t())), eq(succ().at(pc("c")), pc("d")), neq(pc("c"), pc("d"))], Unsat),
        ("arith-ite", vec![eq(sub(add(k(), mul(2, k())), sub(k(), int(1))), int(9)), eq(ite(gt(k(), int(3)), int(1), int(0)), int(1))], Sat),
        (
            "int-args-under-p-quantifier",
            vec![
                forall(vec![p()], eq(g().app(vec![x().at(p().t()), int(0)]), add(x().at(p().t()), int(1)))),
                eq(x().at(pc("c")), int(5)),
                eq(x().at(pc("d")), int(6)),
                neq(pc("c"), pc("d")),
            ],
            Sat,
        ),
        (
            "quoted-symbols",
            vec![
                neq(cnst("a b", Sort::Uninterpreted("my val".into())), cnst("c'", Sort::Uninterpreted("my val".into()))),
                eq(fun("x'", vec![Sort::P], Sort::Uninterpreted("my val".into())).at(pc("c")), cnst("c'", Sort::Uninterpreted("my val".into()))),
                forall(vec![var("1st", Sort::P)], gt(fun("weird name", vec![Sort::P], Sort::Int).at(var("1st", Sort::P).t()), int(1))),
            ],
            Sat,
        ),
        (
            "irrelevant-sort",
            vec![or(vec![bool_(true), gt(fun("y", vec![Sort::Uninterpreted("Q".into())], Sort::Int).at(cnst("q0", Sort::Uninterpreted("Q".into()))), int(0))])],
            Sat,
        ),
        ("empty-or", vec![or(vec![])], Unsat),
        ("empty-and", vec![and(vec![]), ge(n(), int(0))], Sat),
    ];
    c.into_iter().map(|(name, a, e)| (name, SmtQuery::new(a), e)).collect()
}

/// Every assertion that can be evaluated on `m` (no quantifier over `Int`)
/// is true, and at least one could be.
fn assert_model_satisfies(name: &str, q: &SmtQuery, m: &Model) {
    let mut checked = 0;
    for (idx, a) in q.assertions.iter().enumerate() {
        match check_model(&SmtQuery::new(vec![a.clone()]), m) {
            Ok(true) => checked += 1,
            Ok(false) => panic!("{name}: assertion {idx} is false in the decoded model {m:#?}"),
            Err(FlatEvalError::Unbounded(_)) => {}
            Err(e) => panic!("{name}: assertion {idx} cannot be evaluated on the model: {e}\n{m:#?}"),
        }
    }
    assert!(checked > 0, "{name}: no assertion could be checked on the model");
    // Cross-check with the crate's general evaluator where both semantics
    // coincide: no `Set` sort (flat queries make sets uninterpreted, the
    // general evaluator does not) and no `n` (the general evaluator reads
    // `Model::n`, solver models give `n` its own table).
    let uses_sets_or_n = q.signature().unwrap().sorts.iter().any(|s| matches!(s, Sort::Set(_))) || m.funs.contains_key("n");
    if !uses_sets_or_n {
        // `n` is 0 when the query has no `P`; the general evaluator wants n ≥ 1
        let m = &Model { n: m.n.max(1), ..m.clone() };
        for (idx, a) in q.assertions.iter().enumerate() {
            assert_eq!(psync_logic::eval::holds(a, m), Ok(true), "{name}: assertion {idx}, general evaluator, model {m:#?}");
        }
    }
}

fn int_const(m: &Model, name: &str) -> i64 {
    match m.funs[name].get(&[]) {
        Some(Value::Int(v)) => *v,
        other => panic!("{name} is {other:?}"),
    }
}

// ---------------------------------------------------------------- tests

#[test]
fn the_printed_script_is_stable() {
    let (_, q, _) = corpus().into_iter().find(|(n, ..)| *n == "guarded-axiom-sat").unwrap();
    let script = to_script(&q, &SolverConfig::default(), Some(Duration::from_secs(10))).unwrap();
    insta::assert_snapshot!(script, @r"
    (set-option :print-success false)
    (set-option :produce-models true)
    (set-option :smt.random_seed 0)
    (set-option :smt.mbqi true)
    (set-option :timeout 10000)
    (declare-sort P 0)
    (declare-sort Set_P 0)
    (declare-fun A () Set_P)
    (declare-fun c () P)
    (declare-fun d () P)
    (declare-fun in (P Set_P) Bool)
    (declare-fun n () Int)
    (declare-fun x (P) Int)
    (assert (forall ((p P)) (=> (in p A) (> (x p) 3))))
    (assert (in c A))
    (assert (not (in d A)))
    (assert (< (x d) 0))
    (assert (> n 2))
    (check-sat)
    ");
}

#[test]
fn corpus_verdicts_models_and_agreement_between_back_ends() {
    let bs = backends();
    let corpus = corpus();
    assert!(corpus.len() >= 20);
    for (name, q, expect) in &corpus {
        let mut models: Vec<Model> = Vec::new();
        for be in &bs {
            let r = be.check(q, T).unwrap_or_else(|e| panic!("{name} on {}: {e}", be.name()));
            match (expect, r) {
                (Expect::Unsat, SolverResult::Unsat) => {}
                (Expect::Sat, SolverResult::Sat(m)) => {
                    assert_model_satisfies(name, q, &m);
                    models.push(m);
                }
                (e, r) => panic!("{name} on {}: expected {e:?}, got {r:?}", be.name()),
            }
        }
        if let [a, b] = &models[..] {
            assert!(isomorphic(a, b), "{name}: the back ends' models differ:\n{a:#?}\n{b:#?}");
        }
    }
}

#[test]
fn decoded_models_follow_the_conventions() {
    let corpus = corpus();
    let get = |name: &str| corpus.iter().find(|(n, ..)| *n == name).unwrap().1.clone();
    for be in backends() {
        let sat = |name: &str| match be.check(&get(name), T).unwrap() {
            SolverResult::Sat(m) => m,
            other => panic!("{name} on {}: {other:?}", be.name()),
        };
        // the universe of P is exactly the three named processes
        let m = sat("three-processes");
        assert_eq!(m.n, 3, "{}", be.name());
        let named: std::collections::BTreeSet<Value> = ["c", "d", "e"].iter().map(|c| m.funs[*c].get(&[]).unwrap().clone()).collect();
        assert_eq!(named, (0..3).map(Value::Proc).collect());
        // n is the table "n", distinct from the universe size
        let m = sat("guarded-axiom-sat");
        assert!(int_const(&m, "n") > 2);
        assert!(m.n >= 2);
        // finite-argument tables are total, without default
        let inn = &m.funs["in"];
        assert_eq!(inn.entries.len() as u32, m.n * m.universes["Set_P"]);
        assert_eq!(inn.default, None);
        // other uninterpreted sorts: Elem(mangled, k)
        let m = sat("quorums-disjoint-sat");
        assert!(m.universes["U_V"] >= 2);
        assert!(matches!(m.funs["v0"].get(&[]), Some(Value::Elem(s, _)) if s == "U_V"));
        // a sort the solver gave no universe has one element
        let m = sat("irrelevant-sort");
        assert_eq!(m.universes["U_Q"], 1, "{}", be.name());
        assert_eq!(m.funs["q0"].get(&[]), Some(&Value::Elem("U_Q".into(), 0)));
        // sort names that need quoting are escaped in SMT-LIB, not in the model
        let m = sat("quoted-symbols");
        assert_eq!(m.universes["U_my val"], 2, "{}", be.name());
        // arithmetic is decoded exactly
        assert_eq!(int_const(&sat("div-mod"), "k"), 7);
        assert_eq!(int_const(&sat("implications"), "k"), 3);
        // Int-argument tables hold the points the query reaches
        let m = sat("int-args-under-p-quantifier");
        let g = &m.funs["g"];
        for v in [5, 6] {
            assert_eq!(g.get(&[Value::Int(v), Value::Int(0)]), Some(&Value::Int(v + 1)), "{}", be.name());
        }
        let m = sat("int-args-ground");
        let kv = int_const(&m, "k");
        assert_eq!(m.funs["f"].get(&[Value::Int(kv)]), Some(&Value::Int(7)));
        assert_eq!(m.funs["f"].get(&[Value::Int(kv + 1)]), Some(&Value::Int(-3)));
    }
}

/// Pigeonhole: 12 pairwise different integers in 1..=11 (hard for Z3).
fn pigeonhole() -> SmtQuery {
    pigeons(12)
}

/// `k` pairwise different integers in `1..k`: hard, and for large `k` a
/// long script (`k²/2` assertions) that takes a while to read.
fn pigeons(k: usize) -> SmtQuery {
    let xs: Vec<Term> = (0..k).map(|j| cnst(&format!("x{j}"), Sort::Int)).collect();
    let holes = int(k as i64 - 1);
    let mut a: Vec<Term> = xs.iter().map(|t| and(vec![ge(t.clone(), int(1)), le(t.clone(), holes.clone())])).collect();
    for (j, s) in xs.iter().enumerate() {
        for t in &xs[j + 1..] {
            a.push(neq(s.clone(), t.clone()));
        }
    }
    SmtQuery::new(a)
}

#[test]
fn a_hard_query_times_out_and_is_not_unknown() {
    let limit = Duration::from_millis(300);
    for be in backends() {
        let start = Instant::now();
        assert_eq!(be.check(&pigeonhole(), limit).unwrap(), SolverResult::Timeout, "{}", be.name());
        assert!(start.elapsed() < Duration::from_secs(10), "{} took {:?}", be.name(), start.elapsed());
    }
}

#[test]
fn a_cancelled_check_stops_early_and_is_a_timeout() {
    for be in backends() {
        // cancelled before the call: no solver runs at all
        let cancel = Cancel::new();
        cancel.cancel();
        assert_eq!(be.check_cancellable(&pigeonhole(), T, &cancel).unwrap(), SolverResult::Timeout, "{}", be.name());
        // cancelled while solving (and, at other timings, while the script
        // is still being read): a timeout long before the 20 s limit,
        // never an error
        for (k, delay) in [(12, 0), (12, 5), (12, 50), (12, 200), (150, 5), (150, 20), (150, 60)] {
            let cancel = Cancel::new();
            let start = Instant::now();
            let answer = std::thread::scope(|s| {
                let stopper = cancel.clone();
                s.spawn(move || {
                    std::thread::sleep(Duration::from_millis(delay));
                    stopper.cancel();
                });
                be.check_cancellable(&pigeons(k), T, &cancel)
            });
            assert_eq!(answer.unwrap(), SolverResult::Timeout, "{}, {k} pigeons, after {delay} ms", be.name());
            assert!(start.elapsed() < Duration::from_secs(5), "{} took {:?}", be.name(), start.elapsed());
        }
    }
}

#[test]
fn a_child_that_ignores_the_timeout_is_killed() {
    let Some(mut p) = z3_process() else { return };
    // the standard dialect sends no timeout option: only the kill stops it
    p.dialect = psync_logic::smt::Dialect::Standard;
    p.kill_grace = Duration::from_millis(200);
    let start = Instant::now();
    assert_eq!(p.check(&pigeonhole(), Duration::from_millis(300)).unwrap(), SolverResult::Timeout);
    assert!(start.elapsed() < Duration::from_secs(5), "not killed: {:?}", start.elapsed());
}

#[test]
fn incomplete_quantifier_reasoning_is_unknown_with_a_reason() {
    // ∀i. g(2i) > g(i+1): Z3 gives up quickly ("incomplete quantifiers")
    let q = SmtQuery::new(vec![forall(
        vec![i()],
        gt(f().at(mul(2, i().t())), f().at(add(i().t(), int(1)))),
    )]);
    for be in backends() {
        match be.check(&q, T).unwrap() {
            SolverResult::Unknown(reason) => assert!(reason.contains("incomplete"), "{}: {reason}", be.name()),
            other => panic!("{}: expected Unknown, got {other:?}", be.name()),
        }
    }
}

/// A function named like an SMT-LIB command or a reserved word (a state
/// field `echo`) is printed under an alias, and its model table comes back
/// under its own name on both back ends.
#[test]
fn functions_named_like_commands_or_reserved_words_get_models() {
    let named = ["echo", "push", "assert", "and", "distinct"].map(|name| fun(name, vec![Sort::P], Sort::Int));
    let body = and(named.iter().enumerate().map(|(k, f)| eq(f.at(pc("c")), int(k as i64 + 1))).collect());
    let q = SmtQuery::new(vec![body, gt(named[0].at(pc("d")), int(7))]);
    let script = to_script(&q, &SolverConfig::default(), None).unwrap();
    assert!(script.contains("(declare-fun echo_1 (P) Int)") && !script.contains("(declare-fun echo "), "{script}");
    for be in backends() {
        let SolverResult::Sat(m) = be.check(&q, T).unwrap_or_else(|e| panic!("{}: {e}", be.name())) else {
            panic!("{}: not sat", be.name())
        };
        assert_model_satisfies("command names", &q, &m);
        for (k, f) in named.iter().enumerate() {
            let c = m.funs["c"].get(&[]).unwrap().clone();
            assert_eq!(m.funs[&f.name].get(&[c]), Some(&Value::Int(k as i64 + 1)), "{} on {}", f.name, be.name());
        }
    }
}

#[test]
fn queries_outside_the_fragment_are_errors_not_verdicts() {
    let a = set("A");
    let bad = vec![
        (SmtQuery::new(vec![gt(card(a.clone()), int(0))]), "Card"),
        (SmtQuery::new(vec![psync_logic::build::member(pc("c"), a)]), "Member"),
        (SmtQuery::new(vec![gt(var("v", Sort::Int).t(), int(0))]), "free variable"),
        (SmtQuery::new(vec![eq(cnst("f", Sort::Int), fun("f", vec![Sort::P], Sort::Int).at(pc("c")))]), "two signatures"),
        (SmtQuery::new(vec![add(int(1), int(2))]), "Bool"),
    ];
    for be in backends() {
        for (q, what) in &bad {
            let e = be.check(q, T).unwrap_err();
            assert!(e.to_string().contains(what), "{}: `{e}` should mention {what}", be.name());
        }
    }
    assert!(render(&bad[0].0).unwrap_err().to_string().contains("not in the flat fragment: reduce first"));
}

#[test]
fn a_missing_solver_program_is_a_clear_error() {
    let p = SmtProcess::new("psync-no-such-solver", vec![], psync_logic::smt::Dialect::Standard);
    let e = p.check(&SmtQuery::new(vec![bool_(true)]), T).unwrap_err();
    assert!(matches!(e, SmtError::ProgramNotFound { .. }), "{e}");
    assert!(e.to_string().contains("psync-no-such-solver"));
}

#[test]
fn in_process_checks_run_in_parallel_threads() {
    let corpus = corpus();
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|t| {
                let corpus = &corpus;
                s.spawn(move || {
                    let be = Z3InProcess::new();
                    for (name, q, expect) in corpus.iter().skip(t).step_by(2) {
                        let r = be.check(q, T).unwrap();
                        assert_eq!(r.is_unsat(), *expect == Expect::Unsat, "{name} in thread {t}");
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().expect("a solver thread panicked");
        }
    });
}

const SCRIPT: &str = "(set-option :smt.mbqi true)
(declare-sort P 0)
(declare-fun x (P) Int)
(declare-fun c () P)
(assert (forall ((p P)) (> (x p) 0)))
(push)
(echo \"negative\")
(assert (< (x c) 0))
(check-sat)
(pop)
(push 1)
(echo \"positive\")
(assert (= (x c) 2))
(check-sat)
(pop)
(check-sat)
";

#[test]
fn raw_scripts_with_push_pop_and_echo() {
    for be in backends() {
        let answers = be.check_script(SCRIPT, T).unwrap();
        let got: Vec<(Option<&str>, &ScriptVerdict)> = answers.iter().map(|a| (a.label.as_deref(), &a.verdict)).collect();
        assert_eq!(
            got,
            vec![
                (Some("negative"), &ScriptVerdict::Unsat),
                (Some("positive"), &ScriptVerdict::Sat),
                (Some("positive"), &ScriptVerdict::Sat),
            ],
            "{}",
            be.name()
        );
        let e = be.check_script("(declare-fun a () Int)\n(assert (> a b))\n(check-sat)\n", T).unwrap_err();
        assert!(matches!(e, SmtError::Solver(_)), "{}: {e}", be.name());
        assert!(matches!(be.check_script("(check-sat)(get-model)", T), Err(SmtError::Script(_))));
    }
}

fn anchor(name: &str) -> String {
    let path = format!("{}/../../shared/anchors/vmcai14/{name}", env!("CARGO_MANIFEST_DIR"));
    let fallback = format!("/work/shared/anchors/vmcai14/{name}");
    std::fs::read_to_string(&path)
        .or_else(|_| std::fs::read_to_string(&fallback))
        .unwrap_or_else(|e| panic!("the VMCAI'14 anchor {name} must be readable ({path}): {e}"))
}

#[test]
fn every_anchor_script_is_understood() {
    for (name, checks) in [
        ("one_third_rule.smt", 8),
        ("last_voting.smt", 15),
        ("uniform_voting.smt", 12),
        ("a_t_e.smt", 10),
        ("floodmin.smt", 5),
    ] {
        let cmds = parse_script(&anchor(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        let n = cmds.iter().filter(|c| **c == ScriptCommand::CheckSat).count();
        assert_eq!(n, checks, "{name}");
    }
}

#[test]
fn the_one_third_rule_anchor_is_unsat_everywhere() {
    let text = anchor("one_third_rule.smt");
    for be in backends() {
        let answers = be.check_script(&text, T).unwrap();
        assert_eq!(answers.len(), 8, "{}: OTR has 8 queries", be.name());
        for a in &answers {
            assert_eq!(a.verdict, ScriptVerdict::Unsat, "{}: {:?}", be.name(), a.label);
        }
        assert_eq!(answers[0].label.as_deref(), Some("invariant is inductive"));
    }
}

/// `check_unsat` answers each query on its own, on every back end: in
/// process it reuses solver contexts, and an unsatisfiable query must
/// leave nothing behind for the next one (the same symbols, other
/// assertions), nor a satisfiable one.
#[test]
fn check_unsat_answers_each_query_on_its_own() {
    let a = cnst("a", Sort::Bool);
    let unsat = SmtQuery { assertions: vec![a.clone(), not(a.clone())] };
    let sat = SmtQuery { assertions: vec![a.clone()] };
    let other = SmtQuery { assertions: vec![not(a.clone())] };
    for backend in backends() {
        for _ in 0..4 {
            assert!(backend.check_unsat(&unsat, T, &Cancel::new()).unwrap(), "{}", backend.name());
            assert!(!backend.check_unsat(&sat, T, &Cancel::new()).unwrap(), "{}: an earlier query leaked", backend.name());
            assert!(!backend.check_unsat(&other, T, &Cancel::new()).unwrap(), "{}: an earlier query leaked", backend.name());
        }
        let cancelled = Cancel::new();
        cancelled.cancel();
        assert!(!backend.check_unsat(&unsat, T, &cancelled).unwrap(), "a cancelled check proves nothing");
    }
}
