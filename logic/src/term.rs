//! Terms and formulas of CL: one tree, formulas are the `Bool`-sorted terms.
//!
//! Every node knows its sort locally (variables and function symbols carry
//! theirs), so [`Term::sort`] needs no context. Well-sortedness is checked by
//! [`crate::typecheck`]; everything downstream may assume it.

use crate::sort::Sort;

/// A variable: bound by a [`Binder`], or free (then it is a constant of the query).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct Var {
    /// Its name; unique within its scope.
    pub name: String,
    /// Its sort.
    pub sort: Sort,
}

/// An uninterpreted function symbol with its signature; nullary ones are constants.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct Fun {
    /// Its name.
    pub name: String,
    /// Argument sorts.
    pub args: Vec<Sort>,
    /// Result sort.
    pub ret: Sort,
}

/// The three binders of CL.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub enum Binder {
    /// `∀ x̄. φ`
    Forall,
    /// `∃ x̄. φ`
    Exists,
    /// `{ x | φ }`: exactly one bound variable; the term has sort `Set(sort of x)`.
    Comprehension,
}

/// Interpreted operators.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub enum Op {
    // -- propositional --
    /// `¬a`
    Not,
    /// `a₁ ∧ … ∧ aₖ` (k = 0 is true)
    And,
    /// `a₁ ∨ … ∨ aₖ` (k = 0 is false)
    Or,
    /// `a ⇒ b`
    Implies,
    /// `a ⇔ b`
    Iff,
    /// `if c then a else b`, at any sort
    Ite,
    /// `a = b`, at any sort (sets: extensional)
    Eq,
    // -- linear arithmetic over Int or Real (all operands of one sort,
    // except the integer literal of `Mul` and `Div`) --
    /// `a₁ + … + aₖ`
    Add,
    /// `a - b`
    Sub,
    /// `-a`
    Neg,
    /// `a * b`, one side an integer literal (linear); the other side's sort
    Mul,
    /// `a / k` by a positive integer literal: floor division on `Int`,
    /// exact division on `Real`
    Div,
    /// `a mod k`, by a positive literal
    Mod,
    /// `a` (an `Int`) as a `Real`
    ToReal,
    /// `a < b`
    Lt,
    /// `a ≤ b`
    Le,
    /// `a > b`
    Gt,
    /// `a ≥ b`
    Ge,
    /// `n`, the number of processes: the size of the universe of `P`
    ProcCount,
    // -- finite sets --
    /// `e ∈ S`
    Member,
    /// `S ⊆ T`
    Subset,
    /// `S ∪ T`
    Union,
    /// `S ∩ T`
    Inter,
    /// `S ∖ T`
    Diff,
    /// `|S|`
    Card,
    /// `∅` of `Set(elem)`
    Empty(Sort),
    /// the set of all processes, `Set(P)`
    AllProcs,
    /// `{a}`
    Singleton,
    // -- options --
    /// `Some(a)`
    Some,
    /// `None` of `Opt(inner)`
    None(Sort),
    /// `a.is_some()`
    IsSome,
    /// `a.get()`: the content of `Some`; unspecified on `None`
    Get,
    // -- tuples --
    /// `(a₁, …, aₖ)`
    Tuple,
    /// `t.k` (0-based)
    Proj(usize),
}

/// A term; formulas are the terms of sort `Bool`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub enum Term {
    /// A variable (bound, or a free constant).
    Var(Var),
    /// A boolean literal.
    Bool(bool),
    /// An integer literal.
    Int(i64),
    /// Application of an uninterpreted function symbol.
    App(Fun, Vec<Term>),
    /// Application of an interpreted operator.
    Op(Op, Vec<Term>),
    /// A binder with its bound variables and body.
    Bind(Binder, Vec<Var>, Box<Term>),
}

impl Var {
    /// A variable of the given name and sort.
    pub fn new(name: impl Into<String>, sort: Sort) -> Var {
        Var { name: name.into(), sort }
    }
    /// This variable as a term.
    pub fn t(&self) -> Term {
        Term::Var(self.clone())
    }
}

impl Fun {
    /// A function symbol with the given signature.
    pub fn new(name: impl Into<String>, args: Vec<Sort>, ret: Sort) -> Fun {
        Fun { name: name.into(), args, ret }
    }
    /// A constant (nullary function symbol).
    pub fn constant(name: impl Into<String>, sort: Sort) -> Fun {
        Fun::new(name, Vec::new(), sort)
    }
    /// Apply this symbol.
    pub fn app(&self, args: Vec<Term>) -> Term {
        Term::App(self.clone(), args)
    }
    /// Apply this symbol to one argument.
    pub fn at(&self, arg: Term) -> Term {
        Term::App(self.clone(), vec![arg])
    }
}

impl Term {
    /// The sort of this term, assuming it is well sorted.
    pub fn sort(&self) -> Sort {
        match self {
            Term::Var(v) => v.sort.clone(),
            Term::Bool(_) => Sort::Bool,
            Term::Int(_) => Sort::Int,
            Term::App(f, _) => f.ret.clone(),
            Term::Bind(Binder::Comprehension, vs, _) => Sort::set(vs[0].sort.clone()),
            Term::Bind(_, _, _) => Sort::Bool,
            Term::Op(op, args) => match op {
                Op::Not | Op::And | Op::Or | Op::Implies | Op::Iff | Op::Eq => Sort::Bool,
                Op::Lt | Op::Le | Op::Gt | Op::Ge | Op::Member | Op::Subset | Op::IsSome => Sort::Bool,
                Op::Mod | Op::ProcCount | Op::Card => Sort::Int,
                Op::ToReal => Sort::Real,
                Op::Add | Op::Sub | Op::Neg | Op::Div => args.first().map_or(Sort::Int, Term::sort),
                Op::Mul => match args.as_slice() {
                    [Term::Int(_), b] => b.sort(),
                    [a, _] => a.sort(),
                    _ => Sort::Int,
                },
                Op::Ite => args[1].sort(),
                Op::Union | Op::Inter | Op::Diff => args[0].sort(),
                Op::Empty(elem) => Sort::set(elem.clone()),
                Op::AllProcs => Sort::set(Sort::P),
                Op::Singleton => Sort::set(args[0].sort()),
                Op::Some => Sort::opt(args[0].sort()),
                Op::None(inner) => Sort::opt(inner.clone()),
                Op::Get => match args[0].sort() {
                    Sort::Opt(inner) => *inner,
                    other => other,
                },
                Op::Tuple => Sort::Tuple(args.iter().map(Term::sort).collect()),
                Op::Proj(k) => match args[0].sort() {
                    Sort::Tuple(mut cs) if *k < cs.len() => cs.swap_remove(*k),
                    other => other,
                },
            },
        }
    }

    /// The immediate subterms.
    pub fn children(&self) -> &[Term] {
        match self {
            Term::App(_, args) | Term::Op(_, args) => args,
            Term::Bind(_, _, body) => std::slice::from_ref(body),
            _ => &[],
        }
    }

    /// Visit every subterm, pre-order (binders' bodies included).
    pub fn visit(&self, f: &mut impl FnMut(&Term)) {
        f(self);
        for c in self.children() {
            c.visit(f);
        }
    }

    /// Rebuild bottom-up: `f` is applied to every node after its children.
    pub fn map_bottom_up(&self, f: &mut impl FnMut(Term) -> Term) -> Term {
        let rebuilt = match self {
            Term::App(g, args) => Term::App(g.clone(), args.iter().map(|a| a.map_bottom_up(f)).collect()),
            Term::Op(op, args) => Term::Op(op.clone(), args.iter().map(|a| a.map_bottom_up(f)).collect()),
            Term::Bind(b, vs, body) => Term::Bind(*b, vs.clone(), Box::new(body.map_bottom_up(f))),
            leaf => leaf.clone(),
        };
        f(rebuilt)
    }

    /// Free variables, in order of first occurrence, without duplicates.
    pub fn free_vars(&self) -> Vec<Var> {
        fn go(t: &Term, bound: &mut Vec<Var>, out: &mut Vec<Var>) {
            match t {
                Term::Var(v) => {
                    if !bound.contains(v) && !out.contains(v) {
                        out.push(v.clone());
                    }
                }
                Term::Bind(_, vs, body) => {
                    let k = bound.len();
                    bound.extend(vs.iter().cloned());
                    go(body, bound, out);
                    bound.truncate(k);
                }
                _ => {
                    for c in t.children() {
                        go(c, bound, out);
                    }
                }
            }
        }
        let mut out = Vec::new();
        go(self, &mut Vec::new(), &mut out);
        out
    }

    /// Capture-avoiding substitution of free variables.
    ///
    /// Bound variables that would capture a free variable of a replacement
    /// are renamed with a fresh suffix.
    pub fn subst(&self, map: &[(Var, Term)]) -> Term {
        if map.is_empty() {
            return self.clone();
        }
        match self {
            Term::Var(v) => map.iter().find(|(w, _)| w == v).map(|(_, t)| t.clone()).unwrap_or_else(|| self.clone()),
            Term::App(g, args) => Term::App(g.clone(), args.iter().map(|a| a.subst(map)).collect()),
            Term::Op(op, args) => Term::Op(op.clone(), args.iter().map(|a| a.subst(map)).collect()),
            Term::Bind(b, vs, body) => {
                let inner: Vec<(Var, Term)> = map.iter().filter(|(w, _)| !vs.contains(w)).cloned().collect();
                let captured: Vec<Var> = inner.iter().flat_map(|(_, t)| t.free_vars()).collect();
                let mut taken: Vec<String> = captured.iter().map(|v| v.name.clone()).collect();
                taken.extend(body.free_vars().into_iter().map(|v| v.name));
                taken.extend(vs.iter().map(|v| v.name.clone()));
                let mut renaming = Vec::new();
                let mut new_vs = Vec::with_capacity(vs.len());
                for v in vs {
                    if captured.contains(v) {
                        let name = fresh_name(&v.name, &taken);
                        taken.push(name.clone());
                        let fresh = Var::new(name, v.sort.clone());
                        renaming.push((v.clone(), fresh.t()));
                        new_vs.push(fresh);
                    } else {
                        new_vs.push(v.clone());
                    }
                }
                let body = if renaming.is_empty() { (**body).clone() } else { body.subst(&renaming) };
                Term::Bind(*b, new_vs, Box::new(body.subst(&inner)))
            }
            leaf => leaf.clone(),
        }
    }

    /// Uninterpreted function symbols occurring in this term, without duplicates.
    pub fn funs(&self) -> Vec<Fun> {
        let mut out: Vec<Fun> = Vec::new();
        self.visit(&mut |t| {
            if let Term::App(f, _) = t
                && !out.contains(f)
            {
                out.push(f.clone());
            }
        });
        out
    }

    /// Number of nodes.
    pub fn size(&self) -> usize {
        let mut k = 0;
        self.visit(&mut |_| k += 1);
        k
    }
}

/// The first of `base_1`, `base_2`, … that is not in `taken` (deterministic,
/// so printed and reduced forms are stable across runs).
pub fn fresh_name(base: &str, taken: &[String]) -> String {
    (1..)
        .map(|k| format!("{base}_{k}"))
        .find(|cand| !taken.iter().any(|t| t == cand))
        .expect("an unbounded range always has a fresh name")
}
