//! Linear forms of integer terms, shared by the passes that compare or
//! rewrite arithmetic atoms ([`super::entailed`], [`super::division`]).

use std::collections::BTreeMap;

use crate::{Op, Sort, Term};

/// A linear form `Σ cᵢ·tᵢ + c₀` over opaque integer terms `tᵢ` (in term
/// order, no zero coefficient). Arithmetic is checked: a form that would
/// overflow is no form.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Linear {
    /// The coefficient of each opaque term.
    pub coeffs: BTreeMap<Term, i128>,
    /// `c₀`.
    pub constant: i128,
}

impl Linear {
    /// The constant form `k`.
    pub fn constant(k: i128) -> Linear {
        Linear { coeffs: BTreeMap::new(), constant: k }
    }

    /// `k · self`.
    pub fn scaled(mut self, k: i128) -> Option<Linear> {
        for c in self.coeffs.values_mut() {
            *c = c.checked_mul(k)?;
        }
        self.coeffs.retain(|_, c| *c != 0);
        self.constant = self.constant.checked_mul(k)?;
        Some(self)
    }

    /// `self + other`.
    pub fn plus(mut self, other: Linear) -> Option<Linear> {
        for (t, c) in other.coeffs {
            let e = self.coeffs.entry(t).or_insert(0);
            *e = e.checked_add(c)?;
        }
        self.coeffs.retain(|_, c| *c != 0);
        self.constant = self.constant.checked_add(other.constant)?;
        Some(self)
    }

    /// `self − other`.
    pub fn minus(self, other: Linear) -> Option<Linear> {
        self.plus(other.scaled(-1)?)
    }

    /// The atom `self ≤ 0`, written with non-negative coefficients on
    /// each side (`3·a + 1 ≤ 2·n` rather than `3·a − 2·n + 1 ≤ 0`), so that
    /// it reads as the spec's comparisons do. `None` if a coefficient does
    /// not fit an `i64`.
    pub fn at_most_zero(&self) -> Option<Term> {
        let mut left = Vec::new();
        let mut right = Vec::new();
        for (t, &c) in &self.coeffs {
            let side = if c > 0 { &mut left } else { &mut right };
            let k = i64::try_from(c.abs()).ok()?;
            side.push(if k == 1 { t.clone() } else { Term::Op(Op::Mul, vec![Term::Int(k), t.clone()]) });
        }
        let k = i64::try_from(self.constant.abs()).ok()?;
        match self.constant {
            c if c > 0 => left.push(Term::Int(k)),
            c if c < 0 => right.push(Term::Int(k)),
            _ => {}
        }
        let sum = |mut parts: Vec<Term>| match parts.len() {
            0 => Term::Int(0),
            1 => parts.pop().expect("one part"),
            _ => Term::Op(Op::Add, parts),
        };
        Some(Term::Op(Op::Le, vec![sum(left), sum(right)]))
    }
}

/// The linear form of an integer term, if it is linear with literal
/// coefficients (anything not arithmetic is an opaque term).
pub fn linear(t: &Term) -> Option<Linear> {
    match t {
        Term::Int(k) => Some(Linear::constant(i128::from(*k))),
        Term::Op(Op::Add, xs) => xs.iter().try_fold(Linear::constant(0), |acc, x| acc.plus(linear(x)?)),
        Term::Op(Op::Sub, xs) if xs.len() == 2 => linear(&xs[0])?.minus(linear(&xs[1])?),
        Term::Op(Op::Neg, xs) if xs.len() == 1 => linear(&xs[0])?.scaled(-1),
        Term::Op(Op::Mul, xs) if xs.len() == 2 => {
            let (a, b) = (linear(&xs[0])?, linear(&xs[1])?);
            match (a.coeffs.is_empty(), b.coeffs.is_empty()) {
                (true, _) => b.scaled(a.constant),
                (_, true) => a.scaled(b.constant),
                _ => None,
            }
        }
        t if t.sort() == Sort::Int => {
            let mut coeffs = BTreeMap::new();
            coeffs.insert(t.clone(), 1);
            Some(Linear { coeffs, constant: 0 })
        }
        _ => None,
    }
}

/// `a − b ≤ 0` for the integer comparison `t` (`a < b` is `a − b + 1 ≤
/// 0`, `a ≥ b` is `b − a ≤ 0`), if `t` is one (`=` is not).
pub fn comparison(t: &Term) -> Option<Linear> {
    let Term::Op(op, xs) = t else { return None };
    if xs.len() != 2 || xs[0].sort() != Sort::Int {
        return None;
    }
    let diff = |a: &Term, b: &Term| linear(a)?.minus(linear(b)?);
    match op {
        Op::Le => diff(&xs[0], &xs[1]),
        Op::Lt => diff(&xs[0], &xs[1])?.plus(Linear::constant(1)),
        Op::Ge => diff(&xs[1], &xs[0]),
        Op::Gt => diff(&xs[1], &xs[0])?.plus(Linear::constant(1)),
        _ => None,
    }
}

/// Integer terms for the tests of the arithmetic passes.
#[cfg(test)]
pub(crate) mod test_terms {
    use crate::{Fun, Op, Sort, Term};

    /// The integer constant `name`.
    pub fn c(name: &str) -> Term {
        Fun::constant(name, Sort::Int).app(vec![])
    }
    /// `o(xs)`.
    pub fn op(o: Op, xs: Vec<Term>) -> Term {
        Term::Op(o, xs)
    }
    /// `k · t`.
    pub fn times(k: i64, t: Term) -> Term {
        op(Op::Mul, vec![Term::Int(k), t])
    }
}
