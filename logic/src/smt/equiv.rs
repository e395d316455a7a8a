//! Model equivalence up to renaming of elements (back ends number the
//! elements of uninterpreted sorts independently).

use std::collections::BTreeMap;

use crate::{Model, Value};

/// Most search nodes explored before giving up (and answering `false`).
const SEARCH_BUDGET: u64 = 1_000_000;

/// Whether `a` and `b` are the same model up to a bijective renaming of the
/// elements of each uninterpreted sort (including `P`): same `n`, same
/// universe sizes, same symbols, and tables equal as functions (entries and
/// defaults) after renaming.
///
/// Conservative: answers `false` if the search for a renaming exceeds its
/// budget (very large, highly symmetric models).
pub fn isomorphic(a: &Model, b: &Model) -> bool {
    if a.n != b.n || a.universes != b.universes || !a.funs.keys().eq(b.funs.keys()) || !a.vars.keys().eq(b.vars.keys()) {
        return false;
    }
    if a.funs.iter().any(|(name, t)| b.funs[name].fun != t.fun) {
        return false;
    }
    let mut slots: Vec<(String, u32)> = (0..a.n).map(|k| ("P".to_string(), k)).collect();
    for (s, &k) in &a.universes {
        slots.extend((0..k).map(|i| (s.clone(), i)));
    }
    let mut search = Search { a, b, slots, pi: BTreeMap::new(), nodes: 0 };
    search.go(0)
}

struct Search<'m> {
    a: &'m Model,
    b: &'m Model,
    slots: Vec<(String, u32)>,
    /// The renaming so far: (sort, element of a) ↦ element of b.
    pi: BTreeMap<(String, u32), u32>,
    nodes: u64,
}

impl Search<'_> {
    fn map(&self, v: &Value) -> Option<Value> {
        Some(match v {
            Value::Proc(k) => Value::Proc(*self.pi.get(&("P".to_string(), *k))?),
            Value::Elem(s, k) => Value::Elem(s.clone(), *self.pi.get(&(s.clone(), *k))?),
            Value::Set(xs) => Value::Set(xs.iter().map(|x| self.map(x)).collect::<Option<_>>()?),
            Value::Opt(x) => Value::Opt(match x {
                Some(x) => Some(Box::new(self.map(x)?)),
                None => None,
            }),
            Value::Tuple(xs) => Value::Tuple(xs.iter().map(|x| self.map(x)).collect::<Option<_>>()?),
            other => other.clone(),
        })
    }

    fn unmap(&self, v: &Value) -> Option<Value> {
        let find = |s: &str, k: u32| self.pi.iter().find(|(key, j)| key.0 == s && **j == k).map(|(key, _)| key.1);
        Some(match v {
            Value::Proc(k) => Value::Proc(find("P", *k)?),
            Value::Elem(s, k) => Value::Elem(s.clone(), find(s, *k)?),
            Value::Set(xs) => Value::Set(xs.iter().map(|x| self.unmap(x)).collect::<Option<_>>()?),
            Value::Opt(x) => Value::Opt(match x {
                Some(x) => Some(Box::new(self.unmap(x)?)),
                None => None,
            }),
            Value::Tuple(xs) => Value::Tuple(xs.iter().map(|x| self.unmap(x)).collect::<Option<_>>()?),
            other => other.clone(),
        })
    }

    /// No contradiction among the fully renamed facts.
    fn consistent(&self) -> bool {
        for (name, ta) in &self.a.funs {
            let tb = &self.b.funs[name];
            for (args, v) in &ta.entries {
                if let (Some(margs), Some(mv)) = (args.iter().map(|x| self.map(x)).collect::<Option<Vec<_>>>(), self.map(v))
                    && tb.get(&margs) != Some(&mv)
                {
                    return false;
                }
            }
            for (args, v) in &tb.entries {
                if let (Some(uargs), Some(uv)) = (args.iter().map(|x| self.unmap(x)).collect::<Option<Vec<_>>>(), self.unmap(v))
                    && ta.get(&uargs) != Some(&uv)
                {
                    return false;
                }
            }
            match (&ta.default, &tb.default) {
                (None, None) => {}
                (Some(da), Some(db)) => {
                    if let Some(m) = self.map(da)
                        && &m != db
                    {
                        return false;
                    }
                }
                _ => return false,
            }
        }
        for (name, va) in &self.a.vars {
            if let Some(m) = self.map(va)
                && m != self.b.vars[name]
            {
                return false;
            }
        }
        true
    }

    fn go(&mut self, i: usize) -> bool {
        self.nodes += 1;
        if self.nodes > SEARCH_BUDGET || !self.consistent() {
            return false;
        }
        let Some((sort, k)) = self.slots.get(i).cloned() else { return true };
        let size = if sort == "P" { self.a.n } else { self.a.universes[&sort] };
        for j in 0..size {
            if self.pi.iter().any(|(key, t)| key.0 == sort && *t == j) {
                continue;
            }
            self.pi.insert((sort.clone(), k), j);
            if self.go(i + 1) {
                return true;
            }
            self.pi.remove(&(sort.clone(), k));
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Fun, FunTable, Sort};

    fn model(x: [i64; 3], c: u32) -> Model {
        let xf = Fun::new("x", vec![Sort::P], Sort::Int);
        let cf = Fun::constant("c", Sort::P);
        let mut m = Model { n: 3, ..Model::default() };
        m.funs.insert(
            "x".into(),
            FunTable { fun: xf, entries: (0..3).map(|k| (vec![Value::Proc(k)], Value::Int(x[k as usize]))).collect(), default: None },
        );
        m.funs.insert("c".into(), FunTable { fun: cf, entries: [(vec![], Value::Proc(c))].into_iter().collect(), default: None });
        m
    }

    #[test]
    fn renamings_are_found_and_differences_detected() {
        let a = model([1, 2, 3], 0);
        let b = model([3, 1, 2], 1); // p0 ↦ p1, p1 ↦ p2, p2 ↦ p0
        assert!(isomorphic(&a, &b));
        assert!(isomorphic(&a, &a));
        let c = model([3, 1, 2], 0); // c has x = 3, not 1
        assert!(!isomorphic(&a, &c));
        let d = model([1, 1, 3], 0);
        assert!(!isomorphic(&a, &d));
        let mut e = model([1, 2, 3], 0);
        e.n = 4;
        assert!(!isomorphic(&a, &e));
    }
}
