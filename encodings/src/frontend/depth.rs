//! A bound on the depth of the terms the front end hands on.
//!
//! [`super::MAX_NESTING`] bounds the syntax, but terms also grow through
//! names: a chain of `let`s, each using the one before, or of assignments
//! `p.x = p.x + 1;` in an `update`, which the VC generator composes by
//! substitution. Every pass over terms after the front end recurses over
//! their depth, so each `let` value, each predicate and each update's
//! composed field values and chosen-value axioms are measured (iteratively)
//! and a deeper one is a located error.

use std::collections::HashMap;

use proc_macro2::Span;
use psync_logic::{Term, Var};

use crate::ir::{Field, Stmt, names};

use super::error::{FeResult, err_help};

/// The deepest term a spec may give rise to: several times what the
/// nesting limit allows one expression to build, and far below what the
/// passes over terms survive.
pub const MAX_TERM_DEPTH: usize = 1024;

/// The depth of `t`, a variable `v` counting `of_var(v)`.
fn depth_with(t: &Term, of_var: &dyn Fn(&Var) -> usize) -> usize {
    let mut deepest = 0;
    let mut stack = vec![(t, 1)];
    while let Some((t, d)) = stack.pop() {
        match t {
            Term::Var(v) => deepest = deepest.max(d - 1 + of_var(v).max(1)),
            Term::Bool(_) | Term::Int(_) => deepest = deepest.max(d),
            Term::App(_, args) | Term::Op(_, args) => {
                deepest = deepest.max(d);
                stack.extend(args.iter().map(|a| (a, d + 1)));
            }
            Term::Bind(_, _, body) => {
                deepest = deepest.max(d);
                stack.push((body, d + 1));
            }
        }
    }
    deepest
}

fn too_deep<T>(at: Span, what: &str, depth: usize) -> FeResult<T> {
    err_help(
        at,
        format!("{what} builds a term {depth} deep, more than the verifier accepts ({MAX_TERM_DEPTH})"),
        "term too deep",
        "a chain of `let`s or assignments, each using the one before, nests its values; shorten the chain",
    )
}

/// An error at `at` if `t` is deeper than [`MAX_TERM_DEPTH`].
pub fn check_term(t: &Term, at: Span, what: &str) -> FeResult<()> {
    let d = depth_with(t, &|_| 1);
    if d > MAX_TERM_DEPTH { too_deep(at, what, d) } else { Ok(()) }
}

/// An error at `at` if the update `stmts`, executed as the VC generator
/// does (each value substituted into the next), builds a term deeper than
/// [`MAX_TERM_DEPTH`].
pub fn check_update(stmts: &[Stmt], fields: &[Field], at: Span) -> FeResult<()> {
    let mut env: HashMap<String, usize> = fields.iter().map(|f| (names::cur_var(&f.name, &f.sort).name, 2)).collect();
    run(stmts, fields, &mut env, at)
}

/// Track the depth of every SSA value through `stmts` (recursing only
/// over nested `if`s, which the nesting limit bounds).
fn run(stmts: &[Stmt], fields: &[Field], env: &mut HashMap<String, usize>, at: Span) -> FeResult<()> {
    let measure = |t: &Term, env: &HashMap<String, usize>| -> FeResult<usize> {
        let d = depth_with(t, &|v| env.get(&v.name).copied().unwrap_or(1));
        if d > MAX_TERM_DEPTH { too_deep(at, "this update", d) } else { Ok(d) }
    };
    for s in stmts {
        match s {
            Stmt::Let { var, value } => {
                let d = measure(value, env)?;
                env.insert(var.name.clone(), d);
            }
            Stmt::Assign { field, value } => {
                let d = measure(value, env)?;
                let f = fields.iter().find(|f| &f.name == field).expect("the front end checked the field");
                env.insert(names::cur_var(&f.name, &f.sort).name, d);
            }
            Stmt::If { cond, then, els } => {
                let c = measure(cond, env)?;
                let (mut a, mut b) = (env.clone(), env.clone());
                run(then, fields, &mut a, at)?;
                run(els, fields, &mut b, at)?;
                for f in fields {
                    let name = names::cur_var(&f.name, &f.sort).name;
                    let joined = 1 + c.max(a[&name]).max(b[&name]);
                    if joined > MAX_TERM_DEPTH {
                        return too_deep(at, "this update", joined);
                    }
                    env.insert(name, joined);
                }
            }
            Stmt::Choose { axiom, .. } => {
                measure(axiom, env)?;
            }
            Stmt::ChoiceOfHeard { .. } => {}
            Stmt::Check { cond, .. } => {
                measure(cond, env)?;
            }
        }
    }
    Ok(())
}
