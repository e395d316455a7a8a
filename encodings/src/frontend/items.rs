//! The file level: find the state struct, `impl Process`, the rounds named in
//! `phase![…]`, helpers with contracts and `impl Spec`, and assemble the IR.

use proc_macro2::Span;
use psync_logic::{Fun, Sort, Term, Var};
use syn::spanned::Spanned;
use syn::{Expr, ImplItem, ImplItemFn, Item, Type};

use crate::ir::{Algorithm, Field, Helper, Round, names};

use super::cx::{Cx, Mode, RoundCtx, StateRef, Val};
use super::error::{FeResult, err, err_help};
use super::expr::path_str;
use super::loc;
use super::spec::spec_impl;
use super::types::{generic_arg, sort_of};

/// Names the logic reserves for its own symbols.
const RESERVED: [&str; 4] = [names::HO, names::AHO, names::ROUND, names::COORD];

pub(super) fn type_name(t: &Type) -> Option<String> {
    match t {
        Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    }
}

/// `CamelCase` → `camel_case`.
fn snake(s: &str) -> String {
    let mut out = String::new();
    for (k, c) in s.chars().enumerate() {
        if c.is_uppercase() {
            if k > 0 {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// Whether a doc-comment line of an item starts with `marker`, as in
/// `/// (ghost) …` on a field.
pub(super) fn has_doc_marker(attrs: &[syn::Attribute], marker: &str) -> bool {
    attrs.iter().any(|a| {
        if let syn::Meta::NameValue(nv) = &a.meta
            && nv.path.is_ident("doc")
            && let Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(s), .. }) = &nv.value
        {
            return s.value().trim_start().starts_with(marker);
        }
        false
    })
}

fn is_cfg_test(attrs: &[syn::Attribute]) -> bool {
    attrs
        .iter()
        .any(|a| a.path().is_ident("cfg") && matches!(&a.meta, syn::Meta::List(l) if l.tokens.to_string().contains("test")))
}

/// Parameter names of a function, in order.
pub(super) fn param_names(f: &syn::Signature) -> Vec<(String, Option<Type>)> {
    f.inputs
        .iter()
        .map(|a| match a {
            syn::FnArg::Typed(t) => match &*t.pat {
                syn::Pat::Ident(id) => (id.ident.to_string(), Some((*t.ty).clone())),
                _ => ("_".into(), Some((*t.ty).clone())),
            },
            syn::FnArg::Receiver(_) => ("self".into(), None),
        })
        .collect()
}

pub(super) struct Found<'f> {
    pub structs: Vec<&'f syn::ItemStruct>,
    pub process: Option<&'f syn::ItemImpl>,
    pub spec: Option<&'f syn::ItemImpl>,
    pub rounds: Vec<(String, &'f syn::ItemImpl)>,
    pub event_rounds: Vec<(String, &'f syn::ItemImpl)>,
    pub fns: Vec<&'f syn::ItemFn>,
}

pub(super) fn collect(file: &syn::File) -> FeResult<Found<'_>> {
    let mut f = Found { structs: Vec::new(), process: None, spec: None, rounds: Vec::new(), event_rounds: Vec::new(), fns: Vec::new() };
    for item in &file.items {
        match item {
            Item::Use(_) => {}
            Item::Struct(s) => f.structs.push(s),
            Item::Fn(func) => f.fns.push(func),
            Item::Mod(m) if is_cfg_test(&m.attrs) => {}
            Item::Impl(i) => {
                let Some((tr, _)) = &i.trait_ else {
                    return err_help(i.self_ty.span(), "inherent `impl` blocks are outside the verifiable subset", "unsupported item", "write a helper as a closure where it is used (`let quorum = |n: usize| n / 2 + 1;`), which is inlined, or as a free function with a contract (`fn h`, `fn h_ensures`), whose body is not read");
                };
                let trait_name = tr.segments.last().map(|s| s.ident.to_string()).unwrap_or_default();
                let self_name = type_name(&i.self_ty).unwrap_or_default();
                match trait_name.as_str() {
                    "Process" if f.process.is_some() => return err(i.self_ty.span(), "a second `impl Process`", "one algorithm per file"),
                    "Process" => f.process = Some(i),
                    "Spec" => f.spec = Some(i),
                    "Round" => f.rounds.push((self_name, i)),
                    "EventRound" => f.event_rounds.push((self_name, i)),
                    _ => return err(tr.span(), format!("`impl {trait_name}` is outside the verifiable subset"), "unsupported impl"),
                }
            }
            other => return err(other.span(), "item outside the verifiable subset", "unsupported item"),
        }
    }
    Ok(f)
}

pub(super) fn fn_named<'i>(items: &'i [ImplItem], name: &str) -> Option<&'i ImplItemFn> {
    items.iter().find_map(|it| match it {
        ImplItem::Fn(f) if f.sig.ident == name => Some(f),
        _ => None,
    })
}

fn assoc_type<'i>(items: &'i [ImplItem], name: &str) -> Option<&'i Type> {
    items.iter().find_map(|it| match it {
        ImplItem::Type(t) if t.ident == name => Some(&t.ty),
        _ => None,
    })
}

/// A round of the phase: its type name, where the phase names it, and
/// whether it is an event round (`.event_round::<E>()`).
type PhaseEntry = (String, Span, bool);

/// The rounds of `phase![A, B]` / `Phase::new().round::<A>().event_round::<E>()…`.
fn phase_rounds(f: &ImplItemFn) -> FeResult<Vec<PhaseEntry>> {
    let last = match f.block.stmts.last() {
        Some(syn::Stmt::Expr(e, None)) => e,
        Some(syn::Stmt::Macro(m)) => {
            return phase_macro(&m.mac);
        }
        _ => return err(f.block.span(), "`phase()` must end in `phase![…]`", "no phase"),
    };
    match last {
        Expr::Macro(m) => phase_macro(&m.mac),
        _ => {
            let mut out = Vec::new();
            let mut e = last;
            loop {
                match e {
                    Expr::MethodCall(m) if m.method == "round" || m.method == "event_round" => {
                        let Some(syn::GenericArgument::Type(t)) = m.turbofish.as_ref().and_then(|g| g.args.first()) else {
                            return err(m.span(), format!("expected `.{}::<R>()`", m.method), "no round type");
                        };
                        out.push((type_name(t).unwrap_or_default(), t.span(), m.method == "event_round"));
                        e = &m.receiver;
                    }
                    Expr::Call(c) if matches!(&*c.func, Expr::Path(p) if path_str(&p.path) == "Phase::new") => break,
                    other => return err(other.span(), "`phase()` must be `phase![…]` or `Phase::new().round::<R>()…` (`.event_round::<E>()` for an event round)", "unsupported phase"),
                }
            }
            out.reverse();
            Ok(out)
        }
    }
}

fn phase_macro(m: &syn::Macro) -> FeResult<Vec<PhaseEntry>> {
    if path_str(&m.path) != "phase" {
        return err(m.span(), "expected `phase![…]`", "not a phase");
    }
    let tys = m
        .parse_body_with(syn::punctuated::Punctuated::<Type, syn::Token![,]>::parse_terminated)
        .or_else(|x| err(x.span(), format!("cannot parse `phase![…]`: {x}"), "here"))?;
    Ok(tys.iter().map(|t| (type_name(t).unwrap_or_default(), t.span(), false)).collect())
}

/// Translate a whole spec file.
pub fn algorithm(file: &syn::File) -> FeResult<Algorithm> {
    let found = collect(file)?;
    let top = file.items.first().map(|i| i.span()).unwrap_or_else(Span::call_site);
    let Some(process) = found.process else {
        return err_help(top, "missing `impl Process for …`", "no process", "a spec file defines one state struct with `impl Process`");
    };
    let state_name = type_name(&process.self_ty).unwrap_or_default();
    let Some(st) = found.structs.iter().find(|s| s.ident == state_name) else {
        return err(process.self_ty.span(), format!("the state struct `{state_name}` is not defined in this file"), "not found");
    };
    let syn::Fields::Named(named) = &st.fields else {
        return err(st.span(), "the state must be a struct with named fields", "not a named-field struct");
    };
    let mut fields = Vec::new();
    for fd in &named.named {
        let name = fd.ident.as_ref().map(|i| i.to_string()).unwrap_or_default();
        if RESERVED.contains(&name.as_str()) {
            return err(fd.span(), format!("field name `{name}` is reserved by the verifier"), "reserved name");
        }
        let ty = sort_of(&fd.ty)?;
        fields.push(Field { name, sort: ty.sort, ghost: has_doc_marker(&fd.attrs, "(ghost)"), unsigned: ty.unsigned, loc: loc(fd.span()) });
    }

    // Rounds, in phase order.
    let Some(phase_fn) = fn_named(&process.items, "phase") else {
        return err(process.self_ty.span(), "missing `fn phase()` in `impl Process`", "no phase");
    };
    let round_names = phase_rounds(phase_fn)?;
    if round_names.is_empty() {
        return err(phase_fn.span(), "the phase has no rounds", "empty phase");
    }
    let mut params = Vec::new();
    let mut value_faults = None;
    for it in &process.items {
        match it {
            ImplItem::Fn(f) if ["init", "phase", "decision"].contains(&f.sig.ident.to_string().as_str()) => {}
            ImplItem::Type(t) if t.ident == "Io" => {}
            ImplItem::Const(c) if c.ident == "PARAMS" => params = super::params::declared(c)?,
            ImplItem::Const(c) if c.ident == "VALUE_FAULTS" => value_faults = super::value_faults::declared(c)?,
            other => return err(other.span(), "unexpected item in `impl Process`", "unsupported item"),
        }
    }
    let phase_len = round_names.len();

    let helpers = helpers(&found.fns, &fields)?;

    let mut rounds = Vec::new();
    for (k, (rname, rspan, event)) in round_names.iter().enumerate() {
        if *event {
            let Some((_, imp)) = found.event_rounds.iter().find(|(n, _)| n == rname) else {
                return err(*rspan, format!("no `impl EventRound<{state_name}> for {rname}`"), "round not implemented");
            };
            let closed = super::event::closed_round(imp)?;
            rounds.push(round(&closed, k, (&fields, &helpers, &params, value_faults.is_some()), phase_len)?);
            continue;
        }
        let Some((_, imp)) = found.rounds.iter().find(|(n, _)| n == rname) else {
            if found.event_rounds.iter().any(|(n, _)| n == rname) {
                return err_help(*rspan, format!("`{rname}` is an event round, listed as a closed round"), "not a `Round`", format!("name it with `Phase::new()….event_round::<{rname}>()`"));
            }
            return err(*rspan, format!("no `impl Round<{state_name}> for {rname}`"), "round not implemented");
        };
        rounds.push(round(imp, k, (&fields, &helpers, &params, value_faults.is_some()), phase_len)?);
    }

    // init.
    let Some(io_ty) = assoc_type(&process.items, "Io") else {
        return err(process.self_ty.span(), "missing `type Io = Consensus<…>`", "no IO type");
    };
    let io_sort = match io_ty {
        Type::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == "Consensus") => {
            match generic_arg(p.path.segments.last().expect("checked")) {
                Some(t) => sort_of(t)?.sort,
                None => return err(io_ty.span(), "expected `Consensus<V>`", "unsupported IO"),
            }
        }
        _ => return err_help(io_ty.span(), "unsupported IO type", "unsupported IO", "the verifier understands `Consensus<V>`"),
    };
    let Some(init_fn) = fn_named(&process.items, "init") else {
        return err(process.self_ty.span(), "missing `fn init` in `impl Process`", "no init");
    };
    let init = init_values(init_fn, (&fields, &helpers, &params, value_faults.is_some()), phase_len, &io_sort, &state_name)?;
    let inputs = vec![Fun::new(format!("{}initial", names::IO), vec![Sort::P], io_sort)];

    let Some(spec) = found.spec else {
        return err_help(process.self_ty.span(), format!("missing `impl Spec for {state_name}`"), "no specification", "add invariants and properties in `impl Spec`");
    };
    let spec = spec_impl(&spec.items, spec.self_ty.span(), (&fields, &helpers, &params, value_faults.is_some()), phase_len)?;

    Ok(Algorithm { name: snake(&state_name), state_name, fields, inputs, params, init, rounds, value_faults, helpers, spec })
}

fn round(imp: &syn::ItemImpl, k: usize, scope: super::spec::Scope<'_>, phase_len: usize) -> FeResult<Round> {
    let (fields, helpers, params, value_faults) = scope;
    let name = type_name(&imp.self_ty).unwrap_or_default();
    let Some(msg_ty) = assoc_type(&imp.items, "Msg") else {
        return err(imp.self_ty.span(), "missing `type Msg`", "no message type");
    };
    let msg = sort_of(msg_ty)?.sort;
    for it in &imp.items {
        match it {
            ImplItem::Fn(f) if ["send", "update", "expected", "progress"].contains(&f.sig.ident.to_string().as_str()) => {}
            ImplItem::Type(t) if t.ident == "Msg" => {}
            other => return err(other.span(), "unexpected item in `impl Round`", "unsupported item"),
        }
    }
    let (Some(send), Some(update)) = (fn_named(&imp.items, "send"), fn_named(&imp.items, "update")) else {
        return err(imp.self_ty.span(), "a round needs `fn send` and `fn update`", "incomplete round");
    };
    // send(p, cx)
    let mut cx = Cx::new(fields, helpers, phase_len, Mode::Send).with_params(params);
    let ps = param_names(&send.sig);
    if ps.len() != 2 {
        return err(send.sig.span(), "expected `fn send(p: &S, cx: &Ctx)`", "unexpected signature");
    }
    cx.bind(&ps[0].0, Val::State(StateRef::Pre(names::sender_var().t())));
    cx.bind(&ps[1].0, Val::Ctx);
    let (sends_to, payload) = cx.send_body(&send.block, &msg)?;
    // update(p, mbox, cx)
    let mut cx = Cx::new(fields, helpers, phase_len, Mode::Update).with_params(params);
    let ps = param_names(&update.sig);
    if ps.len() != 3 {
        return err(update.sig.span(), "expected `fn update(p: &mut S, mbox: &Mailbox<M>, cx: &Ctx)`", "unexpected signature");
    }
    let altered = if value_faults { super::value_faults::altered_funs(k, &msg) } else { Vec::new() };
    cx.round = Some(RoundCtx { index: k, msg: msg.clone(), sends_to: sends_to.clone(), payload: payload.clone(), altered: altered.clone() });
    cx.bind(&ps[0].0, Val::State(StateRef::SelfCur));
    cx.bind(&ps[1].0, Val::Mailbox);
    cx.bind(&ps[2].0, Val::Ctx);
    let body = cx.update_block(&update.block)?;
    super::depth::check_update(&body, fields, update.sig.ident.span())?;
    super::depth::check_term(&sends_to, send.sig.ident.span(), "this `send`")?;
    super::depth::check_term(&payload, send.sig.ident.span(), "this `send`")?;
    if !cx.pending.is_empty() {
        return err(update.span(), "internal: a chosen value was not placed", "here");
    }
    Ok(Round { name, msg, sends_to, payload, update: body, altered })
}

fn init_values(f: &ImplItemFn, scope: super::spec::Scope<'_>, phase_len: usize, io: &Sort, state: &str) -> FeResult<Vec<(String, Term)>> {
    let (fields, helpers, params, _) = scope;
    let mut cx = Cx::new(fields, helpers, phase_len, Mode::Init).with_params(params);
    cx.io = Some(io.clone());
    let ps = param_names(&f.sig);
    if ps.len() != 2 {
        return err(f.sig.span(), "expected `fn init(io: &Consensus<V>, cx: &Ctx) -> Self`", "unexpected signature");
    }
    cx.bind(&ps[0].0, Val::Io);
    cx.bind(&ps[1].0, Val::Ctx);
    cx.block_with(&f.block, |cx, e| {
        let Expr::Struct(s) = e else {
            return err(e.span(), format!("`init` must end in a struct literal `{state} {{ … }}`"), "not a struct literal");
        };
        let p = path_str(&s.path);
        if p != "Self" && p != state {
            return err(s.path.span(), format!("expected `{state} {{ … }}`"), "wrong struct");
        }
        if let Some(rest) = &s.rest {
            return err(rest.span(), "`..rest` in `init` is outside the subset", "give every field");
        }
        let mut out = Vec::new();
        for fv in &s.fields {
            let syn::Member::Named(id) = &fv.member else {
                return err(fv.span(), "expected a named field", "unnamed");
            };
            let fld = cx.field(id.span(), &id.to_string())?;
            let t = cx.term_of(&fv.expr, &fld.sort)?;
            out.push((fld.name.clone(), t));
        }
        for fld in fields {
            if !out.iter().any(|(n, _)| n == &fld.name) {
                return err(s.span(), format!("field `{}` is not initialised", fld.name), "missing field");
            }
        }
        Ok(out)
    })
}

/// Free functions: helpers, and their `_requires` / `_ensures` contracts.
fn helpers(fns: &[&syn::ItemFn], fields: &[Field]) -> FeResult<Vec<Helper>> {
    let mut out = Vec::new();
    for f in fns {
        let name = f.sig.ident.to_string();
        if name.ends_with("_requires") || name.ends_with("_ensures") {
            let base = name.trim_end_matches("_requires").trim_end_matches("_ensures");
            if !fns.iter().any(|g| g.sig.ident == base) {
                return err(f.sig.ident.span(), format!("contract for unknown function `{base}`"), "no such function");
            }
            continue;
        }
        let mut params = Vec::new();
        for (pname, ty) in param_names(&f.sig) {
            let Some(ty) = ty else { return err(f.sig.span(), "methods are outside the subset", "unsupported") };
            params.push(Var::new(format!("{name}.{pname}"), sort_of(&ty)?.sort));
        }
        let ret = match &f.sig.output {
            syn::ReturnType::Type(_, t) => sort_of(t)?.sort,
            syn::ReturnType::Default => return err(f.sig.span(), "a helper must return a value", "no return type"),
        };
        let result = Var::new(format!("{name}.result"), ret.clone());
        let contract = |suffix: &str, extra: Option<&Var>| -> FeResult<Term> {
            let Some(c) = fns.iter().find(|g| g.sig.ident == format!("{name}{suffix}")) else {
                return Ok(Term::Bool(true));
            };
            let cps = param_names(&c.sig);
            let want: Vec<&Var> = params.iter().chain(extra).collect();
            if cps.len() != want.len() {
                return err(c.sig.span(), format!("`{name}{suffix}` must take the parameters of `{name}`{}", if extra.is_some() { " and the result" } else { "" }), "wrong parameters");
            }
            let mut cx = Cx::new(fields, &[], 1, Mode::Pure);
            for ((pn, pty), v) in cps.iter().zip(&want) {
                if let Some(t) = pty
                    && sort_of(t)?.sort != v.sort
                {
                    return err(t.span(), "parameter type differs from the helper's", "wrong type");
                }
                cx.bind(pn, Val::T(v.t()));
            }
            cx.block_with(&c.block, |cx, e| cx.bool_term(e))
        };
        let requires = contract("_requires", None)?;
        let ensures = contract("_ensures", Some(&result))?;
        out.push(Helper { name, params, ret, requires, ensures, result });
    }
    Ok(out)
}
