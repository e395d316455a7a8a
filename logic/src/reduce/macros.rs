//! Constant functions: a top-level `∀p̄. f(p̄) = t` with `t` closed and free
//! of `f` says `f` is the constant `t`; every application `f(ū)` elsewhere
//! is replaced by `t`.
//!
//! This is what a liveness predicate such as OTR's "every process hears from
//! the same set" (`∃S. ∀p. HO(p) = S`) says. Rewritten, every mailbox
//! `{i | i ∈ HO(p) ∧ x(i) = v}` becomes the same set `{i | i ∈ S ∧ x(i) = v}`
//! for all `p`, which the Venn regions of ground sets can count; left alone,
//! relating the mailboxes of two processes needs a region group per pair.
//!
//! A top-level existential whose body states such a function is made a
//! constant first (`∃S. A` ↦ `A[S := c]` for a fresh `c`), as Skolemization
//! would later, so that `t` can name it.
//!
//! Soundness: the macro conjunct is kept, and under it `f(ū) = t` for every
//! `ū`, so the rewritten formula is equivalent to the original with the
//! existentials' witnesses as constants (equisatisfiable).

use super::names::NameGen;
use super::syntax::{and, conjuncts};
use crate::{Binder, Fun, Op, Term, Var};

/// Make top-level existentials constants and expand constant functions.
pub fn expand_constant_functions(f: &Term, names: &mut NameGen) -> Term {
    let mut parts: Vec<Term> = Vec::new();
    let mut todo = conjuncts(f.clone());
    while let Some(p) = todo.pop() {
        match p {
            Term::Bind(Binder::Exists, vs, body) if defines_constant_function(&vs, &body) => {
                let sigma: Vec<(Var, Term)> = vs
                    .iter()
                    .map(|v| (v.clone(), Fun::constant(names.fresh(&format!("ex${}$", v.name)), v.sort.clone()).app(Vec::new())))
                    .collect();
                todo.extend(conjuncts(body.subst(&sigma)));
            }
            other => parts.push(other),
        }
    }
    parts.reverse();
    let macros: Vec<(Fun, Term)> = parts.iter().filter_map(constant_function).collect();
    if macros.is_empty() {
        return and(parts);
    }
    let rewritten = parts
        .into_iter()
        .map(|p| {
            if constant_function(&p).is_some() {
                return p;
            }
            p.map_bottom_up(&mut |t| match &t {
                Term::App(g, _) => macros.iter().find(|(f, _)| f == g).map(|(_, c)| c.clone()).unwrap_or(t),
                _ => t,
            })
        })
        .collect();
    and(rewritten)
}

/// Whether `∃vs. body` states a constant function once `vs` are constants.
/// Only such existentials are made constants here: the others stay for
/// the later passes (a comprehension over an existential's variable is a
/// family of sets there, with the region machinery families get).
fn defines_constant_function(vs: &[Var], body: &Term) -> bool {
    conjuncts(body.clone()).iter().any(|c| {
        let Term::Bind(Binder::Forall, _, inner) = c else { return false };
        let mut uses = false;
        inner.visit(&mut |t| uses |= matches!(t, Term::Var(v) if vs.contains(v)));
        uses && {
            let sigma: Vec<(Var, Term)> =
                vs.iter().map(|v| (v.clone(), Fun::constant(format!("{}$probe", v.name), v.sort.clone()).app(Vec::new()))).collect();
            constant_function(&c.subst(&sigma)).is_some()
        }
    })
}

/// `∀p̄. f(p̄) = t` (either side) with `p̄` distinct, exactly `f`'s
/// arguments, and `t` closed and free of `f`: `(f, t)`.
fn constant_function(p: &Term) -> Option<(Fun, Term)> {
    let Term::Bind(Binder::Forall, vs, body) = p else { return None };
    let Term::Op(Op::Eq, sides) = body.as_ref() else { return None };
    let [a, b] = sides.as_slice() else { return None };
    for (app, value) in [(a, b), (b, a)] {
        let Term::App(f, args) = app else { continue };
        let params: Vec<&Var> = args
            .iter()
            .filter_map(|x| match x {
                Term::Var(v) => Some(v),
                _ => None,
            })
            .collect();
        let distinct = params.len() == args.len() && params.iter().enumerate().all(|(i, v)| !params[..i].contains(v));
        let exactly = distinct && params.len() == vs.len() && vs.iter().all(|v| params.contains(&v));
        let mut mentions_f = false;
        value.visit(&mut |t| mentions_f |= matches!(t, Term::App(g, _) if g == f));
        if exactly && !mentions_f && value.free_vars().is_empty() {
            return Some((f.clone(), value.clone()));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse_query;

    fn expand(src: &str) -> String {
        let q = parse_query(src).expect("a query");
        let f = and(q.assertions);
        format!("{}", expand_constant_functions(&f, &mut NameGen::avoiding(&f)))
    }

    #[test]
    fn a_constant_function_is_expanded_and_kept() {
        let out = expand(
            "fun HO: P -> Set<P>; const c: P;
             assert (exists s: Set<P>. forall p: P. HO(p) == s) && |HO(c)| > 0;",
        );
        assert!(out.contains("HO(p) = ex$s$"), "{out}");
        assert!(!out.contains("HO(c)"), "{out}");
    }

    #[test]
    fn an_equation_that_depends_on_its_variable_is_not_a_macro() {
        let out = expand(
            "fun x: P -> Int; fun y: P -> Int; const c: P;
             assert (forall p: P. x(p) == y(p)) && x(c) > 0;",
        );
        assert!(out.contains("x(c)"), "{out}");
    }
}
