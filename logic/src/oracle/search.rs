//! The depth-first search over table entries, for one number of processes.
//!
//! Each node of the search is a partial model. The instances still open are
//! evaluated in it; an instance is re-evaluated only if an entry it missed
//! last time has since been assigned (its value cannot have changed
//! otherwise), so a node costs about as much as the instances that depend
//! on the entry just assigned.

use std::collections::BTreeMap;

use super::{Instance, Stop};
use crate::eval::{self, default_of, from_v, Table, World, V};
use crate::model::{FunTable, Model};
use crate::sort::Sort;
use crate::term::Term;

/// What the search knows about an open (not yet true) instance.
#[derive(Clone, Debug)]
struct Open {
    /// The unassigned entries its last evaluation met, first met first.
    misses: Vec<(usize, usize)>,
}

/// A change to undo when backtracking.
enum Undo {
    /// The instance became true.
    Done(usize),
    /// The instance was re-evaluated; this is what was known before.
    Reopened(usize, Option<Open>),
}

pub(super) struct Search<'a, 'p> {
    world: World<'p>,
    instances: &'a [Instance<'p>],
    done: Vec<bool>,
    /// `None`: not evaluated yet (or true).
    open: Vec<Option<Open>>,
    undo: Vec<Undo>,
    slots: Vec<V>,
    /// The values each symbol's entries may take.
    candidates: Vec<Vec<V>>,
    formula: &'a Term,
    /// Constants the search introduced for top-level existentials.
    skolems: &'a [String],
    nodes: &'a mut u64,
    budget: u64,
    /// Whether a candidate was rejected by the exact evaluator.
    pub inexact: bool,
}

impl<'a, 'p> Search<'a, 'p> {
    pub(super) fn new(
        world: World<'p>,
        instances: &'a [Instance<'p>],
        candidates: Vec<Vec<V>>,
        formula: &'a Term,
        skolems: &'a [String],
        nodes: &'a mut u64,
        budget: u64,
    ) -> Self {
        let slots = vec![V::Unknown; world.prog.slots];
        Search {
            world,
            done: vec![false; instances.len()],
            open: vec![None; instances.len()],
            instances,
            undo: Vec::new(),
            slots,
            candidates,
            formula,
            skolems,
            nodes,
            budget,
            inexact: false,
        }
    }

    /// Search from the empty model.
    pub(super) fn run(&mut self) -> Result<Option<Model>, Stop> {
        self.dfs(None, &Used::default())
    }

    /// Visit the partial model reached by assigning `assigned`.
    fn dfs(&mut self, assigned: Option<(usize, usize)>, used: &Used) -> Result<Option<Model>, Stop> {
        *self.nodes += 1;
        if *self.nodes > self.budget {
            return Err(Stop::Budget);
        }
        let mark = self.undo.len();
        let result = match self.evaluate(assigned)? {
            false => Ok(None),
            true => match self.choose() {
                None => self.candidate_model(),
                Some((sym, slot)) => self.branch(sym, slot, used),
            },
        };
        while self.undo.len() > mark {
            match self.undo.pop().expect("above the mark") {
                Undo::Done(k) => self.done[k] = false,
                Undo::Reopened(k, before) => self.open[k] = before,
            }
        }
        result
    }

    /// Re-evaluate the open instances that depend on `assigned`; `false` if one is false.
    fn evaluate(&mut self, assigned: Option<(usize, usize)>) -> Result<bool, Stop> {
        for (k, inst) in self.instances.iter().enumerate() {
            if self.done[k] {
                continue;
            }
            let stale = match (&self.open[k], assigned) {
                (Some(open), Some(entry)) => open.misses.contains(&entry),
                _ => true,
            };
            if !stale {
                continue;
            }
            for (slot, v) in &inst.binds {
                self.slots[*slot] = v.clone();
            }
            self.world.misses.borrow_mut().clear();
            match self.world.ev(inst.node, &mut self.slots)? {
                V::B(true) => {
                    self.done[k] = true;
                    self.undo.push(Undo::Done(k));
                }
                V::B(false) => return Ok(false),
                _ => {
                    let misses = std::mem::take(&mut *self.world.misses.borrow_mut());
                    if misses.is_empty() {
                        return Err(Stop::Unsupported("internal: unknown value without an unassigned entry".into()));
                    }
                    let before = self.open[k].replace(Open { misses });
                    self.undo.push(Undo::Reopened(k, before));
                }
            }
        }
        Ok(true)
    }

    /// The entry to branch on: a constant if an open instance needs one (they
    /// occur everywhere), otherwise the first entry needed by the open
    /// instance with the fewest unassigned entries (fail first). `None`
    /// when every instance is true.
    fn choose(&self) -> Option<(usize, usize)> {
        let mut best: Option<((bool, usize), (usize, usize))> = None;
        for (k, open) in self.open.iter().enumerate() {
            let Some(open) = open.as_ref().filter(|_| !self.done[k]) else { continue };
            let entry = open.misses[0];
            let rank = (!self.world.prog.syms[entry.0].args.is_empty(), open.misses.len());
            if best.is_none_or(|(r, _)| rank < r) {
                best = Some((rank, entry));
            }
        }
        best.map(|(_, e)| e)
    }

    fn branch(&mut self, sym: usize, slot: usize, used: &Used) -> Result<Option<Model>, Stop> {
        let prog = self.world.prog;
        let mut used = used.clone();
        if let Some(args) = self.world.args_of(sym, slot) {
            for (a, v) in prog.syms[sym].args.iter().zip(&args) {
                used.collect(&prog.sorts[*a], v);
            }
        }
        let ret = &prog.sorts[prog.syms[sym].ret];
        for v in self.symmetric_candidates(sym, ret, &used) {
            let mut below = used.clone();
            below.collect(ret, &v);
            self.world.set_slot(sym, slot, Some(v));
            let found = self.dfs(Some((sym, slot)), &below);
            if !matches!(found, Ok(None)) {
                self.world.set_slot(sym, slot, None);
                return found;
            }
        }
        self.world.set_slot(sym, slot, None);
        Ok(None)
    }

    /// The values worth trying for an entry of sort `ret`: one per class of
    /// values interchangeable by a permutation that fixes the used elements.
    fn symmetric_candidates(&self, sym: usize, ret: &Sort, used: &Used) -> Vec<V> {
        let all = &self.candidates[sym];
        match ret {
            Sort::P | Sort::Uninterpreted(_) => {
                let u = used.get(ret);
                let mut fresh_taken = false;
                all.iter()
                    .filter(|v| match v {
                        V::E(k) if u >> k & 1 == 1 => true,
                        _ if fresh_taken => false,
                        _ => {
                            fresh_taken = true;
                            true
                        }
                    })
                    .cloned()
                    .collect()
            }
            Sort::Set(e) if matches!(**e, Sort::P | Sort::Uninterpreted(_)) => {
                let size = self.world.sizes.base(e).unwrap_or(0);
                let full = if size >= 64 { u64::MAX } else { (1u64 << size) - 1 };
                let u = used.get(e) & full;
                let fresh: Vec<u64> = (0..size).filter(|b| u >> b & 1 == 0).map(|b| 1u64 << b).collect();
                let mut out = Vec::new();
                let mut sub = u;
                loop {
                    let mut with_fresh = sub;
                    out.push(V::Mask(with_fresh));
                    for bit in &fresh {
                        with_fresh |= bit;
                        out.push(V::Mask(with_fresh));
                    }
                    if sub == 0 {
                        break;
                    }
                    sub = (sub - 1) & u;
                }
                out
            }
            _ => all.clone(),
        }
    }

    /// Every instance holds whatever the unassigned entries are: complete
    /// the model and confirm it with the exact evaluator.
    fn candidate_model(&mut self) -> Result<Option<Model>, Stop> {
        let w = &self.world;
        let prog = w.prog;
        let mut m = Model { n: w.sizes.n, universes: w.sizes.universes.clone(), ..Model::default() };
        for (s, sym) in prog.syms.iter().enumerate() {
            let Table::Dense { entries, .. } = &w.tables[s] else { continue };
            if self.skolems.contains(&sym.fun.name) {
                continue;
            }
            let ret = &sym.fun.ret;
            let filler = default_of(ret);
            let value = |e: &Option<V>| from_v(e.as_ref().unwrap_or(&filler), ret);
            if sym.is_var {
                m.vars.insert(sym.fun.name.clone(), value(&entries[0])?);
                continue;
            }
            let mut table = FunTable { fun: sym.fun.clone(), entries: BTreeMap::new(), default: None };
            for (slot, e) in entries.iter().enumerate() {
                let v = value(e)?;
                match w.args_of(s, slot) {
                    Some(args) => {
                        let key = args
                            .iter()
                            .zip(&sym.fun.args)
                            .map(|(a, sort)| from_v(a, sort))
                            .collect::<Result<Vec<_>, _>>()?;
                        table.entries.insert(key, v);
                    }
                    None => table.default = Some(v),
                }
            }
            m.funs.insert(sym.fun.name.clone(), table);
        }
        if eval::holds(self.formula, &m)? {
            Ok(Some(m))
        } else {
            self.inexact = true;
            Ok(None)
        }
    }
}

/// The elements of each symmetric sort (`P`, uninterpreted) the partial model mentions.
#[derive(Clone, Debug, Default)]
pub(super) struct Used(Vec<(Sort, u64)>);

impl Used {
    fn get(&self, s: &Sort) -> u64 {
        self.0.iter().find(|(t, _)| t == s).map_or(0, |(_, m)| *m)
    }

    fn add(&mut self, s: &Sort, bits: u64) {
        match self.0.iter_mut().find(|(t, _)| t == s) {
            Some((_, m)) => *m |= bits,
            None => self.0.push((s.clone(), bits)),
        }
    }

    /// Record the symmetric elements inside `v` of sort `s`.
    fn collect(&mut self, s: &Sort, v: &V) {
        match (s, v) {
            (Sort::P | Sort::Uninterpreted(_), V::E(k)) => self.add(s, 1u64 << k),
            (Sort::Set(e), V::Mask(m)) if matches!(**e, Sort::P | Sort::Uninterpreted(_)) => self.add(e, *m),
            (Sort::Set(e), V::List(xs)) => xs.iter().for_each(|x| self.collect(e, x)),
            (Sort::Opt(e), V::O(Some(x))) => self.collect(e, x),
            (Sort::Tuple(cs), V::T(xs)) => cs.iter().zip(xs).for_each(|(c, x)| self.collect(c, x)),
            _ => {}
        }
    }
}
