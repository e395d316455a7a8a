//! The mailbox as a comprehension: `mbox(i) = { s | s ∈ HO(i) ∧ sendsTo(s, i) }`
//! and its queries as cardinalities, quantifiers and chosen values.

use psync_logic::{Fun, Sort, Term, Var, build};
use syn::spanned::Spanned;
use syn::{Expr, ExprMethodCall};

use crate::ir::{Stmt, names};
use crate::terms;

use super::cx::{Cx, Mode, RoundCtx, Val};
use super::error::{FeResult, err, err_help};

/// The default value of a payload sort (what `min_most_often` returns on an
/// empty mailbox: `M::default()`).
fn default_of(s: &Sort) -> Option<Term> {
    match s {
        Sort::Int => Some(Term::Int(0)),
        Sort::Real => Some(build::real(0, 1)),
        Sort::Bool => Some(Term::Bool(false)),
        Sort::Opt(inner) => Some(build::none((**inner).clone())),
        Sort::Tuple(cs) => cs.iter().map(default_of).collect::<Option<Vec<_>>>().map(build::tuple),
        _ => None,
    }
}

impl Cx<'_> {
    fn round_ctx(&self, span: proc_macro2::Span) -> FeResult<RoundCtx> {
        match (&self.round, self.mode) {
            (Some(r), Mode::Update) => Ok(r.clone()),
            _ => err(span, "the mailbox is only available in `update`", "no mailbox here"),
        }
    }

    /// `s ∈ mbox(self)`.
    fn in_mbox(r: &RoundCtx, s: Term) -> Term {
        let me = names::self_var().t();
        let sends = r.sends_to.subst(&[(names::sender_var(), s.clone()), (names::dest_var(), me.clone())]);
        terms::and(vec![build::member(s, names::ho(me)), sends])
    }

    /// The payload `self` receives from `s`: what `s` sent, or with value
    /// faults an arbitrary value when `s ∈ AHO(self)`.
    fn payload_from(r: &RoundCtx, s: Term) -> Term {
        let sent = r.payload.subst(&[(names::sender_var(), s.clone()), (names::dest_var(), names::self_var().t())]);
        super::value_faults::received_payload(r, s, sent)
    }

    /// `|{ s ∈ mbox(self) | pred(payload received from s) }|`: one set, with
    /// value faults over the received payload `ite(s ∈ AHO(self), alt, sent)`.
    /// (A sum of two counts, over the safe and the altered senders, is the
    /// same number; A_T,E's VCs are proved and refuted faster with one set:
    /// fewer sets for the Venn regions and the choice axioms to compare.)
    fn count_received(&mut self, r: &RoundCtx, mut pred: impl FnMut(&mut Self, Term) -> FeResult<Term>) -> FeResult<Term> {
        // Two names drawn, the first unused, so that the names of later
        // bound variables (which the proof hints' cores record) stay put.
        let _ = self.fresh_var("t", Sort::P);
        let t = self.fresh_var("t", Sort::P);
        let body = pred(self, Self::payload_from(r, t.t()))?;
        Ok(build::card(build::compr(t.clone(), terms::and(vec![Self::in_mbox(r, t.t()), body]))))
    }

    /// `mbox(self)` as a comprehension over a fresh sender variable.
    fn mbox_set(&mut self, r: &RoundCtx) -> Term {
        let s = self.fresh_var("s", Sort::P);
        build::compr(s.clone(), Self::in_mbox(r, s.t()))
    }

    /// A sender variable and the closure `f` applied to its payload.
    fn per_message(&mut self, r: &RoundCtx, f: &Expr) -> FeResult<(Var, Term)> {
        let s = self.fresh_var("s", Sort::P);
        let body = match self.apply(f, vec![Val::T(Self::payload_from(r, s.t()))])? {
            Val::T(t) => t,
            _ => return err(f.span(), "the closure must return a value", "not a value"),
        };
        Ok((s, body))
    }

    /// `mbox.method(args)`.
    pub fn mailbox_method(&mut self, e: &Expr, m: &ExprMethodCall, name: &str) -> FeResult<Val> {
        let r = self.round_ctx(e.span())?;
        let args: Vec<&Expr> = m.args.iter().collect();
        let arity = |k: usize| -> FeResult<()> {
            if args.len() == k { Ok(()) } else { err(m.span(), format!("`{name}` takes {k} argument(s)"), "wrong number of arguments") }
        };
        let t = match name {
            "len" => {
                arity(0)?;
                build::card(self.mbox_set(&r))
            }
            "is_empty" => {
                arity(0)?;
                build::eq(build::card(self.mbox_set(&r)), Term::Int(0))
            }
            "senders" => {
                arity(0)?;
                self.mbox_set(&r)
            }
            "contains" => {
                arity(1)?;
                let q = self.term_of(args[0], &Sort::P)?;
                Self::in_mbox(&r, q)
            }
            "get" => {
                arity(1)?;
                let q = self.term_of(args[0], &Sort::P)?;
                terms::ite(Self::in_mbox(&r, q.clone()), build::some(Self::payload_from(&r, q)), build::none(r.msg.clone()))
            }
            "count" => {
                arity(1)?;
                let f = args[0];
                self.count_received(&r, |cx, payload| match cx.apply(f, vec![Val::T(payload)])? {
                    Val::T(t) if t.sort() == Sort::Bool => Ok(t),
                    _ => err(f.span(), "the closure must return a bool", "not a predicate"),
                })?
            }
            "exists" | "forall" => {
                arity(1)?;
                let (s, body) = self.per_message(&r, args[0])?;
                if body.sort() != Sort::Bool {
                    return err(args[0].span(), "the closure must return a bool", "not a predicate");
                }
                let member = Self::in_mbox(&r, s.t());
                match name {
                    "exists" => build::exists(vec![s], terms::and(vec![member, body])),
                    _ => build::forall(vec![s], terms::implies(member, body)),
                }
            }
            "max_by_key" | "min_by_key" => {
                arity(1)?;
                let res = self.choose_extreme(&r, args[0], name == "max_by_key")?;
                let nonempty = build::gt(build::card(self.mbox_set(&r)), Term::Int(0));
                terms::ite(nonempty, build::some(res), build::none(r.msg.clone()))
            }
            "min_most_often" | "try_min_most_often" => {
                arity(0)?;
                // On an empty mailbox `min_most_often` returns the default:
                // stated in the chosen value's axiom rather than as an `ite`
                // around it, so that sets like `{s | x(s) = res}` stay in the
                // same family as every other `{s | x(s) = v}`.
                let empty_value = if name == "try_min_most_often" {
                    None
                } else {
                    let Some(d) = default_of(&r.msg) else {
                        return err(e.span(), "`min_most_often` needs a payload type with a default", "no default");
                    };
                    Some(d)
                };
                let res = self.choose_min_most_often(&r, e, empty_value.clone())?;
                let nonempty = build::gt(build::card(self.mbox_set(&r)), Term::Int(0));
                match empty_value {
                    None => terms::ite(nonempty, build::some(res), build::none(r.msg.clone())),
                    Some(_) => res,
                }
            }
            "iter" | "values" => {
                return err_help(m.method.span(), format!("`mbox.{name}()` is outside the verifiable subset"), "iteration", "use count, exists, forall, get, contains, max_by_key or min_most_often");
            }
            _ => return err(m.method.span(), format!("unknown method `{name}` on the mailbox"), "unknown or unsupported method"),
        };
        Ok(Val::T(t))
    }

    /// A fresh value `res(self)` of the payload sort (one function per tuple
    /// component), as a term.
    fn fresh_payload(&mut self, base: &str, msg: &Sort) -> (Vec<Fun>, Term) {
        let me = names::self_var().t();
        match msg {
            Sort::Tuple(cs) => {
                let funs: Vec<Fun> = cs
                    .iter()
                    .enumerate()
                    .map(|(k, c)| Fun::new(self.fresh_name(&format!("{base}.{k}")), vec![Sort::P], c.clone()))
                    .collect();
                let t = build::tuple(funs.iter().map(|f| f.at(me.clone())).collect());
                (funs, t)
            }
            s => {
                let f = Fun::new(self.fresh_name(base), vec![Sort::P], s.clone());
                let t = f.at(me);
                (vec![f], t)
            }
        }
    }

    /// Register `res` with `axiom` as chosen values (one `Choose` per function).
    fn push_choose(&mut self, funs: Vec<Fun>, axiom: Term, what: &str) {
        let mut funs = funs.into_iter();
        if let Some(first) = funs.next() {
            self.pending.push(Stmt::Choose { fun: first, axiom, what: what.to_string() });
        }
        for f in funs {
            self.pending.push(Stmt::Choose { fun: f, axiom: Term::Bool(true), what: what.to_string() });
        }
    }

    /// `∀p. res(p) = of_heard(HO(p))`, `of_heard` fresh, for the least
    /// most often received value `res` (`fun`), in a round whose mailbox
    /// the heard-of set determines: every sender sends to everyone and the
    /// payload does not depend on the receiver. `None` otherwise. Under
    /// value faults the mailbox is that function of the heard-of set only
    /// where no message is altered, and the fact is guarded:
    /// `∀p. |AHO(p)| = 0 ⇒ res(p) = of_heard(HO(p))`.
    ///
    /// Sound: the value is a function of the mailbox (on an empty one the
    /// update does not read it: choose one value for all), and the mailbox
    /// of an unaltered process a function of its heard-of set (the payloads
    /// its senders sent), so a real run's values extend to an `of_heard`:
    /// at `S`, the value chosen from `S`'s unaltered messages. Two
    /// processes that hear the same set then adopt the same value, which a
    /// liveness predicate such as `∀p. HO(p) = S` is about;
    /// derived from the defining axiom instead, it takes each one's value
    /// compared in the other's counts, instances the reduction does not
    /// always make. Stated over pairs (`HO(p) = HO(q) ⇒ res(p) = res(q)`)
    /// the negated set equality gets an extensional witness per pair, and
    /// at a large instantiation depth those terms broke the memory budget.
    /// (`min_by_key` and `max_by_key` get no such fact: with ties their
    /// reading admits any extreme message, as an event round's fold takes
    /// the first or the last to arrive; with the message as the key their
    /// axiom's instances at the two witnesses give it, and measured, the
    /// fact made FloodMin's step 3× slower.)
    fn choice_of_heard(&mut self, r: &RoundCtx, fun: &Fun) -> Option<Stmt> {
        let by_heard_of = r.sends_to == Term::Bool(true) && !r.payload.free_vars().contains(&names::dest_var());
        if !by_heard_of {
            return None;
        }
        let of_heard = Fun::new(self.fresh_name(&format!("of_heard.r{}", r.index)), vec![Sort::set(Sort::P)], fun.ret.clone());
        let unaltered_only = !r.altered.is_empty();
        let what = format!("mbox.min_most_often: a function of the heard-of set{}", if unaltered_only { " where no message is altered" } else { "" });
        Some(Stmt::ChoiceOfHeard { fun: fun.clone(), of_heard, unaltered_only, what })
    }

    /// `max_by_key` / `min_by_key`: a received message whose key is extreme.
    fn choose_extreme(&mut self, r: &RoundCtx, key: &Expr, max: bool) -> FeResult<Term> {
        let base = format!("{}_by_key.r{}", if max { "max" } else { "min" }, r.index);
        let (funs, res) = self.fresh_payload(&base, &r.msg);
        let key_res = match self.apply(key, vec![Val::T(res.clone())])? {
            Val::T(t) if is_key_sort(&t.sort()) => t,
            _ => {
                return err(
                    key.span(),
                    "the key must be an integer, a Real, a bool, or a tuple of them (compared lexicographically)",
                    "not an ordered key",
                );
            }
        };
        let (s, key_s) = self.per_message(r, key)?;
        let w = self.fresh_var("s", Sort::P);
        let nonempty = build::gt(build::card(self.mbox_set(r)), Term::Int(0));
        let received = build::exists(
            vec![w.clone()],
            terms::and(vec![Self::in_mbox(r, w.t()), terms::eq(Self::payload_from(r, w.t()), res.clone())]),
        );
        let cmp = if max { key_le(key_s, key_res) } else { key_ge(key_s, key_res) };
        let extreme = build::forall(vec![s.clone()], terms::implies(Self::in_mbox(r, s.t()), cmp));
        let axiom = terms::implies(nonempty, terms::and(vec![received, extreme]));
        self.push_choose(funs, axiom, if max { "mbox.max_by_key" } else { "mbox.min_by_key" });
        Ok(res)
    }

    /// `min_most_often`: a received value received at least as often as any
    /// other, the smallest among those.
    /// With `empty_value`, the value is that on an empty mailbox.
    fn choose_min_most_often(&mut self, r: &RoundCtx, e: &Expr, empty_value: Option<Term>) -> FeResult<Term> {
        if r.msg != Sort::Int {
            return err(e.span(), "`min_most_often` is supported for integer payloads", "payload is not an integer");
        }
        let (funs, res) = self.fresh_payload(&format!("min_most_often.r{}", r.index), &r.msg);
        let count = |cx: &mut Self, v: Term| cx.count_received(r, |_, payload| Ok(build::eq(payload, v.clone())));
        let nonempty = build::gt(build::card(self.mbox_set(r)), Term::Int(0));
        let w = self.fresh_var("s", Sort::P);
        let received = build::exists(
            vec![w.clone()],
            terms::and(vec![Self::in_mbox(r, w.t()), build::eq(Self::payload_from(r, w.t()), res.clone())]),
        );
        // Stated over values rather than senders: ∀v. cnt(res) > cnt(v) ∨
        // (cnt(res) = cnt(v) ∧ res ≤ v). Given `received`, this is equivalent
        // to quantifying over the senders' payloads (a value nobody sent has
        // count 0 < cnt(res)), and it needs no witness sender in the proofs.
        let v = self.fresh_var("v", Sort::Int);
        let (c_res, c_other) = (count(self, res.clone())?, count(self, v.t())?);
        let best = terms::or(vec![
            build::gt(c_res.clone(), c_other.clone()),
            terms::and(vec![build::eq(c_res, c_other), build::le(res.clone(), v.t())]),
        ]);
        let most = build::forall(vec![v.clone()], best);
        let mut axiom = terms::implies(nonempty.clone(), terms::and(vec![received, most]));
        if let Some(d) = empty_value {
            axiom = terms::and(vec![axiom, terms::implies(terms::not(nonempty), build::eq(res.clone(), d))]);
        }
        let of_heard = self.choice_of_heard(r, &funs[0]);
        self.push_choose(funs, axiom, "mbox.min_most_often");
        self.pending.extend(of_heard);
        Ok(res)
    }
}

/// Whether values of `sort` are keys of `max_by_key` / `min_by_key`: as in
/// Rust's `Ord`, numbers, bools (`false < true`) and tuples of them.
fn is_key_sort(sort: &Sort) -> bool {
    match sort {
        Sort::Bool => true,
        Sort::Tuple(cs) => cs.iter().all(|c| c.is_numeric() || *c == Sort::Bool),
        s => s.is_numeric(),
    }
}

/// `a ≤ b` on keys ([`is_key_sort`]): tuples lexicographically, as Rust's
/// `Ord` compares them.
fn key_le(a: Term, b: Term) -> Term {
    match a.sort() {
        Sort::Tuple(cs) => {
            let last = cs.len() - 1;
            // From the last component out: ≤ on it, then `<` or `=` ∧ rest.
            let mut out = scalar_cmp(terms::proj(a.clone(), last), terms::proj(b.clone(), last), false);
            for k in (0..last).rev() {
                let (x, y) = (terms::proj(a.clone(), k), terms::proj(b.clone(), k));
                out = terms::or(vec![scalar_cmp(x.clone(), y.clone(), true), terms::and(vec![terms::eq(x, y), out])]);
            }
            out
        }
        _ => scalar_cmp(a, b, false),
    }
}

/// `a ≥ b` on keys: `b ≤ a`, written `a ≥ b` on numbers (the term the
/// proof hints of `min_by_key` rounds were recorded with).
fn key_ge(a: Term, b: Term) -> Term {
    if a.sort().is_numeric() { build::ge(a, b) } else { key_le(b, a) }
}

/// `a < b` (`strict`) or `a ≤ b` on numbers or bools (`false < true`).
fn scalar_cmp(a: Term, b: Term, strict: bool) -> Term {
    match (a.sort(), strict) {
        (Sort::Bool, true) => terms::and(vec![terms::not(a), b]),
        (Sort::Bool, false) => terms::or(vec![terms::not(a), b]),
        (_, true) => build::lt(a, b),
        (_, false) => build::le(a, b),
    }
}
