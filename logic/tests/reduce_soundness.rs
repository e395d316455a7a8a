//! Seeded property test of the reduction's soundness: on random CL formulas,
//! whenever `check_sat` says `Unsat`, the brute-force oracle must find no
//! model within its bounds; whenever it says `Sat`, the model must satisfy
//! the formula (checked again here). Prints how complete the reduction is
//! relative to the oracle.

use std::time::Duration;

use psync_logic::build::*;
use psync_logic::check::{CheckConfig, CheckResult, check_sat};
use psync_logic::smt::Z3InProcess;
use psync_logic::{OracleBounds, OracleResult, Sort, Term, find_model, holds};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// Random formulas over `A, B: Set<P>`, `x, y: P → Int`, `HO: P → Set<P>`,
/// `c: Int`, `p: P`, with cardinalities (sets said empty or full among
/// them), comprehensions, quantifiers, and values chosen by `ite` with a
/// guarded equation that may make the choice irrelevant.
struct Gen {
    rng: StdRng,
}

impl Gen {
    fn set(&mut self, i: Option<&Term>) -> Term {
        let a = cnst("A", Sort::set(Sort::P));
        let b = cnst("B", Sort::set(Sort::P));
        let x = fun("x", vec![Sort::P], Sort::Int);
        let ho = fun("HO", vec![Sort::P], Sort::set(Sort::P));
        let c = cnst("c", Sort::Int);
        let p = i.cloned().unwrap_or_else(|| cnst("p", Sort::P));
        let j = var("j", Sort::P);
        match self.rng.random_range(0..9) {
            0 => a,
            1 => b,
            2 => inter(a, b),
            3 => union(a, b),
            4 => ho.at(p),
            5 => compr(j.clone(), eq(x.at(j.t()), c)),
            6 => compr(j.clone(), and(vec![member(j.t(), a), gt(x.at(j.t()), c)])),
            7 => compr(j.clone(), and(vec![not(member(j.t(), a)), gt(x.at(j.t()), c)])),
            _ => diff(b, ho.at(p)),
        }
    }

    fn atom(&mut self, i: Option<&Term>) -> Term {
        let x = fun("x", vec![Sort::P], Sort::Int);
        let p = i.cloned().unwrap_or_else(|| cnst("p", Sort::P));
        match self.rng.random_range(0..9) {
            0 | 1 => {
                let (k1, k2) = (self.rng.random_range(1..4), self.rng.random_range(0..3));
                let lhs = mul(k1, card(self.set(i)));
                let rhs = add(mul(k2, n()), int(self.rng.random_range(-1..2)));
                if self.rng.random_bool(0.5) {
                    gt(lhs, rhs)
                } else {
                    le(lhs, rhs)
                }
            }
            2 => member(p, self.set(i)),
            3 if self.rng.random_bool(0.5) => gt(x.at(p), cnst("c", Sort::Int)),
            3 => gt(fun("y", vec![Sort::P], Sort::Int).at(p), cnst("c", Sort::Int)),
            4 => subset(self.set(i), self.set(i)),
            // An empty or a full set: comprehensions among them become
            // their universals in the reduction.
            5 => eq(card(self.set(i)), int(0)),
            6 => eq(card(self.set(i)), n()),
            // A value chosen on a guard that a guarded equation (`9` in
            // `formula`) may make irrelevant.
            7 => gt(ite(member(p.clone(), cnst("A", Sort::set(Sort::P))), x.at(p.clone()), fun("y", vec![Sort::P], Sort::Int).at(p)), cnst("c", Sort::Int)),
            _ => eq(self.set(i), self.set(i)),
        }
    }

    fn formula(&mut self, depth: u32, i: Option<&Term>) -> Term {
        if depth == 0 {
            return self.atom(i);
        }
        match self.rng.random_range(0..8) {
            0 => and(vec![self.formula(depth - 1, i), self.formula(depth - 1, i)]),
            1 => or(vec![self.formula(depth - 1, i), self.formula(depth - 1, i)]),
            2 => not(self.formula(depth - 1, i)),
            3 if i.is_none() => {
                let v = var("i", Sort::P);
                forall(vec![v.clone()], self.formula(depth - 1, Some(&v.t())))
            }
            4 if i.is_none() => {
                let v = var("i", Sort::P);
                exists(vec![v.clone()], self.formula(depth - 1, Some(&v.t())))
            }
            // `∀i. i ∈ A ⇒ x(i) = y(i)`: the branches of `7`'s choice agree.
            5 if i.is_none() => {
                let v = var("i", Sort::P);
                let y = fun("y", vec![Sort::P], Sort::Int);
                forall(vec![v.clone()], implies(member(v.t(), cnst("A", Sort::set(Sort::P))), eq(fun("x", vec![Sort::P], Sort::Int).at(v.t()), y.at(v.t()))))
            }
            // `∀i. i ∈ A ⇒ x(i) = c`: in the comprehension `{j | j ∈ A ∧ x(j) > c}`
            // (`set`'s `6`), `x(j)` is the constant `c`; not in `set`'s `7`.
            6 if i.is_none() => {
                let v = var("i", Sort::P);
                forall(vec![v.clone()], implies(member(v.t(), cnst("A", Sort::set(Sort::P))), eq(fun("x", vec![Sort::P], Sort::Int).at(v.t()), cnst("c", Sort::Int))))
            }
            _ => self.atom(i),
        }
    }
}

/// Tallies of one worker.
#[derive(Default)]
struct Tally {
    unsat: usize,
    sat: usize,
    unknown: usize,
    oracle_found: usize,
    oracle_none: usize,
    complete_unsat: usize,
    sat_agree: usize,
    check_time: Duration,
}

fn run_worker(seed: u64, count: usize) -> Tally {
    let mut g = Gen {
        rng: StdRng::seed_from_u64(seed),
    };
    let cfg = CheckConfig {
        timeout: Duration::from_millis(800),
        ..Default::default()
    };
    let backend = Z3InProcess::new();
    let bounds = OracleBounds {
        max_n: 3,
        ints: -1..=1,
        universe: 1,
        budget: 200_000,
    };
    let mut t = Tally::default();
    for k in 0..count {
        let f = and(vec![g.formula(2, None), g.formula(2, None)]);
        let oracle = find_model(&f, &bounds);
        match &oracle {
            OracleResult::Found(_) => t.oracle_found += 1,
            OracleResult::NoModel => t.oracle_none += 1,
            _ => {}
        }
        let start = std::time::Instant::now();
        let checked = check_sat(&f, &cfg, &backend)
            .unwrap_or_else(|e| panic!("seed {seed}, formula {k}: {e}\n{f}"));
        t.check_time += start.elapsed();
        match &checked.result {
            CheckResult::Unsat => {
                t.unsat += 1;
                if let OracleResult::Found(m) = &oracle {
                    panic!(
                        "UNSOUND: seed {seed}, formula {k} reduced to unsat but has a model\n{f}\nmodel: {m:?}"
                    );
                }
                if oracle == OracleResult::NoModel {
                    t.complete_unsat += 1;
                }
            }
            CheckResult::Sat(m) => {
                t.sat += 1;
                assert_eq!(
                    holds(&f, m),
                    Ok(true),
                    "seed {seed}, formula {k}: reported model does not hold\n{f}"
                );
                if matches!(oracle, OracleResult::Found(_)) {
                    t.sat_agree += 1;
                }
            }
            _ => t.unknown += 1,
        }
    }
    t
}

#[test]
fn unsat_answers_have_no_small_model() {
    // Two workers (Z3 contexts are per thread), 500 formulas each.
    let seeds = [0x005e_edc1_u64, 0x005e_edc2];
    let per_worker = 500;
    let tallies: Vec<Tally> = std::thread::scope(|s| {
        let handles: Vec<_> = seeds
            .iter()
            .map(|seed| {
                // Z3 and the reduction recurse on this thread's stack:
                // headroom beyond the 2 MB default (the overflows once seen
                // here were the model reader, since made iterative).
                std::thread::Builder::new()
                    .stack_size(64 << 20)
                    .spawn_scoped(s, move || run_worker(*seed, per_worker))
                    .expect("a worker thread")
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("worker panicked"))
            .collect()
    });
    let sum = |f: fn(&Tally) -> usize| tallies.iter().map(f).sum::<usize>();
    let total = seeds.len() * per_worker;
    let (unsat, sat, unknown) = (sum(|t| t.unsat), sum(|t| t.sat), sum(|t| t.unknown));
    let (found, none) = (sum(|t| t.oracle_found), sum(|t| t.oracle_none));
    let check_time: Duration = tallies.iter().map(|t| t.check_time).sum();
    println!(
        "{total} formulas: check_sat unsat {unsat}, sat {sat}, unknown/timeout {unknown} ({check_time:?} in check_sat)"
    );
    println!("oracle: a model for {found}, no model (n ≤ 3) for {none}");
    println!(
        "completeness: unsat proved for {}/{none} formulas the oracle cannot satisfy; \
         confirmed models for {}/{found} formulas the oracle satisfies",
        sum(|t| t.complete_unsat),
        sum(|t| t.sat_agree)
    );
    assert!(
        unsat + sat > total * 9 / 10,
        "the reduction decides too few formulas"
    );
}
