//! Turning a model of the flat query back into a model of the original
//! signature: `n = k`, real sets, options and tuples, one table per symbol.
//!
//! Process `i` of the decoded model is the solver's value of the constant
//! `bnd@p{i}`; uninterpreted elements keep the solver's numbering except
//! that the element chosen for a sort's default constant becomes element 0
//! (the evaluator's `get(None)`). Functions whose arguments are all finite
//! are tabulated on every argument tuple; the others (with `Int`
//! arguments) get the solver's entries and, when every component has one,
//! its default. The result is only a candidate: the caller confirms it
//! with the evaluator.

use std::collections::BTreeMap;

use crate::bounded::flat::PROC_PREFIX;
use crate::bounded::layout::{Codec, Sizes, atoms, domain};
use crate::bounded::lower::{Lowered, fun_component, var_component};
use crate::{Fun, FunTable, Model, Sort, Value};

/// The most argument tuples tabulated for one symbol.
const MAX_TABLE: usize = 100_000;

/// Swap element 0 and element `d` (an involution).
fn swap(e: u32, d: u32) -> u32 {
    if e == 0 {
        d
    } else if e == d {
        0
    } else {
        e
    }
}

/// Every uninterpreted sort occurring in `sort`.
fn uninterpreted(sort: &Sort, out: &mut Vec<Sort>) {
    match sort {
        Sort::Uninterpreted(_) if !out.contains(sort) => out.push(sort.clone()),
        Sort::Set(e) | Sort::Opt(e) => uninterpreted(e, out),
        Sort::Tuple(cs) => cs.iter().for_each(|c| uninterpreted(c, out)),
        _ => {}
    }
}

/// Build the model of the original formula from the flat model `m`.
///
/// `sorts` are the sorts occurring in the original formula (for universes).
pub(crate) fn decode(l: &Lowered, sorts: &[Sort], m: &Model) -> Result<Model, String> {
    let constant = |name: &str| -> Option<Value> { m.funs.get(name).and_then(|t| t.get(&[]).cloned()) };
    // Processes.
    let mut procs = Vec::with_capacity(l.k as usize);
    for i in 0..l.k {
        match constant(&format!("{PROC_PREFIX}{i}")) {
            Some(v @ Value::Proc(_)) if !procs.contains(&v) => procs.push(v),
            other => return Err(format!("process constant {i} has the value {other:?}")),
        }
    }
    if m.n != l.k {
        return Err(format!("the solver's universe of P has {} elements, not {}", m.n, l.k));
    }
    // Uninterpreted sorts: sizes, and which element is the default.
    let mut us = Vec::new();
    sorts.iter().for_each(|s| uninterpreted(s, &mut us));
    let mut universes = BTreeMap::new();
    let mut zero = BTreeMap::new();
    for s in &us {
        let name = s.mangle();
        universes.insert(name.clone(), m.universes.get(&name).copied().unwrap_or(1));
        let d = match l.defaults.get(&name).and_then(|c| constant(c)) {
            Some(Value::Elem(_, d)) => d,
            _ => 0,
        };
        zero.insert(name, d);
    }
    let atom_in = |v: &Value| -> Option<Value> {
        match v {
            Value::Proc(_) => procs.iter().position(|p| p == v).map(|i| Value::Proc(i as u32)),
            Value::Elem(s, e) => {
                let d = *zero.get(s)?;
                (*e < *universes.get(s)?).then(|| Value::Elem(s.clone(), swap(*e, d)))
            }
            _ => None,
        }
    };
    let atom_out = |v: &Value| -> Option<Value> {
        match v {
            Value::Proc(i) => procs.get(*i as usize).cloned(),
            Value::Elem(s, e) => zero.get(s).map(|d| Value::Elem(s.clone(), swap(*e, *d))),
            _ => None,
        }
    };
    let codec = Codec { sizes: Sizes { k: l.k, universes: Some(&universes) }, atom_in: &atom_in, atom_out: &atom_out };
    // A value for components the flat query never mentions.
    let filler = |s: &Sort| -> Value {
        match s {
            Sort::Bool => Value::Bool(false),
            Sort::Int => Value::Int(0),
            Sort::P => procs[0].clone(),
            other => Value::Elem(other.mangle(), zero.get(&other.mangle()).copied().unwrap_or(0)),
        }
    };
    let mut out = Model { n: l.k, universes: universes.clone(), funs: BTreeMap::new(), vars: BTreeMap::new() };
    for v in &l.free {
        let mut comps = Vec::new();
        for (c, s) in atoms(&v.sort, l.k).map_err(|e| e.to_string())?.iter().enumerate() {
            comps.push(constant(&var_component(&v.name, c)).unwrap_or_else(|| filler(s)));
        }
        out.vars.insert(v.name.clone(), codec.decode(&v.sort, &comps)?);
    }
    for f in &l.funs {
        let table = fun_table(f, m, &codec, &filler)?;
        out.funs.insert(f.name.clone(), table);
    }
    Ok(out)
}

/// The table of the original symbol `f`.
fn fun_table(f: &Fun, m: &Model, codec: &Codec, filler: &dyn Fn(&Sort) -> Value) -> Result<FunTable, String> {
    let k = codec.sizes.k;
    let ret_atoms = atoms(&f.ret, k).map_err(|e| e.to_string())?;
    let comps: Vec<Option<&FunTable>> =
        (0..ret_atoms.len()).map(|c| m.funs.get(&fun_component(&f.name, c))).collect();
    // The flat components of the result at the flat arguments `key`.
    let at = |key: &[Value]| -> Option<Vec<Value>> {
        comps
            .iter()
            .zip(&ret_atoms)
            .map(|(t, s)| match t {
                Some(t) => t.get(key).cloned(),
                None => Some(filler(s)),
            })
            .collect()
    };
    let mut table = FunTable { fun: f.clone(), entries: BTreeMap::new(), default: None };
    let domains: Option<Vec<Vec<Value>>> = f.args.iter().map(|s| domain(s, &codec.sizes).ok()).collect();
    let tuples = domains.as_ref().map(|ds| ds.iter().try_fold(1usize, |n, d| n.checked_mul(d.len())));
    if let (Some(ds), Some(Some(count))) = (&domains, tuples)
        && count <= MAX_TABLE
    {
        for idx in 0..count {
            let mut rest = idx;
            let mut args = Vec::with_capacity(ds.len());
            for d in ds.iter().rev() {
                args.push(d[rest % d.len()].clone());
                rest /= d.len();
            }
            args.reverse();
            let mut key = Vec::new();
            for (a, s) in args.iter().zip(&f.args) {
                key.extend(codec.encode(a, s)?);
            }
            let vals = at(&key).ok_or_else(|| format!("`{}` has no value at {args:?}", f.name))?;
            table.entries.insert(args, codec.decode(&f.ret, &vals)?);
        }
        return Ok(table);
    }
    // Infinite (or huge) argument domains: the solver's explicit entries.
    let widths: Vec<usize> = f.args.iter().map(|s| atoms(s, k).map(|a| a.len())).collect::<Result<_, _>>().map_err(|e| e.to_string())?;
    let mut keys: Vec<&Vec<Value>> = comps.iter().flatten().flat_map(|t| t.entries.keys()).collect();
    keys.sort();
    keys.dedup();
    'keys: for key in keys {
        let mut args = Vec::with_capacity(f.args.len());
        let mut rest = key.as_slice();
        for (s, w) in f.args.iter().zip(&widths) {
            if rest.len() < *w {
                continue 'keys;
            }
            let (part, tail) = rest.split_at(*w);
            rest = tail;
            // Only canonical argument tuples are values of the original sorts.
            match codec.decode(s, part) {
                Ok(a) if codec.encode(&a, s).is_ok_and(|e| e == part) => args.push(a),
                _ => continue 'keys,
            }
        }
        if let Some(vals) = at(key) {
            table.entries.insert(args, codec.decode(&f.ret, &vals)?);
        }
    }
    let defaults: Option<Vec<Value>> = comps
        .iter()
        .zip(&ret_atoms)
        .map(|(t, s)| match t {
            Some(t) => t.default.clone(),
            None => Some(filler(s)),
        })
        .collect();
    table.default = defaults.and_then(|d| codec.decode(&f.ret, &d).ok());
    Ok(table)
}
