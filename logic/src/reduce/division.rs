//! Pass 1b: comparisons with a floor division by a literal become
//! division-free.
//!
//! For integers, `a < ⌊t/k⌋ + 1` holds exactly when `k·a ≤ t`, so
//! `a ≤ t div k` becomes `k·a ≤ t` and `t div k ≤ a` becomes
//! `t ≤ k·a + k − 1` (`k > 0`). Specs write thresholds both ways
//! (`|mbox| > 2·n / 3` and `3·|mbox| > 2·n`); after this pass the two are
//! one atom over the same counts, so the Venn arithmetic, the folding of
//! decided atoms ([`super::entailed`]) and the solver see one threshold.
//! The rewrite applies to an inequality whose linear form has exactly one
//! division, with coefficient `±1`, and only to divisions by a `k` the
//! formula uses nowhere else: when some division by `k` is also a value
//! (a phase number `r div 4` assigned or compared for equality), every
//! division by `k` stays as it is, since the solver relates `r div 4` to
//! `r' div 4` by its own axioms, and a product form `4·t ≤ r'` beside
//! the term `r div 4` is slower to relate (LastVoting's steps took twice
//! as long).
//! Anything else is left as it is (the solver's own `div` reasoning is
//! complete, only slower).
//!
//! Soundness: an equivalence over the integers, atom by atom.

use std::collections::{HashMap, HashSet};

use crate::{Op, Sort, Term};

use super::linear::{Linear, comparison, linear};

/// `f` with its divisions by `k` eliminated from its comparisons, for
/// each divisor `k` whose divisions all occur only in eligible
/// comparisons.
pub fn eliminate_in_comparisons(f: &Term) -> Term {
    let mut everywhere: HashMap<Term, usize> = HashMap::new();
    let mut in_comparisons: HashMap<Term, usize> = HashMap::new();
    f.visit(&mut |t| {
        if matches!(t, Term::Op(Op::Div, _)) {
            *everywhere.entry(t.clone()).or_default() += 1;
        }
        if let Some((_, div)) = sole_division(t) {
            *in_comparisons.entry(div.clone()).or_default() += occurrences(t, &div);
        }
    });
    // Divisors with a division that stays (used elsewhere than in an
    // eligible comparison).
    let kept: HashSet<Term> = everywhere
        .iter()
        .filter(|(d, k)| in_comparisons.get(*d) != Some(k))
        .map(|(d, _)| divisor(d))
        .collect();
    let eliminable = |d: &Term| !kept.contains(&divisor(d));
    f.map_bottom_up(&mut |t| match sole_division(&t) {
        Some((form, d)) if eliminable(&d) => division_free(form, &d).unwrap_or(t),
        _ => t,
    })
}

fn divisor(d: &Term) -> Term {
    d.children()[1].clone()
}

fn occurrences(t: &Term, d: &Term) -> usize {
    let mut k = 0;
    t.visit(&mut |s| k += usize::from(s == d));
    k
}

/// The linear form of the comparison `t` (`form ≤ 0`) and its one
/// division, if the form has exactly one, with coefficient `±1`, by a
/// positive literal of an integer term.
fn sole_division(t: &Term) -> Option<(Linear, Term)> {
    let form = comparison(t)?;
    let mut divisions = form.coeffs.iter().filter(|(d, _)| matches!(d, Term::Op(Op::Div, _)));
    let (div, &c) = divisions.next()?;
    if divisions.next().is_some() || c.abs() != 1 {
        return None;
    }
    match div {
        Term::Op(Op::Div, parts) if matches!(parts[1], Term::Int(k) if k > 0) && parts[0].sort() == Sort::Int => {
            let div = div.clone();
            Some((form, div))
        }
        _ => None,
    }
}

/// The division-free form of the comparison `form ≤ 0`, whose
/// [`sole_division`] is `div`.
fn division_free(form: Linear, div: &Term) -> Option<Term> {
    let c = form.coeffs[div];
    let Term::Op(Op::Div, parts) = div else { return None };
    let Term::Int(k) = parts[1] else { return None };
    let (k, u) = (i128::from(k), linear(&parts[0])?);
    let mut rest = form;
    rest.coeffs.remove(div);
    // c = 1:  ⌊u/k⌋ + R ≤ 0  ⇔  ⌊u/k⌋ ≤ −R  ⇔  u ≤ −k·R + k − 1  ⇔  u + k·R − k + 1 ≤ 0
    // c = −1: R − ⌊u/k⌋ ≤ 0  ⇔  R ≤ ⌊u/k⌋   ⇔  k·R ≤ u          ⇔  k·R − u ≤ 0
    let free = if c == 1 {
        u.plus(rest.scaled(k)?)?.plus(Linear::constant(1 - k))?
    } else {
        rest.scaled(k)?.minus(u)?
    };
    free.at_most_zero()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reduce::linear::test_terms::{c, op, times};

    fn div(t: Term, k: i64) -> Term {
        op(Op::Div, vec![t, Term::Int(k)])
    }

    /// Every comparison of `a` with `⌊2n/3⌋` (and `⌊n/2⌋ + 1`) agrees with
    /// its rewrite on all small values, and has no division left.
    #[test]
    fn rewrites_agree_with_floor_division_on_small_values() {
        let (a, n) = (c("a"), c("n"));
        let thresholds = [div(times(2, n.clone()), 3), op(Op::Add, vec![div(n.clone(), 2), Term::Int(1)])];
        for th in thresholds {
            for o in [Op::Lt, Op::Le, Op::Gt, Op::Ge] {
                for (l, r) in [(a.clone(), th.clone()), (th.clone(), a.clone())] {
                    let atom = op(o.clone(), vec![l, r]);
                    let free = sole_division(&atom)
                        .and_then(|(form, d)| division_free(form, &d))
                        .unwrap_or_else(|| panic!("rewritten: {atom}"));
                    let mut divs = 0;
                    free.visit(&mut |s| divs += usize::from(matches!(s, Term::Op(Op::Div, _))));
                    assert_eq!(divs, 0, "{free}");
                    for av in -2..12 {
                        for nv in 0..12 {
                            let env = [(a.clone(), av), (n.clone(), nv)];
                            assert_eq!(eval(&atom, &env), eval(&free, &env), "{atom} vs {free} at a={av}, n={nv}");
                        }
                    }
                }
            }
        }
    }

    /// A division with coefficient 2, or two divisions, stay.
    #[test]
    fn other_divisions_are_left_alone() {
        let (a, n) = (c("a"), c("n"));
        let twice = op(Op::Lt, vec![a.clone(), times(2, div(n.clone(), 3))]);
        let two = op(Op::Lt, vec![div(a.clone(), 2), div(n.clone(), 3)]);
        assert_eq!(eliminate_in_comparisons(&twice), twice);
        assert_eq!(eliminate_in_comparisons(&two), two);
    }

    /// A division also used as a value (`ph = r div 4`) stays in its
    /// comparisons, and so does another by the same divisor (`r' div 4`);
    /// one only compared goes.
    #[test]
    fn a_division_used_as_a_value_stays() {
        let (a, r, ph) = (c("a"), c("r"), c("ph"));
        let phase = div(r.clone(), 4);
        let compared = op(Op::Le, vec![a.clone(), phase.clone()]);
        let valued = op(Op::And, vec![compared.clone(), op(Op::Eq, vec![ph.clone(), phase.clone()])]);
        assert_eq!(eliminate_in_comparisons(&valued), valued);
        let next = op(Op::Le, vec![a.clone(), div(c("r2"), 4)]);
        let related = op(Op::And, vec![valued.clone(), next]);
        assert_eq!(eliminate_in_comparisons(&related), related);
        let only = op(Op::And, vec![compared, op(Op::Lt, vec![ph, phase])]);
        let out = eliminate_in_comparisons(&only);
        let mut divs = 0;
        out.visit(&mut |s| divs += usize::from(matches!(s, Term::Op(Op::Div, _))));
        assert_eq!(divs, 0, "{out}");
    }

    fn eval(t: &Term, env: &[(Term, i64)]) -> i64 {
        if let Some((_, v)) = env.iter().find(|(x, _)| x == t) {
            return *v;
        }
        let args: Vec<i64> = t.children().iter().map(|x| eval(x, env)).collect();
        match t {
            Term::Int(k) => *k,
            Term::Op(Op::Add, _) => args.iter().sum(),
            Term::Op(Op::Mul, _) => args.iter().product(),
            Term::Op(Op::Div, _) => args[0].div_euclid(args[1]),
            Term::Op(Op::Lt, _) => i64::from(args[0] < args[1]),
            Term::Op(Op::Le, _) => i64::from(args[0] <= args[1]),
            Term::Op(Op::Gt, _) => i64::from(args[0] > args[1]),
            Term::Op(Op::Ge, _) => i64::from(args[0] >= args[1]),
            other => panic!("no value for {other}"),
        }
    }
}
