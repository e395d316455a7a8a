//! The solver layer: deciding flat first-order queries with SMT solvers.
//!
//! The CL reduction ([`crate::reduce`] when present) produces *flat* queries:
//! first-order formulas over `Bool`, `Int` and uninterpreted sorts, with
//! uninterpreted function symbols, linear integer arithmetic, `n` (the
//! [`crate::Op::ProcCount`] constant) and `∀`/`∃`. An [`SmtQuery`] holds such
//! formulas; [`SmtQuery::signature`] checks the fragment, [`smtlib`] prints the
//! SMT-LIB2 script, and a [`Backend`] decides it:
//!
//! * [`Z3InProcess`]: libz3 in this process (each query in a fresh context
//!   on a parked solver thread, so usable from any thread at once);
//! * [`SmtProcess`]: any SMT-LIB2 solver run as a child process
//!   (`SmtProcess::z3()` runs `z3 -in -smt2`).
//!
//! Verdicts are never merged: [`SolverResult::Timeout`] is not
//! [`SolverResult::Unknown`], and every failure (a query outside the fragment,
//! a solver error, output that cannot be parsed) is an [`SmtError`], never a
//! verdict.
//!
//! # Model conventions
//!
//! A satisfying assignment is decoded into a [`crate::Model`], by symbol name
//! and arity (never by the solver's declaration kinds):
//!
//! * Sorts other than `Bool` and `Int` are uninterpreted SMT sorts named by
//!   [`crate::Sort::mangle`] (in SMT-LIB text, a mangled name that is not a
//!   simple symbol is escaped: `S_` prefix, `_xHH_` for each odd byte; the
//!   model keeps the mangled name). Their elements are numbered `0..k` in the order
//!   of the solver's universe. Elements of `P` are `Value::Proc(k)`, elements
//!   of any other such sort `S` are `Value::Elem(S.mangle(), k)`. The same
//!   numbering is used by every table of the model.
//! * `Model::n` is the size of the solver's universe of `P` (0 if the query
//!   does not mention `P`); `Model::universes` holds the sizes of the other
//!   uninterpreted sorts. A sort the query mentions but the solver's model
//!   gives no universe for (it was irrelevant) gets one element, `0`.
//! * The value the solver chose for the constant `n` (`ProcCount`) is the
//!   0-ary [`crate::FunTable`] named `"n"`; it need not equal `Model::n`
//!   (the flat query constrains `n`, not the universe).
//! * Constants (0-ary symbols) are tables with the single entry `[] ↦ v`.
//! * A function whose arguments all have finite sorts (`Bool` or
//!   uninterpreted) is tabulated on every argument tuple (up to
//!   [`decode::MAX_TABLE`] tuples); its table has no default.
//! * A function with an `Int` argument (or too many tuples) gets the solver's
//!   explicit entries, plus its value at every argument tuple the query's
//!   ground terms reach in the model (quantifiers over finite sorts are
//!   enumerated, those over `Int` are not); its default is the solver's
//!   "else" value when that is a constant, otherwise `None`.
//! * Symbols the solver left uninterpreted (irrelevant to satisfiability) get
//!   `0`, `false`, or element `0`: at every argument tuple when their
//!   arguments are finite, as the table's default otherwise.
//!
//! Both back ends follow these conventions; their element numbering may
//! differ, but on the same query and seed their models are isomorphic
//! (see [`isomorphic`]). [`eval_flat`] evaluates flat formulas on a decoded
//! model, so a model can be checked against its query ([`check_model`]).
//!
//! Raw SMT-LIB2 scripts (with `push`/`pop`/`echo`, e.g. the hand-reduced
//! VMCAI'14 anchors) can be run with [`Backend::check_script`], which
//! returns one [`ScriptAnswer`] per `check-sat`.

mod backend;
mod cancel;
pub mod decode;
mod disjunct_index;
mod equiv;
mod error;
pub(crate) mod flat_eval;
mod model_text;
mod query;
mod script;
pub mod smtlib;
mod sexpr;
mod solver_threads;
pub use solver_threads::abandoned_solver_threads;
mod symbols;
mod z3_inprocess;
mod z3_subprocess;

pub use backend::{Backend, ScriptAnswer, ScriptVerdict, SolverConfig, SolverResult};
pub use cancel::Cancel;
pub use equiv::isomorphic;
pub use error::SmtError;
pub use flat_eval::{check_model, eval_flat, FlatEvalError};
pub use query::{Signature, SmtQuery};
pub use script::{parse_script, ScriptCommand};
pub use z3_inprocess::Z3InProcess;
pub use z3_subprocess::{Dialect, SmtProcess};
