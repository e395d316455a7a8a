//! Event rounds (`impl EventRound<S> for R`: `init`, `send`, one `receive`
//! per message, `finish`, the runtime's trait) read as closed rounds.
//!
//! The round's mailbox is what arrived before it ended. Its `update` is
//! `init`'s statements, then `receive` folded over the mailbox (its closed
//! form, [`super::event_fold`], the same for every arrival order), then
//! `finish`'s statements. The `Progress` values `init` and `receive` return
//! only decide when the round ends, that is which heard-of sets occur, over
//! which the model already quantifies: they are dropped. The result is an
//! ordinary `impl Round` (a `send` and an `update` over a mailbox) that the
//! closed-round translator reads.

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::visit::Visit;
use syn::{Expr, ImplItem, ImplItemFn, Pat};

use super::error::{FeResult, err, err_help};
use super::items::fn_named;

/// The closed update's parameters; the handlers' own names are bound to them.
const STATE: &str = "__p";
const MAILBOX: &str = "__mbox";
const CTX: &str = "__cx";

/// The identifier a parameter pattern binds (`None` for `_`).
pub(super) fn pat_ident(p: &Pat) -> Option<String> {
    match p {
        Pat::Ident(id) if id.subpat.is_none() => Some(id.ident.to_string()),
        Pat::Type(t) => pat_ident(&t.pat),
        _ => None,
    }
}

/// The patterns of a handler's parameters, checked against the trait's arity.
fn params<'f>(f: &'f ImplItemFn, want: usize, sig: &str) -> FeResult<Vec<&'f Pat>> {
    let pats: Vec<&Pat> = f
        .sig
        .inputs
        .iter()
        .filter_map(|a| match a {
            syn::FnArg::Typed(t) => Some(&*t.pat),
            syn::FnArg::Receiver(_) => None,
        })
        .collect();
    if pats.len() != want || f.sig.inputs.len() != want {
        return err(f.sig.span(), format!("expected `{sig}`"), "unexpected signature");
    }
    Ok(pats)
}

/// Names read in an expression or block: single-identifier paths, and the
/// fields read through one identifier (`p.f`).
#[derive(Default)]
pub(super) struct Uses {
    /// Single-identifier paths (`msg`, `from`, `p` alone), with their spans.
    pub names: Vec<(String, Span)>,
    /// `(base, field)` of `base.field`, with the field's span.
    pub fields: Vec<(String, String, Span)>,
}

impl<'ast> Visit<'ast> for Uses {
    fn visit_expr_field(&mut self, f: &'ast syn::ExprField) {
        if let Expr::Path(p) = &*f.base
            && let Some(base) = p.path.get_ident()
            && let syn::Member::Named(id) = &f.member
        {
            self.fields.push((base.to_string(), id.to_string(), id.span()));
            return;
        }
        syn::visit::visit_expr_field(self, f);
    }
    fn visit_expr_path(&mut self, p: &'ast syn::ExprPath) {
        if let Some(id) = p.path.get_ident() {
            self.names.push((id.to_string(), id.span()));
        }
    }
    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        // A macro's tokens are not parsed: count every identifier in them as a
        // use, so that nothing a macro reads goes unnoticed.
        fn idents(ts: proc_macro2::TokenStream, out: &mut Vec<(String, Span)>) {
            for t in ts {
                match t {
                    proc_macro2::TokenTree::Ident(i) => out.push((i.to_string(), i.span())),
                    proc_macro2::TokenTree::Group(g) => idents(g.stream(), out),
                    _ => {}
                }
            }
        }
        idents(m.tokens.clone(), &mut self.names);
    }
}

impl Uses {
    pub(super) fn of_expr(e: &Expr) -> Uses {
        let mut u = Uses::default();
        u.visit_expr(e);
        u
    }
    pub(super) fn of_stmts(s: &[syn::Stmt]) -> Uses {
        let mut u = Uses::default();
        for st in s {
            u.visit_stmt(st);
        }
        u
    }
    /// The first use of `name` as a value.
    pub(super) fn name(&self, name: &str) -> Option<Span> {
        self.names.iter().find(|(n, _)| n == name).map(|(_, s)| *s)
    }
    /// The first use of `name`, as a value or through one of its fields.
    pub(super) fn name_or_field(&self, name: &str) -> Option<Span> {
        self.name(name).or_else(|| self.fields.iter().find(|(b, _, _)| b == name).map(|(_, _, s)| *s))
    }
}

/// The fields a block assigns through the state `p` (`p.f = …`, `p.f += …`).
pub(super) fn assigned(state: &str, stmts: &[syn::Stmt]) -> Vec<(String, Span)> {
    struct Targets<'s> {
        state: &'s str,
        out: Vec<(String, Span)>,
    }
    impl Targets<'_> {
        fn target(&mut self, left: &Expr) {
            if let Expr::Field(f) = left
                && let Expr::Path(p) = &*f.base
                && p.path.is_ident(self.state)
                && let syn::Member::Named(id) = &f.member
            {
                self.out.push((id.to_string(), id.span()));
            }
        }
    }
    impl<'ast> Visit<'ast> for Targets<'_> {
        fn visit_expr_assign(&mut self, a: &'ast syn::ExprAssign) {
            self.target(&a.left);
            syn::visit::visit_expr_assign(self, a);
        }
        fn visit_expr_binary(&mut self, b: &'ast syn::ExprBinary) {
            if is_compound(&b.op) {
                self.target(&b.left);
            }
            syn::visit::visit_expr_binary(self, b);
        }
    }
    let mut t = Targets { state, out: Vec::new() };
    for s in stmts {
        t.visit_stmt(s);
    }
    t.out
}

fn is_compound(op: &syn::BinOp) -> bool {
    use syn::BinOp::*;
    matches!(op, AddAssign(_) | SubAssign(_) | MulAssign(_) | DivAssign(_) | RemAssign(_) | BitXorAssign(_) | BitAndAssign(_) | BitOrAssign(_) | ShlAssign(_) | ShrAssign(_))
}

/// Whether `e` is a `Progress` value built from the runtime's constructors
/// (`Progress::go_ahead()`, `Progress::timeout(d)`, `a.lub(b)`, …).
fn is_progress(e: &Expr) -> bool {
    match e {
        Expr::Call(c) => matches!(&*c.func, Expr::Path(p) if p.path.segments.len() == 2 && p.path.segments[0].ident == "Progress"),
        Expr::MethodCall(m) => ["lub", "glb", "update"].contains(&m.method.to_string().as_str()) && is_progress(&m.receiver) && m.args.iter().all(is_progress),
        Expr::Paren(p) => is_progress(&p.expr),
        _ => false,
    }
}

/// Whether a dropped `Progress` expression could change the state (an
/// assignment or a block inside its arguments).
fn has_effects(e: &Expr) -> Option<Span> {
    struct Effects(Option<Span>);
    impl<'ast> Visit<'ast> for Effects {
        fn visit_expr_assign(&mut self, a: &'ast syn::ExprAssign) {
            self.0.get_or_insert(a.span());
        }
        fn visit_expr_binary(&mut self, b: &'ast syn::ExprBinary) {
            if is_compound(&b.op) {
                self.0.get_or_insert(b.span());
            }
            syn::visit::visit_expr_binary(self, b);
        }
        fn visit_block(&mut self, b: &'ast syn::Block) {
            self.0.get_or_insert(b.span());
        }
        fn visit_macro(&mut self, m: &'ast syn::Macro) {
            self.0.get_or_insert(m.span());
        }
    }
    let mut v = Effects(None);
    v.visit_expr(e);
    v.0
}

/// A handler's statements with the `Progress` value it ends in removed
/// (also inside the branches of a final `if`), for `what` (`init`, `receive`).
pub(super) fn strip_progress(b: &syn::Block, what: &str) -> FeResult<Vec<syn::Stmt>> {
    let mut out: Vec<syn::Stmt> = b.stmts.clone();
    match out.pop() {
        Some(syn::Stmt::Expr(tail, None)) => {
            if let Some(s) = strip_tail(&tail, what)? {
                out.push(s);
            }
            Ok(out)
        }
        _ => err_help(b.span(), format!("`{what}` must end in its `Progress` value"), "no progress value", "end the handler in `Progress::unchanged()`, `Progress::go_ahead()`, … (or an `if` choosing among them)"),
    }
}

fn strip_tail(e: &Expr, what: &str) -> FeResult<Option<syn::Stmt>> {
    if is_progress(e) {
        if let Some(at) = has_effects(e) {
            return err(at, format!("the `Progress` value of `{what}` must not change the state"), "an effect in a progress value");
        }
        return Ok(None);
    }
    match e {
        Expr::Paren(p) => strip_tail(&p.expr, what),
        Expr::Block(b) if b.label.is_none() => {
            let inner = strip_progress(&b.block, what)?;
            Ok((!inner.is_empty()).then(|| syn::Stmt::Expr(Expr::Block(syn::ExprBlock { attrs: Vec::new(), label: None, block: syn::Block { brace_token: b.block.brace_token, stmts: inner } }), None)))
        }
        Expr::If(i) => {
            let then = strip_progress(&i.then_branch, what)?;
            let Some((_, els)) = &i.else_branch else {
                return err(i.span(), format!("the `if` that gives `{what}`'s progress needs an `else`"), "no else");
            };
            let els = strip_tail(els, what)?;
            if then.is_empty() && els.is_none() {
                return Ok(None);
            }
            let cond = &i.cond;
            let stmt: syn::Stmt = match els {
                Some(s) => syn::parse_quote_spanned!(i.span()=> if #cond { #(#then)* } else { #s }),
                None => syn::parse_quote_spanned!(i.span()=> if #cond { #(#then)* }),
            };
            Ok(Some(stmt))
        }
        Expr::Return(r) => err_help(r.span(), format!("`return` in `{what}` is outside the verifiable subset"), "early return", "end the handler in an `if`/`else` whose branches give the progress"),
        other => err_help(other.span(), format!("expected the `Progress` value `{what}` returns"), "not a progress value", "build it from `Progress::…` constructors (and `.lub(…)`), possibly chosen by an `if`"),
    }
}

/// `finish`'s statements, without the `true` it ends in; reading whether the
/// round timed out is an error.
fn finish_stmts(f: &ImplItemFn) -> FeResult<(Vec<&Pat>, Vec<syn::Stmt>)> {
    let ps = params(f, 3, "fn finish(p: &mut S, timed_out: bool, cx: &Ctx) -> bool")?;
    let mut stmts = f.block.stmts.clone();
    match stmts.pop() {
        Some(syn::Stmt::Expr(Expr::Lit(syn::ExprLit { lit: syn::Lit::Bool(b), .. }), None)) if b.value => {}
        Some(other) => {
            return err_help(
                other.span(),
                "`finish` must end in `true`",
                "not `true`",
                "`false` ends the instance, so the process stops taking steps; the Heard-Of model has no such step (stop by deciding instead)",
            );
        }
        None => return err(f.block.span(), "`finish` must end in `true`", "empty body"),
    }
    if let Some(t) = pat_ident(ps[1])
        && let Some(at) = Uses::of_stmts(&stmts).name_or_field(&t)
    {
        return err_help(
            at,
            format!("`finish` reads `{t}`, whether the round ended by its deadline"),
            "timing is not in the model",
            "the verifier reads a round by the messages it received, not by when it ended; decide from the state instead",
        );
    }
    Ok((ps, stmts))
}

/// `let <name> = <to>;` for each named handler parameter, so a handler's
/// statements read the closed update's state and context by their own names.
fn aliases(pairs: &[(&Pat, &str)]) -> Vec<syn::Stmt> {
    pairs
        .iter()
        .filter_map(|(p, to)| {
            let name = pat_ident(p)?;
            let id = syn::Ident::new(&name, p.span());
            let to = syn::Ident::new(to, p.span());
            Some(syn::parse_quote_spanned!(p.span()=> let #id = #to;))
        })
        .collect()
}

/// The closed `impl Round` an event round is read as.
pub(super) fn closed_round(imp: &syn::ItemImpl) -> FeResult<syn::ItemImpl> {
    for it in &imp.items {
        match it {
            ImplItem::Fn(f) if ["init", "send", "receive", "finish"].contains(&f.sig.ident.to_string().as_str()) => {}
            ImplItem::Type(t) if t.ident == "Msg" => {}
            other => return err(other.span(), "unexpected item in `impl EventRound`", "unsupported item"),
        }
    }
    let (Some(send), Some(receive)) = (fn_named(&imp.items, "send"), fn_named(&imp.items, "receive")) else {
        return err(imp.self_ty.span(), "an event round needs `fn send` and `fn receive`", "incomplete round");
    };
    let msg_ty = imp.items.iter().find_map(|it| match it {
        ImplItem::Type(t) if t.ident == "Msg" => Some(t.ty.clone()),
        _ => None,
    });
    let Some(msg_ty) = msg_ty else {
        return err(imp.self_ty.span(), "missing `type Msg`", "no message type");
    };

    let mut body: Vec<syn::Stmt> = Vec::new();
    let mut init_writes = Vec::new();
    if let Some(init) = fn_named(&imp.items, "init") {
        let ps = params(init, 2, "fn init(p: &mut S, cx: &Ctx) -> Progress")?;
        let stmts = strip_progress(&init.block, "init")?;
        if let Some(p) = pat_ident(ps[0]) {
            init_writes = assigned(&p, &stmts);
        }
        let mut block = aliases(&[(ps[0], STATE), (ps[1], CTX)]);
        block.extend(stmts);
        body.push(syn::parse_quote_spanned!(init.sig.ident.span()=> { #(#block)* }));
    }
    // `send` runs after `init` in the runtime; the model reads it over the
    // round's pre-state, which is the same only when it reads nothing `init`
    // assigns.
    let send_ps = params(send, 2, "fn send(p: &mut S, cx: &Ctx) -> Outbox<M>")?;
    if let Some(p) = pat_ident(send_ps[0]) {
        let mut u = Uses::default();
        u.visit_block(&send.block);
        if let Some((_, f, at)) = u.fields.iter().find(|(b, f, _)| *b == p && init_writes.iter().any(|(w, _)| w == f)) {
            return err_help(
                *at,
                format!("`send` reads `{p}.{f}`, which `init` assigns"),
                "assigned by init",
                "the runtime calls `send` after `init`, the model sends from the round's pre-state; send from fields `init` leaves alone",
            );
        }
    }

    let recv_ps = params(receive, 4, "fn receive(p: &mut S, from: ProcessId, msg: M, cx: &Ctx) -> Progress")?;
    let Some(recv_state) = pat_ident(recv_ps[0]) else {
        return err(recv_ps[0].span(), "name the state parameter of `receive`", "unnamed state");
    };
    let stmts = strip_progress(&receive.block, "receive")?;
    let handler = super::event_fold::Handler { state: &recv_state, from: pat_ident(recv_ps[1]), msg: recv_ps[2], mailbox: MAILBOX };
    let closed = handler.closed(&stmts)?;
    let mut block = aliases(&[(recv_ps[0], STATE), (recv_ps[3], CTX)]);
    block.extend(closed);
    body.push(syn::parse_quote_spanned!(receive.sig.ident.span()=> { #(#block)* }));

    if let Some(finish) = fn_named(&imp.items, "finish") {
        let (ps, stmts) = finish_stmts(finish)?;
        let mut block = aliases(&[(ps[0], STATE), (ps[2], CTX)]);
        block.extend(stmts);
        body.push(syn::parse_quote_spanned!(finish.sig.ident.span()=> { #(#block)* }));
    }

    let (state, mailbox, ctx) = (syn::Ident::new(STATE, Span::call_site()), syn::Ident::new(MAILBOX, Span::call_site()), syn::Ident::new(CTX, Span::call_site()));
    let update_ident = syn::Ident::new("update", receive.sig.ident.span());
    let update: ImplItemFn = syn::parse_quote_spanned!(receive.sig.ident.span()=>
        fn #update_ident(#state: &mut S, #mailbox: &Mailbox<#msg_ty>, #ctx: &Ctx) { #(#body)* }
    );
    let mut closed = imp.clone();
    closed.items = vec![
        ImplItem::Type(syn::parse_quote_spanned!(imp.self_ty.span()=> type Msg = #msg_ty;)),
        ImplItem::Fn(send.clone()),
        ImplItem::Fn(update),
    ];
    Ok(closed)
}
