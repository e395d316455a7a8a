//! One process's round from what it received: the interpreter as a
//! replica runs it, knowing its own state and the messages that reached it,
//! never the other processes' states.
//!
//! The IR reads other processes' states only through the round's `send`:
//! the mailbox of `update` is `{ s ∈ HO(self) | sendsTo(s, self) }` with
//! `payload(s, self)` inlined, over the fields of `s` that `send` reads
//! (`send` cannot read ghost fields). So a message here is the sender's
//! *view*: the values of the fields the round's terms apply to a process
//! other than the executing one, in [`Program::view`] order. The receiver
//! puts each sender's view in its model, its own state beside it, and
//! evaluates `sendsTo`, the payloads and the update exactly as
//! [`super::step`] does on the global state: its mailbox holds the senders
//! it heard from, each of which sent to it. A field of a process nobody
//! heard from reads as its sort's default; the mailbox's terms only read
//! senders' fields under the guard that they are in it
//! (`benchmarks/tests/differential.rs` checks this against [`super::step`],
//! process by process, on random heard-of sets).

use std::collections::{BTreeMap, BTreeSet};

use psync_logic::{FunTable, Model, Sort, Term, Value, Var, eval_with};

use super::{InterpError, chosen_tables, choice, coordinator, round_symbols, truth, value};
use crate::concrete::State;
use crate::frontend::RuntimeFns;
use crate::ir::{Algorithm, names};

/// A spec made runnable process by process: the IR, its parameters' values,
/// `decision` and `expected`, and what each round's messages carry.
#[derive(Debug)]
pub struct Program {
    alg: Algorithm,
    params: BTreeMap<String, i64>,
    decision: Term,
    expected: Vec<Option<Term>>,
    /// Per round, the fields a message carries (indices into `alg.fields`).
    views: Vec<Vec<usize>>,
}

fn field_table(name: &str, sort: &Sort, entries: BTreeMap<Vec<Value>, Value>) -> FunTable {
    FunTable { fun: names::field_fun(name, sort), entries, default: Some(Value::default_of(sort)) }
}

fn constant(name: &str, sort: Sort, v: Value) -> (String, FunTable) {
    let fun = psync_logic::Fun::constant(name, sort);
    (name.to_string(), FunTable { fun, entries: [(Vec::new(), v)].into(), default: None })
}

/// Whether `v` is a value of `sort` with processes below `n` (a received
/// view is checked before it enters a model).
fn fits(v: &Value, sort: &Sort, n: u32) -> bool {
    match (v, sort) {
        (Value::Bool(_), Sort::Bool) | (Value::Int(_), Sort::Int) | (Value::Real(_), Sort::Real) => true,
        (Value::Proc(p), Sort::P) => *p < n,
        (Value::Set(s), Sort::Set(e)) => s.iter().all(|x| fits(x, e, n)),
        (Value::Opt(o), Sort::Opt(e)) => o.as_deref().is_none_or(|x| fits(x, e, n)),
        (Value::Tuple(xs), Sort::Tuple(cs)) => xs.len() == cs.len() && xs.iter().zip(cs).all(|(x, c)| fits(x, c, n)),
        _ => false,
    }
}

impl Program {
    /// Checks that every round can run on a replica: its terms mention only
    /// fields, `HO` (and `AHO`, `alt.rk`: empty at a replica), `r`, `coord`, parameters and its mailbox queries (a
    /// helper's result cannot be interpreted: its body is not in the IR),
    /// and the spec has a `decision`.
    pub fn new(alg: Algorithm, fns: RuntimeFns, params: BTreeMap<String, i64>) -> Result<Program, InterpError> {
        let Some(decision) = fns.decision else {
            return Err(InterpError::Shape(format!("`impl Process for {}` has no `fn decision`: a replica would never decide", alg.state_name)));
        };
        if fns.expected.len() != alg.rounds.len() {
            return Err(InterpError::Shape(format!("{} `expected` bodies for {} rounds", fns.expected.len(), alg.rounds.len())));
        }
        let mut views = Vec::with_capacity(alg.rounds.len());
        for (k, rd) in alg.rounds.iter().enumerate() {
            let chosen = crate::concrete::chosen_symbols(rd);
            if let Some((_, what)) = chosen.iter().find(|(_, what)| !what.starts_with("mbox.")) {
                return Err(InterpError::Unsupported { round: rd.name.clone(), what: what.clone() });
            }
            let syms = round_symbols(&alg, k);
            let allowed = |s: &str| {
                [names::HO, names::AHO, names::ROUND, names::COORD].contains(&s)
                    || rd.altered.iter().any(|f| f.name == s)
                    || s.starts_with(names::PARAM)
                    || alg.field(s).is_some()
                    || chosen.iter().any(|(f, _)| f.name == s)
            };
            if let Some(s) = syms.iter().find(|s| !allowed(s)) {
                return Err(InterpError::Shape(format!("round {} reads `{s}`, which a replica does not hold", rd.name)));
            }
            views.push(alg.fields.iter().enumerate().filter(|(_, f)| syms.contains(&f.name)).map(|(i, _)| i).collect());
        }
        Ok(Program { alg, params, decision, expected: fns.expected, views })
    }

    /// The algorithm.
    pub fn algorithm(&self) -> &Algorithm {
        &self.alg
    }

    /// The names of the fields a message of round `round` carries, in order.
    pub fn view(&self, round: u64) -> Vec<&str> {
        self.views[self.k(round)].iter().map(|&i| self.alg.fields[i].name.as_str()).collect()
    }

    fn k(&self, round: u64) -> usize {
        (round % self.alg.phase_len() as u64) as usize
    }

    fn round_name(&self, round: u64) -> &str {
        &self.alg.rounds[self.k(round)].name
    }

    /// `r`, `coord` and the parameters for `n` processes at `round`.
    fn base_model(&self, round: u64, n: u32) -> Result<Model, InterpError> {
        let mut m = Model { n, ..Model::default() };
        let r = i64::try_from(round).map_err(|_| InterpError::Shape(format!("round {round} is out of range")))?;
        let (k, t) = constant(names::ROUND, Sort::Int, Value::Int(r));
        m.funs.insert(k, t);
        let (k, t) = constant(names::COORD, Sort::P, Value::Proc(coordinator(r, self.alg.phase_len(), n as usize)));
        m.funs.insert(k, t);
        crate::concrete::param_constants(&self.alg, &self.params, &mut m)?;
        Ok(m)
    }

    /// `self.i` and the current field values of `state`.
    fn env(&self, me: u32, state: &State) -> Result<Vec<(Var, Value)>, InterpError> {
        let mut env = vec![(names::self_var(), Value::Proc(me))];
        for f in &self.alg.fields {
            let v = state.get(&f.name).cloned().ok_or_else(|| crate::concrete::ConcreteError::MissingField(f.name.clone()))?;
            env.push((names::cur_var(&f.name, &f.sort), v));
        }
        Ok(env)
    }

    /// The initial state of process `me` of `n` with input `input` (by
    /// input name without `io.`).
    pub fn init(&self, me: u32, n: usize, input: &State) -> Result<State, InterpError> {
        if me as usize >= n {
            return Err(InterpError::Shape(format!("process {me} of {n}")));
        }
        // `init` reads its own process's input only: every process gets it.
        let mut s = super::initial(&self.alg, vec![input.clone(); n], self.params.clone())?;
        Ok(s.cur.swap_remove(me as usize))
    }

    /// After how many messages round `round` ends early at `me`
    /// (`Round::expected`; `n` by default).
    pub fn expected(&self, round: u64, me: u32, n: u32, state: &State) -> Result<usize, InterpError> {
        let Some(t) = &self.expected[self.k(round)] else { return Ok(n as usize) };
        let m = self.base_model(round, n)?;
        match value(t, &m, &self.env(me, state)?, self.round_name(round), "`expected`")? {
            Value::Int(e) => Ok(usize::try_from(e).unwrap_or(0)),
            v => Err(InterpError::Shape(format!("`expected` of round {} is {v:?}", self.round_name(round)))),
        }
    }

    /// What `me` sends in round `round` from `state`: the destinations
    /// (`sendsTo(me, d)`, possibly `me` itself) and the message, its view.
    pub fn send(&self, round: u64, me: u32, n: u32, state: &State) -> Result<(Vec<u32>, Vec<Value>), InterpError> {
        let k = self.k(round);
        let rd = &self.alg.rounds[k];
        let mut m = self.base_model(round, n)?;
        for f in &self.alg.fields {
            let v = state.get(&f.name).cloned().ok_or_else(|| crate::concrete::ConcreteError::MissingField(f.name.clone()))?;
            m.funs.insert(f.name.clone(), field_table(&f.name, &f.sort, [(vec![Value::Proc(me)], v)].into()));
        }
        let mut per_dest = false;
        rd.sends_to.visit(&mut |x| per_dest |= matches!(x, Term::Var(v) if v.name == names::DEST));
        let mut dests = Vec::new();
        let mut sent = None;
        for d in 0..n {
            if per_dest || sent.is_none() {
                let env = [(names::sender_var(), Value::Proc(me)), (names::dest_var(), Value::Proc(d))];
                sent = Some(truth(&rd.sends_to, &m, &env, &rd.name, "`send`'s destinations")?);
            }
            if sent == Some(true) {
                dests.push(d);
            }
        }
        let view = self.views[k].iter().map(|&i| state[&self.alg.fields[i].name].clone()).collect();
        Ok((dests, view))
    }

    /// `me`'s state after round `round` from `state`, having received
    /// `received` (sender, view), each sender once (the runtime drops
    /// duplicates). A view that does not fit the round's fields is ignored,
    /// as a malformed message is.
    pub fn update(&self, round: u64, me: u32, n: u32, state: &State, received: &[(u32, Vec<Value>)]) -> Result<State, InterpError> {
        let k = self.k(round);
        let rd = &self.alg.rounds[k];
        let view: Vec<&crate::ir::Field> = self.views[k].iter().map(|&i| &self.alg.fields[i]).collect();
        let heard: Vec<&(u32, Vec<Value>)> = received
            .iter()
            .filter(|(s, v)| *s < n && v.len() == view.len() && v.iter().zip(&view).all(|(x, f)| fits(x, &f.sort, n)))
            .collect();
        let mut m = self.base_model(round, n)?;
        for (j, f) in self.alg.fields.iter().enumerate() {
            let mut entries = BTreeMap::new();
            if let Some(at) = self.views[k].iter().position(|&i| i == j) {
                for (s, v) in &heard {
                    entries.insert(vec![Value::Proc(*s)], v[at].clone());
                }
            }
            let mine = state.get(&f.name).cloned().ok_or_else(|| crate::concrete::ConcreteError::MissingField(f.name.clone()))?;
            entries.insert(vec![Value::Proc(me)], mine);
            m.funs.insert(f.name.clone(), field_table(&f.name, &f.sort, entries));
        }
        let ho: BTreeSet<Value> = heard.iter().map(|(s, _)| Value::Proc(*s)).collect();
        let ho_table = FunTable { fun: names::ho_fun(), entries: [(vec![Value::Proc(me)], Value::Set(ho))].into(), default: Some(Value::Set(BTreeSet::new())) };
        m.funs.insert(names::HO.into(), ho_table);
        // A replica cannot tell an altered message from another: what
        // arrived is what it received, so no sender is in `AHO`.
        crate::faults::insert_tables(&self.alg, &crate::faults::ValueFaults::default(), n, &mut m);
        for t in chosen_tables(&self.alg, k) {
            m.funs.insert(t.fun.name.clone(), t);
        }
        let mut sends: Vec<Vec<Option<Value>>> = vec![vec![None; n as usize]; n as usize];
        for (s, _) in &heard {
            let env = [(names::sender_var(), Value::Proc(*s)), (names::dest_var(), Value::Proc(me))];
            sends[*s as usize][me as usize] = Some(value(&rd.payload, &m, &env, &rd.name, "`send`'s payload")?);
        }
        let mut exec = choice::Exec { alg: &self.alg, k, model: m, sends: &sends, chosen: vec![BTreeMap::new(); n as usize], failed: Vec::new(), draws: None };
        let mut env = self.env(me, state)?;
        exec.run(&rd.update, me, &mut env)?;
        let mut post = State::new();
        for f in &self.alg.fields {
            let var = names::cur_var(&f.name, &f.sort);
            let v = env.iter().rev().find(|(w, _)| *w == var).map(|(_, v)| v.clone()).expect("every field is in the environment");
            post.insert(f.name.clone(), v);
        }
        Ok(post)
    }

    /// `decision()` at `me`'s state: the output once decided.
    pub fn decision(&self, me: u32, n: u32, state: &State) -> Result<Option<Value>, InterpError> {
        let m = self.base_model(0, n)?;
        match eval_with(&self.decision, &m, &self.env(me, state)?) {
            Ok(Value::Opt(v)) => Ok(v.map(|b| *b)),
            Ok(v) => Err(InterpError::Shape(format!("`decision` is {v:?}, not an option"))),
            Err(e) => Err(InterpError::Eval { round: "decision".into(), what: "`decision`".into(), detail: e.to_string() }),
        }
    }
}

#[cfg(test)]
#[path = "local_tests.rs"]
mod tests;
