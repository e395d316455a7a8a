//! Sorts of CL: the types of terms.

use std::fmt;

/// A sort (type) of the logic.
///
/// `P` is the sort of process identifiers; the size of its universe is the
/// number of processes `n` (see [`crate::Op::ProcCount`]). Sets, options and
/// tuples are interpreted; `Uninterpreted` sorts stand for opaque data.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub enum Sort {
    /// Truth values.
    Bool,
    /// Mathematical integers.
    Int,
    /// Rational numbers (SMT-LIB's `Real`; the linear fragment only: sums,
    /// differences, products and quotients by integer literals, comparisons).
    Real,
    /// Process identifiers; exactly `n` of them.
    P,
    /// Finite sets of elements of the inner sort.
    Set(Box<Sort>),
    /// `None` or `Some(v)` of the inner sort.
    Opt(Box<Sort>),
    /// Tuples (at least two components).
    Tuple(Vec<Sort>),
    /// An uninterpreted sort, known only by its name.
    Uninterpreted(String),
}

impl Sort {
    /// `Set(elem)`.
    pub fn set(elem: Sort) -> Sort {
        Sort::Set(Box::new(elem))
    }
    /// `Opt(inner)`.
    pub fn opt(inner: Sort) -> Sort {
        Sort::Opt(Box::new(inner))
    }
    /// Is this a number sort (`Int` or `Real`), the sorts of arithmetic and order?
    pub fn is_numeric(&self) -> bool {
        matches!(self, Sort::Int | Sort::Real)
    }
    /// The element sort of a set sort.
    pub fn set_elem(&self) -> Option<&Sort> {
        match self {
            Sort::Set(e) => Some(e),
            _ => None,
        }
    }
    /// A name usable inside SMT-LIB2 identifiers (no spaces or parentheses).
    pub fn mangle(&self) -> String {
        match self {
            Sort::Bool => "Bool".into(),
            Sort::Int => "Int".into(),
            Sort::Real => "Real".into(),
            Sort::P => "P".into(),
            Sort::Set(e) => format!("Set_{}", e.mangle()),
            Sort::Opt(e) => format!("Opt_{}", e.mangle()),
            Sort::Tuple(cs) => {
                let parts: Vec<String> = cs.iter().map(Sort::mangle).collect();
                format!("Tup{}_{}", cs.len(), parts.join("_"))
            }
            Sort::Uninterpreted(name) => format!("U_{name}"),
        }
    }
}

impl fmt::Display for Sort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Sort::Bool => write!(f, "Bool"),
            Sort::Int => write!(f, "Int"),
            Sort::Real => write!(f, "Real"),
            Sort::P => write!(f, "P"),
            Sort::Set(e) => write!(f, "Set<{e}>"),
            Sort::Opt(e) => write!(f, "Option<{e}>"),
            Sort::Tuple(cs) => {
                write!(f, "(")?;
                for (k, c) in cs.iter().enumerate() {
                    if k > 0 {
                        write!(f, ", ")?;
                    }
                    write!(f, "{c}")?;
                }
                write!(f, ")")
            }
            Sort::Uninterpreted(name) => write!(f, "{name}"),
        }
    }
}
