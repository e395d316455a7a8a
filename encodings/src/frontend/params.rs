//! Parameters of an algorithm: declared in `impl Process` as
//! `const PARAMS: &'static [&'static str] = &["f"];`, read as `cx.param("f")`
//! (rounds, `init`) and `w.param("f")` (the spec), each the rigid integer
//! constant `param.f`; `fn assumptions` in `impl Spec` says what they and `n`
//! satisfy, over nothing else.

use proc_macro2::Span;
use psync_logic::Term;
use syn::spanned::Spanned;
use syn::{Expr, ExprMethodCall};

use crate::ir::{Param, names};

use super::cx::Cx;
use super::error::{FeResult, err, err_help};
use super::loc;

/// The names of `const PARAMS: … = &["f", "k"];`.
pub(super) fn declared(c: &syn::ImplItemConst) -> FeResult<Vec<Param>> {
    let elems = match &c.expr {
        Expr::Reference(r) => match &*r.expr {
            Expr::Array(a) => a.elems.iter().collect::<Vec<_>>(),
            other => return not_a_list(other.span()),
        },
        other => return not_a_list(other.span()),
    };
    let mut out: Vec<Param> = Vec::new();
    for e in elems {
        let Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(s), .. }) = e else {
            return err(e.span(), "a parameter name is a string literal", "not a string literal");
        };
        let name = s.value();
        let ident = name.chars().next().is_some_and(|c| c.is_alphabetic() || c == '_') && name.chars().all(|c| c.is_alphanumeric() || c == '_');
        if !ident {
            return err_help(s.span(), format!("`{name}` is not a parameter name"), "not an identifier", "parameter names are identifiers, like `f` or `k`");
        }
        if out.iter().any(|p| p.name == name) {
            return err(s.span(), format!("parameter `{name}` is declared twice"), "declared again");
        }
        out.push(Param { name, loc: loc(s.span()) });
    }
    Ok(out)
}

fn not_a_list<T>(span: Span) -> FeResult<T> {
    err_help(span, "expected a list of parameter names `&[\"f\", …]`", "not a list of names", "declare the parameters as `const PARAMS: &'static [&'static str] = &[\"f\"];`")
}

impl Cx<'_> {
    /// `cx.param("f")` / `w.param("f")`: the constant of a declared parameter.
    pub(super) fn param_call(&self, m: &ExprMethodCall) -> FeResult<Term> {
        let [arg] = m.args.iter().collect::<Vec<_>>()[..] else {
            return err(m.span(), "`param` takes the parameter's name", "wrong number of arguments");
        };
        let Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(s), .. }) = arg else {
            return err(arg.span(), "a parameter is named by a string literal, as in `cx.param(\"f\")`", "not a string literal");
        };
        let name = s.value();
        if self.params.iter().any(|p| p.name == name) {
            return Ok(names::param(&name));
        }
        let help = if self.params.is_empty() {
            "this algorithm declares no parameters: add `const PARAMS: &'static [&'static str] = &[\"…\"];` to `impl Process`".to_string()
        } else {
            format!("the declared parameters are: {}", self.params.iter().map(|p| p.name.as_str()).collect::<Vec<_>>().join(", "))
        };
        err_help(s.span(), format!("unknown parameter `{name}`"), "not a declared parameter", help)
    }
}

/// An assumption speaks of the parameters and `n` only: literals,
/// operators, `w.n()` and `w.param(..)`; the error names the first other
/// thing it uses.
pub(super) fn check_assumption(t: &Term, span: Span) -> FeResult<()> {
    let mut stack = vec![t];
    while let Some(t) = stack.pop() {
        let other = match t {
            Term::Int(_) | Term::Bool(_) => None,
            Term::Op(_, args) => {
                stack.extend(args);
                None
            }
            Term::App(f, args) if args.is_empty() && f.name.starts_with(names::PARAM) => None,
            Term::App(f, _) if f.name == names::HO || f.name == names::AHO => Some("heard-of sets".to_string()),
            Term::App(f, _) if f.name == names::ROUND => Some("the round number".to_string()),
            Term::App(f, _) if f.name == names::COORD => Some("the coordinator".to_string()),
            Term::App(f, _) => Some(format!("`{}`", f.name)),
            Term::Var(v) => Some(format!("the variable `{}`", v.name)),
            Term::Bind(..) => Some("a quantifier".to_string()),
        };
        if let Some(what) = other {
            return err_help(
                span,
                format!("an assumption may only speak of the parameters and `n`; this one uses {what}"),
                "not over the parameters and n",
                "write assumptions like `w.n() as i64 > 2 * w.param(\"f\")`; facts about states belong in the invariants",
            );
        }
    }
    Ok(())
}
