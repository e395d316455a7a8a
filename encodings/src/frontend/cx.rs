//! The translation context: what names mean, which constructs are allowed
//! where, and the bookkeeping shared by all translation steps.

use std::collections::HashSet;
use std::rc::Rc;

use proc_macro2::Span;
use psync_logic::{Sort, Term, Var};

use crate::ir::{Field, Helper, Param, Stmt};

use super::error::{FeResult, err, err_help};

/// Where code is being translated; decides what is in scope and allowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// A spec predicate over a `World`.
    Spec {
        /// `w.ho(p)` allowed (liveness and safety predicates).
        allow_ho: bool,
        /// `w.old(i)` allowed (properties).
        allow_old: bool,
    },
    /// A round's `send`.
    Send,
    /// A round's `update`.
    Update,
    /// `Process::init`.
    Init,
    /// A helper contract: parameters only.
    Pure,
}

/// What a state reference denotes.
#[derive(Clone, Debug)]
pub enum StateRef {
    /// The current state of process `t` (spec: pre-state; send: the sender).
    Pre(Term),
    /// The initial state of process `t`.
    Init(Term),
    /// The state of process `t` one round ago.
    Old(Term),
    /// The executing process during `update`: current SSA values.
    SelfCur,
}

/// A closure value, applied by inlining.
#[derive(Clone, Debug)]
pub struct Closure {
    /// Parameter patterns.
    pub params: Vec<syn::Pat>,
    /// Body.
    pub body: syn::Expr,
    /// Captured bindings.
    pub scope: Vec<Binding>,
}

/// The value of a translated expression.
#[derive(Clone, Debug)]
pub enum Val {
    /// A logic term.
    T(Term),
    /// `None` whose sort is not known yet.
    NoneLit,
    /// A process state.
    State(StateRef),
    /// The `World` of a spec predicate.
    World,
    /// The round context `cx`.
    Ctx,
    /// The mailbox of the executing process.
    Mailbox,
    /// The IO of `init`.
    Io,
    /// A closure.
    Closure(Rc<Closure>),
}

/// A name in scope.
#[derive(Clone, Debug)]
pub struct Binding {
    /// The name.
    pub name: String,
    /// What it denotes.
    pub val: Val,
    /// Whether its value depends on a ghost field.
    pub ghost: bool,
}

/// The round whose `update` is translated: how its mailbox is built.
#[derive(Clone, Debug)]
pub struct RoundCtx {
    /// Index of the round in the phase.
    pub index: usize,
    /// Payload sort.
    pub msg: Sort,
    /// `sends_to` over sender and destination.
    pub sends_to: Term,
    /// Payload over the sender.
    pub payload: Term,
    /// With value faults, the altered payloads of the round (one function
    /// `P × P → T` per payload component); empty without.
    pub altered: Vec<psync_logic::Fun>,
}

/// The translation context.
pub struct Cx<'a> {
    /// State fields.
    pub fields: &'a [Field],
    /// Helpers with contracts.
    pub helpers: &'a [Helper],
    /// Rounds per phase.
    pub phase_len: usize,
    /// The declared parameters (none in helper contracts).
    pub params: &'a [Param],
    /// What is being translated.
    pub mode: Mode,
    /// The round (send/update only).
    pub round: Option<RoundCtx>,
    /// The value sort of `Consensus<V>` (init only).
    pub io: Option<Sort>,
    /// Names in scope, innermost last.
    pub scope: Vec<Binding>,
    /// Statements produced by expressions (chosen values, checks), flushed by the statement translator.
    pub pending: Vec<Stmt>,
    /// Whether a ghost field was read since the flag was last cleared.
    pub ghost_read: bool,
    /// Inside a branch guarded by a ghost condition.
    pub ghost_ctx: bool,
    /// Whether `w.old` was used.
    pub used_old: bool,
    /// Whether the algorithm declares value faults (`w.aho`, `w.sho` allowed).
    pub value_faults: bool,
    names: HashSet<String>,
    counter: usize,
}

impl<'a> Cx<'a> {
    /// A fresh context.
    pub fn new(fields: &'a [Field], helpers: &'a [Helper], phase_len: usize, mode: Mode) -> Cx<'a> {
        Cx {
            fields,
            helpers,
            phase_len,
            params: &[],
            mode,
            round: None,
            io: None,
            scope: Vec::new(),
            pending: Vec::new(),
            ghost_read: false,
            ghost_ctx: false,
            used_old: false,
            value_faults: false,
            names: HashSet::new(),
            counter: 0,
        }
    }

    /// This context with the algorithm's parameters in scope.
    pub fn with_params(mut self, params: &'a [Param]) -> Cx<'a> {
        self.params = params;
        self
    }

    /// Bind `name` to `val`.
    pub fn bind(&mut self, name: &str, val: Val) {
        let ghost = self.ghost_read;
        self.scope.push(Binding { name: name.to_string(), val, ghost });
    }

    /// Look a name up.
    pub fn lookup(&mut self, name: &str) -> Option<Val> {
        let b = self.scope.iter().rev().find(|b| b.name == name)?.clone();
        if b.ghost {
            self.ghost_read = true;
        }
        Some(b.val)
    }

    /// A bound variable named after `base`, unique in this context.
    pub fn fresh_var(&mut self, base: &str, sort: Sort) -> Var {
        let mut name = base.to_string();
        while !self.names.insert(name.clone()) {
            self.counter += 1;
            name = format!("{base}_{}", self.counter);
        }
        Var::new(name, sort)
    }

    /// A fresh symbol name with the given prefix.
    pub fn fresh_name(&mut self, base: &str) -> String {
        self.fresh_var(base, Sort::Bool).name
    }

    /// The field called `name`.
    pub fn field(&self, span: Span, name: &str) -> FeResult<&'a Field> {
        match self.fields.iter().find(|f| f.name == name) {
            Some(f) => Ok(f),
            None => {
                let known: Vec<&str> = self.fields.iter().map(|f| f.name.as_str()).collect();
                err_help(span, format!("unknown field `{name}`"), "no such state field", format!("the state has: {}", known.join(", ")))
            }
        }
    }

    /// Run `f` with `bindings` pushed, then pop them.
    pub fn scoped<T>(&mut self, bindings: Vec<Binding>, f: impl FnOnce(&mut Self) -> FeResult<T>) -> FeResult<T> {
        let depth = self.scope.len();
        self.scope.extend(bindings);
        let out = f(self);
        self.scope.truncate(depth);
        out
    }

    /// An error unless `ok`.
    pub fn require(&self, ok: bool, span: Span, what: &str, help: &str) -> FeResult<()> {
        if ok { Ok(()) } else { err_help(span, format!("{what} is not allowed here"), "not allowed here", help) }
    }

    /// Error for a value of the wrong kind.
    pub fn expected<T>(&self, span: Span, what: &str) -> FeResult<T> {
        err(span, format!("expected {what}"), format!("this is not {what}"))
    }
}
