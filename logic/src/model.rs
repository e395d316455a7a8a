//! Finite structures: the values and interpretations that formulas are
//! evaluated in. Solver models, oracle models and decoded counterexamples are
//! all expressed with these types, never with a solver's own objects.

use std::collections::{BTreeMap, BTreeSet};

use crate::sort::Sort;
use crate::term::Fun;

/// A value of some sort in a finite structure.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub enum Value {
    /// A truth value.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// Process `k`, with `0 ≤ k < n`.
    Proc(u32),
    /// Element `k` of the universe of an uninterpreted sort (named by [`Sort::mangle`]).
    /// Solver models also use it for sets, options and tuples that the
    /// reduction turned into uninterpreted sorts.
    Elem(String, u32),
    /// A finite set (sorted, so equal sets are equal values).
    Set(BTreeSet<Value>),
    /// An option.
    Opt(Option<Box<Value>>),
    /// A tuple.
    Tuple(Vec<Value>),
}

/// The interpretation of one function symbol: a finite table plus a default
/// for the arguments the table does not list.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FunTable {
    /// The symbol interpreted.
    pub fun: Fun,
    /// Explicit entries.
    pub entries: BTreeMap<Vec<Value>, Value>,
    /// The value everywhere else; `None` means "no other argument is valid"
    /// (evaluating outside the table is then an error, never a guess).
    pub default: Option<Value>,
}

impl FunTable {
    /// The value at `args`.
    pub fn get(&self, args: &[Value]) -> Option<&Value> {
        self.entries.get(args).or(self.default.as_ref())
    }
}

/// A finite structure: `n` processes, finite universes for uninterpreted
/// sorts, tables for function symbols, values for free variables.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Model {
    /// The number of processes; `P` is `0..n`.
    pub n: u32,
    /// Universe size of each uninterpreted sort, by [`Sort::mangle`] name.
    pub universes: BTreeMap<String, u32>,
    /// Interpretation of each function symbol, by name.
    pub funs: BTreeMap<String, FunTable>,
    /// Values of free variables, by name.
    pub vars: BTreeMap<String, Value>,
}

impl Model {
    /// The universe size of an uninterpreted sort (0 if unknown).
    pub fn universe_size(&self, sort: &Sort) -> u32 {
        match sort {
            Sort::P => self.n,
            other => self.universes.get(&other.mangle()).copied().unwrap_or(0),
        }
    }
}
