//! Pass 8: theory axioms of options and tuples, instantiated on the ground
//! terms of the e-graph.
//!
//! For every ground option `o`: `is_some(o) ⇒ o = Some(get(o))`,
//! `¬is_some(o) ⇒ o = None`, and for the constructor terms this creates:
//! `is_some(Some(a))`, `get(Some(a)) = a`, `¬is_some(None)`. For every ground
//! tuple `t`: `t = (t.0, …, t.k)` and `(a₀, …).i = a_i`. With these, two
//! ground options (tuples) with equal observations are equal, which the
//! observational rewriting of `=` in pass 1b relies on.
//!
//! Soundness: each axiom is valid for real options and tuples.

use super::congruence::Congruence;
use super::syntax::{self, and, neg, or};
use crate::{Op, Sort, Term};

fn op(o: Op, args: Vec<Term>) -> Term {
    Term::Op(o, args)
}

/// The ground theory axioms for the option and tuple terms of `cc`.
pub fn theory_axioms(cc: &Congruence) -> Vec<Term> {
    let mut out = Vec::new();
    for sort in cc.sorts() {
        match &sort {
            Sort::Opt(inner) => {
                let none = op(Op::None((**inner).clone()), Vec::new());
                out.push(neg(&op(Op::IsSome, vec![none.clone()])));
                for (o, _) in cc.representatives(&sort) {
                    let is = op(Op::IsSome, vec![o.clone()]);
                    let get = op(Op::Get, vec![o.clone()]);
                    let rebuilt = op(Op::Some, vec![get.clone()]);
                    out.push(or(vec![neg(&is), syntax::eq(o.clone(), rebuilt.clone())]));
                    out.push(or(vec![is, syntax::eq(o.clone(), none.clone())]));
                    out.push(op(Op::IsSome, vec![rebuilt.clone()]));
                    out.push(syntax::eq(op(Op::Get, vec![rebuilt]), get));
                    if let Term::Op(Op::Some, a) = &o {
                        out.push(op(Op::IsSome, vec![o.clone()]));
                        out.push(syntax::eq(op(Op::Get, vec![o.clone()]), a[0].clone()));
                    }
                }
            }
            Sort::Tuple(cs) => {
                for (t, _) in cc.representatives(&sort) {
                    let projs: Vec<Term> = (0..cs.len())
                        .map(|k| op(Op::Proj(k), vec![t.clone()]))
                        .collect();
                    let rebuilt = op(Op::Tuple, projs.clone());
                    out.push(syntax::eq(t.clone(), rebuilt.clone()));
                    for (k, p) in projs.into_iter().enumerate() {
                        out.push(syntax::eq(op(Op::Proj(k), vec![rebuilt.clone()]), p));
                    }
                    if let Term::Op(Op::Tuple, args) = &t {
                        for (k, a) in args.iter().enumerate() {
                            out.push(syntax::eq(op(Op::Proj(k), vec![t.clone()]), a.clone()));
                        }
                    }
                }
            }
            _ => {}
        }
    }
    syntax::conjuncts(and(out))
}
