//! psync-logic: the logic CL of consensus proofs — sorted formulas over process
//! ids, sets with cardinalities and comprehensions — its reduction to
//! quantifier-stratified first-order logic, and the SMT back ends that decide it.
#![warn(missing_docs)]

pub mod build;
mod sort;
mod term;

pub use sort::Sort;
pub use term::{fresh_name, Binder, Fun, Op, Term, Var};
mod model;
pub use model::{FunTable, Model, Value};
