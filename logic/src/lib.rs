//! psync-logic: the logic CL of consensus proofs — sorted formulas over process
//! ids, sets with cardinalities and comprehensions — its reduction to
//! quantifier-stratified first-order logic, and the SMT back ends that decide it.
#![warn(missing_docs)]

pub mod build;
pub mod smt;
mod sort;
mod term;

pub use sort::Sort;
pub use term::{fresh_name, Binder, Fun, Op, Term, Var};
mod model;
pub use model::{FunTable, Model, Value};
/// The rationals of [`Value::Real`] (64-bit numerator and denominator).
pub use num_rational::Rational64;
pub mod typecheck;
pub use typecheck::{typecheck, typecheck_formula, TypeError};
mod pretty;
pub mod parse;
pub use parse::{parse_query, parse_term, Expect, ParseError, Query, Signature};
pub mod reduce;
pub mod eval;
pub use eval::{eval, eval_with, holds, EvalError};
pub mod check;
mod head_start;
pub mod hint;
pub mod bounded;
pub mod oracle;
pub use oracle::{find_model, OracleBounds, OracleResult};
pub mod testgen;
