//! `impl Spec for S`: invariants, round invariants, liveness and safety
//! predicates, properties — each a Rust predicate over a `World`, read as a
//! CL formula.

use proc_macro2::Span;
use psync_logic::Sort;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Expr, ImplItem, ImplItemFn, Token};

use crate::ir::{Field, Helper, Param, Pred, Property, PropertyKind, SpecIr};

use super::cx::{Cx, Mode, Val};
use super::error::{FeResult, err, err_help};
use super::expr::path_str;
use super::items::has_doc_marker;
use super::loc;

/// The elements of a `vec![…]` (or `Vec::new()`) expression.
fn vec_elems(e: &Expr) -> FeResult<Vec<Expr>> {
    match e {
        Expr::Macro(m) if path_str(&m.mac.path) == "vec" => {
            let parsed = m.mac.parse_body_with(Punctuated::<Expr, Token![,]>::parse_terminated);
            match parsed {
                Ok(p) => Ok(p.into_iter().collect()),
                Err(x) => err(x.span(), format!("cannot parse `vec![…]`: {x}"), "here"),
            }
        }
        Expr::Call(c) if c.args.is_empty() && matches!(&*c.func, Expr::Path(p) if path_str(&p.path) == "Vec::new") => Ok(Vec::new()),
        _ => err_help(e.span(), "expected `vec![…]`", "not a vec! literal", "spec methods end in `vec![…]`, one predicate per element"),
    }
}

/// What a spec method can name: the state fields, the helpers, the
/// parameters, and whether the algorithm declares value faults.
pub(super) type Scope<'a> = (&'a [Field], &'a [Helper], &'a [Param], bool);

/// The translator of one spec method.
struct Method<'a> {
    cx: Cx<'a>,
}

impl<'a> Method<'a> {
    fn new(f: &ImplItemFn, scope: Scope<'a>, phase_len: usize, mode: Mode) -> FeResult<Method<'a>> {
        let (fields, helpers, params, value_faults) = scope;
        let mut cx = Cx::new(fields, helpers, phase_len, mode).with_params(params);
        cx.value_faults = value_faults;
        let w = match f.sig.inputs.first() {
            Some(syn::FnArg::Typed(t)) if f.sig.inputs.len() == 1 => match &*t.pat {
                syn::Pat::Ident(id) => id.ident.to_string(),
                _ => "_".into(),
            },
            _ => return err(f.sig.span(), "a spec method takes the world `w: &World<Self>`", "unexpected signature"),
        };
        cx.bind(&w, Val::World);
        Ok(Method { cx })
    }

    /// Run the method's `let`s, then hand its final expression to `last`.
    fn body<T>(&mut self, f: &ImplItemFn, last: impl FnOnce(&mut Cx<'a>, &Expr) -> FeResult<T>) -> FeResult<T> {
        self.cx.block_with(&f.block, last)
    }

    fn pred(cx: &mut Cx<'a>, e: &Expr) -> FeResult<Pred> {
        let term = cx.bool_term(e)?;
        super::depth::check_term(&term, e.span(), "this predicate")?;
        Ok(Pred { term, loc: loc(e.span()), text: e.span().source_text().unwrap_or_default() })
    }
}

/// Translate `impl Spec for S`.
pub(super) fn spec_impl(items: &[ImplItem], at: Span, scope: Scope<'_>, phase_len: usize) -> FeResult<SpecIr> {
    let mut spec = SpecIr::default();
    let (mut seen_inv, mut seen_props) = (false, false);
    for it in items {
        let ImplItem::Fn(f) = it else {
            return err(it.span(), "unexpected item in `impl Spec`", "unsupported item");
        };
        let name = f.sig.ident.to_string();
        if has_doc_marker(&f.attrs, "(allow vacuous)") {
            spec.allow_vacuous.push(name.clone());
        }
        let inv_mode = Mode::Spec { allow_ho: false, allow_old: false };
        let ho_mode = Mode::Spec { allow_ho: true, allow_old: false };
        match name.as_str() {
            "invariants" => {
                seen_inv = true;
                let mut m = Method::new(f, scope, phase_len, inv_mode)?;
                spec.invariants = m.body(f, |cx, e| vec_elems(e)?.iter().map(|x| Method::pred(cx, x)).collect())?;
            }
            "round_invariants" => {
                let mut m = Method::new(f, scope, phase_len, inv_mode)?;
                spec.round_invariants = m.body(f, |cx, e| {
                    vec_elems(e)?.iter().map(|row| vec_elems(row)?.iter().map(|x| Method::pred(cx, x)).collect()).collect()
                })?;
            }
            "liveness" => {
                let mut m = Method::new(f, scope, phase_len, ho_mode)?;
                spec.liveness = m.body(f, |cx, e| vec_elems(e)?.iter().map(|x| Method::pred(cx, x)).collect())?;
            }
            "assumptions" => {
                let mut m = Method::new(f, scope, phase_len, inv_mode)?;
                spec.assumptions = m.body(f, |cx, e| {
                    let elems = vec_elems(e)?;
                    elems.iter().map(|x| {
                        let p = Method::pred(cx, x)?;
                        super::params::check_assumption(&p.term, x.span())?;
                        Ok(p)
                    }).collect()
                })?;
            }
            "safety" => {
                let mut m = Method::new(f, scope, phase_len, ho_mode)?;
                spec.safety = Some(m.body(f, Method::pred)?);
            }
            "properties" => {
                seen_props = true;
                let mut m = Method::new(f, scope, phase_len, Mode::Spec { allow_ho: false, allow_old: true })?;
                spec.properties = m.body(f, |cx, e| {
                    let elems = vec_elems(e)?;
                    if elems.is_empty() {
                        return err_help(
                            e.span(),
                            "`properties` is empty: a spec must state at least one property to prove",
                            "no properties",
                            "list them as `(\"Name\", predicate)` pairs, e.g. \
                             `vec![(\"Agreement\", w.forall(|i| w.forall(|j| implies(w[i].decided && w[j].decided, w[i].decision == w[j].decision))))]`",
                        );
                    }
                    elems.iter().map(|x| property(cx, x)).collect()
                })?;
            }
            _ => return err(f.sig.ident.span(), format!("unknown spec method `{name}`"), "not a method of `Spec`"),
        }
    }
    if !seen_inv {
        return err_help(at, "missing `fn invariants` in `impl Spec`", "no invariants", "the verifier needs the phase invariants Inv_0 … Inv_m");
    }
    if !seen_props {
        return err_help(at, "missing `fn properties` in `impl Spec`", "no properties", "list the properties to prove, e.g. (\"Agreement\", …)");
    }
    if spec.invariants.is_empty() {
        return err(at, "`invariants` is empty", "no invariants");
    }
    let m = spec.invariants.len() - 1;
    if !spec.liveness.is_empty() && spec.liveness.len() != m {
        return err(at, format!("{} invariants need {m} liveness predicates (one per step Inv_j → Inv_j+1), found {}", m + 1, spec.liveness.len()), "wrong number of liveness predicates");
    }
    if spec.round_invariants.len() > phase_len.saturating_sub(1) {
        return err(at, format!("round invariants are given after rounds 0 … {} of the phase; found {} rows", phase_len.saturating_sub(2), spec.round_invariants.len()), "too many rows");
    }
    if spec.round_invariants.iter().any(|row| row.len() > m + 1) {
        return err(at, "a round-invariant row has more entries than there are invariants", "too many entries");
    }
    Ok(spec)
}

/// `("Name", predicate)`, with `eventually(..)` marking termination-style properties.
fn property(cx: &mut Cx<'_>, e: &Expr) -> FeResult<Property> {
    let Expr::Tuple(t) = e else {
        return err(e.span(), "a property is a pair `(\"Name\", predicate)`", "not a pair");
    };
    if t.elems.len() != 2 {
        return err(e.span(), "a property is a pair `(\"Name\", predicate)`", "not a pair");
    }
    let name = match &t.elems[0] {
        Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(s), .. }) => s.value(),
        other => return err(other.span(), "a property's name is a string literal", "not a string literal"),
    };
    let body = &t.elems[1];
    cx.used_old = false;
    let (kind, inner) = match body {
        Expr::Call(c) if matches!(&*c.func, Expr::Path(p) if path_str(&p.path) == "eventually") && c.args.len() == 1 => {
            (PropertyKind::Eventually, &c.args[0])
        }
        other => (PropertyKind::Safety, other),
    };
    let term = cx.bool_term(inner)?;
    super::depth::check_term(&term, inner.span(), "this property")?;
    let kind = match (kind, cx.used_old) {
        (PropertyKind::Eventually, true) => return err(body.span(), "an `eventually` property cannot mention `old`", "old inside eventually"),
        (PropertyKind::Safety, true) => PropertyKind::Transition,
        (k, _) => k,
    };
    debug_assert_eq!(term.sort(), Sort::Bool);
    let text = body.span().source_text().unwrap_or_default();
    Ok(Property { name, kind, pred: Pred { term, loc: loc(body.span()), text } })
}
