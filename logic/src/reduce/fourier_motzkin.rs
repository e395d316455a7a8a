//! Whether a small system of integer linear inequalities has no solution,
//! by Fourier–Motzkin elimination ([`super::entailed`] asks it whether the
//! asserted ground bounds imply an atom).
//!
//! Each inequality `Σ aᵢ·xᵢ ≤ b` is over integer unknowns, so dividing by
//! the gcd `g` of the `aᵢ` may round the bound down (`Σ (aᵢ/g)·xᵢ ≤
//! ⌊b/g⌋`): every integer solution still satisfies it. Eliminating `x`
//! adds, for each pair with opposite signs on `x`, the positive combination
//! that cancels it: a consequence of the pair over the rationals. So a
//! derived `0 ≤ b` with `b < 0` proves that no integer solution exists;
//! the converse does not hold (the answer is one-sided), which is all a
//! caller deciding entailed atoms needs. The work is bounded: a system
//! over more than [`MAX_UNKNOWNS`] unknowns or that grows past
//! [`MAX_CONSTRAINTS`] inequalities, or whose arithmetic overflows, is
//! given up on (`None`).

use std::collections::{BTreeMap, BTreeSet};

/// An inequality `Σ aᵢ·xᵢ ≤ b` over integer unknowns named by numbers (no
/// zero coefficient).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct AtMost {
    /// The `aᵢ`, by unknown.
    pub coeffs: BTreeMap<usize, i128>,
    /// `b`.
    pub bound: i128,
}

/// The most unknowns a system may have.
pub const MAX_UNKNOWNS: usize = 12;

/// The most inequalities elimination may hold at once.
pub const MAX_CONSTRAINTS: usize = 600;

fn gcd(a: i128, b: i128) -> i128 {
    if b == 0 { a.abs() } else { gcd(b, a % b) }
}

impl AtMost {
    /// Divided by the gcd of its coefficients, the bound rounded down.
    fn tightened(mut self) -> AtMost {
        let g = self.coeffs.values().fold(0, |g, c| gcd(g, *c));
        if g > 1 {
            for c in self.coeffs.values_mut() {
                *c /= g;
            }
            self.bound = self.bound.div_euclid(g);
        }
        self
    }

    /// `p·self + q·other` (`p, q > 0`), without the unknowns that cancel.
    fn combined(&self, p: i128, other: &AtMost, q: i128) -> Option<AtMost> {
        let mut coeffs = BTreeMap::new();
        for (&t, c) in &self.coeffs {
            coeffs.insert(t, c.checked_mul(p)?);
        }
        for (&t, c) in &other.coeffs {
            let e = coeffs.entry(t).or_insert(0);
            *e = e.checked_add(c.checked_mul(q)?)?;
        }
        coeffs.retain(|_, c| *c != 0);
        let bound = self.bound.checked_mul(p)?.checked_add(other.bound.checked_mul(q)?)?;
        Some(AtMost { coeffs, bound }.tightened())
    }
}

/// `Some(true)` when `system` has no integer solution, shown by
/// elimination; `Some(false)` when elimination ends without a
/// contradiction (over the rationals a solution exists; over the integers
/// one may not); `None` when the system is too large or overflows.
pub fn infeasible(system: Vec<AtMost>) -> Option<bool> {
    let unknowns: BTreeSet<usize> = system.iter().flat_map(|c| c.coeffs.keys().copied()).collect();
    if unknowns.len() > MAX_UNKNOWNS {
        return None;
    }
    let mut rows: BTreeSet<AtMost> = system.into_iter().map(AtMost::tightened).collect();
    let mut left: Vec<usize> = unknowns.into_iter().collect();
    loop {
        if rows.iter().any(|r| r.coeffs.is_empty() && r.bound < 0) {
            return Some(true);
        }
        rows.retain(|r| !r.coeffs.is_empty());
        if left.is_empty() || rows.is_empty() {
            return Some(false);
        }
        // The unknown whose elimination adds the fewest rows.
        let cost = |x: usize| {
            let pos = rows.iter().filter(|r| r.coeffs.get(&x).is_some_and(|c| *c > 0)).count();
            let neg = rows.iter().filter(|r| r.coeffs.get(&x).is_some_and(|c| *c < 0)).count();
            pos * neg
        };
        let k = (0..left.len()).min_by_key(|&k| cost(left[k])).expect("an unknown is left");
        let x = left.swap_remove(k);
        let (with, without): (Vec<AtMost>, Vec<AtMost>) = std::mem::take(&mut rows).into_iter().partition(|r| r.coeffs.contains_key(&x));
        rows = without.into_iter().collect();
        let (pos, neg): (Vec<&AtMost>, Vec<&AtMost>) = with.iter().partition(|r| r.coeffs[&x] > 0);
        for p in &pos {
            for n in &neg {
                let (a, b) = (p.coeffs[&x], -n.coeffs[&x]);
                rows.insert(p.combined(b, n, a)?);
                if rows.len() > MAX_CONSTRAINTS {
                    return None;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(coeffs: &[(usize, i128)], bound: i128) -> AtMost {
        AtMost { coeffs: coeffs.iter().copied().collect(), bound }
    }

    /// `3s > 2n` (`2n − 3s ≤ −1`), `n ≥ 1` and `s ≤ n` imply `2s > n`:
    /// with `2s ≤ n` added there is no solution. Without `n ≥ 1` and
    /// `s ≤ n`, `n = −2, s = −1` is one, and elimination finds no
    /// contradiction.
    #[test]
    fn a_two_thirds_quorum_is_a_majority() {
        let (n, s) = (0, 1);
        let two_thirds = row(&[(n, 2), (s, -3)], -1);
        let positive = row(&[(n, -1)], -1);
        let within = row(&[(s, 1), (n, -1)], 0);
        let not_majority = row(&[(s, 2), (n, -1)], 0);
        assert_eq!(infeasible(vec![two_thirds.clone(), positive, within, not_majority.clone()]), Some(true));
        assert_eq!(infeasible(vec![two_thirds, not_majority]), Some(false));
    }

    /// Rounding after division is what integers allow: `2x ≤ 1` and
    /// `2x ≥ 1` have a rational solution and no integer one.
    #[test]
    fn bounds_are_rounded_to_integers() {
        let x = 0;
        assert_eq!(infeasible(vec![row(&[(x, 2)], 1), row(&[(x, -2)], -1)]), Some(true));
        assert_eq!(infeasible(vec![row(&[(x, 2)], 2), row(&[(x, -2)], -2)]), Some(false));
    }

    /// Too many unknowns: given up on, not answered.
    #[test]
    fn a_large_system_is_given_up() {
        let system = (0..=MAX_UNKNOWNS).map(|x| row(&[(x, 1)], 0)).collect();
        assert_eq!(infeasible(system), None);
    }
}
