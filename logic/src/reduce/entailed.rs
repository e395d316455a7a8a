//! Pass 10b: ground integer atoms decided by the asserted ground bounds.
//!
//! A top-level assertion `a ⋈ b` (ground, linear, over `Int`) bounds the
//! linear form `a − b`. Every other ground atom of the query over the same
//! linear form, up to a non-zero factor, that the bounds decide is
//! replaced by `true` or `false` — also under disjunctions and inside
//! quantifier bodies, where the solver does not look for it. Z3 folds an
//! atom identical to an asserted one, not one the assertion implies: a
//! round updated under `3·|mbox| ≥ 2n` in a good round whose predicate
//! says `3·|S| > 2n` kept the guard inside every instance of the update,
//! and the query timed out where the same query with `>` is proved in
//! half a second.
//!
//! Linear forms are normalized (`Σ cᵢ·tᵢ ≤ k` with the `tᵢ` in term order,
//! the coefficients divided by their gcd and the first made positive,
//! `k` rounded towards the feasible side), so `a < b`, `a + 1 ≤ b` and
//! `2a < 2b` are one bound. Only literal coefficients count; nothing
//! else is derived (no sums of facts).
//!
//! Soundness: an equivalence. Each replaced atom has the truth value the
//! asserted bounds force on it, and the bounds stay asserted, so every
//! model of the query is a model of the result and the converse.

use std::collections::HashMap;

use crate::{Op, Sort, Term};

use super::linear::{Linear, comparison, linear};
use super::syntax;

/// The normalized form `Σ cᵢ·tᵢ` (gcd 1, first coefficient positive).
type Key = Vec<(Term, i128)>;

/// What an atom says about its key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Bound {
    /// `key ≤ k`
    AtMost(i128),
    /// `key ≥ k`
    AtLeast(i128),
    /// `key = k`
    Exactly(i128),
    /// no integer value (`2x = 1`)
    Never,
}

fn gcd(a: i128, b: i128) -> i128 {
    if b == 0 { a.abs() } else { gcd(b, a % b) }
}

/// `form ≤ 0` (or `= 0` when `equal`) as a bound on a normalized key;
/// `None` for a form without terms (the solver folds those).
fn normalize(form: Linear, equal: bool) -> Option<(Key, Bound)> {
    let g = form.coeffs.values().fold(0, |g, c| gcd(g, *c));
    let first = *form.coeffs.values().next()?;
    let s = g * first.signum();
    let key: Key = form.coeffs.into_iter().map(|(t, c)| (t, c / s)).collect();
    // s·key + c₀ ⋈ 0, i.e. s·key ⋈ −c₀.
    let rhs = form.constant.checked_neg()?;
    let bound = if equal {
        if rhs % s == 0 { Bound::Exactly(rhs / s) } else { Bound::Never }
    } else if s > 0 {
        Bound::AtMost(rhs.div_euclid(s))
    } else {
        // −|s|·key ≤ rhs ⇔ key ≥ ⌈−rhs/|s|⌉
        Bound::AtLeast(-(rhs.div_euclid(-s)))
    };
    Some((key, bound))
}

/// The bound a ground integer comparison states, if it is one.
fn atom_bound(t: &Term) -> Option<(Key, Bound)> {
    let Term::Op(op, xs) = t else { return None };
    if xs.len() != 2 || xs[0].sort() != Sort::Int || !syntax::is_ground(t) {
        return None;
    }
    match op {
        Op::Eq => normalize(linear(&xs[0])?.minus(linear(&xs[1])?)?, true),
        _ => normalize(comparison(t)?, false),
    }
}

/// The interval of values the asserted facts allow a key.
#[derive(Clone, Copy, Debug)]
struct Interval {
    lo: Option<i128>,
    hi: Option<i128>,
}

impl Interval {
    fn meet(&mut self, b: Bound) {
        let (lo, hi) = match b {
            Bound::AtMost(k) => (None, Some(k)),
            Bound::AtLeast(k) => (Some(k), None),
            Bound::Exactly(k) => (Some(k), Some(k)),
            Bound::Never => return,
        };
        self.lo = self.lo.max(lo);
        self.hi = match (self.hi, hi) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
    }

    /// The truth value the interval forces on `key ⋈ k`, if any.
    fn decides(&self, b: Bound) -> Option<bool> {
        let below = |k: i128| self.hi.is_some_and(|h| h < k);
        let above = |k: i128| self.lo.is_some_and(|l| l > k);
        match b {
            Bound::AtMost(k) if self.hi.is_some_and(|h| h <= k) => Some(true),
            Bound::AtMost(k) if above(k) => Some(false),
            Bound::AtLeast(k) if self.lo.is_some_and(|l| l >= k) => Some(true),
            Bound::AtLeast(k) if below(k) => Some(false),
            Bound::Exactly(k) if self.lo == Some(k) && self.hi == Some(k) => Some(true),
            Bound::Exactly(k) if below(k) || above(k) => Some(false),
            _ => None,
        }
    }
}

/// The bound a top-level fact asserts: an atom, or a negated inequality.
fn fact_bound(f: &Term) -> Option<(Key, Bound)> {
    match f {
        Term::Op(Op::Not, a) => match atom_bound(&a[0])? {
            (key, Bound::AtMost(k)) => Some((key, Bound::AtLeast(k.checked_add(1)?))),
            (key, Bound::AtLeast(k)) => Some((key, Bound::AtMost(k.checked_sub(1)?))),
            _ => None,
        },
        atom => atom_bound(atom),
    }
}

/// The intervals the top-level bounds of a query allow their keys.
#[derive(Clone, Debug, Default)]
pub struct AssertedBounds {
    intervals: HashMap<Key, Interval>,
}

impl AssertedBounds {
    /// The bounds asserted by the top-level facts among `assertions`.
    pub fn of(assertions: &[Term]) -> AssertedBounds {
        let mut intervals: HashMap<Key, Interval> = HashMap::new();
        for (key, b) in assertions.iter().filter_map(fact_bound) {
            intervals.entry(key).or_insert(Interval { lo: None, hi: None }).meet(b);
        }
        AssertedBounds { intervals }
    }

    /// `f` with the ground integer atoms these bounds decide replaced, and
    /// how many were.
    pub fn fold(&self, f: &Term) -> (Term, usize) {
        let mut replaced = 0;
        if self.intervals.is_empty() {
            return (f.clone(), 0);
        }
        let folded = f.map_bottom_up(&mut |t| decide(t, &self.intervals, &mut replaced));
        (folded, replaced)
    }
}

/// Replace the ground integer atoms of `assertions` that the top-level
/// bounds among them decide; the facts themselves are kept as they are.
/// Returns how many atoms were replaced.
pub fn decide_entailed_atoms(assertions: &mut [Term]) -> usize {
    let bounds = AssertedBounds::of(assertions);
    let mut replaced = 0;
    for f in assertions.iter_mut().filter(|f| fact_bound(f).is_none()) {
        let (folded, k) = bounds.fold(f);
        *f = folded;
        replaced += k;
    }
    replaced
}

fn decide(t: Term, intervals: &HashMap<Key, Interval>, replaced: &mut usize) -> Term {
    match t {
        Term::Op(Op::And, parts) => syntax::and(parts),
        Term::Op(Op::Or, parts) => syntax::or(parts),
        Term::Op(Op::Not, a) if matches!(a[0], Term::Bool(_)) => syntax::neg(&a[0]),
        // The sorts of the flat fragment are non-empty.
        Term::Bind(_, _, body) if matches!(*body, Term::Bool(_)) => *body,
        t => match atom_bound(&t).and_then(|(key, b)| intervals.get(&key)?.decides(b)) {
            Some(v) => {
                *replaced += 1;
                Term::Bool(v)
            }
            None => t,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reduce::linear::test_terms::{c, op, times};
    use crate::{Fun, Var};


    /// `3·s > 2·n` asserted decides `2·n ≤ 3·s` (true) and `3·s ≤ 2·n`
    /// (false) under a quantifier, and leaves `s ≤ n` alone.
    #[test]
    fn a_strict_bound_decides_the_weak_one_inside_a_quantifier() {
        let (n, s) = (c("n"), c("s"));
        let p = Var::new("p", Sort::P);
        let g = Fun::new("g", vec![Sort::P], Sort::Bool).app(vec![p.t()]);
        let fact = op(Op::Gt, vec![times(3, s.clone()), times(2, n.clone())]);
        let weak = op(Op::Le, vec![times(2, n.clone()), times(3, s.clone())]);
        let flipped = op(Op::Le, vec![times(3, s.clone()), times(2, n.clone())]);
        let other = op(Op::Le, vec![s.clone(), n.clone()]);
        let body = syntax::and(vec![
            syntax::or(vec![syntax::neg(&weak), g.clone()]),
            syntax::or(vec![flipped, other.clone()]),
        ]);
        let mut q = vec![fact.clone(), syntax::forall(vec![p.clone()], body)];
        assert_eq!(decide_entailed_atoms(&mut q), 2);
        assert_eq!(q[0], fact);
        assert_eq!(q[1], syntax::forall(vec![p], syntax::and(vec![g, other])));
    }

    /// Scaling, sides and strictness normalize to one key: `2a < 2b`
    /// asserted makes `a ≥ b + 1` false and `b − a ≥ 1` true; an equality
    /// `a − b = −3` is decided; a bound that does not reach stays.
    #[test]
    fn normalization_identifies_scaled_and_flipped_forms() {
        let (a, b) = (c("a"), c("b"));
        let fact = op(Op::Lt, vec![times(2, a.clone()), times(2, b.clone())]);
        let ge = op(Op::Ge, vec![a.clone(), op(Op::Add, vec![b.clone(), Term::Int(1)])]);
        let diff = op(Op::Sub, vec![b.clone(), a.clone()]);
        let pos = op(Op::Ge, vec![diff.clone(), Term::Int(1)]);
        let two = op(Op::Ge, vec![diff.clone(), Term::Int(2)]);
        let eq = op(Op::Eq, vec![op(Op::Sub, vec![a.clone(), b.clone()]), Term::Int(-3)]);
        let x = Fun::constant("x", Sort::Bool).app(vec![]);
        let mut q = vec![
            fact,
            syntax::or(vec![ge, x.clone()]),
            syntax::or(vec![pos, x.clone()]),
            syntax::or(vec![two.clone(), x.clone()]),
            syntax::or(vec![eq.clone(), x.clone()]),
        ];
        assert_eq!(decide_entailed_atoms(&mut q), 2);
        assert_eq!(q[1], x);
        assert_eq!(q[2], Term::Bool(true));
        assert_eq!(q[3], syntax::or(vec![two, x.clone()]));
        assert_eq!(q[4], syntax::or(vec![eq, x]));
    }

    /// Two facts meet: `a ≥ 3` and `¬(a > 3)` pin `a = 3`.
    #[test]
    fn facts_meet_into_an_interval() {
        let a = c("a");
        let x = Fun::constant("x", Sort::Bool).app(vec![]);
        let eq = op(Op::Eq, vec![a.clone(), Term::Int(3)]);
        let ne = op(Op::Eq, vec![a.clone(), Term::Int(4)]);
        let mut q = vec![
            op(Op::Ge, vec![a.clone(), Term::Int(3)]),
            syntax::neg(&op(Op::Gt, vec![a.clone(), Term::Int(3)])),
            syntax::or(vec![syntax::neg(&eq), x.clone()]),
            syntax::or(vec![ne, x.clone()]),
        ];
        assert_eq!(decide_entailed_atoms(&mut q), 2);
        assert_eq!(q[2], x);
        assert_eq!(q[3], x);
    }
}
