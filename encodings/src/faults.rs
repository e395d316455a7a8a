//! Value faults of one concrete round (see `SPEC_LANGUAGE.md`, *Value
//! faults*): which heard-of messages arrived altered, and what they carried,
//! read as the symbols `AHO` and `alt.rk` of the IR
//! ([`crate::ir::names::AHO`], [`crate::ir::Round::altered`]).

use std::collections::{BTreeMap, BTreeSet};

use psync_logic::{FunTable, Model, Sort, Value};

use crate::ir::{Algorithm, names};

/// The value faults of one round.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ValueFaults {
    /// `aho[p]`: the senders whose message to `p` arrived altered (a subset
    /// of `p`'s heard-of set); an empty vector means none at all.
    pub aho: Vec<BTreeSet<u32>>,
    /// `altered[(s, p)]`: the payload `p` received from `s ∈ aho[p]`.
    pub altered: BTreeMap<(u32, u32), Value>,
}

impl ValueFaults {
    /// Whether no message is altered.
    pub fn is_none(&self) -> bool {
        self.aho.iter().all(BTreeSet::is_empty)
    }

    /// Checks the shape for `ho`: one set per process (or none), each within
    /// the heard-of set, and a payload for every altered message. The error
    /// says what is wrong.
    pub fn check(&self, ho: &[BTreeSet<u32>]) -> Result<(), String> {
        if self.aho.is_empty() {
            return Ok(());
        }
        if self.aho.len() != ho.len() {
            return Err(format!("{} altered heard-of sets for {} processes", self.aho.len(), ho.len()));
        }
        for (p, (a, h)) in self.aho.iter().zip(ho).enumerate() {
            if let Some(q) = a.iter().find(|q| !h.contains(q)) {
                return Err(format!("p{p}'s message from p{q} is altered but not heard of"));
            }
            if let Some(q) = a.iter().find(|&&q| !self.altered.contains_key(&(q, p as u32))) {
                return Err(format!("p{p}'s altered message from p{q} has no payload"));
            }
        }
        Ok(())
    }
}

/// Adds `AHO` and every round's altered payloads `alt.rk` (`alt.rk.c` per
/// tuple component) to `m` for an algorithm with value faults: `faults`'
/// sets and payloads, each other entry its sort's default (never read: the
/// IR reads `alt(s, p)` only when `s ∈ AHO(p)`). Nothing without value faults.
pub fn insert_tables(alg: &Algorithm, faults: &ValueFaults, n: u32, m: &mut Model) {
    if alg.value_faults.is_none() {
        return;
    }
    let set = |p: u32| Value::Set(faults.aho.get(p as usize).map(|a| a.iter().map(|&q| Value::Proc(q)).collect()).unwrap_or_default());
    let entries = (0..n).map(|p| (vec![Value::Proc(p)], set(p))).collect();
    m.funs.insert(names::AHO.into(), FunTable { fun: names::aho_fun(), entries, default: None });
    for rd in &alg.rounds {
        let tuple = matches!(rd.msg, Sort::Tuple(_));
        for (c, fun) in rd.altered.iter().enumerate() {
            let entries = faults
                .altered
                .iter()
                .filter_map(|(&(s, p), v)| {
                    let v = match (tuple, v) {
                        (false, v) => v.clone(),
                        (true, Value::Tuple(cs)) => cs.get(c)?.clone(),
                        (true, _) => return None,
                    };
                    Some((vec![Value::Proc(s), Value::Proc(p)], v))
                })
                .collect();
            m.funs.insert(fun.name.clone(), FunTable { fun: fun.clone(), entries, default: Some(Value::default_of(&fun.ret)) });
        }
    }
}
