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
//! A field that a top-level universal makes equal at every two processes
//! (`∀i,j. x(i) = x(j) ∧ …`, or `∀i. x(i) = x(k)` with `k` a constant: "all
//! agree", the way users write it besides `∃v. ∀i. x(i) = v`) gets the
//! macro `∀p. x(p) = c` of a fresh constant `c`, so that all its
//! applications become `c`, as in the value form. Without it, the value
//! everyone holds is only reachable through instances of the universal at
//! pairs of terms (OTR's progress step with "all agree" written pairwise
//! timed out; written with the value, it is proved in 0.3 s).
//!
//! Soundness: the macro conjunct is kept, and under it `f(ū) = t` for every
//! `ū`, so the rewritten formula is equivalent to the original with the
//! existentials' witnesses as constants (equisatisfiable). A uniform
//! field's macro is implied by the universal with `c` the value every
//! process holds (`P` is never empty), so adding it keeps the formula
//! equisatisfiable.

use super::names::NameGen;
use super::syntax::{and, conjuncts, universal_leaves};
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
    // A field equal at every two processes is a constant function of a
    // fresh constant (its value; `P` is never empty).
    let defined: Vec<Fun> = parts.iter().filter_map(constant_function).map(|(g, _)| g).collect();
    let mut uniform: Vec<Fun> = Vec::new();
    for p in &parts {
        if let Some(f) = uniform_field(p)
            && !uniform.contains(&f)
            && !defined.contains(&f)
        {
            uniform.push(f);
        }
    }
    for f in uniform {
        let c = Fun::constant(names.fresh("uniform$"), f.ret.clone()).app(Vec::new());
        let p = Var::new(names.fresh("uniform$p"), f.args[0].clone());
        parts.push(Term::Bind(Binder::Forall, vec![p.clone()], Box::new(Term::Op(Op::Eq, vec![f.app(vec![p.t()]), c]))));
    }
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
            let c = c.subst(&sigma);
            constant_function(&c).is_some() || uniform_field(&c).is_some()
        }
    })
}

/// The unary field `f` that a top-level `∀x̄. … ∧ f(u) = f(w) ∧ …` (`u`, `w`
/// two of `x̄`) or `∀x̄. … ∧ f(u) = t ∧ …` (`t` closed, `f` in it: OTR's
/// "everyone holds what `k` holds") makes equal at every two processes;
/// the equation may sit under further `∀`s among the conjuncts
/// (`∀p. (∀q. HO(p) = HO(q)) ∧ …`).
fn uniform_field(p: &Term) -> Option<Fun> {
    let Term::Bind(Binder::Forall, _, _) = p else { return None };
    // The equations reached from `p` through `∀` and `∧`.
    let equations = universal_leaves(p).into_iter().filter(|(_, t)| matches!(t, Term::Op(Op::Eq, _)));
    equations.into_iter().find_map(|(vs, c)| {
        let at_var = |t: &Term| match t {
            Term::App(f, args) if args.len() == 1 && matches!(&args[0], Term::Var(v) if vs.contains(v)) => Some((f.clone(), args[0].clone())),
            _ => None,
        };
        let Term::Op(Op::Eq, sides) = &c else { return None };
        let [a, b] = sides.as_slice() else { return None };
        [(a, b), (b, a)].into_iter().find_map(|(a, b)| {
            let (f, u) = at_var(a)?;
            let pairwise = at_var(b).is_some_and(|(g, w)| g == f && w != u);
            let mut mentions_f = false;
            b.visit(&mut |t| mentions_f |= matches!(t, Term::App(g, _) if *g == f));
            let held = mentions_f && b.free_vars().is_empty();
            (pairwise || held).then_some(f)
        })
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

    /// "Every two processes hold the same `x`" and "everyone holds what
    /// `k` holds" make `x` a constant: its applications become one fresh
    /// constant, the equation defining it kept.
    #[test]
    fn a_field_equal_at_every_two_processes_is_a_constant() {
        for src in [
            "fun x: P -> Int; fun d: P -> Bool; const a: P;
             assert (forall i: P. forall j: P. x(i) == x(j) && (!d(j) || x(i) > 0)) && x(a) < 0;",
            "fun x: P -> Int; const a: P;
             assert (exists k: P. forall i: P. x(i) == x(k)) && x(a) < 0;",
            // A good round without a named set: the equation under a
            // second `∀` among the first one's conjuncts.
            "fun x: P -> Int; const a: P;
             assert (forall i: P. (forall j: P. x(i) == x(j)) && 3 * x(i) > 2 * n) && x(a) < 0;",
        ] {
            let out = expand(src);
            assert!(!out.contains("x(a)") && out.contains("uniform$"), "{out}");
        }
    }

    /// An equation at one process (`x(i) = y(i)`) or between two fields
    /// does not make a field constant.
    #[test]
    fn a_field_compared_with_another_is_not_a_constant() {
        for src in [
            "fun x: P -> Int; fun y: P -> Int; const a: P;
             assert (forall i: P. forall j: P. x(i) == y(j)) && x(a) < 0;",
            // Under a disjunction the equation is no fact.
            "fun x: P -> Int; fun d: P -> Bool; const a: P;
             assert (forall i: P. (forall j: P. x(i) == x(j)) || d(i)) && x(a) < 0;",
        ] {
            let out = expand(src);
            assert!(out.contains("x(a)") && !out.contains("uniform$"), "{out}");
        }
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
