use std::collections::BTreeMap;

use psync_logic::{FunTable, Model, Value, build, holds};

use super::*;

fn x_fun() -> Fun {
    Fun::new("x", vec![Sort::P], Sort::Int)
}

fn keep_fun() -> Fun {
    Fun::new("keep", vec![Sort::P], Sort::Bool)
}

/// `|{v | ∃i. keep(i) ∧ x(i) = v}|` (or without the filter).
fn x_count(filtered: bool) -> Term {
    let i = Var::new("i", Sort::P);
    let filter = if filtered { keep_fun().at(i.t()) } else { Term::Bool(true) };
    count(i.clone(), Var::new("v", Sort::Int), filter, x_fun().at(i.t()))
}

fn table(fun: Fun, entries: Vec<(Vec<Value>, Value)>, default: Option<Value>) -> FunTable {
    FunTable { fun, entries: entries.into_iter().collect::<BTreeMap<_, _>>(), default }
}

/// Every function `0..n → 0..k`, as value lists.
fn all_maps(n: u32, k: u32) -> Vec<Vec<u32>> {
    let mut out = vec![Vec::new()];
    for _ in 0..n {
        out = out.into_iter().flat_map(|m| (0..k).map(move |v| [m.clone(), vec![v]].concat())).collect();
    }
    out
}

/// Whether the lowered `query` agrees with `query` on `base`: some tables
/// of the representatives (over the values `0..3`) satisfy the axioms, and
/// under every such choice the lowered query has the query's truth value
/// (the two directions of the module's argument).
fn agrees(query: &Term, base: &Model) -> Result<(), String> {
    let lowered = lower(query);
    let Term::Op(Op::And, parts) = &lowered else { return Err(format!("no axioms conjoined: {lowered:?}")) };
    let axioms = Term::Op(Op::And, parts[1..].to_vec());
    let reps: Vec<Fun> = lowered.funs().into_iter().filter(|f| f.name.starts_with(REP)).collect();
    let outsides: Vec<Fun> = lowered.funs().into_iter().filter(|f| f.name.starts_with(OUTSIDE)).collect();
    let truth = holds(query, base).expect("the counts evaluate");
    let n = base.n;
    let mut some_choice = false;
    for choice in all_maps(3 * reps.len() as u32 + outsides.len() as u32, n) {
        let mut m = base.clone();
        for (r, rep) in reps.iter().enumerate() {
            assert_eq!((rep.args.clone(), rep.ret.clone()), (vec![Sort::Int], Sort::P));
            let entries = (0..3).map(|v| (vec![Value::Int(v)], Value::Proc(choice[3 * r + v as usize]))).collect();
            m.funs.insert(rep.name.clone(), table(rep.clone(), entries, Some(Value::Proc(0))));
        }
        for (k, outside) in outsides.iter().enumerate() {
            assert_eq!((outside.args.clone(), outside.ret.clone()), (vec![], Sort::P));
            let entries = vec![(vec![], Value::Proc(choice[3 * reps.len() + k]))];
            m.funs.insert(outside.name.clone(), table(outside.clone(), entries, None));
        }
        if holds(&axioms, &m).expect("the axioms evaluate") {
            some_choice = true;
            if holds(&lowered, &m).expect("evaluates") != truth {
                return Err(format!("representatives {choice:?} give the lowered query another value than {truth}"));
            }
        }
    }
    if some_choice { Ok(()) } else { Err("no representatives satisfy the axioms".into()) }
}

/// The models of `x`, `keep` (and `y` when `with_y`) with `n` processes
/// and values in `0..vals`.
fn models(n: u32, vals: u32, with_y: bool) -> Vec<Model> {
    let procs = |vals: &[u32], f: &dyn Fn(u32) -> Value| (0..n).map(|p| (vec![Value::Proc(p)], f(vals[p as usize]))).collect::<Vec<_>>();
    let mut out = Vec::new();
    for xs in all_maps(n, vals) {
        for keeps in all_maps(n, 2) {
            for ys in all_maps(n, if with_y { vals } else { 1 }) {
                let mut m = Model { n, ..Default::default() };
                m.funs.insert("x".into(), table(x_fun(), procs(&xs, &|v| Value::Int(v.into())), None));
                m.funs.insert("keep".into(), table(keep_fun(), procs(&keeps, &|b| Value::Bool(b == 1)), None));
                m.funs.insert("y".into(), table(y_fun(), procs(&ys, &|v| Value::Int(v.into())), None));
                out.push(m);
            }
        }
    }
    out
}

fn y_fun() -> Fun {
    Fun::new("y", vec![Sort::P], Sort::Int)
}

#[test]
fn lowering_preserves_the_count_both_ways() {
    for filtered in [false, true] {
        for c in [1, 2] {
            let query = build::eq(x_count(filtered), Term::Int(c));
            for n in 1..=if filtered { 2 } else { 3 } {
                for m in models(n, 3, false) {
                    agrees(&query, &m).unwrap_or_else(|e| panic!("{e}: filtered {filtered}, c = {c}, model {m:?}"));
                }
            }
        }
    }
}

/// Two counts of the same sort: the second representative's preference for
/// the first one's choice keeps every model (and each count exact).
#[test]
fn related_representatives_keep_both_counts_exact() {
    let i = Var::new("i", Sort::P);
    let y_count = count(i.clone(), Var::new("w", Sort::Int), keep_fun().at(i.t()), y_fun().at(i.t()));
    for (a, b) in [(1, 2), (2, 1)] {
        let query = build::and(vec![build::eq(x_count(false), Term::Int(a)), build::ge(y_count.clone(), Term::Int(b))]);
        for n in 1..=2 {
            for m in models(n, 2, true) {
                agrees(&query, &m).unwrap_or_else(|e| panic!("{e}: counts {a}, {b}, model {m:?}"));
            }
        }
    }
}

#[test]
fn counts_under_a_binder_take_its_variables() {
    // ∀y. |{v | ∃i. i ≠ y ∧ x(i) = v}| ≤ n
    let (i, y) = (Var::new("i", Sort::P), Var::new("y", Sort::P));
    let c = count(i.clone(), Var::new("v", Sort::Int), build::not(build::eq(i.t(), y.t())), x_fun().at(i.t()));
    let q = build::forall(vec![y.clone()], build::le(c, build::n()));
    let lowered = lower(&q);
    let rep = lowered.funs().into_iter().find(|f| f.name.starts_with(REP)).expect("a representative function");
    assert_eq!(rep.args, vec![Sort::P, Sort::Int], "the binder's variable comes first");
    assert!(lowered.free_vars().is_empty(), "the axiom quantifies the binder's variable: {lowered:?}");
}

#[test]
fn equal_counts_share_a_representative_and_other_terms_are_left_alone() {
    let twice = build::and(vec![build::ge(x_count(false), Term::Int(1)), build::le(x_count(false), Term::Int(2))]);
    let lowered = lower(&twice);
    let reps: Vec<Fun> = lowered.funs().into_iter().filter(|f| f.name.starts_with(REP)).collect();
    assert_eq!(reps.len(), 1);
    let two = build::and(vec![build::ge(x_count(false), Term::Int(1)), build::le(x_count(true), Term::Int(2))]);
    assert_eq!(lower(&two).funs().into_iter().filter(|f| f.name.starts_with(REP)).count(), 2);
    // No value count: unchanged (so the hints of other specs keep their keys).
    let i = Var::new("i", Sort::P);
    let plain = build::ge(build::card(build::compr(i.clone(), build::ge(x_fun().at(i.t()), Term::Int(0)))), Term::Int(1));
    assert_eq!(lower(&plain), plain);
    // A count of process values is a set of processes already.
    let owner = Fun::new("owner", vec![Sort::P], Sort::P);
    let procs = count(i.clone(), Var::new("q", Sort::P), Term::Bool(true), owner.at(i.t()));
    assert_eq!(lower(&procs), procs);
}
