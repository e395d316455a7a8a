//! Heard-of adversaries of `simulate`: who hears whom in each round.
//!
//! The random ones mirror the runtime's (`psync::sim::Faults`): a process
//! always hears itself unless it crashed. `spec` draws heard-of sets
//! (which may leave a process out of its own, as the Heard-Of model the
//! proofs assume allows) that
//! satisfy the spec's `safety` predicate in every round and its liveness
//! predicate `L_j` in every round of the `j`-th of the last good phases, by
//! rejection sampling with the evaluator: the simulator never blames the
//! algorithm for a run its own assumptions exclude. For an algorithm with
//! value faults, `spec` also alters some heard messages (random payloads of
//! the round's message type, `altered.rs`) within the same predicates; the
//! other adversaries alter none.

use std::collections::BTreeSet;

use psync_encodings::concrete::{self, Snapshot};
use psync_encodings::faults::ValueFaults;
use psync_encodings::ir::Pred;
use psync_encodings::Algorithm;
use psync_logic::holds;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::Rng;

/// The adversaries `--adversary` names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AdversaryKind {
    /// Each message other than a self-message is lost with probability `--drop`.
    Omission,
    /// Each phase, with probability 1/2, the processes are split into two
    /// random blocks that hear only each other (plus `--drop` omissions).
    Partition,
    /// Up to ⌊(n−1)/2⌋ processes crash at random rounds (silent and deaf
    /// from then on), plus `--drop` omissions.
    Crash,
    /// Heard-of sets satisfying the spec's `safety` predicate in every round
    /// and its liveness predicates in the last phases (the good phases).
    Spec,
}

/// The heard-of sets of a round and its value faults.
pub type Heard = (Vec<BTreeSet<u32>>, ValueFaults);

/// How many proposals `spec` tries per round before giving up.
pub const SPEC_TRIES: usize = 1000;

/// The adversary of one run.
pub struct Adversary {
    kind: AdversaryKind,
    drop: f64,
    n: usize,
    /// `(process, round)` crashes of this run.
    crashes: Vec<(u32, i64)>,
    /// This phase's blocks (`block[p]`), if partitioned.
    blocks: Option<Vec<bool>>,
}

/// `spec` found no heard-of sets satisfying the predicates.
#[derive(Debug)]
pub struct NoHeardOfSets {
    /// The predicate (`safety` or `L_j`) with its line.
    pub what: String,
}

fn omissions(n: usize, drop: f64, rng: &mut StdRng, keep: impl Fn(u32, u32) -> bool) -> Vec<BTreeSet<u32>> {
    (0..n as u32).map(|p| (0..n as u32).filter(|&q| keep(p, q) && (q == p || !rng.random_bool(drop))).collect()).collect()
}

impl Adversary {
    /// The adversary of one run of `rounds` rounds.
    pub fn new(kind: AdversaryKind, drop: f64, n: usize, rounds: u64, rng: &mut StdRng) -> Adversary {
        let mut crashes = Vec::new();
        if kind == AdversaryKind::Crash && n > 1 {
            let mut procs: Vec<u32> = (0..n as u32).collect();
            procs.shuffle(rng);
            let f = rng.random_range(1..=((n - 1) / 2).max(1));
            crashes = procs[..f].iter().map(|&p| (p, rng.random_range(0..rounds.max(1)) as i64)).collect();
        }
        Adversary { kind, drop: drop.clamp(0.0, 1.0), n, crashes, blocks: None }
    }

    fn crashed(&self, p: u32, round: i64) -> bool {
        self.crashes.iter().any(|&(q, r)| q == p && round >= r)
    }

    /// The heard-of sets of round `pre.round`; `live` is the liveness
    /// predicate this round must satisfy (in a good phase of `spec`).
    pub fn draw(&mut self, alg: &Algorithm, pre: &Snapshot, live: Option<&Pred>, rng: &mut StdRng) -> Result<Heard, NoHeardOfSets> {
        let (n, drop, round) = (self.n, self.drop, pre.round);
        let ho = match self.kind {
            AdversaryKind::Omission => Ok(omissions(n, drop, rng, |_, _| true)),
            AdversaryKind::Crash => Ok(omissions(n, drop, rng, |p, q| !self.crashed(p, round) && !self.crashed(q, round))),
            AdversaryKind::Partition => {
                if round.rem_euclid(alg.phase_len() as i64) == 0 {
                    self.blocks = rng.random_bool(0.5).then(|| (0..n).map(|_| rng.random_bool(0.5)).collect());
                }
                let blocks = self.blocks.clone();
                Ok(omissions(n, drop, rng, |p, q| blocks.as_ref().is_none_or(|b| b[p as usize] == b[q as usize])))
            }
            AdversaryKind::Spec => return spec_draw(alg, pre, live, drop, n, rng),
        };
        ho.map(|ho| (ho, ValueFaults::default()))
    }

    /// Which adversary this is.
    pub fn kind(&self) -> AdversaryKind {
        self.kind
    }
}

/// Whether `ho` with `faults` satisfies the safety predicate and `live` in
/// the round starting at `pre` (an evaluation error counts as not satisfied).
pub fn satisfies(alg: &Algorithm, pre: &Snapshot, (ho, faults): (&[BTreeSet<u32>], &ValueFaults), live: Option<&Pred>) -> bool {
    let mut s = pre.clone();
    s.ho = ho.to_vec();
    s.faults = faults.clone();
    let Ok(m) = concrete::state_model(alg, &s) else { return false };
    alg.spec.safety.iter().chain(live).all(|p| holds(&p.term, &m) == Ok(true))
}

/// One proposal of `spec`: independent omissions (self-messages kept, as
/// the runtime delivers them), independent omissions that also lose
/// self-messages (the Heard-Of model, which the proofs assume, does not
/// put `p` in `HO(p)`), one common heard-of set for everybody, or
/// everybody hearing everybody.
fn propose(n: usize, drop: f64, rng: &mut StdRng) -> Vec<BTreeSet<u32>> {
    let d = [drop, drop / 2.0, 0.5][rng.random_range(0..3)];
    match rng.random_range(0..4) {
        0 => omissions(n, d, rng, |_, _| true),
        1 => (0..n).map(|_| (0..n as u32).filter(|_| !rng.random_bool(d)).collect()).collect(),
        2 => {
            let common: BTreeSet<u32> = (0..n as u32).filter(|_| !rng.random_bool(d)).collect();
            vec![common; n]
        }
        _ => vec![(0..n as u32).collect(); n],
    }
}

/// Rejection sampling of [`propose`]'s proposals.
fn spec_draw(alg: &Algorithm, pre: &Snapshot, live: Option<&Pred>, drop: f64, n: usize, rng: &mut StdRng) -> Result<Heard, NoHeardOfSets> {
    if alg.spec.safety.is_none() && live.is_none() && alg.value_faults.is_none() {
        return Ok((propose(n, drop, rng), ValueFaults::default()));
    }
    for _ in 0..SPEC_TRIES {
        let ho = propose(n, drop, rng);
        let faults = super::altered::draw(alg, pre, &ho, rng);
        if satisfies(alg, pre, (&ho, &faults), live) {
            return Ok((ho, faults));
        }
    }
    let preds: Vec<String> = alg.spec.safety.iter().chain(live).map(|p| format!("`{}` (line {})", p.text, p.loc.line)).collect();
    Err(NoHeardOfSets { what: preds.join(" and ") })
}
