//! Concrete runs → finite models: the states a runtime (or the simulator)
//! produced, read as an interpretation of the encoding's symbols, so that the
//! very formulas the VCs are built from (invariants, properties, transition
//! relations) can be evaluated on real behaviour.
//!
//! The naming is the one of [`crate::ir::names`] (shared with counterexample
//! decoding, [`crate::cex`]): field `f` of the current state is `f : P → T`,
//! its initial copy `f.init`, its copy one round ago `f.old`, its value after
//! a round `f.post`; `HO`, `r`, `coord` (and `r.post`, `coord.post`); inputs
//! `io.*`. The chosen-value symbols of mailbox queries and helper results
//! ([`chosen_symbols`]) are not part of a state: whoever evaluates a
//! transition interprets them.

use std::collections::{BTreeMap, BTreeSet};

use psync_logic::{Fun, FunTable, Model, Sort, Value};

use crate::ir::{Algorithm, Round, Stmt, names};

/// One process's state (or inputs): symbol-less field name → value.
pub type State = BTreeMap<String, Value>;

/// A global state as a spec predicate sees it (the runtime's `World`): the
/// current, initial and previous states of every process, the heard-of sets
/// of the last round, the round counter and the coordinator.
#[derive(Clone, Debug, PartialEq)]
pub struct Snapshot {
    /// `r`: the number of rounds run so far.
    pub round: i64,
    /// `coord`: the coordinator of round `r`'s phase.
    pub coord: u32,
    /// The initial states (`f.init`).
    pub init: Vec<State>,
    /// The states one round ago (`f.old`).
    pub old: Vec<State>,
    /// The current states (`f`).
    pub cur: Vec<State>,
    /// The heard-of sets of the last round (`HO`).
    pub ho: Vec<BTreeSet<u32>>,
    /// The value faults of the last round (`AHO`, `alt.rk`; none without
    /// value faults).
    pub faults: crate::faults::ValueFaults,
    /// The inputs, by input name without the `io.` prefix (`initial`); may
    /// be empty when the inputs are not known (then `io.*` is uninterpreted).
    pub inputs: Vec<State>,
    /// The values of the algorithm's parameters (`param.f`), by name.
    pub params: BTreeMap<String, i64>,
}

/// A concrete value or state does not fit the algorithm's signature.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ConcreteError {
    /// A JSON value does not belong to the sort.
    #[error("`{what}`: {json} is not a value of sort {sort}")]
    BadValue {
        /// Where it was found.
        what: String,
        /// The expected sort.
        sort: String,
        /// The JSON text.
        json: String,
    },
    /// A state lacks a field.
    #[error("the state has no field `{0}`")]
    MissingField(String),
    /// The per-process vectors do not have the same length, or `n = 0`.
    #[error("inconsistent number of processes: {0}")]
    Shape(String),
}

/// Reads a JSON value (as `serde_json` writes the Rust value) at a sort:
/// integers, rationals (`[num, den]`), booleans, process ids (a `u32`), process sets (an array of
/// `u32`), options (`null` or the content), tuples (arrays).
pub fn value_from_json(sort: &Sort, v: &serde_json::Value, what: &str) -> Result<Value, ConcreteError> {
    let bad = || ConcreteError::BadValue { what: what.to_string(), sort: sort.to_string(), json: v.to_string() };
    let proc = |x: &serde_json::Value| x.as_u64().and_then(|k| u32::try_from(k).ok()).map(Value::Proc);
    match sort {
        Sort::Int => v.as_i64().map(Value::Int).ok_or_else(bad),
        // `psync::Real` as serde writes it: `[numerator, denominator]`.
        Sort::Real => match v.as_array().map(|a| a.iter().map(serde_json::Value::as_i64).collect::<Vec<_>>()).as_deref() {
            Some([Some(n), Some(d)]) if *d != 0 => Ok(Value::Real(psync_logic::Rational64::new(*n, *d))),
            _ => Err(bad()),
        },
        Sort::Bool => v.as_bool().map(Value::Bool).ok_or_else(bad),
        Sort::P => proc(v).ok_or_else(bad),
        Sort::Set(inner) => {
            let items = v.as_array().ok_or_else(bad)?;
            items.iter().map(|x| value_from_json(inner, x, what)).collect::<Result<BTreeSet<_>, _>>().map(Value::Set)
        }
        Sort::Opt(inner) => match v {
            serde_json::Value::Null => Ok(Value::Opt(None)),
            x => Ok(Value::Opt(Some(Box::new(value_from_json(inner, x, what)?)))),
        },
        Sort::Tuple(cs) => {
            let items = v.as_array().filter(|a| a.len() == cs.len()).ok_or_else(bad)?;
            cs.iter().zip(items).map(|(s, x)| value_from_json(s, x, what)).collect::<Result<Vec<_>, _>>().map(Value::Tuple)
        }
        Sort::Uninterpreted(_) => Err(bad()),
    }
}

/// Reads a serialized state struct (a JSON object with one entry per field).
pub fn state_from_json(alg: &Algorithm, v: &serde_json::Value) -> Result<State, ConcreteError> {
    alg.fields
        .iter()
        .map(|f| {
            let x = v.get(&f.name).ok_or_else(|| ConcreteError::MissingField(f.name.clone()))?;
            Ok((f.name.clone(), value_from_json(&f.sort, x, &f.name)?))
        })
        .collect()
}

/// Reads serialized inputs (e.g. `Consensus { initial }`) for the input
/// functions `io.*` of the algorithm.
pub fn inputs_from_json(alg: &Algorithm, v: &serde_json::Value) -> Result<State, ConcreteError> {
    alg.inputs
        .iter()
        .map(|f| {
            let name = f.name.strip_prefix(names::IO).unwrap_or(&f.name);
            let x = v.get(name).ok_or_else(|| ConcreteError::MissingField(f.name.clone()))?;
            Ok((name.to_string(), value_from_json(&f.ret, x, &f.name)?))
        })
        .collect()
}

/// The table of `fun : P → T` given per process.
fn table(fun: Fun, values: Vec<Value>) -> FunTable {
    let entries = values.into_iter().enumerate().map(|(i, v)| (vec![Value::Proc(i as u32)], v)).collect();
    FunTable { fun, entries, default: None }
}

fn field_tables(alg: &Algorithm, states: &[State], symbol: impl Fn(&str) -> String, m: &mut Model) -> Result<(), ConcreteError> {
    for f in &alg.fields {
        let values = states
            .iter()
            .map(|s| s.get(&f.name).cloned().ok_or_else(|| ConcreteError::MissingField(f.name.clone())))
            .collect::<Result<Vec<_>, _>>()?;
        let name = symbol(&f.name);
        m.funs.insert(name.clone(), table(names::field_fun(&name, &f.sort), values));
    }
    Ok(())
}

fn constant(name: &str, sort: Sort, v: Value) -> (String, FunTable) {
    let t = FunTable { fun: Fun::constant(name, sort), entries: [(Vec::new(), v)].into_iter().collect(), default: None };
    (name.to_string(), t)
}

fn check_shape(s: &Snapshot) -> Result<u32, ConcreteError> {
    let n = s.cur.len();
    let ok = n > 0 && s.init.len() == n && s.old.len() == n && s.ho.len() == n && (s.inputs.is_empty() || s.inputs.len() == n);
    let bad_ho = s.ho.iter().flatten().any(|&q| q as usize >= n);
    if !ok || bad_ho || s.coord as usize >= n {
        return Err(ConcreteError::Shape(format!(
            "{n} current states, {} initial, {} old, {} HO sets, {} inputs, coordinator {}",
            s.init.len(),
            s.old.len(),
            s.ho.len(),
            s.inputs.len(),
            s.coord
        )));
    }
    u32::try_from(n).map_err(|_| ConcreteError::Shape(format!("{n} processes")))
}

/// The model of a global state: what spec predicates (invariants, round
/// invariants, liveness, safety, properties) are evaluated in. Interprets
/// `f`, `f.init`, `f.old` for every field, `HO`, `r`, `coord` and, when
/// given, the inputs `io.*`.
pub fn state_model(alg: &Algorithm, s: &Snapshot) -> Result<Model, ConcreteError> {
    let n = check_shape(s)?;
    let mut m = Model { n, ..Model::default() };
    field_tables(alg, &s.cur, str::to_string, &mut m)?;
    field_tables(alg, &s.init, |f| format!("{f}.init"), &mut m)?;
    field_tables(alg, &s.old, |f| format!("{f}.old"), &mut m)?;
    let ho = s.ho.iter().map(|h| Value::Set(h.iter().map(|&q| Value::Proc(q)).collect())).collect();
    m.funs.insert(names::HO.into(), table(names::ho_fun(), ho));
    crate::faults::insert_tables(alg, &s.faults, n, &mut m);
    let (k, t) = constant(names::ROUND, Sort::Int, Value::Int(s.round));
    m.funs.insert(k, t);
    let (k, t) = constant(names::COORD, Sort::P, Value::Proc(s.coord));
    m.funs.insert(k, t);
    param_constants(alg, &s.params, &mut m)?;
    if !s.inputs.is_empty() {
        for f in &alg.inputs {
            let name = f.name.strip_prefix(names::IO).unwrap_or(&f.name);
            let values = s
                .inputs
                .iter()
                .map(|x| x.get(name).cloned().ok_or_else(|| ConcreteError::MissingField(f.name.clone())))
                .collect::<Result<Vec<_>, _>>()?;
            m.funs.insert(f.name.clone(), table(f.clone(), values));
        }
    }
    Ok(m)
}

/// The constants `param.f` of the algorithm's parameters at `values`;
/// a parameter without a value is an error.
pub fn param_constants(alg: &Algorithm, values: &BTreeMap<String, i64>, m: &mut Model) -> Result<(), ConcreteError> {
    for p in &alg.params {
        let v = values.get(&p.name).ok_or_else(|| ConcreteError::MissingField(format!("parameter {}", p.name)))?;
        let f = Fun::constant(format!("{}{}", names::PARAM, p.name), Sort::Int);
        m.funs.insert(f.name.clone(), FunTable { fun: f, entries: [(vec![], Value::Int(*v))].into(), default: None });
    }
    Ok(())
}

/// The model of one round taken between two consecutive global states: the
/// pre-state symbols (`f`, `f.init`, `f.old`, `r`, `coord`, inputs) from
/// `pre`, the heard-of sets `HO` of the round from `post` (they are the last
/// round's there), and the post-state symbols `f.post`, `r.post`,
/// `coord.post` from `post`. This is the signature of a round's transition
/// relation ([`crate::vc::transition`]) minus its chosen-value symbols
/// ([`chosen_symbols`]), which the caller adds.
pub fn step_model(alg: &Algorithm, pre: &Snapshot, post: &Snapshot) -> Result<Model, ConcreteError> {
    let mut m = state_model(alg, pre)?;
    let n = check_shape(post)?;
    if n != m.n {
        return Err(ConcreteError::Shape(format!("{} processes before the round, {n} after", m.n)));
    }
    let ho = post.ho.iter().map(|h| Value::Set(h.iter().map(|&q| Value::Proc(q)).collect())).collect();
    m.funs.insert(names::HO.into(), table(names::ho_fun(), ho));
    crate::faults::insert_tables(alg, &post.faults, n, &mut m);
    field_tables(alg, &post.cur, names::post, &mut m)?;
    let (k, t) = constant(&names::post(names::ROUND), Sort::Int, Value::Int(post.round));
    m.funs.insert(k, t);
    let (k, t) = constant(&names::post(names::COORD), Sort::P, Value::Proc(post.coord));
    m.funs.insert(k, t);
    Ok(m)
}

/// The chosen-value symbols of a round's update (mailbox queries such as
/// `min_most_often` or `max_by_key`, helper results), each `P → T`, with
/// what they stand for, in the order the update introduces them.
pub fn chosen_symbols(round: &Round) -> Vec<(Fun, String)> {
    fn walk(stmts: &[Stmt], out: &mut Vec<(Fun, String)>) {
        for s in stmts {
            match s {
                Stmt::Choose { fun, what, .. } => out.push((fun.clone(), what.clone())),
                Stmt::If { then, els, .. } => {
                    walk(then, out);
                    walk(els, out);
                }
                Stmt::Let { .. } | Stmt::Assign { .. } | Stmt::Check { .. } | Stmt::ChoiceOfHeard { .. } => {}
            }
        }
    }
    let mut out = Vec::new();
    walk(&round.update, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use psync_logic::{Term, build, holds};

    fn alg() -> Algorithm {
        let src = r#"
use psync::prelude::*;
pub struct S { pub x: i64, pub last: Option<i64> }
impl Process for S {
    type Io = Consensus<i64>;
    fn init(io: &Consensus<i64>, _cx: &Ctx) -> Self { S { x: io.initial, last: None } }
    fn phase() -> Phase<Self> { phase![A] }
}
pub struct A;
impl Round<S> for A {
    type Msg = i64;
    fn send(p: &S, _cx: &Ctx) -> Outbox<i64> { Outbox::broadcast(p.x) }
    fn update(p: &mut S, mbox: &Mailbox<i64>, _cx: &Ctx) { p.x = mbox.min_most_often(); }
}
impl Spec for S {
    fn invariants(w: &World<Self>) -> Vec<bool> { vec![w.forall(|i| w[i].x >= w.init(i).x)] }
    fn properties(w: &World<Self>) -> Vec<(&'static str, bool)> { vec![("Kept", w.forall(|i| w[i].x >= w.init(i).x))] }
}
"#;
        crate::parse_spec("t.rs", src).map_err(|e| e.short()).expect("in the subset")
    }

    #[test]
    fn json_values_follow_the_sort() {
        let set = Sort::set(Sort::P);
        let v = value_from_json(&set, &serde_json::json!([2, 0]), "s").expect("a set");
        assert_eq!(v, Value::Set([Value::Proc(0), Value::Proc(2)].into_iter().collect()));
        let tup = Sort::Opt(Box::new(Sort::Tuple(vec![Sort::Int, Sort::Bool])));
        let v = value_from_json(&tup, &serde_json::json!([3, true]), "t").expect("an option");
        assert_eq!(v, Value::Opt(Some(Box::new(Value::Tuple(vec![Value::Int(3), Value::Bool(true)])))));
        assert_eq!(value_from_json(&tup, &serde_json::Value::Null, "t"), Ok(Value::Opt(None)));
        assert!(value_from_json(&Sort::Int, &serde_json::json!(true), "x").is_err());
        assert!(value_from_json(&tup, &serde_json::json!([3]), "t").is_err());
    }

    #[test]
    fn json_states_become_models_and_formulas_read_them() {
        let alg = alg();
        let st = |x: i64| state_from_json(&alg, &serde_json::json!({ "x": x, "last": null })).expect("fits");
        assert!(state_from_json(&alg, &serde_json::json!({ "x": 1 })).is_err());
        let io = inputs_from_json(&alg, &serde_json::json!({ "initial": 2 })).expect("fits");
        let snap = |cur: Vec<State>, round| Snapshot {
            round,
            coord: 0,
            init: vec![st(3), st(3)],
            old: vec![st(3), st(3)],
            cur,
            ho: vec![BTreeSet::new(); 2],
            faults: Default::default(),
            inputs: vec![io.clone(), io.clone()],
            params: BTreeMap::new(),
        };
        let inv = &alg.spec.invariants[0].term;
        let m = state_model(&alg, &snap(vec![st(3), st(5)], 0)).expect("shape");
        assert_eq!(holds(inv, &m), Ok(true));
        let m = state_model(&alg, &snap(vec![st(3), st(1)], 0)).expect("shape");
        assert_eq!(holds(inv, &m), Ok(false));
        let io_x = build::eq(alg.inputs[0].at(names::coord()), Term::Int(2));
        assert_eq!(holds(&io_x, &m), Ok(true));
        let pre = snap(vec![st(3), st(3)], 4);
        let mut post = snap(vec![st(3), st(3)], 5);
        post.ho = vec![[0, 1].into_iter().collect(), BTreeSet::new()];
        let m = step_model(&alg, &pre, &post).expect("shape");
        let r_post = Fun::constant(names::post(names::ROUND), Sort::Int).app(vec![]);
        assert_eq!(holds(&build::eq(r_post, build::add(names::round(), Term::Int(1))), &m), Ok(true));
        let ho0 = build::card(names::ho(names::coord()));
        assert_eq!(holds(&build::eq(ho0, Term::Int(2)), &m), Ok(true), "HO comes from the state after the round");
        assert!(m.funs.contains_key("x.post") && m.funs.contains_key("coord.post"));
        let chosen = chosen_symbols(&alg.rounds[0]);
        assert_eq!(chosen.len(), 1);
        assert_eq!(chosen[0].1, "mbox.min_most_often");
        post.ho[1].insert(7);
        assert!(matches!(step_model(&alg, &pre, &post), Err(ConcreteError::Shape(_))));
    }
}
