//! Well-sortedness of terms.
//!
//! Every node is checked: operator arities and argument sorts, linearity of
//! `*` (one side an integer literal), `/` and `mod` by a positive literal,
//! binders (a comprehension binds exactly one variable), consistent use of
//! function symbol names and free variable names. Downstream code (printer,
//! evaluator, reduction) may assume a term that passed [`typecheck`].

use std::collections::BTreeMap;
use std::fmt;

use crate::sort::Sort;
use crate::term::{Binder, Fun, Op, Term, Var};

/// Why a term is not well sorted, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TypeError {
    /// What is wrong.
    pub message: String,
    /// Child indices from the root to the offending node (`[]` is the root).
    pub path: Vec<usize>,
    /// The offending subterm, pretty-printed.
    pub subterm: String,
}

impl fmt::Display for TypeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path: Vec<String> = self.path.iter().map(usize::to_string).collect();
        let at = if path.is_empty() { "root".to_string() } else { format!("root.{}", path.join(".")) };
        write!(f, "{} (at {at}, in `{}`)", self.message, self.subterm)
    }
}

impl std::error::Error for TypeError {}

/// Check that `t` is well sorted (at any sort).
pub fn typecheck(t: &Term) -> Result<(), TypeError> {
    sort_of(t).map(|_| ())
}

/// Check that `t` is a well-sorted formula (sort `Bool`).
pub fn typecheck_formula(t: &Term) -> Result<(), TypeError> {
    match sort_of(t)? {
        Sort::Bool => Ok(()),
        other => Err(TypeError {
            message: format!("expected a formula (sort Bool), found sort {other}"),
            path: Vec::new(),
            subterm: t.to_string(),
        }),
    }
}

/// The sort of `t`, after checking that it is well sorted.
pub fn sort_of(t: &Term) -> Result<Sort, TypeError> {
    let mut checker = Checker::default();
    checker.check(t, &mut Vec::new())
}

/// State shared across the whole term: names must keep one meaning.
#[derive(Default)]
struct Checker {
    funs: BTreeMap<String, Fun>,
    free_vars: BTreeMap<String, Sort>,
    bound: Vec<Var>,
}

fn err<T>(message: String, path: &[usize], t: &Term) -> Result<T, TypeError> {
    Err(TypeError { message, path: path.to_vec(), subterm: t.to_string() })
}

/// Checks a sort for well-formedness: tuples have at least two components.
fn check_sort(s: &Sort) -> Result<(), String> {
    match s {
        Sort::Bool | Sort::Int | Sort::Real | Sort::P => Ok(()),
        Sort::Uninterpreted(name) if name.is_empty() => Err("uninterpreted sort with an empty name".into()),
        Sort::Uninterpreted(_) => Ok(()),
        Sort::Set(e) | Sort::Opt(e) => check_sort(e),
        Sort::Tuple(cs) if cs.len() < 2 => Err(format!("tuple sort {s} needs at least two components")),
        Sort::Tuple(cs) => cs.iter().try_for_each(check_sort),
    }
}

impl Checker {
    fn check(&mut self, t: &Term, path: &mut Vec<usize>) -> Result<Sort, TypeError> {
        match t {
            Term::Bool(_) => Ok(Sort::Bool),
            Term::Int(_) => Ok(Sort::Int),
            Term::Var(v) => self.check_var(v, t, path),
            Term::App(f, args) => self.check_app(f, args, t, path),
            Term::Bind(b, vs, body) => self.check_bind(*b, vs, body, t, path),
            Term::Op(op, args) => {
                let sorts = self.check_children(args, path)?;
                check_op(op, args, &sorts).or_else(|m| err(m, path, t))
            }
        }
    }

    fn check_children(&mut self, args: &[Term], path: &mut Vec<usize>) -> Result<Vec<Sort>, TypeError> {
        let mut sorts = Vec::with_capacity(args.len());
        for (k, a) in args.iter().enumerate() {
            path.push(k);
            let s = self.check(a, path);
            path.pop();
            sorts.push(s?);
        }
        Ok(sorts)
    }

    fn check_var(&mut self, v: &Var, t: &Term, path: &[usize]) -> Result<Sort, TypeError> {
        check_sort(&v.sort).or_else(|m| err(m, path, t))?;
        if let Some(b) = self.bound.iter().rev().find(|b| b.name == v.name) {
            return if b.sort == v.sort {
                Ok(v.sort.clone())
            } else {
                err(format!("variable `{}` is bound with sort {} but used with sort {}", v.name, b.sort, v.sort), path, t)
            };
        }
        match self.free_vars.get(&v.name) {
            Some(s) if *s != v.sort => err(
                format!("free variable `{}` used with two sorts: {} and {}", v.name, s, v.sort),
                path,
                t,
            ),
            _ => {
                self.free_vars.insert(v.name.clone(), v.sort.clone());
                Ok(v.sort.clone())
            }
        }
    }

    fn check_app(&mut self, f: &Fun, args: &[Term], t: &Term, path: &mut Vec<usize>) -> Result<Sort, TypeError> {
        for s in f.args.iter().chain(std::iter::once(&f.ret)) {
            check_sort(s).or_else(|m| err(format!("in the signature of `{}`: {m}", f.name), path, t))?;
        }
        match self.funs.get(&f.name) {
            Some(g) if g != f => {
                return err(
                    format!(
                        "function symbol `{}` used with two signatures: {} and {}",
                        f.name,
                        signature(g),
                        signature(f)
                    ),
                    path,
                    t,
                );
            }
            Some(_) => {}
            None => {
                self.funs.insert(f.name.clone(), f.clone());
            }
        }
        let sorts = self.check_children(args, path)?;
        if sorts.len() != f.args.len() {
            return err(
                format!("`{}` expects {} argument(s), got {}", f.name, f.args.len(), sorts.len()),
                path,
                t,
            );
        }
        for (k, (got, want)) in sorts.iter().zip(&f.args).enumerate() {
            if got != want {
                return err(
                    format!("argument {} of `{}` has sort {got}, expected {want}", k + 1, f.name),
                    path,
                    t,
                );
            }
        }
        Ok(f.ret.clone())
    }

    fn check_bind(
        &mut self,
        b: Binder,
        vs: &[Var],
        body: &Term,
        t: &Term,
        path: &mut Vec<usize>,
    ) -> Result<Sort, TypeError> {
        match b {
            Binder::Comprehension if vs.len() != 1 => {
                return err(format!("a comprehension binds exactly one variable, found {}", vs.len()), path, t);
            }
            Binder::Forall | Binder::Exists if vs.is_empty() => {
                return err("a quantifier must bind at least one variable".into(), path, t);
            }
            _ => {}
        }
        for (k, v) in vs.iter().enumerate() {
            check_sort(&v.sort).or_else(|m| err(m, path, t))?;
            if vs[..k].iter().any(|w| w.name == v.name) {
                return err(format!("variable `{}` bound twice by the same binder", v.name), path, t);
            }
        }
        let depth = self.bound.len();
        self.bound.extend(vs.iter().cloned());
        path.push(0);
        let body_sort = self.check(body, path);
        path.pop();
        self.bound.truncate(depth);
        match body_sort? {
            Sort::Bool => {}
            other => return err(format!("the body of a binder must be a formula, found sort {other}"), path, t),
        }
        Ok(match b {
            Binder::Comprehension => Sort::set(vs[0].sort.clone()),
            Binder::Forall | Binder::Exists => Sort::Bool,
        })
    }
}

/// `f: A × B → C`, for messages.
fn signature(f: &Fun) -> String {
    let args: Vec<String> = f.args.iter().map(Sort::to_string).collect();
    if args.is_empty() { f.ret.to_string() } else { format!("{} -> {}", args.join(", "), f.ret) }
}

fn arity(op: &Op, sorts: &[Sort], want: usize) -> Result<(), String> {
    if sorts.len() == want {
        Ok(())
    } else {
        Err(format!("operator {op:?} expects {want} argument(s), got {}", sorts.len()))
    }
}

fn all_of(op: &Op, sorts: &[Sort], want: &Sort) -> Result<(), String> {
    match sorts.iter().position(|s| s != want) {
        None => Ok(()),
        Some(k) => Err(format!("argument {} of {op:?} has sort {}, expected {want}", k + 1, sorts[k])),
    }
}

/// All operands of one number sort (`Int` or `Real`; a `Real` is never
/// mixed with an `Int` without `ToReal`): that sort.
fn numeric(op: &Op, sorts: &[Sort]) -> Result<Sort, String> {
    let Some(first) = sorts.first() else { return Ok(Sort::Int) };
    if !first.is_numeric() {
        return Err(format!("argument 1 of {op:?} has sort {first}, expected Int or Real"));
    }
    all_of(op, sorts, first)?;
    Ok(first.clone())
}

fn is_positive_literal(t: &Term) -> bool {
    matches!(t, Term::Int(k) if *k > 0)
}

/// The sort of `op(args)` given the (already checked) argument sorts.
fn check_op(op: &Op, args: &[Term], sorts: &[Sort]) -> Result<Sort, String> {
    use Op::*;
    match op {
        Not => {
            arity(op, sorts, 1)?;
            all_of(op, sorts, &Sort::Bool)?;
            Ok(Sort::Bool)
        }
        And | Or => {
            all_of(op, sorts, &Sort::Bool)?;
            Ok(Sort::Bool)
        }
        Implies | Iff => {
            arity(op, sorts, 2)?;
            all_of(op, sorts, &Sort::Bool)?;
            Ok(Sort::Bool)
        }
        Ite => {
            arity(op, sorts, 3)?;
            if sorts[0] != Sort::Bool {
                return Err(format!("the condition of Ite has sort {}, expected Bool", sorts[0]));
            }
            if sorts[1] != sorts[2] {
                return Err(format!("the branches of Ite have different sorts: {} and {}", sorts[1], sorts[2]));
            }
            Ok(sorts[1].clone())
        }
        Eq => {
            arity(op, sorts, 2)?;
            if sorts[0] != sorts[1] {
                return Err(format!("equality between different sorts: {} and {}", sorts[0], sorts[1]));
            }
            Ok(Sort::Bool)
        }
        Add => numeric(op, sorts),
        Sub => {
            arity(op, sorts, 2)?;
            numeric(op, sorts)
        }
        Neg => {
            arity(op, sorts, 1)?;
            numeric(op, sorts)
        }
        Mul => {
            arity(op, sorts, 2)?;
            let other = match (&args[0], &args[1]) {
                (Term::Int(_), _) => 1,
                (_, Term::Int(_)) => 0,
                _ => return Err("non-linear multiplication: one side of * must be an integer literal".into()),
            };
            numeric(op, &sorts[other..=other])
        }
        Div | Mod => {
            arity(op, sorts, 2)?;
            if !is_positive_literal(&args[1]) {
                return Err(format!("{op:?} must be by a positive integer literal"));
            }
            if *op == Mod {
                all_of(op, sorts, &Sort::Int)?;
                return Ok(Sort::Int);
            }
            numeric(op, &sorts[..1])
        }
        ToReal => {
            arity(op, sorts, 1)?;
            all_of(op, sorts, &Sort::Int)?;
            Ok(Sort::Real)
        }
        Lt | Le | Gt | Ge => {
            arity(op, sorts, 2)?;
            numeric(op, sorts)?;
            Ok(Sort::Bool)
        }
        ProcCount => {
            arity(op, sorts, 0)?;
            Ok(Sort::Int)
        }
        Member => {
            arity(op, sorts, 2)?;
            match sorts[1].set_elem() {
                Option::Some(e) if *e == sorts[0] => Ok(Sort::Bool),
                Option::Some(e) => Err(format!("membership of an element of sort {} in a set of {e}", sorts[0])),
                Option::None => Err(format!("membership in a non-set of sort {}", sorts[1])),
            }
        }
        Subset | Union | Inter | Diff => {
            arity(op, sorts, 2)?;
            if sorts[0].set_elem().is_none() {
                return Err(format!("{op:?} of a non-set of sort {}", sorts[0]));
            }
            if sorts[0] != sorts[1] {
                return Err(format!("{op:?} of sets of different sorts: {} and {}", sorts[0], sorts[1]));
            }
            Ok(if *op == Subset { Sort::Bool } else { sorts[0].clone() })
        }
        Card => {
            arity(op, sorts, 1)?;
            match sorts[0].set_elem() {
                Option::Some(_) => Ok(Sort::Int),
                Option::None => Err(format!("cardinality of a non-set of sort {}", sorts[0])),
            }
        }
        Empty(elem) => {
            arity(op, sorts, 0)?;
            check_sort(elem)?;
            Ok(Sort::set(elem.clone()))
        }
        AllProcs => {
            arity(op, sorts, 0)?;
            Ok(Sort::set(Sort::P))
        }
        Singleton => {
            arity(op, sorts, 1)?;
            Ok(Sort::set(sorts[0].clone()))
        }
        Some => {
            arity(op, sorts, 1)?;
            Ok(Sort::opt(sorts[0].clone()))
        }
        None(inner) => {
            arity(op, sorts, 0)?;
            check_sort(inner)?;
            Ok(Sort::opt(inner.clone()))
        }
        IsSome | Get => {
            arity(op, sorts, 1)?;
            match &sorts[0] {
                Sort::Opt(inner) => Ok(if *op == IsSome { Sort::Bool } else { (**inner).clone() }),
                other => Err(format!("{op:?} of a non-option of sort {other}")),
            }
        }
        Tuple => {
            if sorts.len() < 2 {
                return Err(format!("a tuple needs at least two components, got {}", sorts.len()));
            }
            Ok(Sort::Tuple(sorts.to_vec()))
        }
        Proj(k) => {
            arity(op, sorts, 1)?;
            match &sorts[0] {
                Sort::Tuple(cs) if *k < cs.len() => Ok(cs[*k].clone()),
                Sort::Tuple(cs) => Err(format!("projection .{k} of a tuple with {} components", cs.len())),
                other => Err(format!("projection .{k} of a non-tuple of sort {other}")),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::*;

    #[test]
    fn accepts_majority_intersection() {
        let a = cnst("A", Sort::set(Sort::P));
        let w = var("w", Sort::P);
        let f = implies(gt(mul(2, card(a.clone())), n()), exists(vec![w.clone()], member(w.t(), a)));
        assert_eq!(typecheck_formula(&f), Ok(()));
    }

    #[test]
    fn path_points_at_the_offending_node() {
        let x = fun("x", vec![Sort::P], Sort::Int);
        let i = var("i", Sort::P);
        // x(i) ∈ A with A : Set<P> — element sort mismatch, two levels down.
        let bad = forall(vec![i.clone()], and(vec![bool_(true), member(x.at(i.t()), cnst("A", Sort::set(Sort::P)))]));
        let e = typecheck(&bad).unwrap_err();
        assert_eq!(e.path, vec![0, 1]);
        assert!(e.message.contains("membership"), "{e}");
    }
}
