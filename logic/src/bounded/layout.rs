//! How values of CL sorts are laid out as tuples of flat components when
//! `P` has exactly `k` elements, and the finite domains that are enumerated.
//!
//! A value of sort `S` becomes the sequence [`atoms`]`(S)` of flat values:
//! `Bool`, `Int`, `P` and uninterpreted sorts are one component of their own
//! sort; `Set(E)` is one `Bool` per element of [`domain`]`(E)` (membership, in
//! the order of the domain); `Opt(T)` is an `is_some` flag followed by the
//! components of `T`; a tuple is the concatenation of its components.
//!
//! The layout is *canonical*: the payload of `None` is always the default
//! value of its sort (the value the evaluator gives `get(None)`), so two
//! values are equal iff their components are.

use std::collections::{BTreeMap, BTreeSet};

use crate::bounded::BoundedError;
use crate::{Sort, Value};

/// The most elements a set's element sort may have (one component each).
pub(crate) const MAX_SET_ELEMS: usize = 256;

/// The most elements of an element sort whose subsets are enumerated.
const MAX_POWERSET_BASE: usize = 12;

/// The most values a finite domain may have.
pub(crate) const MAX_DOMAIN: usize = 1 << MAX_POWERSET_BASE;

/// Sizes needed to enumerate domains: `k` processes, and (once a solver
/// model is known) the universes of uninterpreted sorts.
#[derive(Clone, Debug)]
pub(crate) struct Sizes<'a> {
    /// The number of processes.
    pub k: u32,
    /// Universe sizes by mangled sort name; `None` while lowering (then
    /// uninterpreted sorts are not enumerable).
    pub universes: Option<&'a BTreeMap<String, u32>>,
}

fn unsupported(msg: String) -> BoundedError {
    BoundedError::Unsupported(msg)
}

/// The flat sorts of the components of a value of `sort`.
pub(crate) fn atoms(sort: &Sort, k: u32) -> Result<Vec<Sort>, BoundedError> {
    let mut out = Vec::new();
    push_atoms(sort, k, &mut out)?;
    Ok(out)
}

fn push_atoms(sort: &Sort, k: u32, out: &mut Vec<Sort>) -> Result<(), BoundedError> {
    match sort {
        Sort::Bool | Sort::Int | Sort::Real | Sort::P | Sort::Uninterpreted(_) => out.push(sort.clone()),
        Sort::Set(e) => {
            let m = domain_len(e, k)?;
            if m > MAX_SET_ELEMS {
                return Err(unsupported(format!("sets of {e}: {m} possible elements with n = {k}")));
            }
            out.extend(std::iter::repeat_n(Sort::Bool, m));
        }
        Sort::Opt(t) => {
            out.push(Sort::Bool);
            push_atoms(t, k, out)?;
        }
        Sort::Tuple(cs) => {
            for c in cs {
                push_atoms(c, k, out)?;
            }
        }
    }
    Ok(())
}

/// The number of components of a value of `sort`.
pub(crate) fn width(sort: &Sort, k: u32) -> Result<usize, BoundedError> {
    Ok(atoms(sort, k)?.len())
}

/// The number of values of a finite sort (without uninterpreted sorts).
pub(crate) fn domain_len(sort: &Sort, k: u32) -> Result<usize, BoundedError> {
    let too_big = || unsupported(format!("the domain of {sort} is too large with n = {k}"));
    let n = match sort {
        Sort::Bool => 2,
        Sort::P => k as usize,
        Sort::Int | Sort::Real | Sort::Uninterpreted(_) => {
            return Err(unsupported(format!("{sort} is not a finite sort")));
        }
        Sort::Set(e) => {
            let m = domain_len(e, k)?;
            if m > MAX_POWERSET_BASE {
                return Err(too_big());
            }
            1usize << m
        }
        Sort::Opt(t) => domain_len(t, k)? + 1,
        Sort::Tuple(cs) => {
            let mut n = 1usize;
            for c in cs {
                n = n.checked_mul(domain_len(c, k)?).filter(|n| *n <= MAX_DOMAIN).ok_or_else(too_big)?;
            }
            n
        }
    };
    if n > MAX_DOMAIN { Err(too_big()) } else { Ok(n) }
}

/// All values of a finite sort, in a fixed order (the order of set components).
pub(crate) fn domain(sort: &Sort, sizes: &Sizes) -> Result<Vec<Value>, BoundedError> {
    let out = match sort {
        Sort::Bool => vec![Value::Bool(false), Value::Bool(true)],
        Sort::P => (0..sizes.k).map(Value::Proc).collect(),
        Sort::Int | Sort::Real => return Err(unsupported(format!("{sort} is not a finite sort"))),
        Sort::Uninterpreted(_) => {
            let Some(us) = sizes.universes else {
                return Err(unsupported(format!("the uninterpreted sort {sort} has no fixed size")));
            };
            let size = us.get(&sort.mangle()).copied().unwrap_or(1);
            (0..size).map(|e| Value::Elem(sort.mangle(), e)).collect()
        }
        Sort::Set(e) => {
            let base = domain(e, sizes)?;
            if base.len() > MAX_POWERSET_BASE {
                return Err(unsupported(format!("too many subsets of {e}")));
            }
            (0u64..1 << base.len())
                .map(|mask| {
                    let items = base.iter().enumerate().filter(|(j, _)| mask >> j & 1 == 1);
                    Value::Set(items.map(|(_, v)| v.clone()).collect())
                })
                .collect()
        }
        Sort::Opt(t) => {
            let mut out = vec![Value::Opt(None)];
            out.extend(domain(t, sizes)?.into_iter().map(|v| Value::Opt(Some(Box::new(v)))));
            out
        }
        Sort::Tuple(cs) => {
            let mut out: Vec<Vec<Value>> = vec![Vec::new()];
            for c in cs {
                let d = domain(c, sizes)?;
                if out.len().saturating_mul(d.len()) > MAX_DOMAIN {
                    return Err(unsupported(format!("the domain of {sort} is too large")));
                }
                out = out.iter().flat_map(|pre| d.iter().map(move |v| [pre.clone(), vec![v.clone()]].concat())).collect();
            }
            out.into_iter().map(Value::Tuple).collect()
        }
    };
    if out.len() > MAX_DOMAIN {
        return Err(unsupported(format!("the domain of {sort} is too large")));
    }
    Ok(out)
}

/// Converts between values of the original sorts and flat component values.
///
/// `atom_in` maps a flat value of an atomic sort (`P` or uninterpreted) to
/// the original one, `atom_out` the other way; `Bool` and `Int` are kept.
pub(crate) struct Codec<'a> {
    /// Domain sizes (with the decoded universes).
    pub sizes: Sizes<'a>,
    /// Flat atom → original atom (`P` and uninterpreted values).
    pub atom_in: &'a dyn Fn(&Value) -> Option<Value>,
    /// Original atom → flat atom.
    pub atom_out: &'a dyn Fn(&Value) -> Option<Value>,
}

impl Codec<'_> {
    /// The original value of `sort` whose components are `comps`.
    pub fn decode(&self, sort: &Sort, comps: &[Value]) -> Result<Value, String> {
        let mut it = comps.iter();
        let v = self.take(sort, &mut it)?;
        if it.next().is_some() {
            return Err(format!("too many components for a value of {sort}"));
        }
        Ok(v)
    }

    fn take<'v>(&self, sort: &Sort, it: &mut impl Iterator<Item = &'v Value>) -> Result<Value, String> {
        let mut next = || it.next().ok_or_else(|| format!("too few components for a value of {sort}"));
        match sort {
            Sort::Bool | Sort::Int | Sort::Real => {
                let v = next()?;
                match (sort, v) {
                    (Sort::Bool, Value::Bool(_)) | (Sort::Int, Value::Int(_)) | (Sort::Real, Value::Real(_)) => Ok(v.clone()),
                    _ => Err(format!("{v:?} is not a {sort}")),
                }
            }
            Sort::P | Sort::Uninterpreted(_) => {
                let v = next()?;
                (self.atom_in)(v).ok_or_else(|| format!("{v:?} is not an element of {sort}"))
            }
            Sort::Set(e) => {
                let dom = domain(e, &self.sizes).map_err(|e| e.to_string())?;
                let mut items = BTreeSet::new();
                for d in dom {
                    match next()? {
                        Value::Bool(true) => {
                            items.insert(d);
                        }
                        Value::Bool(false) => {}
                        other => return Err(format!("{other:?} is not a membership flag")),
                    }
                }
                Ok(Value::Set(items))
            }
            Sort::Opt(t) => {
                let some = match next()? {
                    Value::Bool(b) => *b,
                    other => return Err(format!("{other:?} is not an is_some flag")),
                };
                let payload = self.take(t, it)?;
                Ok(Value::Opt(some.then(|| Box::new(payload))))
            }
            Sort::Tuple(cs) => Ok(Value::Tuple(cs.iter().map(|c| self.take(c, it)).collect::<Result<_, _>>()?)),
        }
    }

    /// The flat components of the original value `v` of `sort` (canonical).
    pub fn encode(&self, v: &Value, sort: &Sort) -> Result<Vec<Value>, String> {
        let mut out = Vec::new();
        self.put(v, sort, &mut out)?;
        Ok(out)
    }

    fn put(&self, v: &Value, sort: &Sort, out: &mut Vec<Value>) -> Result<(), String> {
        match (sort, v) {
            (Sort::Bool, Value::Bool(_)) | (Sort::Int, Value::Int(_)) | (Sort::Real, Value::Real(_)) => out.push(v.clone()),
            (Sort::P | Sort::Uninterpreted(_), _) => {
                out.push((self.atom_out)(v).ok_or_else(|| format!("{v:?} is not an element of {sort}"))?)
            }
            (Sort::Set(e), Value::Set(items)) => {
                let dom = domain(e, &self.sizes).map_err(|e| e.to_string())?;
                out.extend(dom.iter().map(|d| Value::Bool(items.contains(d))));
            }
            (Sort::Opt(t), Value::Opt(o)) => {
                out.push(Value::Bool(o.is_some()));
                match o {
                    Some(x) => self.put(x, t, out)?,
                    None => self.put(&Value::default_of(t), t, out)?,
                }
            }
            (Sort::Tuple(cs), Value::Tuple(xs)) if cs.len() == xs.len() => {
                for (x, c) in xs.iter().zip(cs) {
                    self.put(x, c, out)?;
                }
            }
            _ => return Err(format!("{v:?} is not a value of {sort}")),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts_and_domains() {
        let s = Sort::Tuple(vec![Sort::opt(Sort::P), Sort::set(Sort::Bool), Sort::Int]);
        assert_eq!(
            atoms(&s, 3).unwrap(),
            vec![Sort::Bool, Sort::P, Sort::Bool, Sort::Bool, Sort::Int]
        );
        assert_eq!(domain_len(&Sort::set(Sort::P), 4).unwrap(), 16);
        let sizes = Sizes { k: 2, universes: None };
        let d = domain(&Sort::opt(Sort::set(Sort::P)), &sizes).unwrap();
        assert_eq!(d.len(), 5);
        assert_eq!(d[0], Value::Opt(None));
        assert!(domain(&Sort::Int, &sizes).is_err());
        assert!(domain(&Sort::Uninterpreted("D".into()), &sizes).is_err());
        assert!(atoms(&Sort::set(Sort::Int), 2).is_err());
        assert!(atoms(&Sort::set(Sort::set(Sort::set(Sort::P))), 4).is_err());
    }

    #[test]
    fn encode_then_decode_is_the_identity() {
        let id = |v: &Value| Some(v.clone());
        let codec = Codec { sizes: Sizes { k: 3, universes: None }, atom_in: &id, atom_out: &id };
        let s = Sort::Tuple(vec![Sort::opt(Sort::P), Sort::set(Sort::P)]);
        for v in domain(&s, &codec.sizes).unwrap() {
            let comps = codec.encode(&v, &s).unwrap();
            assert_eq!(comps.len(), width(&s, 3).unwrap());
            assert_eq!(codec.decode(&s, &comps).unwrap(), v);
        }
        // `None` is encoded with the default payload.
        let none = codec.encode(&Value::Opt(None), &Sort::opt(Sort::P)).unwrap();
        assert_eq!(none, vec![Value::Bool(false), Value::Proc(0)]);
    }
}
