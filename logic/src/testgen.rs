//! Test support: a seeded generator of random well-sorted CL formulas.
//!
//! The formulas use one small fixed [`signature`]: sets `A`, `B : Set<P>`,
//! heard-of sets `HO : P → Set<P>`, data `x : P → Int` and `d : P → Bool`, a
//! value `v : Int` and processes `p`, `q : P`. They cover the CL grammar:
//! boolean combinations, `∀`/`∃` over `P` (and now and then over `Int`, with
//! the integer variable only compared by equality, as in CL), membership,
//! comprehensions `{i | φ(i)}`, set operations, cardinality constraints
//! linear in `n` (`3·|S| > 2·n`, `2·|S| ≤ n`, `|S| = n`, …), equalities of
//! data. Sizes are kept small enough for [`crate::oracle`] to decide most of
//! them within its default bounds. Used by property tests: round-trips of
//! the printer and parser, and the oracle against the verifier.

use rand::Rng;

use crate::build::*;
use crate::parse::Signature;
use crate::sort::Sort;
use crate::term::{Fun, Term, Var};

/// The signature the generated formulas use.
pub fn signature() -> Signature {
    let set = Sort::set(Sort::P);
    Signature {
        sorts: Vec::new(),
        funs: vec![
            Fun::constant("A", set.clone()),
            Fun::constant("B", set.clone()),
            Fun::new("HO", vec![Sort::P], set),
            Fun::new("x", vec![Sort::P], Sort::Int),
            Fun::new("d", vec![Sort::P], Sort::Bool),
            Fun::constant("v", Sort::Int),
            Fun::constant("p", Sort::P),
            Fun::constant("q", Sort::P),
        ],
        vars: Vec::new(),
    }
}

/// A random well-sorted closed formula over [`signature`] with about `size`
/// connectives, quantifiers and atoms.
pub fn random_formula(rng: &mut impl Rng, size: usize) -> Term {
    let mut g = Gen { rng, procs: Vec::new(), ints: Vec::new(), fresh: 0 };
    g.formula(size.max(1))
}

struct Gen<'r, R: Rng> {
    rng: &'r mut R,
    /// Bound process variables in scope.
    procs: Vec<Var>,
    /// Bound integer variables in scope (only compared by equality).
    ints: Vec<Var>,
    fresh: usize,
}

fn sym(name: &str) -> Fun {
    signature().funs.into_iter().find(|f| f.name == name).expect("a symbol of the signature")
}

impl<R: Rng> Gen<'_, R> {
    fn pick(&mut self, k: usize) -> usize {
        self.rng.random_range(0..k)
    }

    fn fresh_var(&mut self, sort: Sort) -> Var {
        self.fresh += 1;
        let prefix = if sort == Sort::Int { "w" } else { "i" };
        Var::new(format!("{prefix}{}", self.fresh), sort)
    }

    fn formula(&mut self, size: usize) -> Term {
        if size <= 1 {
            return self.atom();
        }
        match self.pick(10) {
            0 => not(self.formula(size - 1)),
            1 | 2 => {
                let k = if size >= 4 && self.rng.random_bool(0.3) { 3 } else { 2 };
                let parts = self.split(size - 1, k);
                let args = parts.into_iter().map(|s| self.formula(s)).collect();
                if self.rng.random_bool(0.5) { and(args) } else { or(args) }
            }
            3 => {
                let parts = self.split(size - 1, 2);
                let (l, r) = (self.formula(parts[0]), self.formula(parts[1]));
                if self.rng.random_bool(0.7) { implies(l, r) } else { iff(l, r) }
            }
            4..=6 => self.quantifier(size - 1),
            _ => self.atom(),
        }
    }

    /// `k` positive sizes summing to about `total`.
    fn split(&mut self, total: usize, k: usize) -> Vec<usize> {
        let mut parts = vec![1; k];
        for _ in k..total.max(k) {
            let j = self.pick(k);
            parts[j] += 1;
        }
        parts
    }

    fn quantifier(&mut self, size: usize) -> Term {
        let over_int = self.rng.random_bool(0.15);
        let var = self.fresh_var(if over_int { Sort::Int } else { Sort::P });
        if over_int { self.ints.push(var.clone()) } else { self.procs.push(var.clone()) }
        let body = self.formula(size.max(1));
        if over_int { self.ints.pop() } else { self.procs.pop() };
        if self.rng.random_bool(0.5) { forall(vec![var], body) } else { exists(vec![var], body) }
    }

    fn proc_term(&mut self) -> Term {
        let k = self.pick(2 + self.procs.len());
        match k {
            0 => sym("p").app(Vec::new()),
            1 => sym("q").app(Vec::new()),
            _ => self.procs[k - 2].t(),
        }
    }

    /// An integer data term: `x(π)`, `v`, or a bound integer variable.
    fn data_term(&mut self) -> Term {
        match self.pick(3 + usize::from(!self.ints.is_empty())) {
            0 | 1 => sym("x").at(self.proc_term()),
            2 => sym("v").app(Vec::new()),
            _ => {
                let k = self.pick(self.ints.len());
                self.ints[k].t()
            }
        }
    }

    fn set_term(&mut self, depth: usize) -> Term {
        let choices = if depth == 0 { 6 } else { 10 };
        match self.pick(choices) {
            0 => sym("A").app(Vec::new()),
            1 => sym("B").app(Vec::new()),
            2 | 3 => sym("HO").at(self.proc_term()),
            4 => {
                if self.rng.random_bool(0.5) { all_procs() } else { singleton(self.proc_term()) }
            }
            5 => {
                if self.rng.random_bool(0.8) { sym("A").app(Vec::new()) } else { empty(Sort::P) }
            }
            6 | 7 => {
                let (l, r) = (self.set_term(depth - 1), self.set_term(depth - 1));
                match self.pick(3) {
                    0 => union(l, r),
                    1 => inter(l, r),
                    _ => diff(l, r),
                }
            }
            8 => ite(self.atom(), self.set_term(depth - 1), self.set_term(depth - 1)),
            _ => self.comprehension(),
        }
    }

    /// `{i | φ(i)}` with a small body.
    fn comprehension(&mut self) -> Term {
        let var = self.fresh_var(Sort::P);
        self.procs.push(var.clone());
        let size = 1 + self.pick(3);
        // Bias the body towards mentioning the comprehension's variable.
        let body = match self.pick(3) {
            0 => member(var.t(), self.set_term(0)),
            1 => eq(sym("x").at(var.t()), self.data_term()),
            _ => self.formula(size),
        };
        self.procs.pop();
        compr(var, body)
    }

    fn atom(&mut self) -> Term {
        match self.pick(9) {
            0 | 1 => member(self.proc_term(), self.set_term(1)),
            2 | 3 => self.cardinality(),
            4 => eq(self.data_term(), self.data_term()),
            5 => sym("d").at(self.proc_term()),
            6 => eq(self.proc_term(), self.proc_term()),
            7 => {
                let (s, t) = (self.set_term(1), self.set_term(1));
                if self.rng.random_bool(0.5) { subset(s, t) } else { eq(s, t) }
            }
            _ => {
                // A linear comparison of data, outside the equality-only use
                // of bound integer variables: those are not offered here.
                let saved = std::mem::take(&mut self.ints);
                let (a, b) = (self.data_term(), self.data_term());
                self.ints = saved;
                let a = if self.rng.random_bool(0.3) { add(a, int(1)) } else { a };
                if self.rng.random_bool(0.5) { lt(a, b) } else { le(a, b) }
            }
        }
    }

    /// `a·|S| ⋈ b·n (+ c)`, or `|S| + |T| ⋈ n`.
    fn cardinality(&mut self) -> Term {
        let s = self.set_term(1);
        let lhs = match self.pick(4) {
            0 => add(card(s), card(self.set_term(1))),
            1 => card(s),
            _ => mul(1 + self.pick(3) as i64, card(s)),
        };
        let b = self.pick(3) as i64;
        let mut rhs = if b == 0 { int(self.pick(3) as i64) } else { mul(b, n()) };
        if b > 0 && self.rng.random_bool(0.2) {
            rhs = sub(rhs, int(1));
        }
        if self.rng.random_bool(0.15) {
            rhs = n();
        }
        match self.pick(5) {
            0 => gt(lhs, rhs),
            1 => ge(lhs, rhs),
            2 => eq(lhs, rhs),
            3 => lt(lhs, rhs),
            _ => le(lhs, rhs),
        }
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    use super::*;
    use crate::typecheck::typecheck_formula;

    #[test]
    fn generated_formulas_are_well_sorted_and_closed() {
        let mut rng = StdRng::seed_from_u64(7);
        for size in 1..40 {
            let f = random_formula(&mut rng, size);
            assert_eq!(typecheck_formula(&f), Ok(()), "{f}");
            assert!(f.free_vars().is_empty(), "{f}");
        }
    }

    #[test]
    fn the_seed_determines_the_formula() {
        let a = random_formula(&mut StdRng::seed_from_u64(3), 12);
        let b = random_formula(&mut StdRng::seed_from_u64(3), 12);
        assert_eq!(a, b);
    }
}
