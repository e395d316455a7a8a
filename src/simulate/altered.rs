//! Altered messages for `--adversary spec` on an algorithm with value
//! faults: which heard messages arrive altered, and the arbitrary payloads
//! they carry. The spec's `safety` and liveness predicates (e.g.
//! `w.aho(p).len() <= α`) then accept or reject the proposal like any
//! heard-of sets.

use std::collections::{BTreeMap, BTreeSet};

use psync_encodings::Algorithm;
use psync_encodings::concrete::Snapshot;
use psync_encodings::faults::ValueFaults;
use psync_logic::{Sort, Value};
use rand::Rng;
use rand::rngs::StdRng;

/// The integers an altered payload is drawn from: around the small values
/// inputs and defaults take, so that an altered value can collide with a
/// real one as well as differ from all of them.
const INTS: std::ops::RangeInclusive<i64> = -2..=5;

/// The value faults of the round from `pre` with heard-of sets `ho`: none
/// without value faults or in one proposal of three, else each heard
/// message altered with probability 1/5 or 1/2, with a random payload of
/// the round's message sort.
pub fn draw(alg: &Algorithm, pre: &Snapshot, ho: &[BTreeSet<u32>], rng: &mut StdRng) -> ValueFaults {
    if alg.value_faults.is_none() || alg.rounds.is_empty() {
        return ValueFaults::default();
    }
    let rate = [0.0, 0.2, 0.5][rng.random_range(0..3)];
    if rate == 0.0 {
        return ValueFaults::default();
    }
    let k = pre.round.rem_euclid(alg.phase_len() as i64) as usize;
    let msg = &alg.rounds[k].msg;
    let n = ho.len() as u32;
    let mut aho = Vec::with_capacity(ho.len());
    let mut altered = BTreeMap::new();
    for (p, heard) in ho.iter().enumerate() {
        let set: BTreeSet<u32> = heard.iter().copied().filter(|_| rng.random_bool(rate)).collect();
        for &q in &set {
            altered.insert((q, p as u32), random_value(msg, n, rng));
        }
        aho.push(set);
    }
    ValueFaults { aho, altered }
}

/// A random value of `sort` for `n` processes (an uninterpreted sort's
/// default: the simulator has no other element of it).
fn random_value(sort: &Sort, n: u32, rng: &mut StdRng) -> Value {
    match sort {
        Sort::Int => Value::Int(rng.random_range(INTS)),
        Sort::Real => Value::Real(psync_logic::Rational64::new(rng.random_range(INTS), rng.random_range(1..=4))),
        Sort::Bool => Value::Bool(rng.random_bool(0.5)),
        Sort::P => Value::Proc(rng.random_range(0..n.max(1))),
        Sort::Set(_) => Value::Set((0..n).filter(|_| rng.random_bool(0.5)).map(Value::Proc).collect()),
        Sort::Opt(inner) if rng.random_bool(0.5) => Value::Opt(Some(Box::new(random_value(inner, n, rng)))),
        Sort::Opt(_) => Value::Opt(None),
        Sort::Tuple(cs) => Value::Tuple(cs.iter().map(|c| random_value(c, n, rng)).collect()),
        Sort::Uninterpreted(_) => Value::default_of(sort),
    }
}
