//! Heard-of adversaries: who hears whom, in which order, each round.

use crate::dsl::{ProcSet, ProcessId};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

/// Decides, for every round and receiver, which of the messages sent to it
/// are delivered, and in which order.
pub trait Adversary {
    /// The senders whose messages `to` receives in `round`, in delivery
    /// order, among `sent` (those who sent it a message). `to` itself is in
    /// `sent` when it sent itself a message.
    fn deliver(&mut self, round: u64, to: ProcessId, sent: &[ProcessId]) -> Vec<ProcessId>;
    /// Whether `p` has crashed by `round`: it is then never heard and hears
    /// nobody, but keeps taking its rounds with an empty mailbox (the HO
    /// model's crash), so its state stays one the verified model allows.
    fn crashed(&self, _round: u64, _p: ProcessId) -> bool {
        false
    }
}

/// Seeded random faults: each message is lost with probability `omission`,
/// the listed processes crash at the given rounds, delivery order is
/// shuffled. A process always hears itself unless `drop_self` is set.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Faults {
    /// Probability that a message (other than a self-message) is lost.
    pub omission: f64,
    /// `(process, round)`: the process is silent and deaf from that round (it
    /// keeps stepping with an empty mailbox, see [`Adversary::crashed`]).
    pub crashes: Vec<(ProcessId, u64)>,
    /// Whether self-messages may be lost too.
    pub drop_self: bool,
}

impl Default for Faults {
    fn default() -> Self {
        Faults { omission: 0.0, crashes: Vec::new(), drop_self: false }
    }
}

/// The seeded random adversary of [`Faults`].
pub struct RandomAdversary {
    faults: Faults,
    rng: StdRng,
}

impl RandomAdversary {
    /// The adversary for `faults`, reproducible from `seed`.
    pub fn new(faults: Faults, seed: u64) -> RandomAdversary {
        RandomAdversary { faults, rng: StdRng::seed_from_u64(seed) }
    }
}

impl Adversary for RandomAdversary {
    fn deliver(&mut self, _round: u64, to: ProcessId, sent: &[ProcessId]) -> Vec<ProcessId> {
        let p = self.faults.omission.clamp(0.0, 1.0);
        let mut out: Vec<ProcessId> = sent
            .iter()
            .copied()
            .filter(|&q| (q == to && !self.faults.drop_self) || !self.rng.random_bool(p))
            .collect();
        out.shuffle(&mut self.rng);
        out
    }
    fn crashed(&self, round: u64, p: ProcessId) -> bool {
        self.faults.crashes.iter().any(|&(q, r)| q == p && round >= r)
    }
}

/// Replays recorded deliveries: `ho[round][receiver]` in delivery order.
/// Rounds past the recording deliver nothing.
pub struct FixedHo {
    ho: Vec<Vec<Vec<ProcessId>>>,
    crashes: Vec<(ProcessId, u64)>,
}

impl FixedHo {
    /// Replays `ho`, with the given crashes.
    pub fn new(ho: Vec<Vec<Vec<ProcessId>>>, crashes: Vec<(ProcessId, u64)>) -> FixedHo {
        FixedHo { ho, crashes }
    }
    /// The same heard-of sets every round (delivery by increasing sender).
    pub fn constant(sets: Vec<ProcSet>, rounds: u64) -> FixedHo {
        let one: Vec<Vec<ProcessId>> = sets.iter().map(|s| s.iter().collect()).collect();
        FixedHo { ho: (0..rounds).map(|_| one.clone()).collect(), crashes: Vec::new() }
    }
}

impl Adversary for FixedHo {
    fn deliver(&mut self, round: u64, to: ProcessId, sent: &[ProcessId]) -> Vec<ProcessId> {
        let want = usize::try_from(round).ok().and_then(|r| self.ho.get(r)).and_then(|r| r.get(to.index()));
        match want {
            Some(w) => w.iter().copied().filter(|q| sent.contains(q)).collect(),
            None => Vec::new(),
        }
    }
    fn crashed(&self, round: u64, p: ProcessId) -> bool {
        self.crashes.iter().any(|&(q, r)| q == p && round >= r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_adversary_is_seeded_and_keeps_self() {
        let sent: Vec<ProcessId> = (0..6).map(ProcessId::new).collect();
        let f = Faults { omission: 0.5, ..Faults::default() };
        let run = |seed| {
            let mut a = RandomAdversary::new(f.clone(), seed);
            (0..20).map(|r| a.deliver(r, ProcessId::new(2), &sent)).collect::<Vec<_>>()
        };
        assert_eq!(run(7), run(7));
        assert_ne!(run(7), run(8));
        assert!(run(7).iter().all(|d| d.contains(&ProcessId::new(2))));
        let total: usize = run(7).iter().map(Vec::len).sum();
        assert!(total > 20 && total < 120, "about half the messages are lost: {total}");
        let all = RandomAdversary::new(Faults::default(), 1).deliver(0, ProcessId::new(0), &sent).len();
        assert_eq!(all, 6);
    }
}
