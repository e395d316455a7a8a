//! Value faults (Biely et al., "Tolerating corrupted communication", 2007):
//! an algorithm declares them in `impl Process` as
//! `const VALUE_FAULTS: bool = true;`. Then each heard-of set splits into
//! `SHO(p) = HO(p) ∖ AHO(p)` (safe) and `AHO(p) ⊆ HO(p)` (altered): the
//! message `p` receives from `q ∈ AHO(p)` carries an arbitrary payload, the
//! value `alt.rk(q, p)` of a fresh function of round `k`. The spec reads the
//! sets as `w.aho(p)` and `w.sho(p)` where it may read `w.ho(p)`.

use psync_logic::{Fun, Sort, Term, build};
use syn::spanned::Spanned;
use syn::{Expr, ExprMethodCall};

use crate::ir::{Loc, names};
use crate::terms;

use super::cx::{Cx, Mode, RoundCtx};
use super::error::{FeResult, err, err_help};
use super::loc;

/// `const VALUE_FAULTS: bool = true;` → where it is declared; `false` → none.
pub(super) fn declared(c: &syn::ImplItemConst) -> FeResult<Option<Loc>> {
    let is_bool = matches!(&c.ty, syn::Type::Path(p) if p.path.is_ident("bool"));
    match &c.expr {
        Expr::Lit(syn::ExprLit { lit: syn::Lit::Bool(b), .. }) if is_bool => Ok(b.value.then(|| loc(c.ident.span()))),
        _ => err_help(
            c.span(),
            "expected `const VALUE_FAULTS: bool = true;` (or `false`)",
            "not a boolean literal",
            "value faults are declared with a literal: the verifier reads the declaration, not a computation",
        ),
    }
}

/// The altered payloads of round `k` with payload sort `msg`: `alt.rk`
/// (or `alt.rk.c` per component of a tuple), each `P × P → T` over
/// (sender, receiver).
pub(super) fn altered_funs(k: usize, msg: &Sort) -> Vec<Fun> {
    let fun = |name: String, sort: &Sort| Fun::new(name, vec![Sort::P, Sort::P], sort.clone());
    match msg {
        Sort::Tuple(cs) => cs.iter().enumerate().map(|(c, s)| fun(format!("{}r{k}.{c}", names::ALT), s)).collect(),
        s => vec![fun(format!("{}r{k}", names::ALT), s)],
    }
}

/// The payload the executing process receives from `s`, which sent `sent`:
/// `sent` without value faults, else `ite(s ∈ AHO(self), alt(s, self), sent)`
/// (component by component for a tuple).
pub(super) fn received_payload(r: &RoundCtx, s: Term, sent: Term) -> Term {
    if r.altered.is_empty() {
        return sent;
    }
    let me = names::self_var().t();
    let altered = build::member(s.clone(), names::aho(me.clone()));
    let alt = |f: &Fun| f.app(vec![s.clone(), me.clone()]);
    match &r.msg {
        Sort::Tuple(_) => build::tuple(
            r.altered.iter().enumerate().map(|(c, f)| terms::ite(altered.clone(), alt(f), terms::proj(sent.clone(), c))).collect(),
        ),
        _ => terms::ite(altered, alt(&r.altered[0]), sent),
    }
}

impl Cx<'_> {
    /// `w.aho(p)` (`AHO(p)`) and `w.sho(p)` (`HO(p) ∖ AHO(p)`): where
    /// `w.ho(p)` is allowed, and only in an algorithm with value faults.
    pub(super) fn altered_ho_call(&mut self, m: &ExprMethodCall, name: &str) -> FeResult<Term> {
        let [arg] = m.args.iter().collect::<Vec<_>>()[..] else {
            return err(m.span(), format!("`{name}` takes 1 argument(s)"), "wrong number of arguments");
        };
        if !self.value_faults {
            return err_help(
                m.method.span(),
                format!("`w.{name}(..)` reads the {} senders of a round, but this algorithm does not declare value faults", if name == "aho" { "altered" } else { "safe" }),
                "no value faults declared",
                "add `const VALUE_FAULTS: bool = true;` to `impl Process`: then a message from a sender in `w.aho(p)` carries an arbitrary payload",
            );
        }
        let allowed = matches!(self.mode, Mode::Spec { allow_ho: true, .. });
        self.require(allowed, m.method.span(), &format!("`w.{name}(..)`"), "heard-of sets belong to a round: use them in `liveness` and `safety`, not in invariants or properties")?;
        let p = self.term_of(arg, &Sort::P)?;
        Ok(if name == "aho" { names::aho(p) } else { build::diff(names::ho(p.clone()), names::aho(p)) })
    }
}
