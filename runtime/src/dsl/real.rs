//! `Real`: exact rationals for state fields and messages (approximate
//! agreement, averaging). The verifier reads them as the logic's `Real`
//! sort, so a spec must not use floating point where it means numbers:
//! `f64` breaks the laws (`(a + b) / 2` need not lie between `a` and `b`)
//! that a proof over the reals relies on.

use std::fmt;
use std::ops::{Add, Div, Mul, Neg, Sub};

use num_rational::Rational64;
use num_traits::{CheckedAdd, CheckedDiv, CheckedMul, CheckedSub};
use serde::{Deserialize, Serialize};

/// An exact rational number with 64-bit numerator and denominator.
///
/// Arithmetic is exact; a result whose numerator or denominator does not
/// fit in 64 bits panics (it is never rounded). Halving a value every
/// round doubles its denominator, so about 60 rounds of midpoints fit.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default)]
pub struct Real(Rational64);

impl Real {
    /// `num / den` (`den ≠ 0`), reduced.
    pub fn new(num: i64, den: i64) -> Real {
        assert!(den != 0, "Real::new with denominator 0");
        Real(Rational64::new(num, den))
    }
    /// The numerator of the reduced fraction (its sign is the value's).
    pub fn numer(&self) -> i64 {
        *self.0.numer()
    }
    /// The denominator of the reduced fraction (positive).
    pub fn denom(&self) -> i64 {
        *self.0.denom()
    }
    /// The nearest `f64` (for display and measurement only).
    pub fn to_f64(&self) -> f64 {
        self.numer() as f64 / self.denom() as f64
    }
}

fn exact(r: Option<Rational64>, what: &str) -> Real {
    Real(r.unwrap_or_else(|| panic!("Real {what} does not fit in a 64-bit numerator and denominator")))
}

impl From<i64> for Real {
    fn from(k: i64) -> Real {
        Real(Rational64::from_integer(k))
    }
}

impl Add for Real {
    type Output = Real;
    fn add(self, o: Real) -> Real {
        exact(self.0.checked_add(&o.0), "sum")
    }
}

impl Sub for Real {
    type Output = Real;
    fn sub(self, o: Real) -> Real {
        exact(self.0.checked_sub(&o.0), "difference")
    }
}

impl Neg for Real {
    type Output = Real;
    fn neg(self) -> Real {
        exact(Rational64::from_integer(0).checked_sub(&self.0), "negation")
    }
}

impl Mul for Real {
    type Output = Real;
    /// The product of two rationals (runs; the verifier reads only products
    /// with an integer literal, the linear fragment).
    fn mul(self, o: Real) -> Real {
        exact(self.0.checked_mul(&o.0), "product")
    }
}

impl Mul<i64> for Real {
    type Output = Real;
    fn mul(self, k: i64) -> Real {
        self * Real::from(k)
    }
}

impl Mul<Real> for i64 {
    type Output = Real;
    fn mul(self, x: Real) -> Real {
        Real::from(self) * x
    }
}

impl Div<i64> for Real {
    type Output = Real;
    /// Exact division (`k ≠ 0`).
    fn div(self, k: i64) -> Real {
        assert!(k != 0, "Real division by 0");
        exact(self.0.checked_div(&Rational64::from_integer(k)), "quotient")
    }
}

impl fmt::Debug for Real {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for Real {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.denom() == 1 { write!(f, "{}", self.numer()) } else { write!(f, "{}/{}", self.numer(), self.denom()) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn midpoints_are_exact_and_between_their_ends() {
        let (a, b) = (Real::from(1), Real::new(2, 3));
        let mid = (a + b) / 2;
        assert_eq!(mid, Real::new(5, 6));
        assert!(b < mid && mid < a);
        assert_eq!(2 * mid - a, b);
        assert_eq!((-mid).to_string(), "-5/6");
        let back: Real = serde_json::from_str(&serde_json::to_string(&mid).unwrap()).unwrap();
        assert_eq!(back, mid);
    }

    #[test]
    #[should_panic(expected = "does not fit")]
    fn overflow_panics_rather_than_rounds() {
        let mut x = Real::new(1, 3);
        for _ in 0..80 {
            x = x / 2 + Real::new(1, 7);
        }
    }
}
