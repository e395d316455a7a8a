//! The closed form of an event round's `receive`, folded over the mailbox.
//!
//! The runtime calls `receive` once per message, in arrival order; the
//! model has the set of messages. The fold has a closed form, the same for
//! every order, when each top-level statement of `receive` (its `Progress`
//! value removed) is one of these forms, `W` being the fields `receive`
//! assigns:
//!
//! | form | closed form |
//! |---|---|
//! | **count**: `p.c += k;` or `if g { p.c += k; … }` (`k` a literal, `g` not reading `W` or `from`) | `p.c += k * mbox.count(\|&msg\| g)` (`mbox.len()` without `g`) |
//! | **best**: `if key > p.b { p.b = key; p.f = e; … }` (`>=`, or `<`/`<=` for the least; `key`, `e` not reading `W` or `from`) | `if let Some(&msg) = mbox.max_by_key(\|&msg\| key) { if key > p.b { … } }` |
//! | **from one sender**: `if from == q && g { … }` (`q` not reading `msg`, `W`; the body reading of `W` only what it assigns, not `from`) | `if let Some(&msg) = mbox.get(q) { if g { … } }` |
//! | **threshold**: `p.f = e;` or `if t { p.f = e; … }` (`e` not reading `msg`, `from`, `W`; `t` not reading `msg`, `from`, and the counts only so that it stays true once true, after their last count) | `if !mbox.is_empty() && t { … }` |
//!
//! Why each is order-independent: counts commute; the `best` statement ends
//! with the fields of one message of greatest key (the first or the last of
//! them, which `max_by_key`'s "any maximum" covers); at most one message
//! comes from `q`; a threshold's body is the same at every call (it reads
//! nothing the fold changes), so running it once or many times is the same,
//! and a condition that only grows with the counts holds at some call iff it
//! holds at the last one, where the counts are final. A field is assigned by
//! one statement only (counts may share a counter), so no two statements'
//! effects interleave.

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{BinOp, Expr, Pat};

use super::error::{FeResult, err_help};
use super::event::{Uses, assigned};

/// `receive`'s names: its state and sender parameters, its message pattern,
/// and the closed update's mailbox.
pub(super) struct Handler<'h> {
    pub state: &'h str,
    pub from: Option<String>,
    pub msg: &'h Pat,
    pub mailbox: &'static str,
}

/// What one top-level statement of `receive` is.
enum Form<'s> {
    /// `p.c += k` under an optional guard.
    Count { guard: Option<&'s Expr>, incs: Vec<(String, Expr)> },
    /// `if key OP p.b { p.b = key; … }`, the greatest key when `max`.
    Best { key: &'s Expr, max: bool, cond: &'s Expr, body: &'s [syn::Stmt] },
    /// `if from == q && rest { … }`.
    FromOne { q: &'s Expr, rest: Vec<&'s Expr>, body: &'s [syn::Stmt] },
    /// Assignments under an optional condition, made once any message came.
    Threshold { cond: Option<&'s Expr>, body: Vec<syn::Stmt> },
}

const FORMS: &str = "the forms are: counting (`p.c += 1`, possibly under an `if` on the message), the best message (`if key > p.b { p.b = key; … }`), one sender's message (`if from == q { … }`) and a threshold (`if 2 * p.c > n { p.flag = true }`); see SPEC_LANGUAGE.md, *Event rounds*";

/// The conjuncts of `a && b && …`.
fn conjuncts(e: &Expr) -> Vec<&Expr> {
    match e {
        Expr::Binary(b) if matches!(b.op, BinOp::And(_)) => {
            let mut v = conjuncts(&b.left);
            v.extend(conjuncts(&b.right));
            v
        }
        Expr::Paren(p) => conjuncts(&p.expr),
        _ => vec![e],
    }
}

/// The field of `p.f` when `e` is one.
fn field_of<'e>(state: &str, e: &'e Expr) -> Option<&'e syn::Ident> {
    if let Expr::Field(f) = e
        && let Expr::Path(p) = &*f.base
        && p.path.is_ident(state)
        && let syn::Member::Named(id) = &f.member
    {
        return Some(id);
    }
    None
}

fn int_literal(e: &Expr) -> bool {
    matches!(e, Expr::Lit(syn::ExprLit { lit: syn::Lit::Int(_), .. }))
}

impl Handler<'_> {
    /// The identifiers the message pattern binds.
    fn msg_names(&self) -> Vec<String> {
        fn walk(p: &Pat, out: &mut Vec<String>) {
            match p {
                Pat::Ident(id) => out.push(id.ident.to_string()),
                Pat::Tuple(t) => t.elems.iter().for_each(|e| walk(e, out)),
                Pat::Type(t) => walk(&t.pat, out),
                Pat::Reference(r) => walk(&r.pat, out),
                Pat::Paren(p) => walk(&p.pat, out),
                _ => {}
            }
        }
        let mut out = Vec::new();
        walk(self.msg, &mut out);
        out
    }

    /// The message pattern as a closure or `Some(&…)` pattern.
    fn msg_pat(&self) -> Pat {
        match self.msg {
            Pat::Type(t) => (*t.pat).clone(),
            p => p.clone(),
        }
    }

    /// Where `u` reads `from`.
    fn reads_from(&self, u: &Uses) -> Option<Span> {
        self.from.as_deref().and_then(|f| u.name_or_field(f))
    }

    /// Where `u` reads the message.
    fn reads_msg(&self, u: &Uses) -> Option<Span> {
        self.msg_names().iter().find_map(|n| u.name_or_field(n))
    }

    /// Where `u` reads a field of `w` (not in `allowed`), or the whole state.
    fn reads_fields(&self, u: &Uses, w: &[String], allowed: &[String]) -> Option<(String, Span)> {
        if let Some(at) = u.name(self.state) {
            return Some((self.state.to_string(), at));
        }
        u.fields
            .iter()
            .find(|(b, f, _)| b == self.state && w.contains(f) && !allowed.contains(f))
            .map(|(_, f, s)| (format!("{}.{f}", self.state), *s))
    }

    fn no_from(&self, u: &Uses, what: &str) -> FeResult<()> {
        match self.reads_from(u) {
            Some(at) => err_help(at, format!("{what} reads the sender"), "the sender", "only `if from == q { … }` may read the sender, in its condition"),
            None => Ok(()),
        }
    }

    fn no_msg(&self, u: &Uses, what: &str) -> FeResult<()> {
        match self.reads_msg(u) {
            Some(at) => err_help(at, format!("{what} reads the message"), "the message", "it would hold the value of whichever message came last; keep the best one with `if key > p.b { … }` or one sender's with `if from == q { … }`"),
            None => Ok(()),
        }
    }

    fn no_fields(&self, u: &Uses, w: &[String], allowed: &[String], what: &str) -> FeResult<()> {
        match self.reads_fields(u, w, allowed) {
            Some((f, at)) => err_help(at, format!("{what} reads `{f}`, which `receive` assigns"), "changes during the fold", "its value would depend on how many messages, and which, came before this one"),
            None => Ok(()),
        }
    }

    /// `p.c += k;` statements only (the increments), or `None`.
    fn increments(&self, stmts: &[syn::Stmt]) -> Option<Vec<(String, Expr)>> {
        stmts
            .iter()
            .map(|s| match s {
                syn::Stmt::Expr(Expr::Binary(b), _) if matches!(b.op, BinOp::AddAssign(_)) && int_literal(&b.right) => {
                    field_of(self.state, &b.left).map(|f| (f.to_string(), (*b.right).clone()))
                }
                _ => None,
            })
            .collect()
    }

    /// Plain assignments `p.f = e;` only, or `None`.
    fn plain_assignments<'s>(&self, stmts: &'s [syn::Stmt]) -> Option<Vec<(&'s syn::Ident, &'s Expr)>> {
        stmts
            .iter()
            .map(|s| match s {
                syn::Stmt::Expr(Expr::Assign(a), _) => field_of(self.state, &a.left).map(|f| (f, &*a.right)),
                _ => None,
            })
            .collect()
    }

    fn classify<'s>(&self, s: &'s syn::Stmt) -> FeResult<Form<'s>> {
        let e = match s {
            syn::Stmt::Expr(e, _) => e,
            syn::Stmt::Local(l) => return err_help(l.span(), "a `let` in `receive` is outside the fold's forms", "a let", format!("write the value in place; {FORMS}")),
            other => return err_help(other.span(), "statement outside the fold's forms", "unsupported in receive", FORMS),
        };
        if let Some(incs) = self.increments(std::slice::from_ref(s)) {
            return Ok(Form::Count { guard: None, incs });
        }
        if let Expr::Assign(_) = e
            && self.plain_assignments(std::slice::from_ref(s)).is_some()
        {
            return Ok(Form::Threshold { cond: None, body: vec![s.clone()] });
        }
        let Expr::If(i) = e else {
            return err_help(e.span(), "statement outside the fold's forms", "unsupported in receive", FORMS);
        };
        if let Some((_, els)) = &i.else_branch {
            let empty = matches!(&**els, Expr::Block(b) if b.block.stmts.is_empty());
            if !empty {
                return err_help(els.span(), "an `else` in `receive` is outside the fold's forms", "an else branch", format!("its effect would hold when the condition fails at *some* message; {FORMS}"));
            }
        }
        let body = &i.then_branch.stmts[..];
        let cs = conjuncts(&i.cond);
        if let Some(from) = &self.from {
            let is_from = |x: &Expr| matches!(x, Expr::Path(p) if p.path.is_ident(from));
            let split = cs.iter().enumerate().find_map(|(k, c)| match c {
                Expr::Binary(b) if matches!(b.op, BinOp::Eq(_)) && is_from(&b.left) => Some((k, &*b.right)),
                Expr::Binary(b) if matches!(b.op, BinOp::Eq(_)) && is_from(&b.right) => Some((k, &*b.left)),
                _ => None,
            });
            if let Some((k, q)) = split {
                let rest = cs.iter().enumerate().filter(|(j, _)| *j != k).map(|(_, c)| *c).collect();
                return Ok(Form::FromOne { q, rest, body });
            }
        }
        if let Expr::Binary(b) = &*i.cond {
            let (key, b_field, max) = match b.op {
                BinOp::Gt(_) | BinOp::Ge(_) => match field_of(self.state, &b.right) {
                    Some(f) => (&*b.left, Some(f), true),
                    None => (&*b.right, field_of(self.state, &b.left), false),
                },
                BinOp::Lt(_) | BinOp::Le(_) => match field_of(self.state, &b.right) {
                    Some(f) => (&*b.left, Some(f), false),
                    None => (&*b.right, field_of(self.state, &b.left), true),
                },
                _ => (&*b.left, None, false),
            };
            if let Some(bf) = b_field
                && assigned(self.state, body).iter().any(|(f, _)| bf == f)
            {
                return Ok(Form::Best { key, max, cond: &i.cond, body });
            }
        }
        if let Some(incs) = self.increments(body) {
            return Ok(Form::Count { guard: Some(&i.cond), incs });
        }
        if self.plain_assignments(body).is_some() {
            return Ok(Form::Threshold { cond: Some(&i.cond), body: body.to_vec() });
        }
        err_help(i.span(), "this `if` fits none of the fold's forms", "unsupported in receive", FORMS)
    }

    /// The closed form of `receive`'s statements (its progress removed).
    pub(super) fn closed(&self, stmts: &[syn::Stmt]) -> FeResult<Vec<syn::Stmt>> {
        let forms: Vec<Form> = stmts.iter().map(|s| self.classify(s)).collect::<FeResult<_>>()?;
        // Who assigns what: counters may be shared by counts, anything else
        // has one writer.
        let writes: Vec<Vec<(String, Span)>> = stmts.iter().map(|s| assigned(self.state, std::slice::from_ref(s))).collect();
        let counters: Vec<String> = forms.iter().flat_map(|f| match f {
            Form::Count { incs, .. } => incs.iter().map(|(c, _)| c.clone()).collect(),
            _ => Vec::new(),
        }).collect();
        let mut seen: Vec<(String, usize)> = Vec::new();
        for (k, ws) in writes.iter().enumerate() {
            for (f, at) in ws {
                let count = matches!(forms[k], Form::Count { .. });
                if seen.iter().any(|(g, j)| g == f && *j != k && !(count && matches!(forms[*j], Form::Count { .. }))) {
                    return err_help(*at, format!("`{}.{f}` is assigned by two statements of `receive`", self.state), "assigned again", "the result would depend on the order of the messages: give each field one statement (counts may share a counter)");
                }
                if !count && counters.contains(f) {
                    return err_help(*at, format!("`{}.{f}` is a counter of `receive` and assigned here too", self.state), "assigned again", "a counter only grows by `+=` literals in `receive`");
                }
                seen.push((f.clone(), k));
            }
        }
        let w: Vec<String> = seen.iter().map(|(f, _)| f.clone()).collect();
        let mut out = Vec::new();
        for (k, (form, s)) in forms.iter().zip(stmts).enumerate() {
            let own: Vec<String> = writes[k].iter().map(|(f, _)| f.clone()).collect();
            out.push(self.closed_form(form, s.span(), &w, &own, &counters, &forms[k + 1..])?);
        }
        Ok(out)
    }

    fn closed_form(&self, form: &Form, at: Span, w: &[String], own: &[String], counters: &[String], later: &[Form]) -> FeResult<syn::Stmt> {
        let mbox = syn::Ident::new(self.mailbox, at);
        let pat = self.msg_pat();
        Ok(match form {
            Form::Count { guard, incs } => {
                let count: Expr = match guard {
                    None => syn::parse_quote_spanned!(at=> #mbox.len()),
                    Some(g) => {
                        let u = Uses::of_expr(g);
                        self.no_from(&u, "a counting condition")?;
                        self.no_fields(&u, w, &[], "a counting condition")?;
                        syn::parse_quote_spanned!(at=> #mbox.count(|&#pat| #g))
                    }
                };
                let st = syn::Ident::new(self.state, at);
                let adds = incs.iter().map(|(c, k)| {
                    let c = syn::Ident::new(c, at);
                    let s: syn::Stmt = syn::parse_quote_spanned!(at=> #st.#c += #k * #count;);
                    s
                });
                syn::parse_quote_spanned!(at=> { #(#adds)* })
            }
            Form::Best { key, max, cond, body } => self.closed_best(key, *max, cond, body, at, w)?,
            Form::FromOne { q, rest, body } => {
                let u = Uses::of_expr(q);
                self.no_msg(&u, "the sender named by `from == …`")?;
                self.no_fields(&u, w, &[], "the sender named by `from == …`")?;
                for r in rest {
                    let u = Uses::of_expr(r);
                    self.no_from(&Uses::of_expr(r), "the rest of a `from == …` condition")?;
                    self.no_fields(&u, w, own, "a `from == …` condition")?;
                }
                let u = Uses::of_stmts(body);
                self.no_from(&u, "the body of `if from == …`")?;
                self.no_fields(&u, w, own, "the body of `if from == …`")?;
                if rest.is_empty() {
                    syn::parse_quote_spanned!(at=> if let Some(&#pat) = #mbox.get(#q) { #(#body)* })
                } else {
                    syn::parse_quote_spanned!(at=> if let Some(&#pat) = #mbox.get(#q) { if #(#rest)&&* { #(#body)* } })
                }
            }
            Form::Threshold { cond, body } => self.closed_threshold(*cond, body, at, w, counters, later)?,
        })
    }

    /// The best-message form: the greatest (least) key's message.
    fn closed_best(&self, key: &Expr, max: bool, cond: &Expr, body: &[syn::Stmt], at: Span, w: &[String]) -> FeResult<syn::Stmt> {
        let mbox = syn::Ident::new(self.mailbox, at);
        let pat = self.msg_pat();
        let u = Uses::of_expr(key);
        self.no_from(&u, "the key of a best-message statement")?;
        self.no_fields(&u, w, &[], "the key of a best-message statement")?;
        let Some(assigns) = self.plain_assignments(body) else {
            return err_help(at, "a best-message statement holds plain assignments `p.f = e;` only", "not a plain assignment", FORMS);
        };
        let Expr::Binary(c) = cond else { unreachable!("classified as a comparison") };
        let b = field_of(self.state, &c.left).or_else(|| field_of(self.state, &c.right)).map(|f| f.to_string()).unwrap_or_default();
        for (f, e) in &assigns {
            if **f == b {
                if *e != key {
                    return err_help(e.span(), format!("a best-message statement sets `{}.{b}` to its key `{}`", self.state, key.span().source_text().unwrap_or_default()), "not the key", FORMS);
                }
                continue;
            }
            let u = Uses::of_expr(e);
            self.no_from(&u, "a best-message statement")?;
            self.no_fields(&u, w, &[], "a best-message statement")?;
        }
        let pick = syn::Ident::new(if max { "max_by_key" } else { "min_by_key" }, at);
        Ok(syn::parse_quote_spanned!(at=> if let Some(&#pat) = #mbox.#pick(|&#pat| #key) { if #cond { #(#body)* } }))
    }

    /// The threshold form: its assignments once any message came and the
    /// condition holds on the final counts.
    fn closed_threshold(&self, cond: Option<&Expr>, body: &[syn::Stmt], at: Span, w: &[String], counters: &[String], later: &[Form]) -> FeResult<syn::Stmt> {
        let mbox = syn::Ident::new(self.mailbox, at);
        for (_, e) in self.plain_assignments(body).unwrap_or_default() {
            let u = Uses::of_expr(e);
            self.no_from(&u, "a value set once a condition holds")?;
            self.no_msg(&u, "a value set once a condition holds")?;
            self.no_fields(&u, w, &[], "a value set once a condition holds")?;
        }
        Ok(match cond {
            None => syn::parse_quote_spanned!(at=> if !#mbox.is_empty() { #(#body)* }),
            Some(c) => {
                let u = Uses::of_expr(c);
                self.no_from(&u, "a threshold condition")?;
                self.no_msg(&u, "a threshold condition")?;
                self.monotone(c, w, counters)?;
                for (b, f, fat) in &u.fields {
                    if b == self.state && counters.contains(f) && later.iter().any(|l| matches!(l, Form::Count { incs, .. } if incs.iter().any(|(g, _)| g == f))) {
                        return err_help(*fat, format!("this threshold reads `{b}.{f}` before a later statement counts it"), "not yet final", "put the threshold after the counting statements it reads");
                    }
                }
                syn::parse_quote_spanned!(at=> if !#mbox.is_empty() && (#c) { #(#body)* })
            }
        })
    }

    /// Whether `e` reads nothing the fold changes (nor the message, nor the sender).
    fn stable(&self, e: &Expr, w: &[String]) -> bool {
        let u = Uses::of_expr(e);
        self.reads_fields(&u, w, &[]).is_none() && self.reads_msg(&u).is_none() && self.reads_from(&u).is_none()
    }

    /// A threshold condition stays true once true: `&&`/`||` of comparisons
    /// `grows > stable` (`>=`, or mirrored with `<`, `<=`) and of stable terms.
    fn monotone(&self, e: &Expr, w: &[String], counters: &[String]) -> FeResult<()> {
        if self.stable(e, w) {
            return Ok(());
        }
        let ok = match e {
            Expr::Paren(p) => return self.monotone(&p.expr, w, counters),
            Expr::Binary(b) => match b.op {
                BinOp::And(_) | BinOp::Or(_) => {
                    self.monotone(&b.left, w, counters)?;
                    return self.monotone(&b.right, w, counters);
                }
                BinOp::Gt(_) | BinOp::Ge(_) => self.grows(&b.left, w, counters) && self.stable(&b.right, w),
                BinOp::Lt(_) | BinOp::Le(_) => self.stable(&b.left, w) && self.grows(&b.right, w, counters),
                _ => false,
            },
            _ => false,
        };
        if ok {
            return Ok(());
        }
        err_help(
            e.span(),
            "a threshold condition must stay true once it holds",
            "may turn false",
            "compare what the counters add up to with `>`/`>=` against values the fold does not change (`2 * p.acks > cx.n()`); the condition is then read once, on the final counts",
        )
    }

    /// Whether `e` can only grow as the counters do.
    fn grows(&self, e: &Expr, w: &[String], counters: &[String]) -> bool {
        if self.stable(e, w) {
            return true;
        }
        match e {
            Expr::Paren(p) => self.grows(&p.expr, w, counters),
            Expr::Cast(c) => self.grows(&c.expr, w, counters),
            Expr::Field(_) => field_of(self.state, e).is_some_and(|f| counters.contains(&f.to_string())),
            Expr::Binary(b) => match b.op {
                BinOp::Add(_) => self.grows(&b.left, w, counters) && self.grows(&b.right, w, counters),
                BinOp::Mul(_) => (int_literal(&b.left) && self.grows(&b.right, w, counters)) || (int_literal(&b.right) && self.grows(&b.left, w, counters)),
                _ => false,
            },
            _ => false,
        }
    }
}
