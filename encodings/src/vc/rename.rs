//! Moving formulas between states by renaming symbols: pre-state → post-state
//! (`x ↦ x.post`, `r ↦ r.post`, `coord ↦ coord.post`), `old` → pre-state, and
//! at the initial state `init`/`old` → pre-state.

use std::collections::BTreeMap;

use psync_logic::{Fun, Term};

use crate::ir::{Algorithm, names};

/// A renaming of function symbols (by name; signatures are kept).
#[derive(Clone, Debug, Default)]
pub struct Renaming(BTreeMap<String, String>);

impl Renaming {
    /// Apply to a term.
    pub fn apply(&self, t: &Term) -> Term {
        if self.0.is_empty() {
            return t.clone();
        }
        t.map_bottom_up(&mut |x| match x {
            Term::App(f, args) => match self.0.get(&f.name) {
                Some(to) => Term::App(Fun::new(to.clone(), f.args, f.ret), args),
                None => Term::App(f, args),
            },
            other => other,
        })
    }

    fn with(mut self, from: String, to: String) -> Renaming {
        self.0.insert(from, to);
        self
    }
}

/// Pre-state symbols → post-state symbols.
pub fn to_post(alg: &Algorithm) -> Renaming {
    let mut r = Renaming::default()
        .with(names::ROUND.into(), names::post(names::ROUND))
        .with(names::COORD.into(), names::post(names::COORD));
    for f in &alg.fields {
        r = r.with(f.name.clone(), names::post(&f.name));
    }
    r
}

/// For a transition property: `old` copies → pre-state, pre-state → post-state.
pub fn old_to_pre_and_post(alg: &Algorithm) -> Renaming {
    let mut r = to_post(alg);
    for f in &alg.fields {
        r = r.with(format!("{}.old", f.name), f.name.clone());
    }
    r
}

/// At the initial state: `init` and `old` copies are the state itself.
pub fn init_to_pre(alg: &Algorithm) -> Renaming {
    let mut r = Renaming::default();
    for f in &alg.fields {
        r = r.with(format!("{}.init", f.name), f.name.clone()).with(format!("{}.old", f.name), f.name.clone());
    }
    r
}
