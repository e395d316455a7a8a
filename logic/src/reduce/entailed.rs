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
//! `2a < 2b` are one bound. An atom under a binder that relates two or
//! more terms, and whose own form no fact bounds far enough, is decided
//! from sums of the facts: the facts that share its terms, directly or
//! through other facts, with the atom (or its negation) are checked for a
//! contradiction by Fourier–Motzkin elimination
//! ([`super::fourier_motzkin`]). So the good round's `3·|S| > 2n`, with
//! `n ≥ 1` and `|S| ≤ n`, decides an update guarded by `2·|S| > n` (a
//! round that updates on a majority proved its progress only once its
//! guard read as the predicate's two thirds). Not at the top level: the
//! solver's arithmetic sums the facts there itself, and deciding atoms
//! only reshapes a query it handles. Not for a bound on one term
//! (`1 ≤ |S|`): the solver derives those from its instances at once, and
//! the reduction's lemmas they guard (`q ∈ S ⇒ 1 ≤ |S|`) are what its
//! instantiation feeds on; folding them away made a step of the One-Third
//! Rule five times slower.
//!
//! Soundness: an equivalence. Each replaced atom has the truth value the
//! asserted bounds force on it (elimination only finds contradictions
//! that exist), and the bounds stay asserted, so every model of the query
//! is a model of the result and the converse.

use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};

use crate::{Op, Sort, Term};

use super::fourier_motzkin::{self, AtMost};
use super::linear::{Linear, comparison, linear};
use super::syntax;

/// The normalized form `Σ cᵢ·tᵢ` (gcd 1, first coefficient positive).
type Key = Vec<(Term, i128)>;

/// What an atom says about its key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
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
    /// The facts, as inequalities over numbered terms, for sums of them.
    facts: Vec<AtMost>,
    /// The number of each term of a fact.
    unknowns: HashMap<Term, usize>,
    /// What sums of the facts decide, per atom asked about.
    implied: RefCell<HashMap<(Key, Bound), Option<bool>>>,
}

impl AssertedBounds {
    /// The bounds asserted by the top-level facts among `assertions`.
    pub fn of(assertions: &[Term]) -> AssertedBounds {
        let mut intervals: HashMap<Key, Interval> = HashMap::new();
        let mut facts = Vec::new();
        let mut unknowns: HashMap<Term, usize> = HashMap::new();
        for (key, b) in assertions.iter().filter_map(fact_bound) {
            let numbered: Vec<(usize, i128)> = key
                .iter()
                .map(|(t, c)| {
                    let next = unknowns.len();
                    (*unknowns.entry(t.clone()).or_insert(next), *c)
                })
                .collect();
            facts.extend(inequalities(&numbered, b));
            intervals.entry(key).or_insert(Interval { lo: None, hi: None }).meet(b);
        }
        AssertedBounds { intervals, facts, unknowns, implied: RefCell::default() }
    }

    /// `f` with the ground integer atoms these bounds decide replaced, and
    /// how many were.
    pub fn fold(&self, f: &Term) -> (Term, usize) {
        let mut replaced = 0;
        if self.intervals.is_empty() {
            return (f.clone(), 0);
        }
        let folded = self.fold_under(f, false, &mut replaced);
        (folded, replaced)
    }

    /// [`AssertedBounds::fold`] of `t`, bottom up; `deep` when `t` is
    /// under a binder.
    fn fold_under(&self, t: &Term, deep: bool, replaced: &mut usize) -> Term {
        let rebuilt = match t {
            Term::App(g, args) => Term::App(g.clone(), args.iter().map(|a| self.fold_under(a, deep, replaced)).collect()),
            Term::Op(op, args) => Term::Op(op.clone(), args.iter().map(|a| self.fold_under(a, deep, replaced)).collect()),
            Term::Bind(b, vs, body) => Term::Bind(*b, vs.clone(), Box::new(self.fold_under(body, true, replaced))),
            leaf => leaf.clone(),
        };
        self.decide(rebuilt, deep, replaced)
    }

    /// `t` decided if it is an atom the bounds decide: by its own form's
    /// interval anywhere, by sums of facts only under a binder and over
    /// two or more terms (see the module's doc).
    fn decide(&self, t: Term, deep: bool, replaced: &mut usize) -> Term {
        let t = match t {
            Term::Op(Op::And, parts) => return syntax::and(parts),
            Term::Op(Op::Or, parts) => return syntax::or(parts),
            Term::Op(Op::Not, a) if matches!(a[0], Term::Bool(_)) => return syntax::neg(&a[0]),
            // The sorts of the flat fragment are non-empty.
            Term::Bind(_, _, body) if matches!(*body, Term::Bool(_)) => return *body,
            t => t,
        };
        let Some((key, b)) = atom_bound(&t) else { return t };
        let direct = self.intervals.get(&key).and_then(|i| i.decides(b));
        let value = direct.or_else(|| {
            if !deep || key.len() < 2 {
                return None;
            }
            let known = self.implied.borrow().get(&(key.clone(), b)).copied();
            known.unwrap_or_else(|| {
                let v = self.sums_decide(&key, b);
                self.implied.borrow_mut().insert((key.clone(), b), v);
                v
            })
        });
        match value {
            Some(v) => {
                *replaced += 1;
                Term::Bool(v)
            }
            None => t,
        }
    }

    /// The truth value of `key ⋈ b` that sums of the facts force, if
    /// elimination shows one.
    fn sums_decide(&self, key: &Key, b: Bound) -> Option<bool> {
        // A term no fact mentions is an unknown of its own.
        let mut fresh = self.unknowns.len();
        let numbered: Vec<(usize, i128)> = key
            .iter()
            .map(|(t, c)| {
                let k = self.unknowns.get(t).copied().unwrap_or_else(|| {
                    fresh += 1;
                    fresh - 1
                });
                (k, *c)
            })
            .collect();
        let near = self.facts_near(&numbered);
        if near.is_empty() {
            return None;
        }
        let refutes = |negation: Bound| {
            let mut system = near.clone();
            system.extend(inequalities(&numbered, negation));
            fourier_motzkin::infeasible(system) == Some(true)
        };
        let below = |k: i128| Some(Bound::AtMost(k.checked_sub(1)?));
        let above = |k: i128| Some(Bound::AtLeast(k.checked_add(1)?));
        // The atom holds when every bound of its negation is refuted, and
        // fails when the atom itself is.
        let negation = match b {
            Bound::AtMost(k) => vec![above(k)?],
            Bound::AtLeast(k) => vec![below(k)?],
            Bound::Exactly(k) => vec![below(k)?, above(k)?],
            Bound::Never => return None,
        };
        if negation.into_iter().all(refutes) {
            Some(true)
        } else if refutes(b) {
            Some(false)
        } else {
            None
        }
    }

    /// The facts connected to `key`'s terms through shared terms, those
    /// that bring the fewest new terms first, while the terms stay within
    /// [`fourier_motzkin::MAX_UNKNOWNS`] (the bounds of `n` and of a set's
    /// size come before the region sums a size is also equal to).
    fn facts_near(&self, key: &[(usize, i128)]) -> Vec<AtMost> {
        let mut terms: BTreeSet<usize> = key.iter().map(|(t, _)| *t).collect();
        let mut taken = vec![false; self.facts.len()];
        loop {
            let new_terms = |f: &AtMost| f.coeffs.keys().filter(|t| !terms.contains(t)).count();
            let next = (0..self.facts.len())
                .filter(|&k| !taken[k] && self.facts[k].coeffs.keys().any(|t| terms.contains(t)))
                .filter(|&k| terms.len() + new_terms(&self.facts[k]) <= fourier_motzkin::MAX_UNKNOWNS)
                .min_by_key(|&k| new_terms(&self.facts[k]));
            let Some(k) = next else { break };
            taken[k] = true;
            terms.extend(self.facts[k].coeffs.keys().copied());
        }
        self.facts.iter().zip(taken).filter(|(_, t)| *t).map(|(f, _)| f.clone()).collect()
    }
}

/// `key ⋈ b` as inequalities `… ≤ …` over the key's numbered terms (none
/// for `Never`).
fn inequalities(key: &[(usize, i128)], b: Bound) -> Vec<AtMost> {
    let form = |sign: i128, bound: i128| AtMost { coeffs: key.iter().map(|(t, c)| (*t, sign * c)).collect(), bound };
    match b {
        Bound::AtMost(k) => vec![form(1, k)],
        Bound::AtLeast(k) => k.checked_neg().map(|m| vec![form(-1, m)]).unwrap_or_default(),
        Bound::Exactly(k) => match k.checked_neg() {
            Some(m) => vec![form(1, k), form(-1, m)],
            None => Vec::new(),
        },
        Bound::Never => Vec::new(),
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

    /// `3·s > 2·n`, `n ≥ 1` and `s ≤ n` decide the guard `2·s > n` under a
    /// quantifier, where no single fact bounds its form; the same atom at
    /// the top level stays (the solver sums facts there), and so does the
    /// bound `s ≥ 1` on one term that the same sums imply.
    #[test]
    fn sums_of_facts_decide_a_majority_guard_under_a_quantifier() {
        let (n, s) = (c("n"), c("s"));
        let p = Var::new("p", Sort::P);
        let g = Fun::new("g", vec![Sort::P], Sort::Bool).app(vec![p.t()]);
        let x = Fun::constant("x", Sort::Bool).app(vec![]);
        let majority = op(Op::Gt, vec![times(2, s.clone()), n.clone()]);
        let mut q = vec![
            op(Op::Gt, vec![times(3, s.clone()), times(2, n.clone())]),
            op(Op::Ge, vec![n.clone(), Term::Int(1)]),
            op(Op::Le, vec![s.clone(), n.clone()]),
            syntax::forall(vec![p.clone()], syntax::or(vec![syntax::neg(&majority), g.clone()])),
            syntax::or(vec![syntax::neg(&majority), x.clone()]),
        ];
        let member = Fun::new("m", vec![Sort::P], Sort::Bool).app(vec![p.t()]);
        let non_empty = op(Op::Ge, vec![s.clone(), Term::Int(1)]);
        let lemma = syntax::forall(vec![p.clone()], syntax::or(vec![syntax::neg(&member), non_empty]));
        q.push(lemma.clone());
        assert_eq!(decide_entailed_atoms(&mut q), 1);
        assert_eq!(q[3], syntax::forall(vec![p], g));
        assert_eq!(q[4], syntax::or(vec![syntax::neg(&majority), x]));
        assert_eq!(q[5], lemma);
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
