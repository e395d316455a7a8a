//! The structure a compiled term is evaluated in: universe sizes, the
//! enumerated domains of the sorts that are quantified over, and one table
//! per symbol. Tables are dense arrays indexed by the arguments' positions in
//! their domains (plus one slot for arguments outside them, e.g. integers
//! outside the active domain), so a lookup costs no allocation.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::time::Instant;

use super::program::Program;
use super::value::{is_mask_elem, Sizes, V};
use super::EvalError;
use crate::sort::Sort;

/// Enumerated domains larger than this are refused.
pub(crate) const DOMAIN_LIMIT: u128 = 1 << 20;
/// Dense tables larger than this fall back to a map.
const TABLE_LIMIT: u128 = 1 << 16;

/// How values of a sort are indexed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Bool,
    Int,
    /// `P` or an uninterpreted sort, with its size.
    Base(u32),
    /// A mask set over a base sort of the given size.
    MaskSet(u32),
    Other,
}

/// The interpretation of one symbol.
#[derive(Clone, Debug)]
pub(crate) enum Table {
    /// Entry `Σ index(argᵢ)·strideᵢ`; the last entry is for arguments outside the domains.
    Dense { strides: Vec<usize>, entries: Vec<Option<V>> },
    /// For symbols whose argument domains are too large to enumerate.
    Map { entries: BTreeMap<Vec<V>, V>, default: Option<V> },
}

/// A (possibly partial) finite structure for one compiled term.
pub(crate) struct World<'p> {
    pub prog: &'p Program,
    pub sizes: Sizes,
    pub kinds: Vec<Kind>,
    /// Sorted domain of each sort of the program (`None`: not enumerated).
    pub domains: Vec<Option<Vec<V>>>,
    /// The full mask of each mask-set sort (0 for other sorts).
    pub full: Vec<u64>,
    pub tables: Vec<Table>,
    /// Partial mode: what is known of each symbol's unassigned entries.
    /// `None`: total mode, where a missing entry is an error.
    pub unknowns: Option<Vec<V>>,
    /// Partial mode: the distinct unassigned entries (symbol, slot) that
    /// evaluation met since the log was last cleared, in order.
    pub misses: RefCell<Vec<(usize, usize)>>,
    /// When evaluation gives up ([`World::tick`]); `None`: never.
    pub deadline: Option<Instant>,
    /// Quantifier and comprehension steps taken, for [`World::tick`].
    pub ticks: Cell<u32>,
}

/// The most elements of a universe (processes included) the evaluator
/// takes: elements index the bits of 64-bit set masks.
pub const MAX_UNIVERSE: u32 = 63;

/// Steps of quantifiers and comprehensions between two looks at the clock.
const TICKS_PER_LOOK: u32 = 4096;

impl World<'_> {
    /// One step of a quantifier or comprehension: an error once the
    /// deadline has passed (nested quantifiers over a large model can take
    /// longer than any caller waits).
    pub(crate) fn tick(&self) -> Result<(), EvalError> {
        let t = self.ticks.get().wrapping_add(1);
        self.ticks.set(t);
        match self.deadline {
            Some(d) if t.is_multiple_of(TICKS_PER_LOOK) && Instant::now() >= d => {
                Err(EvalError::TooLarge("the evaluation ran past its time limit".into()))
            }
            _ => Ok(()),
        }
    }
}

/// Quantifiers and searches range over finite domains; the rationals have
/// no active-domain reading here.
fn real_domain() -> EvalError {
    EvalError::Unsupported("a quantifier or search over Real (the rationals have no finite domain to enumerate)".into())
}

/// Size of the domain of `sort`, saturating.
pub(crate) fn domain_size(sort: &Sort, sizes: &Sizes, ints: usize) -> Result<u128, EvalError> {
    Ok(match sort {
        Sort::Int => ints as u128,
        // Infinite: symbols over it get map tables; a quantifier over it is refused.
        Sort::Real => u128::MAX,
        Sort::Bool | Sort::P | Sort::Uninterpreted(_) => u128::from(sizes.base(sort)?),
        Sort::Set(e) => {
            let k = domain_size(e, sizes, ints)?;
            if k >= 100 { u128::MAX } else { 1u128 << k }
        }
        Sort::Opt(e) => domain_size(e, sizes, ints)?.saturating_add(1),
        Sort::Tuple(cs) => cs.iter().try_fold(1u128, |acc, c| Ok(acc.saturating_mul(domain_size(c, sizes, ints)?)))?,
    })
}

/// All values of `sort`, sorted (`Int` ranges over `ints`).
pub(crate) fn enumerate(sort: &Sort, sizes: &Sizes, ints: &[i64]) -> Result<Vec<V>, EvalError> {
    let mut out: Vec<V> = match sort {
        Sort::Bool => vec![V::B(false), V::B(true)],
        Sort::Int => ints.iter().map(|k| V::I(*k)).collect(),
        Sort::Real => return Err(real_domain()),
        Sort::P | Sort::Uninterpreted(_) => (0..sizes.base(sort)?).map(V::E).collect(),
        Sort::Set(e) if is_mask_elem(e) => (0..1u64 << sizes.base(e)?).map(V::Mask).collect(),
        Sort::Set(e) => {
            let elems = enumerate(e, sizes, ints)?;
            (0..1u64 << elems.len())
                .map(|bits| V::List(elems.iter().enumerate().filter(|(k, _)| bits >> k & 1 == 1).map(|(_, v)| v.clone()).collect()))
                .collect()
        }
        Sort::Opt(e) => {
            std::iter::once(V::O(None)).chain(enumerate(e, sizes, ints)?.into_iter().map(|v| V::O(Some(Box::new(v))))).collect()
        }
        Sort::Tuple(cs) => {
            let mut acc: Vec<Vec<V>> = vec![Vec::new()];
            for c in cs {
                let dom = enumerate(c, sizes, ints)?;
                acc = acc.into_iter().flat_map(|prefix| dom.iter().map(move |v| [prefix.clone(), vec![v.clone()]].concat())).collect();
            }
            acc.into_iter().map(V::T).collect()
        }
    };
    out.sort();
    Ok(out)
}

impl<'p> World<'p> {
    /// A structure with empty tables. `int_domain` (sorted, deduplicated) is
    /// what `Int` quantifiers range over; `unknown_ints`, in partial mode, is
    /// the range of every unassigned `Int` entry.
    pub(crate) fn new(
        prog: &'p Program,
        sizes: Sizes,
        int_domain: &[i64],
        partial: Option<(i64, i64)>,
    ) -> Result<World<'p>, EvalError> {
        if sizes.n == 0 {
            return Err(EvalError::BadValue("a model needs at least one process (n ≥ 1)".into()));
        }
        // Elements index the bits of 64-bit set masks.
        if let Some(size) = std::iter::once(&sizes.n).chain(sizes.universes.values()).find(|k| **k > MAX_UNIVERSE) {
            return Err(EvalError::TooLarge(format!("a universe of {size} elements (at most {MAX_UNIVERSE})")));
        }
        let mut kinds = Vec::with_capacity(prog.sorts.len());
        let mut full = Vec::with_capacity(prog.sorts.len());
        for s in &prog.sorts {
            let (kind, mask) = match s {
                Sort::Bool => (Kind::Bool, 0),
                Sort::Int => (Kind::Int, 0),
                Sort::P | Sort::Uninterpreted(_) => (Kind::Base(sizes.base(s)?), 0),
                Sort::Set(e) if is_mask_elem(e) => {
                    let k = sizes.base(e)?;
                    (Kind::MaskSet(k), (1u64 << k) - 1)
                }
                _ => (Kind::Other, 0),
            };
            kinds.push(kind);
            full.push(mask);
        }
        let mut domains = Vec::with_capacity(prog.sorts.len());
        for (id, s) in prog.sorts.iter().enumerate() {
            let size = domain_size(s, &sizes, int_domain.len())?;
            let quantified = prog.quantified.contains(&id);
            if quantified && *s == Sort::Real {
                return Err(real_domain());
            }
            if quantified && size > DOMAIN_LIMIT {
                return Err(EvalError::TooLarge(format!("the domain of {s} has {size} elements")));
            }
            let wanted = quantified || prog.syms.iter().any(|f| f.args.contains(&id));
            domains.push(if wanted && size <= DOMAIN_LIMIT { Some(enumerate(s, &sizes, int_domain)?) } else { None });
        }
        let mut tables = Vec::with_capacity(prog.syms.len());
        for sym in &prog.syms {
            let mut strides = Vec::with_capacity(sym.args.len());
            let mut total: u128 = 1;
            for a in sym.args.iter().rev() {
                strides.push(total as usize);
                total = total.saturating_mul(domains[*a].as_ref().map_or(u128::MAX, |d| d.len() as u128));
            }
            strides.reverse();
            tables.push(if total <= TABLE_LIMIT {
                Table::Dense { strides, entries: vec![None; total as usize + 1] }
            } else {
                Table::Map { entries: BTreeMap::new(), default: None }
            });
        }
        let mut world = World { prog, sizes, kinds, domains, full, tables, unknowns: None, misses: RefCell::new(Vec::new()), deadline: None, ticks: Cell::new(0) };
        if let Some((lo, hi)) = partial {
            let unknowns = prog.syms.iter().map(|s| world.unknown_of(s.ret, lo, hi)).collect();
            world.unknowns = Some(unknowns);
        }
        Ok(world)
    }

    /// The most precise partial value for an unknown value of sort `id`.
    fn unknown_of(&self, id: usize, lo: i64, hi: i64) -> V {
        match self.kinds[id] {
            Kind::Int => V::IntIn(lo, hi),
            Kind::MaskSet(_) => V::MaskIn(0, self.full[id]),
            _ => V::Unknown,
        }
    }

    /// The position of `v` in the domain of sort `id`.
    pub(crate) fn index_of(&self, id: usize, v: &V) -> Option<usize> {
        match (self.kinds[id], v) {
            (Kind::Bool, V::B(b)) => Some(usize::from(*b)),
            (Kind::Base(size), V::E(k)) => (*k < size).then_some(*k as usize),
            (Kind::MaskSet(_), V::Mask(m)) => (*m & !self.full[id] == 0).then_some(*m as usize),
            (Kind::Int, V::I(k)) => self.domains[id].as_ref()?.binary_search(&V::I(*k)).ok(),
            _ => self.domains[id].as_ref()?.binary_search(v).ok(),
        }
    }

    /// The table slot of `sym` at `args` (the last slot if outside the domains).
    pub(crate) fn slot_of(&self, sym: usize, args: &[V]) -> Option<usize> {
        let Table::Dense { strides, entries } = &self.tables[sym] else { return None };
        let mut idx = 0;
        for (k, a) in args.iter().enumerate() {
            match self.index_of(self.prog.syms[sym].args[k], a) {
                Some(i) => idx += i * strides[k],
                None => return Some(entries.len() - 1),
            }
        }
        Some(idx)
    }

    /// The arguments of a dense table slot (`None` for the outside slot).
    pub(crate) fn args_of(&self, sym: usize, slot: usize) -> Option<Vec<V>> {
        let Table::Dense { strides, entries } = &self.tables[sym] else { return None };
        if slot + 1 == entries.len() {
            return None;
        }
        let mut rest = slot;
        let mut out = Vec::with_capacity(strides.len());
        for (k, stride) in strides.iter().enumerate() {
            let dom = self.domains[self.prog.syms[sym].args[k]].as_ref()?;
            out.push(dom[rest / stride].clone());
            rest %= stride;
        }
        Some(out)
    }

    /// Set an entry (`value = None` unassigns it).
    pub(crate) fn set(&mut self, sym: usize, args: Option<&[V]>, value: Option<V>) -> Result<(), EvalError> {
        let name = &self.prog.syms[sym].fun.name;
        match (&mut self.tables[sym], args) {
            (Table::Map { default, .. }, None) => *default = value,
            (Table::Map { entries, .. }, Some(a)) => match value {
                Some(v) => {
                    entries.insert(a.to_vec(), v);
                }
                None => {
                    entries.remove(a);
                }
            },
            (Table::Dense { entries, .. }, None) => *entries.last_mut().expect("dense tables have an outside slot") = value,
            (Table::Dense { .. }, Some(a)) => {
                let slot = self.slot_of(sym, a).expect("dense");
                let Table::Dense { entries, .. } = &mut self.tables[sym] else { unreachable!("matched dense above") };
                if slot + 1 == entries.len() {
                    return Err(EvalError::BadValue(format!("arguments {a:?} of `{name}` are outside their sorts")));
                }
                entries[slot] = value;
            }
        }
        Ok(())
    }

    /// Set a dense table slot directly.
    pub(crate) fn set_slot(&mut self, sym: usize, slot: usize, value: Option<V>) {
        if let Table::Dense { entries, .. } = &mut self.tables[sym] {
            entries[slot] = value;
        }
    }

    /// Partial value of an unassigned entry of `sym`.
    pub(crate) fn unknown(&self, sym: usize) -> V {
        self.unknowns.as_ref().map_or(V::Unknown, |u| u[sym].clone())
    }
}
