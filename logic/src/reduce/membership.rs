//! Pass 7d: what one membership says about a set's size.
//!
//! For every uninterpreted symbol `F` of sets of processes (`HO`, a set
//! constant) whose size the input says is (not) `0`, and every one whose
//! size it says is (not) `n` or whose complement it counts (`0 < |F(t̄)|`,
//! `|F(t̄)| = n`, `n − |F(t̄)|`, …; the bounds `0 ≤ |S| ≤ n` of every set
//! do not count), respectively, a universal over
//! its arguments `ȳ` and every process `q`:
//! - `q ∈ F(ȳ) ⇒ |F(ȳ)| ≥ 1` (a set with a member is not empty; so
//!   `|S| = 0 ⇒ ∀q. q ∉ S`);
//! - `q ∉ F(ȳ) ⇒ |F(ȳ)| + 1 ≤ n` (a set that misses someone is short of
//!   everyone; so `|S| = n ⇒ ∀q. q ∈ S`).
//!
//! The Venn groups (`venn.rs`, `regions.rs`) relate sizes to memberships
//! only at the ground sets and elements they are built for; a family
//! instance the solver meets during its search and a membership it derives
//! (`s(j) ∈ HO(i)` from a kept universal `∀s ∈ HO(i). …` at the witness
//! `s(j)` of another process's mailbox) get no count. These facts hold for
//! every set, so they are stated for every instance, with the membership
//! atom `q ∈ F(ȳ)` as the only trigger: an instance per membership term the
//! solver meets, and no new process (no chain of instances can start).
//!
//! Only where the query compares a size with the bound the fact is about:
//! for every symbol whose size is mentioned, each membership the solver
//! meets made a size term, and measured on the benchmarks (which compare
//! sizes with `2n/3` and `n/2`) that more than doubled the solver's time
//! (4.4 s of CPU for both files, 9 s with it); comprehension symbols are
//! left out likewise (11 s), and their memberships unfold to their
//! definitions.
//!
//! Soundness: in a model, `n` is the number of processes and every set of
//! processes is a subset of them, finite. A member `q` of `S` makes
//! `|S| ≥ 1`; a process `q ∉ S` makes `S` a subset of the `n − 1` others,
//! so `|S| ≤ n − 1`. Both hold for every set `S = F(ȳ)` and every `q`.

use super::names::NameGen;
use super::syntax::{self, card, member, neg, or, proc_count};
use super::venn::Bodies;
use crate::{Fun, Op, Sort, Term, Var};

/// The uninterpreted set-of-process symbols whose size `fs` says is (not)
/// empty (first) and (not) full (second).
fn compared_symbols(fs: &[Term], bodies: &Bodies) -> (Vec<Fun>, Vec<Fun>) {
    let (mut with_zero, mut with_n) = (Vec::new(), Vec::new());
    let sized = |t: &Term| match t {
        Term::Op(Op::Card, s) => match &s[0] {
            Term::App(g, _) if g.ret.set_elem() == Some(&Sort::P) && !bodies.contains_key(&g.name) => {
                Some(g.clone())
            }
            _ => None,
        },
        _ => None,
    };
    let n = proc_count();
    let (zero, one) = (Term::Int(0), Term::Int(1));
    for f in fs {
        f.visit(&mut |t| {
            // `0 < |S|`, `1 ≤ |S|`, `|S| = 0`, `|S| ≤ 0`, `|S| < 1`; and
            // `|S| = n`, `n ≤ |S|`, `|S| < n` (not the bounds `0 ≤ |S| ≤ n`).
            let (set, list) = match t {
                Term::Op(Op::Lt, ab) if ab[0] == zero => (&ab[1], &mut with_zero),
                Term::Op(Op::Le, ab) if ab[0] == one => (&ab[1], &mut with_zero),
                Term::Op(Op::Le, ab) if ab[1] == zero => (&ab[0], &mut with_zero),
                Term::Op(Op::Lt, ab) if ab[1] == one => (&ab[0], &mut with_zero),
                Term::Op(Op::Eq, ab) if ab[1] == zero => (&ab[0], &mut with_zero),
                Term::Op(Op::Eq, ab) if ab[0] == zero => (&ab[1], &mut with_zero),
                Term::Op(Op::Eq, ab) if ab[1] == n => (&ab[0], &mut with_n),
                Term::Op(Op::Eq, ab) if ab[0] == n => (&ab[1], &mut with_n),
                Term::Op(Op::Le, ab) if ab[0] == n => (&ab[1], &mut with_n),
                Term::Op(Op::Lt, ab) if ab[1] == n => (&ab[0], &mut with_n),
                // `n − |S|`: how many processes `S` misses (the crashed
                // ones a crash-fault spec counts), whatever it is compared with.
                Term::Op(Op::Sub, ab) if ab[0] == n && ab.len() == 2 => (&ab[1], &mut with_n),
                _ => return,
            };
            if let Some(g) = sized(set)
                && !list.contains(&g)
            {
                list.push(g);
            }
        });
    }
    with_zero.sort();
    with_n.sort();
    (with_zero, with_n)
}

/// `∀ȳ q. φ(q, F(ȳ))` for the symbol `g`.
fn for_every_instance(g: &Fun, names: &mut NameGen, body: impl Fn(Term, Term) -> Term) -> Term {
    let args: Vec<Var> = g
        .args
        .iter()
        .map(|s| names.fresh_var(&Var::new("y", s.clone())))
        .collect();
    let set = g.app(args.iter().map(Var::t).collect());
    let q = names.fresh_var(&Var::new("q", Sort::P));
    let f = body(q.t(), set);
    syntax::forall(args.into_iter().chain(std::iter::once(q)).collect(), f)
}

/// The membership bounds for the uninterpreted set-of-process symbols
/// (not the comprehension symbols keyed in `bodies`) whose size the input
/// formulas `fs` say is (not) `0` or (not) `n`.
pub fn membership_bounds(fs: &[Term], bodies: &Bodies, names: &mut NameGen) -> Vec<Term> {
    let (with_zero, with_n) = compared_symbols(fs, bodies);
    let mut out = Vec::new();
    for g in &with_zero {
        out.push(for_every_instance(g, names, |q, set| {
            or(vec![neg(&member(q, set.clone())), syntax::le(Term::Int(1), card(set))])
        }));
    }
    for g in &with_n {
        out.push(for_every_instance(g, names, |q, set| {
            or(vec![
                member(q, set.clone()),
                syntax::le(Term::Op(Op::Add, vec![card(set), Term::Int(1)]), proc_count()),
            ])
        }));
    }
    out
}
