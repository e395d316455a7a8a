//! Pass 1b: set operators, extensionality, options and tuples via their
//! observations (membership, `is_some`/`get`, projections).
//!
//! Input and output are in NNF; literals are rewritten by polarity:
//! - `e ∈ S ∪ T`, `∩`, `∖`, `{a}`, `∅`, `P`, `{x | ψ}` become formulas over
//!   the operands (membership in a comprehension is `ψ[e/x]`);
//! - `S = T` stays and gains `∀w. w∈S ⇔ w∈T`; `S ≠ T` stays and gains a
//!   witness `∃w. (w∈S) ≠ (w∈T)` (skolemized later);
//! - `S ⊆ T` becomes `∀w. w∈S ⇒ w∈T` (and `|S| ≤ |T|`), `¬(S ⊆ T)` a witness;
//! - set operators elsewhere (under `|·|`, as arguments) become comprehensions
//!   `{x | x ∈ S ∪ T}`, with the exact facts `|∅| = 0`, `|P| = n`, `|{a}| = 1`;
//! - `o₁ = o₂` on options/tuples becomes equality of the observations,
//!   `get(Some a)`, `proj(tuple)` and `is_some` of constructors are folded.
//!
//! Soundness: each rewrite is an equivalence in the intended semantics
//! (finite sets, real options and tuples), and facts conjoined to a literal
//! are valid, so models are preserved in both directions.

use super::ReduceError;
use super::names::NameGen;
use super::syntax::{self, and, card, member, neg, or};
use crate::{Binder, Op, Sort, Term, Var};

/// The set/option/tuple rewriting of an NNF formula.
pub struct SetRewriter<'a> {
    names: &'a mut NameGen,
}

impl<'a> SetRewriter<'a> {
    /// A rewriter drawing fresh names from `names`.
    pub fn new(names: &'a mut NameGen) -> Self {
        SetRewriter { names }
    }

    /// Rewrite an NNF formula.
    pub fn formula(&mut self, f: &Term) -> Result<Term, ReduceError> {
        Ok(match f {
            Term::Op(Op::And, ps) => and(ps
                .iter()
                .map(|p| self.formula(p))
                .collect::<Result<_, _>>()?),
            Term::Op(Op::Or, ps) => or(ps
                .iter()
                .map(|p| self.formula(p))
                .collect::<Result<_, _>>()?),
            Term::Bind(Binder::Forall, vs, b) => syntax::forall(vs.clone(), self.formula(b)?),
            Term::Bind(Binder::Exists, vs, b) => syntax::exists(vs.clone(), self.formula(b)?),
            Term::Op(Op::Not, a) => self.literal(&a[0], false)?,
            atom => self.literal(atom, true)?,
        })
    }

    fn fresh(&mut self, sort: &Sort) -> Var {
        self.names.fresh_var(&Var::new("w", sort.clone()))
    }

    fn literal(&mut self, atom: &Term, pos: bool) -> Result<Term, ReduceError> {
        let polar = |t: Term| if pos { t } else { neg(&t) };
        match atom {
            Term::Op(Op::Member, es) => self.membership(&es[0], &es[1], pos),
            Term::Op(Op::Eq, ab) if syntax::is_set(&ab[0].sort()) => {
                let w = self.fresh(ab[0].sort().set_elem().expect("set sort"));
                let (a, b) = (&ab[0], &ab[1]);
                let (raw, mut facts) = self.terms(&[a.clone(), b.clone()])?;
                let raw = Term::Op(Op::Eq, raw);
                let ext = if pos {
                    let fwd = or(vec![
                        self.membership(&w.t(), a, false)?,
                        self.membership(&w.t(), b, true)?,
                    ]);
                    let bwd = or(vec![
                        self.membership(&w.t(), a, true)?,
                        self.membership(&w.t(), b, false)?,
                    ]);
                    syntax::forall(vec![w], and(vec![fwd, bwd]))
                } else {
                    let ab_ = and(vec![
                        self.membership(&w.t(), a, true)?,
                        self.membership(&w.t(), b, false)?,
                    ]);
                    let ba_ = and(vec![
                        self.membership(&w.t(), a, false)?,
                        self.membership(&w.t(), b, true)?,
                    ]);
                    syntax::exists(vec![w], or(vec![ab_, ba_]))
                };
                facts.push(polar(raw));
                facts.push(ext);
                Ok(and(facts))
            }
            Term::Op(Op::Subset, ab) => {
                let w = self.fresh(ab[0].sort().set_elem().expect("set sort"));
                let (a, b) = (&ab[0], &ab[1]);
                if pos {
                    let (raw, mut facts) = self.terms(&[a.clone(), b.clone()])?;
                    let incl = or(vec![
                        self.membership(&w.t(), a, false)?,
                        self.membership(&w.t(), b, true)?,
                    ]);
                    facts.push(syntax::forall(vec![w], incl));
                    facts.push(syntax::le(card(raw[0].clone()), card(raw[1].clone())));
                    Ok(and(facts))
                } else {
                    let out = and(vec![
                        self.membership(&w.t(), a, true)?,
                        self.membership(&w.t(), b, false)?,
                    ]);
                    Ok(syntax::exists(vec![w], out))
                }
            }
            Term::Op(Op::Eq, ab) if matches!(ab[0].sort(), Sort::Opt(_) | Sort::Tuple(_)) => {
                let ext = observational_eq(&ab[0], &ab[1]);
                self.formula(&polar(ext))
            }
            _ => {
                let (t, facts) = self.term(atom)?;
                let lit = match t {
                    Term::Bool(b) => Term::Bool(b == pos),
                    Term::Op(Op::Eq, ab) => polar(syntax::eq(ab[0].clone(), ab[1].clone())),
                    other => polar(other),
                };
                Ok(and(facts.into_iter().chain(std::iter::once(lit)).collect()))
            }
        }
    }

    /// The formula `e ∈ s` (if `pos`) or `e ∉ s`, in NNF, rewritten.
    fn membership(&mut self, e: &Term, s: &Term, pos: bool) -> Result<Term, ReduceError> {
        let (lo, hi) = (|x: Vec<Term>| and(x), |x: Vec<Term>| or(x));
        Ok(match s {
            Term::Op(Op::Union, ab) | Term::Op(Op::Inter, ab) => {
                let parts = vec![
                    self.membership(e, &ab[0], pos)?,
                    self.membership(e, &ab[1], pos)?,
                ];
                let is_union = matches!(s, Term::Op(Op::Union, _));
                if is_union == pos {
                    hi(parts)
                } else {
                    lo(parts)
                }
            }
            Term::Op(Op::Diff, ab) => {
                let parts = vec![
                    self.membership(e, &ab[0], pos)?,
                    self.membership(e, &ab[1], !pos)?,
                ];
                if pos { lo(parts) } else { hi(parts) }
            }
            Term::Op(Op::Singleton, a) => {
                self.literal(&Term::Op(Op::Eq, vec![e.clone(), a[0].clone()]), pos)?
            }
            Term::Op(Op::Empty(_), _) => Term::Bool(!pos),
            Term::Op(Op::AllProcs, _) => Term::Bool(pos),
            Term::Bind(Binder::Comprehension, x, body) => {
                let inst = body.subst(&[(x[0].clone(), e.clone())]);
                self.formula(&if pos { inst } else { neg(&inst) })?
            }
            _ => {
                let (args, facts) = self.terms(&[e.clone(), s.clone()])?;
                let m = member(args[0].clone(), args[1].clone());
                and(facts
                    .into_iter()
                    .chain(std::iter::once(if pos { m } else { neg(&m) }))
                    .collect())
            }
        })
    }

    fn terms(&mut self, ts: &[Term]) -> Result<(Vec<Term>, Vec<Term>), ReduceError> {
        let mut facts = Vec::new();
        let mut out = Vec::with_capacity(ts.len());
        for t in ts {
            let (t, fs) = self.term(t)?;
            out.push(t);
            facts.extend(fs);
        }
        Ok((out, facts))
    }

    /// Rewrite a term: set operators become comprehensions (with valid
    /// cardinality facts), comprehension bodies are rewritten, option and
    /// tuple constructors are folded under their observers.
    fn term(&mut self, t: &Term) -> Result<(Term, Vec<Term>), ReduceError> {
        match t {
            Term::Bind(Binder::Comprehension, x, body) => {
                let body = self.formula(body)?;
                Ok((
                    Term::Bind(Binder::Comprehension, x.clone(), Box::new(body)),
                    Vec::new(),
                ))
            }
            Term::Op(
                op @ (Op::Union
                | Op::Inter
                | Op::Diff
                | Op::Singleton
                | Op::Empty(_)
                | Op::AllProcs),
                _,
            ) => {
                let sort = t.sort();
                let x = self.fresh(sort.set_elem().expect("set operators have set sorts"));
                let body = self.membership(&x.t(), t, true)?;
                let c = Term::Bind(Binder::Comprehension, vec![x], Box::new(body));
                let fact = match op {
                    Op::Empty(_) => Some(Term::Int(0)),
                    Op::AllProcs => Some(syntax::proc_count()),
                    Op::Singleton => Some(Term::Int(1)),
                    _ => None,
                };
                let facts = fact
                    .map(|k| vec![syntax::eq(card(c.clone()), k)])
                    .unwrap_or_default();
                Ok((c, facts))
            }
            Term::App(f, args) => {
                let (args, facts) = self.terms(args)?;
                Ok((Term::App(f.clone(), args), facts))
            }
            Term::Op(op, args) => {
                let (args, facts) = self.terms(args)?;
                Ok((fold_constructors(op, args), facts))
            }
            Term::Bind(..) => Err(ReduceError::Internal(format!(
                "quantifier inside a term: {t:?}"
            ))),
            other => Ok((other.clone(), Vec::new())),
        }
    }
}

/// `get(Some a) = a`, `is_some(Some a)`, `¬is_some(None)`, `(a₀,…).k = a_k`.
fn fold_constructors(op: &Op, args: Vec<Term>) -> Term {
    match (op, args.first()) {
        (Op::Get, Some(Term::Op(Op::Some, a))) => a[0].clone(),
        (Op::IsSome, Some(Term::Op(Op::Some, _))) => Term::Bool(true),
        (Op::IsSome, Some(Term::Op(Op::None(_), _))) => Term::Bool(false),
        (Op::Proj(k), Some(Term::Op(Op::Tuple, cs))) if *k < cs.len() => cs[*k].clone(),
        _ => Term::Op(op.clone(), args),
    }
}

/// Equality of options or tuples as equality of what can be observed of them.
fn observational_eq(a: &Term, b: &Term) -> Term {
    match a.sort() {
        Sort::Opt(_) => {
            let is = |t: &Term| fold_constructors(&Op::IsSome, vec![t.clone()]);
            let get = |t: &Term| fold_constructors(&Op::Get, vec![t.clone()]);
            let both = and(vec![is(a), is(b), syntax::eq(get(a), get(b))]);
            let neither = and(vec![neg(&is(a)), neg(&is(b))]);
            or(vec![both, neither])
        }
        Sort::Tuple(cs) => and((0..cs.len())
            .map(|k| {
                let p = |t: &Term| fold_constructors(&Op::Proj(k), vec![t.clone()]);
                syntax::eq(p(a), p(b))
            })
            .collect()),
        _ => syntax::eq(a.clone(), b.clone()),
    }
}
