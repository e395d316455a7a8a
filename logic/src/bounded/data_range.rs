//! Small data: a query whose integer data lies in a small range.
//!
//! A counterexample is easier to read with values 0, 1, 2 than with the
//! solver's arbitrary integers, and it is found faster when the integers
//! are few: every ground integer *leaf* of the flat query (a function
//! symbol's value, a free constant; not the arithmetic over them) is
//! asserted to lie in `lo..=hi`, and then a quantifier over `Int` is
//! expanded over [`DataRange::quantifier_domain`], which holds every
//! integer the evaluator's active domain can hold for such a model
//! ([`crate::eval`]), so the query becomes quantifier free over `Int`.
//!
//! "No model" of such a query says nothing about models with other data:
//! the search uses it to find models, never to rule them out. A model it
//! finds is confirmed on the original formula like any other.

use std::collections::BTreeSet;

use crate::bounded::flat::{self, proc_const};
use crate::{Fun, Op, Sort, Term};

/// The most argument tuples of one symbol whose values are all bounded.
const MAX_TUPLES: usize = 4096;

/// The most integers an `Int` quantifier is expanded over.
pub(crate) const MAX_QUANTIFIER_DOMAIN: usize = 64;

/// The greatest upper end of a range tried.
const MAX_WIDE: i64 = 8;

/// The range integer data is confined to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct DataRange {
    /// The least value.
    pub lo: i64,
    /// The greatest value.
    pub hi: i64,
}

impl DataRange {
    /// The ranges tried for `f`, narrow first: from `lo = min(0, least
    /// literal)` (a formula that compares with `-1` gets it) to 1, then to
    /// the greatest literal, at least 2 and at most [`MAX_WIDE`] (so that
    /// round 3 of a four-round phase is in it). Fewer values make a faster
    /// query: OTR's n = 7 counterexample takes 1.7 s with data in `0..=1`
    /// and 4.5 s in `0..=2` (10 s in `0..=3`).
    pub(crate) fn ladder(f: &Term) -> [DataRange; 2] {
        let literals = literals(f);
        let lo = literals.first().copied().unwrap_or(0).min(0);
        let hi = literals.last().copied().unwrap_or(0).clamp(2, MAX_WIDE);
        [DataRange { lo, hi: 1 }, DataRange { lo, hi }]
    }

    /// This range widened, for `k` processes, to hold `k` distinct values
    /// (at most up to [`MAX_WIDE`]): processes with pairwise different
    /// inputs are a common counterexample (a value chosen among ties, a
    /// count of distinct values), and a range of fewer values has no
    /// such model.
    pub(crate) fn for_size(self, k: u32) -> DataRange {
        let room = self.lo.saturating_add(i64::from(k)).saturating_sub(1).min(MAX_WIDE);
        DataRange { hi: self.hi.max(room), ..self }
    }

    /// The integers an `Int` quantifier of `f` ranges over with `k`
    /// processes: `lo - 1 ..= hi + 1`, and `l - 1, l, l + 1` for every
    /// literal `l` of `f`, for `0` and for `k` (the evaluator's active
    /// domain of a model whose data lies in the range is a subset).
    pub(crate) fn quantifier_domain(&self, f: &Term, k: u32) -> Vec<i64> {
        let mut out: BTreeSet<i64> = (self.lo.saturating_sub(1)..=self.hi.saturating_add(1)).collect();
        for l in literals(f).into_iter().chain([0, i64::from(k)]) {
            out.extend([l.saturating_sub(1), l, l.saturating_add(1)]);
        }
        out.into_iter().collect()
    }

    /// `lo ≤ t ≤ hi` for every ground integer leaf of `assertions`, and for
    /// every value of the integer-valued symbols whose arguments are all
    /// processes or Booleans (so that the decoded tables are small too).
    pub(crate) fn constraints(&self, assertions: &[Term], k: u32) -> Vec<Term> {
        let mut leaves = BTreeSet::new();
        let mut funs = BTreeSet::new();
        for a in assertions {
            ground_int_leaves(a, &mut leaves, &mut funs);
        }
        for f in funs {
            leaves.extend(all_applications(&f, k));
        }
        leaves
            .into_iter()
            .map(|t| flat::and([Term::Op(Op::Le, vec![Term::Int(self.lo), t.clone()]), Term::Op(Op::Le, vec![t, Term::Int(self.hi)])]))
            .collect()
    }
}

/// The integer literals of `f`, sorted, without duplicates.
fn literals(f: &Term) -> Vec<i64> {
    let mut out = BTreeSet::new();
    f.visit(&mut |t| {
        if let Term::Int(i) = t {
            out.insert(*i);
        }
    });
    out.into_iter().collect()
}

/// Collect the ground applications of integer sort in `t` (those without
/// bound variables), and the integer-valued symbols met.
fn ground_int_leaves(t: &Term, leaves: &mut BTreeSet<Term>, funs: &mut BTreeSet<Fun>) {
    if let Term::App(f, _) = t
        && f.ret == Sort::Int
    {
        funs.insert(f.clone());
        if !has_var(t) {
            leaves.insert(t.clone());
        }
    }
    for c in t.children() {
        ground_int_leaves(c, leaves, funs);
    }
}

fn has_var(t: &Term) -> bool {
    let mut found = false;
    t.visit(&mut |s| found |= matches!(s, Term::Var(_)));
    found
}

/// Every application of `f` when its arguments are all processes or
/// Booleans (and there are at most [`MAX_TUPLES`] of them); none otherwise.
fn all_applications(f: &Fun, k: u32) -> Vec<Term> {
    let domains: Option<Vec<Vec<Term>>> = f
        .args
        .iter()
        .map(|s| match s {
            Sort::P => Some((0..k).map(proc_const).collect()),
            Sort::Bool => Some(vec![Term::Bool(false), Term::Bool(true)]),
            _ => None,
        })
        .collect();
    let Some(domains) = domains else { return Vec::new() };
    let Some(count) = domains.iter().try_fold(1usize, |n, d| n.checked_mul(d.len())) else { return Vec::new() };
    if count > MAX_TUPLES {
        return Vec::new();
    }
    (0..count)
        .map(|idx| {
            let mut rest = idx;
            let mut args: Vec<Term> = domains
                .iter()
                .rev()
                .map(|d| {
                    let a = d[rest % d.len()].clone();
                    rest /= d.len();
                    a
                })
                .collect();
            args.reverse();
            f.app(args)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Var;

    #[test]
    fn the_range_covers_the_literals_and_the_quantifier_domain_their_neighbours() {
        let x = Term::App(Fun::constant("x", Sort::Int), Vec::new());
        let f = Term::Op(Op::Eq, vec![x.clone(), Term::Int(-1)]);
        let [narrow, r] = DataRange::ladder(&f);
        assert_eq!(narrow, DataRange { lo: -1, hi: 1 });
        assert_eq!(r, DataRange { lo: -1, hi: 2 });
        assert_eq!(r.quantifier_domain(&f, 5), vec![-2, -1, 0, 1, 2, 3, 4, 5, 6]);
    }

    /// `k` processes with pairwise different values fit the wide range at
    /// `k`, up to [`MAX_WIDE`]; a range that holds them already is kept.
    #[test]
    fn the_wide_range_holds_a_distinct_value_per_process() {
        let wide = DataRange { lo: -1, hi: 2 };
        assert_eq!(wide.for_size(3), wide);
        assert_eq!(wide.for_size(4), wide);
        assert_eq!(wide.for_size(6), DataRange { lo: -1, hi: 4 });
        assert_eq!(wide.for_size(40), DataRange { lo: -1, hi: MAX_WIDE });
        assert_eq!(DataRange { lo: 0, hi: 2 }.for_size(4), DataRange { lo: 0, hi: 3 });
    }

    #[test]
    fn only_ground_integer_leaves_and_finite_tables_are_bounded() {
        let g = Fun::new("g", vec![Sort::P], Sort::Int);
        let h = Fun::new("h", vec![Sort::Int], Sort::Int);
        let v = Var::new("v", Sort::Int);
        let body = Term::Op(Op::Eq, vec![h.app(vec![v.t()]), g.app(vec![proc_const(0)])]);
        let q = Term::Bind(crate::Binder::Forall, vec![v], Box::new(body));
        let cs = DataRange { lo: 0, hi: 2 }.constraints(&[q], 2);
        // g at both processes; h only under the quantifier, so not at all.
        assert_eq!(cs.len(), 2);
        assert!(cs.iter().all(|c| !c.to_string().contains('h')), "{cs:?}");
    }
}
