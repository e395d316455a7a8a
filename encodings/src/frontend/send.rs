//! `send` bodies → `sendsTo(s, d)` and `payload(s, d)` over the sender's
//! pre-state: guarded outboxes (`broadcast`, `to`, `and`, `none`) joined by
//! the `if`s around them.

use psync_logic::{Sort, Term, build};
use syn::Expr;
use syn::spanned::Spanned;

use crate::ir::names;
use crate::terms;

use super::cx::Cx;
use super::error::{FeResult, err, err_help};
use super::expr::path_str;

/// Who receives in one branch of a `send`.
#[derive(Clone, Debug)]
enum Dests {
    None,
    All(Term),
    To(Vec<(Term, Term)>),
}

/// One guarded outbox.
#[derive(Clone, Debug)]
struct Branch {
    guard: Term,
    dests: Dests,
}

impl Cx<'_> {
    /// Translate a `send` body into `(sends_to, payload)`.
    pub fn send_body(&mut self, b: &syn::Block, msg: &Sort) -> FeResult<(Term, Term)> {
        let branches = self.block_with(b, |cx, e| cx.outbox(e, msg))?;
        let d = names::dest_var().t();
        let hits: Vec<Term> = branches
            .iter()
            .map(|br| match &br.dests {
                Dests::None => Term::Bool(false),
                Dests::All(_) => Term::Bool(true),
                Dests::To(v) => terms::or(v.iter().map(|(p, _)| build::eq(d.clone(), p.clone())).collect()),
            })
            .collect();
        // The guards are a case split (every `if` has its `else`, every
        // `match` is exhaustive), so branches that all reach the same
        // destinations send there whatever the guards say: `if c {
        // broadcast(a) } else { broadcast(b) }` sends to everyone, and the
        // mailbox is the heard-of set, not a comprehension over `c`.
        let sends = if hits.windows(2).all(|w| w[0] == w[1]) {
            hits.into_iter().next().unwrap_or(Term::Bool(false))
        } else {
            terms::or(branches.iter().zip(hits).map(|(br, hit)| terms::and(vec![br.guard.clone(), hit])).collect())
        };
        // The payload: the first branch whose guard holds decides; within a
        // `to(..).and(..)` list the first entry for a destination counts.
        let mut payload: Option<Term> = None;
        for br in branches.iter().rev() {
            let here = match &br.dests {
                Dests::None => continue,
                Dests::All(m) => m.clone(),
                Dests::To(v) => {
                    let mut it = v.iter().rev();
                    let (_, last) = it.next().expect("a `to` list is never empty");
                    it.fold(last.clone(), |acc, (p, m)| terms::ite(build::eq(d.clone(), p.clone()), m.clone(), acc))
                }
            };
            payload = Some(match payload {
                None => here,
                Some(rest) => terms::ite(br.guard.clone(), here, rest),
            });
        }
        let payload = match payload {
            Some(p) => p,
            None => return err(b.span(), "this `send` never sends anything", "no message is ever sent"),
        };
        Ok((sends, payload))
    }

    fn outbox(&mut self, e: &Expr, msg: &Sort) -> FeResult<Vec<Branch>> {
        match e {
            Expr::Paren(p) => self.outbox(&p.expr, msg),
            Expr::Group(g) => self.outbox(&g.expr, msg),
            Expr::Block(b) if b.label.is_none() => self.block_with(&b.block, |cx, e| cx.outbox(e, msg)),
            Expr::If(i) => {
                let Some((_, els)) = &i.else_branch else {
                    return err(i.span(), "an `if` choosing the outbox needs an `else`", "missing else");
                };
                let (cond, binds) = self.condition(&i.cond)?;
                let then = self.scoped(binds, |cx| cx.block_with(&i.then_branch, |cx, e| cx.outbox(e, msg)))?;
                let other = self.outbox(els, msg)?;
                let mut out: Vec<Branch> = then
                    .into_iter()
                    .map(|b| Branch { guard: terms::and(vec![cond.clone(), b.guard]), dests: b.dests })
                    .collect();
                let not_c = terms::not(cond);
                out.extend(other.into_iter().map(|b| Branch { guard: terms::and(vec![not_c.clone(), b.guard]), dests: b.dests }));
                Ok(out)
            }
            Expr::Call(c) => {
                let Expr::Path(p) = &*c.func else {
                    return err(c.func.span(), "expected `Outbox::…`", "not an outbox");
                };
                let name = path_str(&p.path);
                let args: Vec<&Expr> = c.args.iter().collect();
                let dests = match (name.as_str(), args.as_slice()) {
                    ("Outbox::broadcast", [m]) => Dests::All(self.term_of(m, msg)?),
                    ("Outbox::to", [q, m]) => Dests::To(vec![(self.term_of(q, &Sort::P)?, self.term_of(m, msg)?)]),
                    ("Outbox::none", []) => Dests::None,
                    _ => return err_help(e.span(), "unsupported outbox", "not an outbox", "use Outbox::broadcast(m), Outbox::to(p, m), .and(p, m) or Outbox::none()"),
                };
                Ok(vec![Branch { guard: Term::Bool(true), dests }])
            }
            Expr::MethodCall(m) if m.method == "and" && m.args.len() == 2 => {
                let base = self.outbox(&m.receiver, msg)?;
                let q = self.term_of(&m.args[0], &Sort::P)?;
                let v = self.term_of(&m.args[1], msg)?;
                Ok(base
                    .into_iter()
                    .map(|b| {
                        let dests = match b.dests {
                            Dests::None => Dests::To(vec![(q.clone(), v.clone())]),
                            Dests::To(mut l) => {
                                l.push((q.clone(), v.clone()));
                                Dests::To(l)
                            }
                            all @ Dests::All(_) => all,
                        };
                        Branch { guard: b.guard, dests }
                    })
                    .collect())
            }
            Expr::Path(p) if path_str(&p.path) == "Outbox::None" => Ok(vec![Branch { guard: Term::Bool(true), dests: Dests::None }]),
            _ => err_help(e.span(), "unsupported outbox expression", "not an outbox", "a `send` ends in Outbox::broadcast(m), Outbox::to(p, m), .and(p, m), Outbox::none(), or an `if` choosing among them"),
        }
    }
}
