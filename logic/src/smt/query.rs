//! Flat queries and the fragment check that collects their signature.

use std::collections::BTreeMap;

use crate::smt::SmtError;
use crate::smt::symbols::{check_user_symbol, sort_symbol};
use crate::{Binder, Fun, Op, Sort, Term, Var};

/// A flat first-order query: the conjunction of its assertions.
///
/// See [`crate::smt`] for the fragment; [`SmtQuery::signature`] checks it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SmtQuery {
    /// Formulas (terms of sort `Bool`), all asserted.
    pub assertions: Vec<Term>,
}

/// The symbols a flat query uses.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Signature {
    /// The uninterpreted SMT sorts (every sort but `Bool` and `Int`), ordered
    /// by SMT name (the mangled name, escaped if it is not a simple symbol).
    pub sorts: Vec<Sort>,
    /// The function symbols, ordered by name; `n` (`ProcCount`) appears as
    /// the constant `n : Int` when used.
    pub funs: Vec<Fun>,
}

/// The name of the SMT constant standing for [`Op::ProcCount`].
pub(crate) const PROC_COUNT: &str = "n";

/// Is this sort an uninterpreted SMT sort (anything but `Bool`/`Int`/`Real`)?
pub(crate) fn is_uninterpreted(sort: &Sort) -> bool {
    !matches!(sort, Sort::Bool | Sort::Int | Sort::Real)
}

impl SmtQuery {
    /// A query asserting all of `assertions`.
    pub fn new(assertions: Vec<Term>) -> SmtQuery {
        SmtQuery { assertions }
    }

    /// Check that every assertion is a well-sorted flat formula without free
    /// variables, and collect the sorts and function symbols used.
    pub fn signature(&self) -> Result<Signature, SmtError> {
        let mut c = Collector::default();
        for a in &self.assertions {
            let s = c.term(a, &mut Vec::new())?;
            if s != Sort::Bool {
                return Err(SmtError::IllSorted(format!("an assertion has sort {s}, not Bool")));
            }
        }
        Ok(Signature { sorts: c.sorts.into_values().collect(), funs: c.funs.into_values().collect() })
    }
}

impl Signature {
    /// The function symbol with this name.
    pub fn fun(&self, name: &str) -> Option<&Fun> {
        self.funs.iter().find(|f| f.name == name)
    }
    /// Whether the sort `P` is used.
    pub fn uses_proc_sort(&self) -> bool {
        self.sorts.contains(&Sort::P)
    }
}

fn show_fun(f: &Fun) -> String {
    let args: Vec<String> = f.args.iter().map(|s| s.to_string()).collect();
    format!("({}) -> {}", args.join(", "), f.ret)
}

#[derive(Default)]
struct Collector {
    sorts: BTreeMap<String, Sort>,
    funs: BTreeMap<String, Fun>,
}

impl Collector {
    fn sort(&mut self, s: &Sort) -> Result<(), SmtError> {
        if !is_uninterpreted(s) {
            return Ok(());
        }
        let m = sort_symbol(s);
        match self.sorts.get(&m) {
            Some(old) if old != s => Err(SmtError::SortClash {
                mangled: m,
                first: old.to_string(),
                second: s.to_string(),
            }),
            Some(_) => Ok(()),
            None => {
                self.sorts.insert(m, s.clone());
                Ok(())
            }
        }
    }

    fn fun(&mut self, f: &Fun) -> Result<(), SmtError> {
        match self.funs.get(&f.name) {
            Some(old) if old != f => Err(SmtError::SignatureClash {
                name: f.name.clone(),
                first: show_fun(old),
                second: show_fun(f),
            }),
            Some(_) => Ok(()),
            None => {
                check_user_symbol(&f.name)?;
                for s in f.args.iter().chain(std::iter::once(&f.ret)) {
                    self.sort(s)?;
                }
                self.funs.insert(f.name.clone(), f.clone());
                Ok(())
            }
        }
    }

    fn expect(&mut self, t: &Term, want: &Sort, env: &mut Vec<Var>, ctx: &str) -> Result<(), SmtError> {
        let got = self.term(t, env)?;
        if &got == want {
            Ok(())
        } else {
            Err(SmtError::IllSorted(format!("{ctx}: argument of sort {got}, expected {want}")))
        }
    }

    fn term(&mut self, t: &Term, env: &mut Vec<Var>) -> Result<Sort, SmtError> {
        match t {
            Term::Var(v) => {
                if env.contains(v) {
                    Ok(v.sort.clone())
                } else {
                    Err(SmtError::FreeVar(v.name.clone()))
                }
            }
            Term::Bool(_) => Ok(Sort::Bool),
            Term::Int(_) => Ok(Sort::Int),
            Term::App(f, args) => {
                self.fun(f)?;
                if args.len() != f.args.len() {
                    return Err(SmtError::IllSorted(format!(
                        "`{}` takes {} arguments, given {}",
                        f.name,
                        f.args.len(),
                        args.len()
                    )));
                }
                for (a, s) in args.iter().zip(&f.args) {
                    self.expect(a, s, env, &format!("application of `{}`", f.name))?;
                }
                Ok(f.ret.clone())
            }
            Term::Bind(Binder::Comprehension, _, _) => {
                Err(SmtError::NotFlat("comprehension { x | … }".into()))
            }
            Term::Bind(b, vs, body) => {
                for v in vs {
                    check_user_symbol(&v.name)?;
                    self.sort(&v.sort)?;
                }
                let k = env.len();
                env.extend(vs.iter().cloned());
                let r = self.expect(body, &Sort::Bool, env, &format!("body of {b:?}"));
                env.truncate(k);
                r.map(|()| Sort::Bool)
            }
            Term::Op(op, args) => self.op(op, args, env),
        }
    }

    fn arity(op: &Op, args: &[Term], ok: bool) -> Result<(), SmtError> {
        if ok {
            Ok(())
        } else {
            Err(SmtError::IllSorted(format!("{op:?} applied to {} arguments", args.len())))
        }
    }

    fn op(&mut self, op: &Op, args: &[Term], env: &mut Vec<Var>) -> Result<Sort, SmtError> {
        let name = format!("{op:?}");
        match op {
            Op::Not | Op::And | Op::Or | Op::Implies | Op::Iff => {
                let n = args.len();
                let ok = match op {
                    Op::Not => n == 1,
                    Op::Implies | Op::Iff => n == 2,
                    _ => true,
                };
                Self::arity(op, args, ok)?;
                for a in args {
                    self.expect(a, &Sort::Bool, env, &name)?;
                }
                Ok(Sort::Bool)
            }
            Op::Ite => {
                Self::arity(op, args, args.len() == 3)?;
                self.expect(&args[0], &Sort::Bool, env, "Ite condition")?;
                let s = self.term(&args[1], env)?;
                self.expect(&args[2], &s, env, "Ite branches")?;
                Ok(s)
            }
            Op::Eq => {
                Self::arity(op, args, args.len() >= 2)?;
                let s = self.term(&args[0], env)?;
                for a in &args[1..] {
                    self.expect(a, &s, env, "Eq")?;
                }
                Ok(Sort::Bool)
            }
            Op::Add | Op::Sub | Op::Neg | Op::Mul | Op::Div | Op::Mod => {
                let n = args.len();
                let ok = match op {
                    Op::Add => true,
                    Op::Neg => n == 1,
                    _ => n == 2,
                };
                Self::arity(op, args, ok)?;
                match op {
                    Op::Mul if !args.iter().any(|a| matches!(a, Term::Int(_))) => {
                        return Err(SmtError::NotFlat("Mul without an integer literal side (non-linear)".into()));
                    }
                    Op::Div | Op::Mod if !matches!(args[1], Term::Int(k) if k > 0) => {
                        return Err(SmtError::NotFlat(format!("{name} by something else than a positive literal")));
                    }
                    _ => {}
                }
                // The sort of the operation: Int or Real, from the operand
                // that is not the literal factor or divisor.
                let lead = match (op, args) {
                    (Op::Mul, [Term::Int(_), b]) => b,
                    _ => &args[0],
                };
                let s = self.term(lead, env)?;
                if !s.is_numeric() || (s == Sort::Real && *op == Op::Mod) {
                    return Err(SmtError::IllSorted(format!("{name} on {s}")));
                }
                for (k, a) in args.iter().enumerate() {
                    let literal = matches!(op, Op::Mul | Op::Div) && matches!(a, Term::Int(_)) && (k == 1 || *op == Op::Mul);
                    self.expect(a, if literal { &Sort::Int } else { &s }, env, &name)?;
                }
                Ok(s)
            }
            Op::ToReal => {
                Self::arity(op, args, args.len() == 1)?;
                self.expect(&args[0], &Sort::Int, env, &name)?;
                Ok(Sort::Real)
            }
            Op::Lt | Op::Le | Op::Gt | Op::Ge => {
                Self::arity(op, args, args.len() == 2)?;
                let s = self.term(&args[0], env)?;
                if !s.is_numeric() {
                    return Err(SmtError::IllSorted(format!("{name} on {s}")));
                }
                self.expect(&args[1], &s, env, &name)?;
                Ok(Sort::Bool)
            }
            Op::ProcCount => {
                Self::arity(op, args, args.is_empty())?;
                self.fun(&Fun::constant(PROC_COUNT, Sort::Int))?;
                Ok(Sort::Int)
            }
            _ => Err(SmtError::NotFlat(name)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::*;

    #[test]
    fn signature_is_collected_and_sorted() {
        let x = fun("x", vec![Sort::P], Sort::Int);
        let a = cnst("A", Sort::set(Sort::P));
        let inn = fun("in", vec![Sort::P, Sort::set(Sort::P)], Sort::Bool);
        let p = var("p", Sort::P);
        let q = SmtQuery::new(vec![forall(
            vec![p.clone()],
            implies(inn.app(vec![p.t(), a]), gt(x.at(p.t()), n())),
        )]);
        let sig = q.signature().unwrap();
        assert_eq!(sig.sorts, vec![Sort::P, Sort::set(Sort::P)]);
        let names: Vec<&str> = sig.funs.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, vec!["A", "in", "n", "x"]);
        assert!(sig.uses_proc_sort());
    }

    #[test]
    fn non_flat_operators_are_rejected_by_name() {
        let a = cnst("A", Sort::set(Sort::P));
        let q = SmtQuery::new(vec![gt(card(a), int(0))]);
        let e = q.signature().unwrap_err();
        assert!(matches!(&e, SmtError::NotFlat(op) if op == "Card"), "{e}");
        assert!(e.to_string().contains("reduce first"));
        let w = var("w", Sort::P);
        let q = SmtQuery::new(vec![eq(compr(w.clone(), bool_(true)), all_procs())]);
        assert!(matches!(q.signature(), Err(SmtError::NotFlat(_))));
    }

    #[test]
    fn free_vars_clashes_and_ill_sorted_terms_are_errors() {
        let v = var("v", Sort::Int);
        assert_eq!(SmtQuery::new(vec![gt(v.t(), int(0))]).signature(), Err(SmtError::FreeVar("v".into())));
        let f1 = cnst("f", Sort::Int);
        let f2 = fun("f", vec![Sort::P], Sort::Int);
        let p = var("p", Sort::P);
        let q = SmtQuery::new(vec![forall(vec![p.clone()], eq(f1, f2.at(p.t())))]);
        assert!(matches!(q.signature(), Err(SmtError::SignatureClash { .. })));
        let q = SmtQuery::new(vec![add(bool_(true), int(1))]);
        assert!(matches!(q.signature(), Err(SmtError::IllSorted(_))));
        let q = SmtQuery::new(vec![eq(div(cnst("c", Sort::Int), 0), int(1))]);
        assert!(matches!(q.signature(), Err(SmtError::NotFlat(_))));
        let q = SmtQuery::new(vec![eq(cnst("c", Sort::Int), cnst("d", Sort::Bool))]);
        assert!(matches!(q.signature(), Err(SmtError::IllSorted(_))));
        let clash = SmtQuery::new(vec![eq(
            cnst("a", Sort::Uninterpreted("x".into())),
            cnst("a2", Sort::Uninterpreted("x".into())),
        )]);
        assert!(clash.signature().is_ok());
        let q = SmtQuery::new(vec![eq(cnst("a|b", Sort::Int), int(1))]);
        assert!(matches!(q.signature(), Err(SmtError::BadSymbol(..))));
        // a reserved word is a name like any other here; the printer aliases it
        let q = SmtQuery::new(vec![eq(cnst("and", Sort::Int), int(1))]);
        assert!(q.signature().is_ok());
    }
}
