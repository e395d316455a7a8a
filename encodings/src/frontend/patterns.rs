//! Patterns: a value bound to an irrefutable pattern (`let`, closure
//! parameters) and a value tested against a refutable one (`if let`, and a
//! `match`'s arms once [`super::matches`] made them `if let`s).

use psync_logic::{Sort, Term};
use syn::Pat;
use syn::spanned::Spanned;

use crate::terms;

use super::cx::{Binding, Cx, Val};
use super::error::{FeResult, err};
use super::expr::sort_name;
use super::types::sort_of;

impl Cx<'_> {
    /// Bind a pattern to a value: identifiers, `_`, `&p`, `(p, q)`, `p: T`.
    pub fn bind_pat(&mut self, pat: &Pat, v: Val) -> FeResult<Vec<Binding>> {
        match pat {
            Pat::Ident(id) if id.subpat.is_none() => {
                Ok(vec![Binding { name: id.ident.to_string(), val: v, ghost: self.ghost_read }])
            }
            Pat::Wild(_) => Ok(Vec::new()),
            Pat::Reference(r) => self.bind_pat(&r.pat, v),
            Pat::Paren(p) => self.bind_pat(&p.pat, v),
            Pat::Type(t) => {
                if let Val::T(term) = &v {
                    self.expect_sort(t, &term.sort())?;
                }
                self.bind_pat(&t.pat, v)
            }
            Pat::Tuple(tp) => {
                let Val::T(t) = v else { return self.expected(pat.span(), "a tuple") };
                tuple_arity(tp, &t.sort())?;
                let mut out = Vec::new();
                for (k, p) in tp.elems.iter().enumerate() {
                    out.extend(self.bind_pat(p, Val::T(terms::proj(t.clone(), k)))?);
                }
                Ok(out)
            }
            _ => err(pat.span(), "pattern outside the verifiable subset", "unsupported pattern"),
        }
    }

    /// Test `v` against `pat`: the condition under which it matches, and
    /// the bindings valid where it does. Beyond what [`Cx::bind_pat`]
    /// binds: `Some(p)`, `None`, literals, tuples of patterns, and
    /// or-patterns whose cases bind nothing.
    pub fn test_pat(&mut self, pat: &Pat, v: Term) -> FeResult<(Term, Vec<Binding>)> {
        match pat {
            Pat::Reference(r) => self.test_pat(&r.pat, v),
            Pat::Paren(p) => self.test_pat(&p.pat, v),
            Pat::Type(t) => {
                self.expect_sort(t, &v.sort())?;
                self.test_pat(&t.pat, v)
            }
            p if is_none_pat(p) => {
                option(p, &v)?;
                Ok((terms::not(terms::is_some(v)), Vec::new()))
            }
            Pat::TupleStruct(ts) if ts.path.is_ident("Some") && ts.elems.len() == 1 => {
                option(pat, &v)?;
                let (guard, binds) = self.test_pat(&ts.elems[0], terms::get_under_some(v.clone()))?;
                Ok((terms::and(vec![terms::is_some(v), guard]), binds))
            }
            Pat::Lit(l) => {
                let k = self.lit(&l.lit)?;
                if k.sort() != v.sort() {
                    return err(l.span(), format!("type mismatch: the value is {}, the pattern {}", sort_name(&v.sort()), sort_name(&k.sort())), "wrong type");
                }
                Ok((terms::eq(v, k), Vec::new()))
            }
            Pat::Tuple(tp) => {
                tuple_arity(tp, &v.sort())?;
                let (mut guards, mut binds) = (Vec::new(), Vec::new());
                for (k, p) in tp.elems.iter().enumerate() {
                    let (g, b) = self.test_pat(p, terms::proj(v.clone(), k))?;
                    guards.push(g);
                    binds.extend(b);
                }
                Ok((terms::and(guards), binds))
            }
            Pat::Or(o) => {
                let mut cases = Vec::new();
                for case in &o.cases {
                    let (g, b) = self.test_pat(case, v.clone())?;
                    if !b.is_empty() {
                        return err(case.span(), "a case of an or-pattern that binds a name is outside the subset", "binds a name");
                    }
                    cases.push(g);
                }
                Ok((terms::or(cases), Vec::new()))
            }
            _ => Ok((Term::Bool(true), self.bind_pat(pat, Val::T(v))?)),
        }
    }

    fn expect_sort(&self, t: &syn::PatType, found: &Sort) -> FeResult<()> {
        let want = sort_of(&t.ty)?.sort;
        if *found != want {
            return err(t.ty.span(), format!("type mismatch: expected {}, found {}", sort_name(&want), sort_name(found)), "wrong type");
        }
        Ok(())
    }
}

/// `None` or `Option::None` (syn reads a bare `None` as a binding).
pub(super) fn is_none_pat(pat: &Pat) -> bool {
    match pat {
        Pat::Ident(id) => id.ident == "None" && id.subpat.is_none() && id.by_ref.is_none() && id.mutability.is_none(),
        Pat::Path(p) => p.qself.is_none() && matches!(super::expr::path_str(&p.path).as_str(), "None" | "Option::None"),
        _ => false,
    }
}

fn option(pat: &Pat, v: &Term) -> FeResult<()> {
    match v.sort() {
        Sort::Opt(_) => Ok(()),
        other => err(pat.span(), format!("this pattern needs an `Option`, the value is {}", sort_name(&other)), "not an Option"),
    }
}

fn tuple_arity(tp: &syn::PatTuple, sort: &Sort) -> FeResult<()> {
    match sort {
        Sort::Tuple(cs) if cs.len() == tp.elems.len() => Ok(()),
        _ => err(tp.span(), "tuple pattern does not match the value's type", "wrong arity"),
    }
}
