//! The evaluator's internal values: compact (sets of processes are bit
//! masks), and possibly *partial*, for evaluating in a partially built model
//! (the oracle's search): an unknown value, an integer known only to lie in
//! an interval, a set known only to lie between two masks.

use std::collections::{BTreeMap, BTreeSet};

use super::EvalError;
use crate::model::Value;
use crate::sort::Sort;

/// A value, or partial knowledge about one.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum V {
    /// A truth value.
    B(bool),
    /// An integer.
    I(i64),
    /// A rational (known exactly, or [`V::Unknown`]: no intervals of rationals).
    R(num_rational::Rational64),
    /// Process `k`, or element `k` of an uninterpreted sort.
    E(u32),
    /// A set over a small element sort (`P`, `Bool`, uninterpreted): bit `k`
    /// is element `k` (`false` = 0, `true` = 1).
    Mask(u64),
    /// A set over any other element sort: sorted, without duplicates.
    List(Vec<V>),
    /// An option.
    O(Option<Box<V>>),
    /// A tuple.
    T(Vec<V>),
    /// Nothing is known (partial models only).
    Unknown,
    /// An integer in `lo..=hi` (partial models only).
    IntIn(i64, i64),
    /// A mask set `s` with `must ⊆ s ⊆ may` (partial models only).
    MaskIn(u64, u64),
}

impl V {
    /// Is this an actual value (not partial knowledge)?
    pub(crate) fn is_known(&self) -> bool {
        !matches!(self, V::Unknown | V::IntIn(..) | V::MaskIn(..))
    }

    /// The bit of an element of a mask set.
    pub(crate) fn bit(&self) -> Option<u32> {
        match self {
            V::E(k) => Some(*k),
            V::B(b) => Some(u32::from(*b)),
            _ => None,
        }
    }
}

/// Are sets of this element sort represented as bit masks?
pub(crate) fn is_mask_elem(elem: &Sort) -> bool {
    matches!(elem, Sort::P | Sort::Bool | Sort::Uninterpreted(_))
}

/// Universe sizes of the finite base sorts.
#[derive(Clone, Debug)]
pub(crate) struct Sizes {
    /// Number of processes.
    pub n: u32,
    /// Universe sizes of uninterpreted sorts, by mangled name.
    pub universes: BTreeMap<String, u32>,
}

impl Sizes {
    /// Size of `P`, `Bool` or an uninterpreted sort.
    pub(crate) fn base(&self, sort: &Sort) -> Result<u32, EvalError> {
        match sort {
            Sort::P => Ok(self.n),
            Sort::Bool => Ok(2),
            Sort::Uninterpreted(_) => self
                .universes
                .get(&sort.mangle())
                .copied()
                .ok_or_else(|| EvalError::MissingUniverse(sort.to_string())),
            other => Err(EvalError::Unsupported(format!("{other} is not a finite base sort"))),
        }
    }
}

/// The value `get(None)` returns at this sort (the evaluator's fixed choice
/// for the unspecified content of `None`).
pub(crate) fn default_of(sort: &Sort) -> V {
    match sort {
        Sort::Bool => V::B(false),
        Sort::Int => V::I(0),
        Sort::Real => V::R(0.into()),
        Sort::P | Sort::Uninterpreted(_) => V::E(0),
        Sort::Set(e) if is_mask_elem(e) => V::Mask(0),
        Sort::Set(_) => V::List(Vec::new()),
        Sort::Opt(_) => V::O(None),
        Sort::Tuple(cs) => V::T(cs.iter().map(default_of).collect()),
    }
}

fn mismatch(value: &Value, sort: &Sort) -> EvalError {
    EvalError::BadValue(format!("{value:?} is not a value of sort {sort}"))
}

/// Convert a model value of sort `sort` (checking that it is one).
pub(crate) fn to_v(value: &Value, sort: &Sort, sizes: &Sizes) -> Result<V, EvalError> {
    let bad = || mismatch(value, sort);
    Ok(match (sort, value) {
        (Sort::Bool, Value::Bool(b)) => V::B(*b),
        (Sort::Int, Value::Int(k)) => V::I(*k),
        (Sort::Real, Value::Real(q)) => V::R(*q),
        (Sort::P, Value::Proc(k)) if *k < sizes.n => V::E(*k),
        (Sort::Uninterpreted(_), Value::Elem(name, k)) if *name == sort.mangle() && *k < sizes.base(sort)? => V::E(*k),
        (Sort::Set(elem), Value::Set(items)) if is_mask_elem(elem) => {
            let mut mask = 0u64;
            for item in items {
                let bit = to_v(item, elem, sizes)?.bit().ok_or_else(bad)?;
                mask |= 1u64.checked_shl(bit).ok_or_else(|| EvalError::TooLarge(format!("element {bit} of a set")))?;
            }
            V::Mask(mask)
        }
        (Sort::Set(elem), Value::Set(items)) => {
            let mut out = items.iter().map(|i| to_v(i, elem, sizes)).collect::<Result<Vec<_>, _>>()?;
            out.sort();
            out.dedup();
            V::List(out)
        }
        (Sort::Opt(_), Value::Opt(None)) => V::O(None),
        (Sort::Opt(inner), Value::Opt(Some(v))) => V::O(Some(Box::new(to_v(v, inner, sizes)?))),
        (Sort::Tuple(cs), Value::Tuple(vs)) if cs.len() == vs.len() => {
            V::T(cs.iter().zip(vs).map(|(c, v)| to_v(v, c, sizes)).collect::<Result<_, _>>()?)
        }
        _ => return Err(bad()),
    })
}

/// Convert back to a model value of sort `sort`.
pub(crate) fn from_v(v: &V, sort: &Sort) -> Result<Value, EvalError> {
    let bad = || EvalError::BadValue(format!("internal value {v:?} is not a value of sort {sort}"));
    Ok(match (sort, v) {
        (Sort::Bool, V::B(b)) => Value::Bool(*b),
        (Sort::Int, V::I(k)) => Value::Int(*k),
        (Sort::Real, V::R(q)) => Value::Real(*q),
        (Sort::P, V::E(k)) => Value::Proc(*k),
        (Sort::Uninterpreted(_), V::E(k)) => Value::Elem(sort.mangle(), *k),
        (Sort::Set(elem), V::Mask(m)) => {
            let mut items = BTreeSet::new();
            for bit in (0..64).filter(|b| m >> b & 1 == 1) {
                items.insert(match **elem {
                    Sort::Bool => Value::Bool(bit == 1),
                    _ => from_v(&V::E(bit), elem)?,
                });
            }
            Value::Set(items)
        }
        (Sort::Set(elem), V::List(items)) => {
            Value::Set(items.iter().map(|i| from_v(i, elem)).collect::<Result<_, _>>()?)
        }
        (Sort::Opt(_), V::O(None)) => Value::Opt(None),
        (Sort::Opt(inner), V::O(Some(x))) => Value::Opt(Some(Box::new(from_v(x, inner)?))),
        (Sort::Tuple(cs), V::T(vs)) if cs.len() == vs.len() => {
            Value::Tuple(cs.iter().zip(vs).map(|(c, x)| from_v(x, c)).collect::<Result<_, _>>()?)
        }
        _ => return Err(bad()),
    })
}

/// Every integer inside a model value.
pub(crate) fn ints_in(value: &Value, out: &mut Vec<i64>) {
    match value {
        Value::Int(k) => out.push(*k),
        Value::Set(items) => items.iter().for_each(|i| ints_in(i, out)),
        Value::Opt(Some(v)) => ints_in(v, out),
        Value::Tuple(vs) => vs.iter().for_each(|v| ints_in(v, out)),
        Value::Bool(_) | Value::Real(_) | Value::Proc(_) | Value::Elem(..) | Value::Opt(None) => {}
    }
}
