//! Deterministic fresh names for the symbols the reduction introduces.
//!
//! Names are `prefix` + counter, skipping every name already used by the
//! input, so the reduced form of a query is the same on every run (insta
//! snapshots and `--dump-smt` depend on that).

use std::collections::{BTreeMap, HashSet};

use crate::{Term, Var};

/// A supply of fresh, deterministic names.
#[derive(Clone, Debug, Default)]
pub struct NameGen {
    taken: HashSet<String>,
    counters: BTreeMap<String, usize>,
}

impl NameGen {
    /// A supply that avoids every symbol and variable name of `t`.
    pub fn avoiding(t: &Term) -> NameGen {
        let mut taken = HashSet::new();
        t.visit(&mut |s| match s {
            Term::App(f, _) => {
                taken.insert(f.name.clone());
            }
            Term::Var(v) => {
                taken.insert(v.name.clone());
            }
            Term::Bind(_, vs, _) => taken.extend(vs.iter().map(|v| v.name.clone())),
            _ => {}
        });
        NameGen {
            taken,
            counters: BTreeMap::new(),
        }
    }

    /// Reserve a name (so it is never generated).
    pub fn reserve(&mut self, name: &str) {
        self.taken.insert(name.to_string());
    }

    /// A fresh name `prefix<k>` for the smallest unused counter `k ≥ 1`.
    pub fn fresh(&mut self, prefix: &str) -> String {
        let k = self.counters.entry(prefix.to_string()).or_insert(0);
        loop {
            *k += 1;
            let cand = format!("{prefix}{k}");
            if self.taken.insert(cand.clone()) {
                return cand;
            }
        }
    }

    /// A fresh variable whose name recalls `base` (bound variables keep a
    /// readable stem: `i` becomes `i$1`, `i$2`, …).
    pub fn fresh_var(&mut self, base: &Var) -> Var {
        let stem = base.name.split('$').next().unwrap_or("v").to_string();
        Var::new(self.fresh(&format!("{stem}$")), base.sort.clone())
    }
}
