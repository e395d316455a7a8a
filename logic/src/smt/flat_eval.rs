//! Evaluating flat formulas on a finite [`Model`] (to check decoded models).
//!
//! Quantifiers over `Bool`, `P` and uninterpreted sorts are enumerated over
//! the model's universes; a quantifier over `Int` cannot be, and is an error.
//! `n` (`ProcCount`) is the model's 0-ary table `"n"` (see [`crate::smt`]).

use num_rational::Rational64;
use num_traits::{CheckedAdd, CheckedDiv, CheckedMul, CheckedSub};
use crate::smt::SmtQuery;
use crate::smt::query::PROC_COUNT;
use crate::{Binder, Model, Op, Sort, Term, Value, Var};

/// Why a flat term could not be evaluated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FlatEvalError {
    /// No table for this symbol.
    #[error("no interpretation for symbol `{0}`")]
    MissingSymbol(String),
    /// The table has no entry (and no default) for these arguments.
    #[error("`{fun}` has no value at {args}")]
    MissingEntry {
        /// The symbol.
        fun: String,
        /// The arguments, printed.
        args: String,
    },
    /// A quantifier over a sort without a finite universe in the model.
    #[error("cannot enumerate a quantifier over {0}")]
    Unbounded(String),
    /// A variable with no value.
    #[error("variable `{0}` has no value")]
    Unbound(String),
    /// An operator outside the flat fragment.
    #[error("not in the flat fragment: {0}")]
    NotFlat(String),
    /// A value of the wrong kind (the model does not fit the term).
    #[error("type mismatch: {0}")]
    Type(String),
    /// Integer overflow or division by zero.
    #[error("arithmetic overflow or division by zero")]
    Arith,
    /// Too many evaluation steps (nested quantifiers over large universes).
    #[error("evaluation budget of {0} steps exhausted")]
    Budget(u64),
}

/// The default budget of evaluation steps.
pub(crate) const DEFAULT_BUDGET: u64 = 20_000_000;

/// The value of a closed flat term in `m`.
pub fn eval_flat(t: &Term, m: &Model) -> Result<Value, FlatEvalError> {
    Evaluator::new(m).eval(t, &mut Vec::new())
}

/// Whether every assertion of `q` is true in `m`.
pub fn check_model(q: &SmtQuery, m: &Model) -> Result<bool, FlatEvalError> {
    let mut ev = Evaluator::new(m);
    for a in &q.assertions {
        if !ev.eval_bool(a, &mut Vec::new())? {
            return Ok(false);
        }
    }
    Ok(true)
}

/// The elements of a finite sort in `m`.
pub(crate) fn domain(sort: &Sort, m: &Model) -> Result<Vec<Value>, FlatEvalError> {
    match sort {
        Sort::Bool => Ok(vec![Value::Bool(false), Value::Bool(true)]),
        Sort::Int | Sort::Real => Err(FlatEvalError::Unbounded(sort.to_string())),
        Sort::P => Ok((0..m.n).map(Value::Proc).collect()),
        other => {
            let name = other.mangle();
            let k = *m.universes.get(&name).ok_or_else(|| FlatEvalError::Unbounded(format!("{other} (no universe)")))?;
            Ok((0..k).map(|i| Value::Elem(name.clone(), i)).collect())
        }
    }
}

/// All assignments of values to `vs`, over their finite domains.
pub(crate) fn assignments(vs: &[Var], m: &Model) -> Result<Vec<Vec<Value>>, FlatEvalError> {
    let mut out = vec![Vec::new()];
    for v in vs {
        let d = domain(&v.sort, m)?;
        out = out
            .into_iter()
            .flat_map(|prefix| {
                d.iter().map(move |x| {
                    let mut p = prefix.clone();
                    p.push(x.clone());
                    p
                })
            })
            .collect();
    }
    Ok(out)
}

pub(crate) fn show_args(args: &[Value]) -> String {
    let parts: Vec<String> = args.iter().map(|a| format!("{a:?}")).collect();
    format!("({})", parts.join(", "))
}

/// A step-counting evaluator.
pub(crate) struct Evaluator<'m> {
    model: &'m Model,
    steps: u64,
    budget: u64,
}

impl<'m> Evaluator<'m> {
    pub(crate) fn new(model: &'m Model) -> Evaluator<'m> {
        Evaluator::with_budget(model, DEFAULT_BUDGET)
    }

    /// An evaluator that gives up after `budget` steps.
    pub(crate) fn with_budget(model: &'m Model, budget: u64) -> Evaluator<'m> {
        Evaluator { model, steps: 0, budget }
    }

    /// A number as a rational (an integer literal factor or divisor of a
    /// `Real` operation, or an operand of `to_real`, is an `Int`).
    fn rational(&mut self, t: &Term, env: &mut Vec<(Var, Value)>) -> Result<Rational64, FlatEvalError> {
        match self.eval(t, env)? {
            Value::Real(q) => Ok(q),
            Value::Int(k) => Ok(Rational64::from(k)),
            v => Err(FlatEvalError::Type(format!("expected a number, got {v:?}"))),
        }
    }

    /// Arithmetic and comparisons on `Real`, exact on 64-bit rationals.
    fn real_op(&mut self, op: &Op, args: &[Term], env: &mut Vec<(Var, Value)>) -> Result<Value, FlatEvalError> {
        let vals = args.iter().map(|a| self.rational(a, env)).collect::<Result<Vec<_>, _>>()?;
        let num = |r: Option<Rational64>| r.map(Value::Real).ok_or(FlatEvalError::Arith);
        let zero = Rational64::from(0);
        match (op, &vals[..]) {
            (Op::Add, _) => num(vals.iter().try_fold(zero, |s, k| s.checked_add(k))),
            (Op::Sub, [a, b]) => num(a.checked_sub(b)),
            (Op::Neg, [a]) => num(zero.checked_sub(a)),
            (Op::Mul, [a, b]) => num(a.checked_mul(b)),
            (Op::Div, [a, b]) if *b != zero => num(a.checked_div(b)),
            (Op::ToReal, [a]) => Ok(Value::Real(*a)),
            (Op::Lt, [a, b]) => Ok(Value::Bool(a < b)),
            (Op::Le, [a, b]) => Ok(Value::Bool(a <= b)),
            (Op::Gt, [a, b]) => Ok(Value::Bool(a > b)),
            (Op::Ge, [a, b]) => Ok(Value::Bool(a >= b)),
            _ => Err(FlatEvalError::Type(format!("{op:?} with {} arguments", args.len()))),
        }
    }

    fn int(&mut self, t: &Term, env: &mut Vec<(Var, Value)>) -> Result<i64, FlatEvalError> {
        match self.eval(t, env)? {
            Value::Int(k) => Ok(k),
            v => Err(FlatEvalError::Type(format!("expected an integer, got {v:?}"))),
        }
    }

    pub(crate) fn eval_bool(&mut self, t: &Term, env: &mut Vec<(Var, Value)>) -> Result<bool, FlatEvalError> {
        match self.eval(t, env)? {
            Value::Bool(b) => Ok(b),
            v => Err(FlatEvalError::Type(format!("expected a truth value, got {v:?}"))),
        }
    }

    /// The value of `f` at `args` in the model.
    fn apply(&self, name: &str, args: &[Value]) -> Result<Value, FlatEvalError> {
        let table = self.model.funs.get(name).ok_or_else(|| FlatEvalError::MissingSymbol(name.to_string()))?;
        table
            .get(args)
            .cloned()
            .ok_or_else(|| FlatEvalError::MissingEntry { fun: name.to_string(), args: show_args(args) })
    }

    pub(crate) fn eval(&mut self, t: &Term, env: &mut Vec<(Var, Value)>) -> Result<Value, FlatEvalError> {
        self.steps += 1;
        if self.steps > self.budget {
            return Err(FlatEvalError::Budget(self.budget));
        }
        match t {
            Term::Var(v) => env
                .iter()
                .rev()
                .find(|(w, _)| w == v)
                .map(|(_, x)| x.clone())
                .or_else(|| self.model.vars.get(&v.name).cloned())
                .ok_or_else(|| FlatEvalError::Unbound(v.name.clone())),
            Term::Bool(b) => Ok(Value::Bool(*b)),
            Term::Int(k) => Ok(Value::Int(*k)),
            Term::App(f, args) => {
                let vals = args.iter().map(|a| self.eval(a, env)).collect::<Result<Vec<_>, _>>()?;
                self.apply(&f.name, &vals)
            }
            Term::Bind(Binder::Comprehension, _, _) => Err(FlatEvalError::NotFlat("comprehension".into())),
            Term::Bind(b, vs, body) => {
                let want = *b == Binder::Forall;
                for vals in assignments(vs, self.model)? {
                    let k = env.len();
                    env.extend(vs.iter().cloned().zip(vals));
                    let r = self.eval_bool(body, env);
                    env.truncate(k);
                    if r? != want {
                        return Ok(Value::Bool(!want));
                    }
                }
                Ok(Value::Bool(want))
            }
            Term::Op(op, args) => self.op(op, args, env),
        }
    }

    fn op(&mut self, op: &Op, args: &[Term], env: &mut Vec<(Var, Value)>) -> Result<Value, FlatEvalError> {
        let arith = |r: Option<i64>| r.map(Value::Int).ok_or(FlatEvalError::Arith);
        let arity = |k: usize| {
            if args.len() == k { Ok(()) } else { Err(FlatEvalError::Type(format!("{op:?} with {} arguments", args.len()))) }
        };
        let real = match op {
            Op::Add | Op::Sub | Op::Neg | Op::Div => args.first().is_some_and(|a| a.sort() == Sort::Real),
            Op::Mul => args.iter().any(|a| !matches!(a, Term::Int(_)) && a.sort() == Sort::Real),
            Op::Lt | Op::Le | Op::Gt | Op::Ge => args.first().is_some_and(|a| a.sort() == Sort::Real),
            Op::ToReal => true,
            _ => false,
        };
        if real {
            return self.real_op(op, args, env);
        }
        match op {
            Op::Not => {
                arity(1)?;
                Ok(Value::Bool(!self.eval_bool(&args[0], env)?))
            }
            Op::And | Op::Or => {
                let stop = *op == Op::Or;
                for a in args {
                    if self.eval_bool(a, env)? == stop {
                        return Ok(Value::Bool(stop));
                    }
                }
                Ok(Value::Bool(!stop))
            }
            Op::Implies => {
                arity(2)?;
                Ok(Value::Bool(!self.eval_bool(&args[0], env)? || self.eval_bool(&args[1], env)?))
            }
            Op::Iff => {
                arity(2)?;
                Ok(Value::Bool(self.eval_bool(&args[0], env)? == self.eval_bool(&args[1], env)?))
            }
            Op::Ite => {
                arity(3)?;
                let c = self.eval_bool(&args[0], env)?;
                self.eval(&args[if c { 1 } else { 2 }], env)
            }
            Op::Eq => {
                let vals = args.iter().map(|a| self.eval(a, env)).collect::<Result<Vec<_>, _>>()?;
                Ok(Value::Bool(vals.windows(2).all(|w| w[0] == w[1])))
            }
            Op::Add => {
                let mut acc = 0i64;
                for a in args {
                    let k = self.int(a, env)?;
                    acc = acc.checked_add(k).ok_or(FlatEvalError::Arith)?;
                }
                Ok(Value::Int(acc))
            }
            Op::Sub => {
                arity(2)?;
                let (a, b) = (self.int(&args[0], env)?, self.int(&args[1], env)?);
                arith(a.checked_sub(b))
            }
            Op::Neg => {
                arity(1)?;
                let a = self.int(&args[0], env)?;
                arith(a.checked_neg())
            }
            Op::Mul => {
                arity(2)?;
                let (a, b) = (self.int(&args[0], env)?, self.int(&args[1], env)?);
                arith(a.checked_mul(b))
            }
            Op::Div | Op::Mod => {
                arity(2)?;
                let (a, b) = (self.int(&args[0], env)?, self.int(&args[1], env)?);
                // SMT-LIB: a = b·(a div b) + (a mod b), 0 ≤ a mod b < |b|.
                arith(if *op == Op::Div { a.checked_div_euclid(b) } else { a.checked_rem_euclid(b) })
            }
            Op::Lt | Op::Le | Op::Gt | Op::Ge => {
                arity(2)?;
                let (a, b) = (self.int(&args[0], env)?, self.int(&args[1], env)?);
                Ok(Value::Bool(match op {
                    Op::Lt => a < b,
                    Op::Le => a <= b,
                    Op::Gt => a > b,
                    _ => a >= b,
                }))
            }
            Op::ProcCount => self.apply(PROC_COUNT, &[]),
            other => Err(FlatEvalError::NotFlat(format!("{other:?}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::*;
    use crate::{Fun, FunTable};
    use std::collections::BTreeMap;

    fn table(f: &Fun, entries: Vec<(Vec<Value>, Value)>, default: Option<Value>) -> (String, FunTable) {
        (f.name.clone(), FunTable { fun: f.clone(), entries: entries.into_iter().collect(), default })
    }

    #[test]
    fn evaluates_quantifiers_arithmetic_and_tables() {
        let x = fun("x", vec![Sort::P], Sort::Int);
        let nf = Fun::constant("n", Sort::Int);
        let m = Model {
            n: 3,
            universes: BTreeMap::new(),
            funs: [
                table(&x, vec![(vec![Value::Proc(0)], Value::Int(-7))], Some(Value::Int(2))),
                table(&nf, vec![(vec![], Value::Int(3))], None),
                table(&Fun::constant("p0", Sort::P), vec![(vec![], Value::Proc(0))], None),
            ]
            .into_iter()
            .collect(),
            vars: BTreeMap::new(),
        };
        let p = var("p", Sort::P);
        let all_pos = forall(vec![p.clone()], gt(x.at(p.t()), int(0)));
        assert_eq!(eval_flat(&all_pos, &m), Ok(Value::Bool(false)));
        let some_neg = exists(vec![p.clone()], lt(x.at(p.t()), int(0)));
        assert_eq!(eval_flat(&some_neg, &m), Ok(Value::Bool(true)));
        // SMT-LIB div/mod: -7 div 2 = -4, -7 mod 2 = 1
        let t = eq(div(x.at(cnst_p()), 2), int(-4));
        assert_eq!(eval_flat(&t, &m), Ok(Value::Bool(true)));
        assert_eq!(eval_flat(&modulo(int(-7), 2), &m), Ok(Value::Int(1)));
        assert_eq!(eval_flat(&add(n(), mul(2, n())), &m), Ok(Value::Int(9)));
        let i = var("i", Sort::Int);
        assert!(matches!(eval_flat(&forall(vec![i.clone()], ge(i.t(), i.t())), &m), Err(FlatEvalError::Unbounded(_))));
        assert!(matches!(eval_flat(&card(cnst("A", Sort::set(Sort::P))), &m), Err(FlatEvalError::NotFlat(_))));
        let q = SmtQuery::new(vec![some_neg, all_pos]);
        assert_eq!(check_model(&q, &m), Ok(false));
    }

    fn cnst_p() -> Term {
        Term::App(Fun::constant("p0", Sort::P), vec![])
    }

    #[test]
    fn missing_symbols_and_entries_are_errors() {
        let m = Model { n: 1, ..Model::default() };
        assert!(matches!(eval_flat(&cnst_p(), &m), Err(FlatEvalError::MissingSymbol(_))));
        assert!(matches!(eval_flat(&n(), &m), Err(FlatEvalError::MissingSymbol(_))));
    }
}
