//! Compilation of a term into the evaluator's tree: symbols resolved to
//! indices, bound variables to environment slots, sorts to indices into one
//! sort table, and literals to internal values. A term is compiled once and
//! evaluated in many models (the oracle evaluates it thousands of times).

use super::value::{default_of, is_mask_elem, V};
use super::EvalError;
use crate::sort::Sort;
use crate::term::{Binder, Fun, Op, Term, Var};

/// An interpreted operation (the nodes' operators, with what they need precomputed).
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Prim {
    Not,
    And,
    Or,
    Implies,
    Iff,
    Ite,
    Eq,
    Add,
    Sub,
    Neg,
    Mul,
    Div,
    Mod,
    ToReal,
    Lt,
    Le,
    Gt,
    Ge,
    Member,
    Subset,
    Union,
    Inter,
    Diff,
    Card,
    /// `{a}`; `true` when the set is a mask set.
    Singleton(bool),
    Some,
    IsSome,
    /// `get`, with the value it gives on `None`.
    Get(V),
    Tuple,
    Proj(usize),
}

/// A compiled term.
#[derive(Clone, Debug)]
pub(crate) enum Node {
    /// A bound variable's slot in the environment.
    Slot(usize),
    /// A symbol (function, constant or free variable) applied to arguments.
    Sym(usize, Vec<Node>),
    Lit(V),
    ProcCount,
    AllProcs,
    Op(Prim, Vec<Node>),
    /// `∀`/`∃` over one variable; `dom` indexes [`Program::sorts`].
    Quant { forall: bool, slot: usize, dom: usize, body: Box<Node> },
    /// `{x | φ}`; `mask` when the result is a mask set.
    Compr { slot: usize, dom: usize, mask: bool, body: Box<Node> },
}

/// A symbol the term uses: a function symbol, or a free variable.
#[derive(Clone, Debug)]
pub(crate) struct Sym {
    /// The function symbol (for a free variable: a constant of its sort).
    pub fun: Fun,
    /// Whether this is a free variable rather than a function symbol.
    pub is_var: bool,
    /// Argument sorts, as indices into [`Program::sorts`].
    pub args: Vec<usize>,
    /// Result sort, as an index into [`Program::sorts`].
    pub ret: usize,
}

/// A compiled term with its tables of symbols and sorts.
#[derive(Clone, Debug)]
pub(crate) struct Program {
    pub root: Node,
    pub syms: Vec<Sym>,
    pub sorts: Vec<Sort>,
    /// Sorts quantified over or comprehended (their domains are enumerated).
    pub quantified: Vec<usize>,
    /// Number of environment slots.
    pub slots: usize,
    /// Every integer literal of the term.
    pub literals: Vec<i64>,
}

/// Compile a well-sorted term.
pub(crate) fn compile(t: &Term) -> Result<Program, EvalError> {
    let mut c = Compiler {
        prog: Program {
            root: Node::Lit(V::Unknown),
            syms: Vec::new(),
            sorts: Vec::new(),
            quantified: Vec::new(),
            slots: 0,
            literals: Vec::new(),
        },
        scope: Vec::new(),
    };
    let root = c.node(t)?;
    c.prog.root = root;
    c.prog.literals.sort_unstable();
    c.prog.literals.dedup();
    Ok(c.prog)
}

struct Compiler {
    prog: Program,
    scope: Vec<(Var, usize)>,
}

impl Program {
    /// The index of `sort` in the sort table, adding it if needed.
    pub(crate) fn sort_id(&mut self, sort: &Sort) -> usize {
        match self.sorts.iter().position(|s| s == sort) {
            Some(k) => k,
            None => {
                self.sorts.push(sort.clone());
                self.sorts.len() - 1
            }
        }
    }
}

impl Compiler {
    fn sym(&mut self, fun: &Fun, is_var: bool) -> Result<usize, EvalError> {
        if let Some(k) = self.prog.syms.iter().position(|s| s.fun.name == fun.name && s.is_var == is_var) {
            if self.prog.syms[k].fun != *fun {
                return Err(EvalError::IllSorted(format!("symbol `{}` used with two signatures", fun.name)));
            }
            return Ok(k);
        }
        let args = fun.args.iter().map(|s| self.prog.sort_id(s)).collect();
        let ret = self.prog.sort_id(&fun.ret);
        self.prog.syms.push(Sym { fun: fun.clone(), is_var, args, ret });
        Ok(self.prog.syms.len() - 1)
    }

    fn node(&mut self, t: &Term) -> Result<Node, EvalError> {
        Ok(match t {
            Term::Bool(b) => Node::Lit(V::B(*b)),
            Term::Int(k) => {
                self.prog.literals.push(*k);
                Node::Lit(V::I(*k))
            }
            Term::Var(v) => match self.scope.iter().rev().find(|(w, _)| w == v) {
                Some((_, slot)) => Node::Slot(*slot),
                None => Node::Sym(self.sym(&Fun::constant(v.name.clone(), v.sort.clone()), true)?, Vec::new()),
            },
            Term::App(f, args) => {
                let s = self.sym(f, false)?;
                Node::Sym(s, self.nodes(args)?)
            }
            Term::Bind(b, vs, body) => self.binder(*b, vs, body)?,
            Term::Op(op, args) => self.op(op, args, t)?,
        })
    }

    fn nodes(&mut self, ts: &[Term]) -> Result<Vec<Node>, EvalError> {
        ts.iter().map(|a| self.node(a)).collect()
    }

    fn binder(&mut self, b: Binder, vs: &[Var], body: &Term) -> Result<Node, EvalError> {
        let depth = self.scope.len();
        let mut slots = Vec::with_capacity(vs.len());
        for v in vs {
            let slot = self.prog.slots;
            self.prog.slots += 1;
            self.scope.push((v.clone(), slot));
            let dom = self.prog.sort_id(&v.sort);
            if !self.prog.quantified.contains(&dom) {
                self.prog.quantified.push(dom);
            }
            slots.push((slot, dom));
        }
        let body = self.node(body);
        self.scope.truncate(depth);
        let mut node = body?;
        // ∀x y. φ is evaluated as ∀x. ∀y. φ.
        for (slot, dom) in slots.into_iter().rev() {
            node = match b {
                Binder::Comprehension => {
                    let mask = is_mask_elem(&vs[0].sort);
                    Node::Compr { slot, dom, mask, body: Box::new(node) }
                }
                _ => Node::Quant { forall: b == Binder::Forall, slot, dom, body: Box::new(node) },
            };
        }
        Ok(node)
    }

    fn op(&mut self, op: &Op, args: &[Term], t: &Term) -> Result<Node, EvalError> {
        let prim = match op {
            Op::ProcCount => return Ok(Node::ProcCount),
            Op::AllProcs => return Ok(Node::AllProcs),
            Op::Empty(elem) => {
                return Ok(Node::Lit(if is_mask_elem(elem) { V::Mask(0) } else { V::List(Vec::new()) }));
            }
            Op::None(_) => return Ok(Node::Lit(V::O(None))),
            Op::Not => Prim::Not,
            Op::And => Prim::And,
            Op::Or => Prim::Or,
            Op::Implies => Prim::Implies,
            Op::Iff => Prim::Iff,
            Op::Ite => Prim::Ite,
            Op::Eq => Prim::Eq,
            Op::Add => Prim::Add,
            Op::Sub => Prim::Sub,
            Op::Neg => Prim::Neg,
            Op::Mul => Prim::Mul,
            Op::Div => Prim::Div,
            Op::Mod => Prim::Mod,
            Op::ToReal => Prim::ToReal,
            Op::Lt => Prim::Lt,
            Op::Le => Prim::Le,
            Op::Gt => Prim::Gt,
            Op::Ge => Prim::Ge,
            Op::Member => Prim::Member,
            Op::Subset => Prim::Subset,
            Op::Union => Prim::Union,
            Op::Inter => Prim::Inter,
            Op::Diff => Prim::Diff,
            Op::Card => Prim::Card,
            Op::Singleton => Prim::Singleton(args.first().is_some_and(|a| is_mask_elem(&a.sort()))),
            Op::Some => Prim::Some,
            Op::IsSome => Prim::IsSome,
            Op::Get => Prim::Get(default_of(&t.sort())),
            Op::Tuple => Prim::Tuple,
            Op::Proj(k) => Prim::Proj(*k),
        };
        Ok(Node::Op(prim, self.nodes(args)?))
    }
}
