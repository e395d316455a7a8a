//! Decoding a solver's model into a [`Model`], the same way for every back end.
//!
//! A back end exposes its native model through [`RawModel`] (universes,
//! values of symbols at given arguments, explicit table entries); [`decode`]
//! applies the conventions documented in [`crate::smt`].

use std::collections::{BTreeMap, BTreeSet};

use crate::smt::flat_eval::{Evaluator, assignments};
use crate::smt::query::is_uninterpreted;
use crate::smt::{Signature, SmtError, SmtQuery};
use crate::{Fun, FunTable, Model, Sort, Term, Value, Var};

/// The most argument tuples tabulated for one function with finite argument
/// sorts; beyond this its table is built like one with `Int` arguments.
pub const MAX_TABLE: u64 = 100_000;

/// Most nodes visited while completing tables at the query's ground points.
const COMPLETION_BUDGET: u64 = 2_000_000;

/// Explicit entries of an interpretation, and its "else" value when constant.
pub(crate) type Explicit = (Vec<(Vec<Value>, Value)>, Option<Value>);

/// A solver's model, seen through values of [`crate::Value`] (numbered as in
/// [`crate::smt`]: element `k` is the `k`-th of the solver's universe).
pub(crate) trait RawModel {
    /// The size of the universe of an uninterpreted sort, if the model has one.
    fn universe(&mut self, sort: &Sort) -> Result<Option<u32>, SmtError>;
    /// Whether the model interprets `f`.
    fn interpreted(&mut self, f: &Fun) -> Result<bool, SmtError>;
    /// The value of the interpreted `f` at `args`.
    fn apply(&mut self, f: &Fun, args: &[Value]) -> Result<Value, SmtError>;
    /// The explicit entries of the interpreted `f` (arity ≥ 1) and its
    /// else-value if that does not depend on the arguments.
    fn explicit(&mut self, f: &Fun) -> Result<Explicit, SmtError>;
}

/// The value given to symbols the solver left uninterpreted.
pub(crate) fn default_value(sort: &Sort) -> Value {
    match sort {
        Sort::Bool => Value::Bool(false),
        Sort::Int => Value::Int(0),
        Sort::Real => Value::Real(0.into()),
        Sort::P => Value::Proc(0),
        other => Value::Elem(other.mangle(), 0),
    }
}

fn check_value(v: &Value, sort: &Sort, m: &Model, what: &str) -> Result<(), SmtError> {
    let ok = match (v, sort) {
        (Value::Bool(_), Sort::Bool) | (Value::Int(_), Sort::Int) | (Value::Real(_), Sort::Real) => true,
        (Value::Proc(k), Sort::P) => *k < m.n,
        (Value::Elem(name, k), s) if is_uninterpreted(s) && s != &Sort::P => {
            *name == s.mangle() && *k < m.universe_size(s)
        }
        _ => false,
    };
    if ok { Ok(()) } else { Err(SmtError::Decode(format!("{what}: value {v:?} is not an element of {sort}"))) }
}

fn finite(s: &Sort) -> bool {
    !s.is_numeric()
}

/// Build the [`Model`] of a satisfiable query from the solver's model.
pub(crate) fn decode(sig: &Signature, q: &SmtQuery, raw: &mut dyn RawModel) -> Result<Model, SmtError> {
    let mut model = Model::default();
    for s in &sig.sorts {
        let size = raw.universe(s)?.unwrap_or(1);
        if size == 0 {
            return Err(SmtError::Decode(format!("empty universe for sort {s}")));
        }
        if s == &Sort::P {
            model.n = size;
        } else {
            model.universes.insert(s.mangle(), size);
        }
    }
    let mut partial = BTreeSet::new();
    for f in &sig.funs {
        let mut table = FunTable { fun: f.clone(), entries: BTreeMap::new(), default: None };
        let tuples: u64 = f.args.iter().map(|s| if *s == Sort::Bool { 2 } else { u64::from(model.universe_size(s)) }).product();
        let tabulate = f.args.iter().all(finite) && tuples <= MAX_TABLE;
        let interpreted = raw.interpreted(f)?;
        if tabulate {
            let vars: Vec<Var> = f.args.iter().enumerate().map(|(i, s)| Var::new(format!("a{i}"), s.clone())).collect();
            for args in assignments(&vars, &model).map_err(|e| SmtError::Decode(e.to_string()))? {
                let v = if interpreted { raw.apply(f, &args)? } else { default_value(&f.ret) };
                check_value(&v, &f.ret, &model, &f.name)?;
                table.entries.insert(args, v);
            }
        } else if !interpreted {
            table.default = Some(default_value(&f.ret));
        } else {
            let (entries, default) = raw.explicit(f)?;
            for (args, v) in entries {
                check_value(&v, &f.ret, &model, &f.name)?;
                for (a, s) in args.iter().zip(&f.args) {
                    check_value(a, s, &model, &f.name)?;
                }
                table.entries.entry(args).or_insert(v);
            }
            if let Some(d) = &default {
                check_value(d, &f.ret, &model, &f.name)?;
            } else {
                partial.insert(f.name.clone());
            }
            table.default = default;
        }
        model.funs.insert(f.name.clone(), table);
    }
    if !partial.is_empty() {
        let mut c = Completion { partial: &partial, raw, steps: 0 };
        for a in &q.assertions {
            c.term(a, &mut Vec::new(), &mut model)?;
        }
    }
    Ok(model)
}

/// Adds, to the tables of functions with `Int` arguments, their values at
/// the argument tuples the query's terms reach.
struct Completion<'a> {
    partial: &'a BTreeSet<String>,
    raw: &'a mut dyn RawModel,
    steps: u64,
}

impl Completion<'_> {
    fn term(&mut self, t: &Term, env: &mut Vec<(Var, Value)>, model: &mut Model) -> Result<(), SmtError> {
        self.steps += 1;
        if self.steps > COMPLETION_BUDGET {
            return Ok(());
        }
        match t {
            Term::Bind(_, vs, body) => {
                if !vs.iter().all(|v| finite(&v.sort)) {
                    return Ok(());
                }
                let Ok(all) = assignments(vs, model) else { return Ok(()) };
                for vals in all {
                    let k = env.len();
                    env.extend(vs.iter().cloned().zip(vals));
                    let r = self.term(body, env, model);
                    env.truncate(k);
                    r?;
                }
                Ok(())
            }
            Term::App(f, args) => {
                for a in args {
                    self.term(a, env, model)?;
                }
                if !self.partial.contains(&f.name) {
                    return Ok(());
                }
                let vals: Result<Vec<Value>, _> = {
                    let mut ev = Evaluator::new(model);
                    args.iter().map(|a| ev.eval(a, env)).collect()
                };
                let Ok(vals) = vals else { return Ok(()) };
                let known = model.funs.get(&f.name).is_some_and(|tb| tb.entries.contains_key(&vals));
                if !known {
                    let v = self.raw.apply(f, &vals)?;
                    check_value(&v, &f.ret, model, &f.name)?;
                    if let Some(tb) = model.funs.get_mut(&f.name) {
                        tb.entries.insert(vals, v);
                    }
                }
                Ok(())
            }
            _ => {
                for c in t.children() {
                    self.term(c, env, model)?;
                }
                Ok(())
            }
        }
    }
}
