//! An interpreter of the algorithm IR: runs a spec file's rounds on concrete
//! states without compiling it.
//!
//! The global state is a [`Snapshot`] (the shape the spec predicates are
//! evaluated in, [`crate::concrete`]). A round `r` (index `k = r mod K` in
//! the phase) takes the pre-state and the round's heard-of sets and computes
//! every process's sends (`sendsTo`, `payload` over the sender's pre-state)
//! and its post-state, by executing the round's update statements on
//! concrete values with `psync_logic`'s evaluator: the mailbox is the IR's
//! comprehension `{ s ∈ HO(i) | sendsTo(s, i) }`, an `if` runs one branch,
//! a `let` or an assignment binds the value of its term. This is the
//! semantics of the transition relation the VCs use
//! ([`crate::vc::transition`]) with its chosen values fixed as the compiled
//! code fixes them ([`choice`]); [`check_transition`] evaluates that
//! relation on a computed step. The coordinator of phase `φ` is process
//! `φ mod n`, as in the runtime. [`local`] runs the same rounds process by
//! process from received messages, and [`replica`] hosts them on the
//! `psync` round engine.

mod choice;
mod error;
pub mod local;
pub mod replica;

pub use error::InterpError;

use std::collections::{BTreeMap, BTreeSet};

use psync_logic::{Fun, FunTable, Model, Sort, Term, Value, Var, eval_with};

use crate::concrete::{self, Snapshot, State};
use crate::faults::ValueFaults;
use crate::ir::{Algorithm, names};

/// What one round computed.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    /// The global state after the round (its `HO` the round's heard-of sets).
    pub post: Snapshot,
    /// `sends[s][d]`: the payload `s` sent to `d`, if any.
    pub sends: Vec<Vec<Option<Value>>>,
    /// Per process, the chosen values of the update (mailbox queries), by
    /// symbol name: the interpretation [`check_transition`] evaluates with.
    pub chosen: Vec<BTreeMap<String, Value>>,
    /// Helper preconditions (`Stmt::Check`) that failed: `(process, label)`.
    pub failed_checks: Vec<(u32, String)>,
}

/// The coordinator of the phase of round `round`: `phase mod n`.
pub fn coordinator(round: i64, phase_len: usize, n: usize) -> u32 {
    let phase = round.max(0) as u64 / phase_len.max(1) as u64;
    (phase % n.max(1) as u64) as u32
}

fn per_process(fun: Fun, values: impl IntoIterator<Item = Value>) -> FunTable {
    let entries = values.into_iter().enumerate().map(|(i, v)| (vec![Value::Proc(i as u32)], v)).collect();
    FunTable { fun, entries, default: None }
}

fn constant(name: &str, sort: Sort, v: Value) -> FunTable {
    FunTable { fun: Fun::constant(name, sort), entries: [(Vec::new(), v)].into_iter().collect(), default: None }
}

/// The symbols the terms of round `k` mention (its sends, update,
/// conditions and axioms).
fn round_symbols(alg: &Algorithm, k: usize) -> BTreeSet<String> {
    fn walk(stmts: &[crate::ir::Stmt], out: &mut Vec<Term>) {
        use crate::ir::Stmt;
        for s in stmts {
            match s {
                Stmt::Let { value, .. } | Stmt::Assign { value, .. } => out.push(value.clone()),
                Stmt::If { cond, then, els } => {
                    out.push(cond.clone());
                    walk(then, out);
                    walk(els, out);
                }
                Stmt::Choose { axiom, .. } => out.push(axiom.clone()),
                Stmt::Check { cond, .. } => out.push(cond.clone()),
                Stmt::ChoiceOfHeard { .. } => {}
            }
        }
    }
    let rd = &alg.rounds[k];
    let mut terms = vec![rd.sends_to.clone(), rd.payload.clone()];
    walk(&rd.update, &mut terms);
    terms.iter().flat_map(Term::funs).map(|f| f.name).collect()
}

/// `m` with only the tables of `keep`: the evaluator reads every table of
/// its model for the integers `Int` quantifiers range over, so a table no
/// term mentions only costs time (it cannot change a value: an integer
/// quantifier of the IR ranges over values its own terms can produce).
fn restrict(m: Model, keep: &BTreeSet<String>) -> Model {
    let Model { n, universes, mut funs, vars } = m;
    funs.retain(|name, _| keep.contains(name));
    Model { n, universes, funs, vars }
}

/// Evaluates `t` under `env`, an evaluation failure becoming an
/// [`InterpError::Eval`] of `round` at `what`.
fn value(t: &Term, m: &Model, env: &[(Var, Value)], round: &str, what: &str) -> Result<Value, InterpError> {
    eval_with(t, m, env).map_err(|e| InterpError::Eval { round: round.to_string(), what: what.to_string(), detail: e.to_string() })
}

fn truth(t: &Term, m: &Model, env: &[(Var, Value)], round: &str, what: &str) -> Result<bool, InterpError> {
    match value(t, m, env, round, what)? {
        Value::Bool(b) => Ok(b),
        v => Err(InterpError::Eval { round: round.to_string(), what: what.to_string(), detail: format!("not a truth value: {v:?}") }),
    }
}

/// The initial global state for `inputs` (one per process, by input name
/// without `io.`) and the parameters' values: every field at its `init`
/// value, round 0.
pub fn initial(alg: &Algorithm, inputs: Vec<State>, params: BTreeMap<String, i64>) -> Result<Snapshot, InterpError> {
    let n = inputs.len();
    if n == 0 || u32::try_from(n).is_err() {
        return Err(InterpError::Shape(format!("{n} processes")));
    }
    let mut m = Model { n: n as u32, ..Model::default() };
    for f in &alg.inputs {
        let name = f.name.strip_prefix(names::IO).unwrap_or(&f.name);
        let values = inputs
            .iter()
            .map(|x| x.get(name).cloned().ok_or_else(|| InterpError::Shape(format!("no input `{name}`"))))
            .collect::<Result<Vec<_>, _>>()?;
        m.funs.insert(f.name.clone(), per_process(f.clone(), values));
    }
    m.funs.insert(names::ROUND.into(), constant(names::ROUND, Sort::Int, Value::Int(0)));
    m.funs.insert(names::COORD.into(), constant(names::COORD, Sort::P, Value::Proc(0)));
    concrete::param_constants(alg, &params, &mut m)?;
    let mut states = Vec::with_capacity(n);
    for i in 0..n {
        let env = [(names::self_var(), Value::Proc(i as u32))];
        let mut s = State::new();
        for (field, t) in &alg.init {
            s.insert(field.clone(), value(t, &m, &env, "init", &format!("the initial value of `{field}`"))?);
        }
        states.push(s);
    }
    Ok(Snapshot { round: 0, coord: 0, init: states.clone(), old: states.clone(), cur: states, ho: vec![BTreeSet::new(); n], faults: ValueFaults::default(), inputs, params })
}

/// The chosen-value tables of a round, empty, each with its sort's default
/// at the processes whose update did not reach it.
fn chosen_tables(alg: &Algorithm, k: usize) -> Vec<FunTable> {
    concrete::chosen_symbols(&alg.rounds[k])
        .into_iter()
        .map(|(fun, _)| {
            let d = Value::default_of(&fun.ret);
            FunTable { fun, entries: BTreeMap::new(), default: Some(d) }
        })
        .collect()
}

/// The sends of round `k` from the pre-state model `m`.
fn sends(alg: &Algorithm, k: usize, m: &Model) -> Result<Vec<Vec<Option<Value>>>, InterpError> {
    let rd = &alg.rounds[k];
    let n = m.n;
    let mentions_dest = |t: &Term| {
        let mut hit = false;
        t.visit(&mut |x| hit |= matches!(x, Term::Var(v) if v.name == names::DEST));
        hit
    };
    let (per_dest_sends, per_dest_payload) = (mentions_dest(&rd.sends_to), mentions_dest(&rd.payload));
    let mut out = Vec::with_capacity(n as usize);
    for s in 0..n {
        let mut row: Vec<Option<Value>> = Vec::with_capacity(n as usize);
        let (mut sent, mut payload) = (None, None);
        for d in 0..n {
            let env = [(names::sender_var(), Value::Proc(s)), (names::dest_var(), Value::Proc(d))];
            if per_dest_sends || sent.is_none() {
                sent = Some(truth(&rd.sends_to, m, &env, &rd.name, "`send`'s destinations")?);
            }
            if sent == Some(true) && (per_dest_payload || payload.is_none()) {
                payload = Some(value(&rd.payload, m, &env, &rd.name, "`send`'s payload")?);
            }
            row.push(if sent == Some(true) { payload.clone() } else { None });
        }
        out.push(row);
    }
    Ok(out)
}

/// `received[s][d]`: the payload `d` receives from `s`, what `s` sent
/// unless the message is altered (`s ∈ faults.aho[d]`).
fn received(sends: &[Vec<Option<Value>>], faults: &ValueFaults) -> Vec<Vec<Option<Value>>> {
    let mut out = sends.to_vec();
    for (d, altered) in faults.aho.iter().enumerate() {
        for &s in altered {
            let slot = &mut out[s as usize][d];
            if slot.is_some() {
                *slot = faults.altered.get(&(s, d as u32)).cloned();
            }
        }
    }
    out
}

/// Runs round `pre.round` from `pre` with the heard-of sets `ho` (one per
/// process; members need not have sent anything: the mailbox keeps the
/// senders only). A helper's result is an error: its body is not in the IR.
pub fn step(alg: &Algorithm, pre: &Snapshot, ho: &[BTreeSet<u32>]) -> Result<Step, InterpError> {
    step_drawing(alg, pre, ho, None)
}

/// [`step`], with each helper result drawn, when `helper_seed` is given,
/// among small values of its sort that satisfy the helper's contract (as
/// the verifier reads a helper: any value its postcondition allows), in an
/// order fixed by the seed, the round, the process and the helper, so that
/// a run with the same seed draws the same values.
pub fn step_drawing(alg: &Algorithm, pre: &Snapshot, ho: &[BTreeSet<u32>], helper_seed: Option<u64>) -> Result<Step, InterpError> {
    step_faulty(alg, pre, ho, &ValueFaults::default(), helper_seed)
}

/// [`step_drawing`] with value faults: the message `p` receives from
/// `s ∈ faults.aho[p]` carries `faults.altered[(s, p)]` instead of what `s`
/// sent. Faults in an algorithm that does not declare value faults are an
/// error.
pub fn step_faulty(alg: &Algorithm, pre: &Snapshot, ho: &[BTreeSet<u32>], faults: &ValueFaults, helper_seed: Option<u64>) -> Result<Step, InterpError> {
    let n = pre.cur.len();
    if ho.len() != n || ho.iter().flatten().any(|&q| q as usize >= n) {
        return Err(InterpError::Shape(format!("{} heard-of sets for {n} processes, or a member out of range", ho.len())));
    }
    faults.check(ho).map_err(InterpError::Shape)?;
    if alg.value_faults.is_none() && !faults.is_none() {
        return Err(InterpError::Shape(format!("altered messages, but `{}` does not declare value faults", alg.state_name)));
    }
    if alg.rounds.is_empty() {
        return Err(InterpError::Shape("the phase has no round".into()));
    }
    let k = pre.round.rem_euclid(alg.phase_len() as i64) as usize;
    let mut with_ho = pre.clone();
    with_ho.ho = ho.to_vec();
    with_ho.faults = faults.clone();
    let mut m = restrict(concrete::state_model(alg, &with_ho)?, &round_symbols(alg, k));
    for t in chosen_tables(alg, k) {
        m.funs.insert(t.fun.name.clone(), t);
    }
    let sends = sends(alg, k, &m)?;
    let draws = helper_seed.map(|seed| (seed, pre.round));
    let received = received(&sends, faults);
    let mut exec = choice::Exec { alg, k, model: m, sends: &received, chosen: vec![BTreeMap::new(); n], failed: Vec::new(), draws };
    let mut cur = Vec::with_capacity(n);
    for i in 0..n {
        let mut env: Vec<(Var, Value)> = vec![(names::self_var(), Value::Proc(i as u32))];
        for f in &alg.fields {
            let v = pre.cur[i].get(&f.name).cloned().ok_or_else(|| concrete::ConcreteError::MissingField(f.name.clone()))?;
            env.push((names::cur_var(&f.name, &f.sort), v));
        }
        exec.run(&alg.rounds[k].update, i as u32, &mut env)?;
        let mut s = State::new();
        for f in &alg.fields {
            let var = names::cur_var(&f.name, &f.sort);
            let v = env.iter().rev().find(|(w, _)| *w == var).map(|(_, v)| v.clone()).expect("every field is in the environment");
            s.insert(f.name.clone(), v);
        }
        cur.push(s);
    }
    let round = pre.round + 1;
    let post = Snapshot {
        round,
        coord: coordinator(round, alg.phase_len(), n),
        init: pre.init.clone(),
        old: pre.cur.clone(),
        cur,
        ho: ho.to_vec(),
        faults: faults.clone(),
        inputs: pre.inputs.clone(),
        params: pre.params.clone(),
    };
    let (chosen, failed_checks) = (exec.chosen, exec.failed);
    Ok(Step { post, sends, chosen, failed_checks })
}

/// The conjuncts of round `pre.round`'s transition relation
/// ([`crate::vc::transition`]) that are not true on the step `pre →
/// step.post`, its chosen values interpreted as `step.chosen`, by label
/// with the evaluator's answer. The safety predicate on `HO` is left out:
/// it is the environment's assumption, not the algorithm's behaviour.
pub fn check_transition(alg: &Algorithm, pre: &Snapshot, step: &Step) -> Result<Vec<String>, InterpError> {
    let k = pre.round.rem_euclid(alg.phase_len() as i64) as usize;
    let mut m = concrete::step_model(alg, pre, &step.post)?;
    for mut t in chosen_tables(alg, k) {
        for (i, chosen) in step.chosen.iter().enumerate() {
            if let Some(v) = chosen.get(&t.fun.name) {
                t.entries.insert(vec![Value::Proc(i as u32)], v.clone());
            }
        }
        m.funs.insert(t.fun.name.clone(), t);
    }
    for t in of_heard_tables(&alg.rounds[k].update, &m) {
        m.funs.insert(t.fun.name.clone(), t);
    }
    let tr = crate::vc::transition(alg, k);
    let mut bad = Vec::new();
    for c in tr.conjuncts.iter().filter(|c| c.label != "safety predicate on HO") {
        match eval_with(&c.term, &m, &[]) {
            Ok(Value::Bool(true)) => {}
            r => bad.push(format!("`{}` is {r:?}", c.label)),
        }
    }
    Ok(bad)
}

/// The `(fun, of_heard, unaltered_only)` of the `ChoiceOfHeard` statements
/// among `stmts`, in their branches too.
pub fn choices_of_heard(stmts: &[crate::ir::Stmt]) -> Vec<(Fun, Fun, bool)> {
    use crate::ir::Stmt;
    let mut out = Vec::new();
    for s in stmts {
        match s {
            Stmt::ChoiceOfHeard { fun, of_heard, unaltered_only, .. } => out.push((fun.clone(), of_heard.clone(), *unaltered_only)),
            Stmt::If { then, els, .. } => {
                out.extend(choices_of_heard(then));
                out.extend(choices_of_heard(els));
            }
            _ => {}
        }
    }
    out
}

/// Whether process `i` received no altered message in `m` (`AHO(i)` is
/// empty), where a guarded `ChoiceOfHeard` fact speaks.
pub fn no_altered_message(m: &Model, i: u32) -> bool {
    matches!(m.funs.get(names::AHO).and_then(|t| t.get(&[Value::Proc(i)])), Some(Value::Set(s)) if s.is_empty())
}

/// The table of each `ChoiceOfHeard`'s function of the heard-of set, read
/// off the step: at `HO(i)` the value `i` chose (the first process's, when
/// two that hear one set chose differently: the fact is then false at the
/// second, and the check reports it), from the processes with no altered
/// message only when the fact is about those.
pub fn of_heard_tables(stmts: &[crate::ir::Stmt], m: &Model) -> Vec<FunTable> {
    choices_of_heard(stmts)
        .into_iter()
        .map(|(fun, of_heard, unaltered_only)| {
            let mut t = FunTable { fun: of_heard, entries: Default::default(), default: None };
            for i in 0..m.n {
                let at = |f: &str| m.funs.get(f).and_then(|t| t.get(&[Value::Proc(i)]).cloned());
                if unaltered_only && !no_altered_message(m, i) {
                    continue;
                }
                if let (Some(heard), Some(v)) = (at(names::HO), at(&fun.name)) {
                    t.entries.entry(vec![heard]).or_insert(v);
                }
            }
            t
        })
        .collect()
}

#[cfg(test)]
mod tests;
