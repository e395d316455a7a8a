//! Executing update statements on concrete values, and fixing the chosen
//! values of mailbox queries as the compiled code does.
//!
//! A query such as `max_by_key` is a fresh symbol `res` in the IR with an
//! axiom (a received payload with the largest key); a tuple payload is one
//! symbol per component, the first carrying the axiom and the others `true`
//! (one group). The runtime's `Mailbox` visits senders in increasing order
//! and keeps the first strict improvement, so its answer is the payload of
//! the smallest sender among those the axiom accepts: that is the choice
//! made here. `min_most_often`'s axiom has one solution, which the same
//! rule finds; on an empty mailbox the sort's default is tried (what
//! `min_most_often` returns, and what an unused `max_by_key` result may
//! be). Helper results stand for a trusted body the IR does not contain:
//! without a seed the interpreter says it cannot run them; with one
//! (`simulate`), it draws a small value the helper's contract allows, as
//! the verifier allows any such value.

use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};

use psync_logic::{Fun, Model, Term, Value, Var};

use super::{InterpError, truth, value};
use crate::ir::{Algorithm, Stmt, names};

/// The state of one round's execution (shared by the processes: the model
/// holds the pre-state, and each process's chosen values at its own entry).
pub(super) struct Exec<'a> {
    pub alg: &'a Algorithm,
    pub k: usize,
    pub model: Model,
    pub sends: &'a [Vec<Option<Value>>],
    pub chosen: Vec<BTreeMap<String, Value>>,
    pub failed: Vec<(u32, String)>,
    /// `(seed, round)` when helper results are drawn.
    pub draws: Option<(u64, i64)>,
}

fn bind(env: &mut Vec<(Var, Value)>, var: Var, v: Value) {
    env.retain(|(w, _)| *w != var);
    env.push((var, v));
}

impl Exec<'_> {
    fn round_name(&self) -> &str {
        &self.alg.rounds[self.k].name
    }

    /// Executes `stmts` for process `i`, `env` holding `self.i`, the
    /// current field values and the locals.
    pub fn run(&mut self, stmts: &[Stmt], i: u32, env: &mut Vec<(Var, Value)>) -> Result<(), InterpError> {
        let mut at = 0;
        while at < stmts.len() {
            match &stmts[at] {
                Stmt::Let { var, value: t } => {
                    let v = value(t, &self.model, env, self.round_name(), &format!("`let {}`", var.name))?;
                    bind(env, var.clone(), v);
                }
                Stmt::Assign { field, value: t } => {
                    let f = self.alg.field(field).ok_or_else(|| InterpError::Shape(format!("no field `{field}`")))?;
                    let v = value(t, &self.model, env, self.round_name(), &format!("the assignment of `{field}`"))?;
                    bind(env, names::cur_var(&f.name, &f.sort), v);
                }
                Stmt::If { cond, then, els } => {
                    if truth(cond, &self.model, env, self.round_name(), "an `if` condition")? {
                        self.run(then, i, env)?;
                    } else {
                        self.run(els, i, env)?;
                    }
                }
                Stmt::Check { cond, label } => {
                    if !truth(cond, &self.model, env, self.round_name(), label)? {
                        self.failed.push((i, label.clone()));
                    }
                }
                // The chosen values satisfy it by construction.
                Stmt::ChoiceOfHeard { .. } => {}
                Stmt::Choose { fun, axiom, what } => {
                    let mut group = vec![fun.clone()];
                    while let Some(Stmt::Choose { fun: g, axiom: Term::Bool(true), what: w }) = stmts.get(at + 1)
                        && w == what
                    {
                        group.push(g.clone());
                        at += 1;
                    }
                    self.choose(&group, axiom, what, i, env)?;
                }
            }
            at += 1;
        }
        Ok(())
    }

    /// `v` split over the symbols of a group (a tuple's components).
    fn split(group: &[Fun], v: Value) -> Option<Vec<Value>> {
        match (group.len(), v) {
            (1, v) => Some(vec![v]),
            (len, Value::Tuple(cs)) if cs.len() == len => Some(cs),
            _ => None,
        }
    }

    fn set(&mut self, group: &[Fun], values: &[Value], i: u32) {
        for (f, v) in group.iter().zip(values) {
            if let Some(t) = self.model.funs.get_mut(&f.name) {
                t.entries.insert(vec![Value::Proc(i)], v.clone());
            }
            self.chosen[i as usize].insert(f.name.clone(), v.clone());
        }
    }

    /// Fixes a helper result at `i`: the first value, in an order the seed,
    /// the round, `i` and the symbol fix, among small values of its sort
    /// that the contract (`axiom`) accepts.
    #[allow(clippy::too_many_arguments)]
    fn draw(&mut self, group: &[Fun], axiom: &Term, what: &str, i: u32, env: &[(Var, Value)], (seed, round): (u64, i64)) -> Result<(), InterpError> {
        let [f] = group else {
            return Err(InterpError::Unsupported { round: self.round_name().to_string(), what: what.to_string() });
        };
        let Some(mut values) = small_values(&f.ret, self.model.n) else {
            return Err(InterpError::Unsupported { round: self.round_name().to_string(), what: what.to_string() });
        };
        let key = |v: &Value| {
            let mut h = std::collections::hash_map::DefaultHasher::new();
            (seed, round, i, &f.name, v).hash(&mut h);
            h.finish()
        };
        values.sort_by_cached_key(key);
        for v in values {
            self.set(group, std::slice::from_ref(&v), i);
            if truth(axiom, &self.model, env, self.round_name(), what)? {
                return Ok(());
            }
        }
        Err(InterpError::NoChoice { round: self.round_name().to_string(), what: what.to_string(), process: i })
    }

    /// Fixes the group's values at `i`: the payload of the smallest sender
    /// in `i`'s mailbox the axiom accepts, else the sorts' defaults.
    fn choose(&mut self, group: &[Fun], axiom: &Term, what: &str, i: u32, env: &[(Var, Value)]) -> Result<(), InterpError> {
        if !what.starts_with("mbox.") {
            return match self.draws {
                Some(draws) => self.draw(group, axiom, what, i, env, draws),
                None => Err(InterpError::Unsupported { round: self.round_name().to_string(), what: what.to_string() }),
            };
        }
        let ho = self.model.funs.get(names::HO).and_then(|t| t.get(&[Value::Proc(i)]).cloned());
        let heard: Vec<u32> = match ho {
            Some(Value::Set(s)) => s.iter().filter_map(|v| if let Value::Proc(q) = v { Some(*q) } else { None }).collect(),
            _ => Vec::new(),
        };
        let mut candidates: Vec<Vec<Value>> =
            heard.iter().filter_map(|&s| self.sends[s as usize][i as usize].clone()).filter_map(|c| Self::split(group, c)).collect();
        candidates.push(group.iter().map(|f| Value::default_of(&f.ret)).collect());
        for values in candidates {
            self.set(group, &values, i);
            if truth(axiom, &self.model, env, self.round_name(), what)? {
                return Ok(());
            }
        }
        Err(InterpError::NoChoice { round: self.round_name().to_string(), what: what.to_string(), process: i })
    }
}

/// The values a helper result is drawn from: both Booleans, the integers
/// −2…3, a few rationals, every process, and options of those; `None` for other sorts.
fn small_values(sort: &psync_logic::Sort, n: u32) -> Option<Vec<Value>> {
    use psync_logic::Sort;
    Some(match sort {
        Sort::Bool => vec![Value::Bool(false), Value::Bool(true)],
        Sort::Int => (-2..=3).map(Value::Int).collect(),
        Sort::Real => [(-2, 1), (0, 1), (1, 2), (1, 1), (3, 1)].into_iter().map(|(a, b)| Value::Real(psync_logic::Rational64::new(a, b))).collect(),
        Sort::P => (0..n).map(Value::Proc).collect(),
        Sort::Opt(inner) => {
            let mut out = vec![Value::Opt(None)];
            out.extend(small_values(inner, n)?.into_iter().map(|v| Value::Opt(Some(Box::new(v)))));
            out
        }
        _ => return None,
    })
}
