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
    /// A rational (the values of sort `Real` the evaluator computes with:
    /// exact while numerator and denominator fit in 64 bits, an error beyond).
    Real(num_rational::Rational64),
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
    /// Explicit entries (serialized as a list of `[arguments, value]`
    /// pairs: JSON maps take only string keys).
    #[serde(with = "entry_pairs")]
    pub entries: BTreeMap<Vec<Value>, Value>,
    /// The value everywhere else; `None` means "no other argument is valid"
    /// (evaluating outside the table is then an error, never a guess).
    pub default: Option<Value>,
}

/// A function table's entries as a sequence of pairs.
mod entry_pairs {
    use std::collections::BTreeMap;

    use serde::{Deserialize, Deserializer, Serializer};

    use super::Value;

    pub fn serialize<S: Serializer>(entries: &BTreeMap<Vec<Value>, Value>, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(entries.iter())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<Vec<Value>, Value>, D::Error> {
        Ok(Vec::<(Vec<Value>, Value)>::deserialize(d)?.into_iter().collect())
    }
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

impl Value {
    /// The default value of a sort: `false`, `0`, process 0, element 0 of an
    /// uninterpreted sort, `∅`, `None`, the tuple of defaults.
    pub fn default_of(sort: &Sort) -> Value {
        match sort {
            Sort::Bool => Value::Bool(false),
            Sort::Int => Value::Int(0),
            Sort::Real => Value::Real(0.into()),
            Sort::P => Value::Proc(0),
            Sort::Uninterpreted(_) => Value::Elem(sort.mangle(), 0),
            Sort::Set(_) => Value::Set(BTreeSet::new()),
            Sort::Opt(_) => Value::Opt(None),
            Sort::Tuple(cs) => Value::Tuple(cs.iter().map(Value::default_of).collect()),
        }
    }
}

impl Model {
    /// Interpret each symbol of `funs` that the model leaves out as the
    /// constant default of its result sort (uninterpreted universes made
    /// non-empty where needed). For extending a model of part of a formula
    /// to the whole formula when the missing symbols cannot matter.
    pub fn complete(&mut self, funs: &[Fun]) {
        fn uninterpreted(s: &Sort, out: &mut Vec<Sort>) {
            match s {
                Sort::Uninterpreted(_) => out.push(s.clone()),
                Sort::Set(e) | Sort::Opt(e) => uninterpreted(e, out),
                Sort::Tuple(cs) => cs.iter().for_each(|c| uninterpreted(c, out)),
                _ => {}
            }
        }
        for f in funs {
            if self.funs.contains_key(&f.name) {
                continue;
            }
            let mut sorts = Vec::new();
            uninterpreted(&f.ret, &mut sorts);
            for s in sorts {
                let size = self.universes.entry(s.mangle()).or_insert(0);
                *size = (*size).max(1);
            }
            self.funs.insert(
                f.name.clone(),
                FunTable {
                    fun: f.clone(),
                    entries: BTreeMap::new(),
                    default: Some(Value::default_of(&f.ret)),
                },
            );
        }
    }

    /// The universe size of an uninterpreted sort (0 if unknown).
    pub fn universe_size(&self, sort: &Sort) -> u32 {
        match sort {
            Sort::P => self.n,
            other => self.universes.get(&other.mangle()).copied().unwrap_or(0),
        }
    }
}
