//! LastVoting over batches of requests: the consensus the replicated log runs
//! for each slot. It is the HO LastVoting of `zoo/last_voting.rs` with
//! these changes: the acknowledgement and decision rounds carry no value (a
//! process decides the value it adopted in this phase's `Candidate`);
//! rounds end as soon as the messages that matter arrived ("early move":
//! only the coordinator waits for a majority in `Collect` and `Quorum`, the
//! others wait for the coordinator's message); and the coordinator always
//! sends in `Candidate` and `Decide` (`None` / `false` when it has nothing,
//! which changes no state), so that a replica a round behind it catches up.
//! Among estimates of the largest timestamp, `Collect` prefers a non-empty
//! batch (replicas that joined a slot without a proposal hold an empty one).

use crate::prelude::*;
use bytes::Bytes;

/// A batch of requests, flattened (the log uses 12-byte requests).
pub type Batch = Bytes;

/// The state of one process.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct BatchLv {
    /// The current estimate.
    pub x: Batch,
    /// The phase in which `x` was adopted from a coordinator (−1: never).
    pub ts: i64,
    /// Coordinator only: the value proposed this phase.
    pub vote: Batch,
    /// Coordinator only: `vote` was chosen this phase.
    pub commit: bool,
    /// Coordinator only: a majority acknowledged `vote` this phase.
    pub ready: bool,
    /// The decision, once taken.
    pub decision: Option<Batch>,
}

impl Process for BatchLv {
    type Io = Consensus<Batch>;
    fn init(io: &Consensus<Batch>, _: &Ctx) -> Self {
        BatchLv { x: io.initial.clone(), ts: -1, vote: Bytes::new(), commit: false, ready: false, decision: None }
    }
    fn phase() -> Phase<Self> {
        phase![Collect, Candidate, Quorum, Decide]
    }
    fn decision(&self) -> Option<Batch> {
        self.decision.clone()
    }
}

fn is_coord(cx: &Ctx) -> bool {
    cx.id() == cx.coord()
}

fn majority(cx: &Ctx) -> usize {
    cx.n() / 2 + 1
}

/// Everyone sends `(x, ts)` to the coordinator, which votes for the estimate
/// with the largest timestamp among a majority.
pub struct Collect;
impl Round<BatchLv> for Collect {
    type Msg = (Batch, i64);
    fn send(p: &BatchLv, cx: &Ctx) -> Outbox<(Batch, i64)> {
        Outbox::to(cx.coord(), (p.x.clone(), p.ts))
    }
    fn update(p: &mut BatchLv, mbox: &Mailbox<(Batch, i64)>, cx: &Ctx) {
        // Among the largest timestamps, a non-empty batch: with `ts = -1`
        // every estimate is an initial value (replicas that joined a slot
        // without a proposal start from an empty one), and estimates with
        // the same `ts >= 0` are equal, so this is LastVoting's choice.
        if is_coord(cx) && mbox.len() >= majority(cx)
            && let Some((v, _)) = mbox.max_by_key(|m| (m.1, !m.0.is_empty()))
        {
            p.vote = v.clone();
            p.commit = true;
        }
    }
    fn expected(_: &BatchLv, cx: &Ctx) -> usize {
        if is_coord(cx) { majority(cx) } else { 0 }
    }
}

/// The coordinator proposes its vote; receivers adopt it with this phase.
/// A coordinator without a vote sends `None`, which changes nothing but
/// keeps the others in step: a replica a round behind catches up on it
/// (with a replica down, a coordinator that sent nothing could stay a round
/// ahead of the others for good).
pub struct Candidate;
impl Round<BatchLv> for Candidate {
    type Msg = Option<Batch>;
    fn send(p: &BatchLv, cx: &Ctx) -> Outbox<Option<Batch>> {
        if is_coord(cx) { Outbox::broadcast(p.commit.then(|| p.vote.clone())) } else { Outbox::none() }
    }
    fn update(p: &mut BatchLv, mbox: &Mailbox<Option<Batch>>, cx: &Ctx) {
        if let Some(Some(v)) = mbox.get(cx.coord()) {
            p.x = v.clone();
            p.ts = cx.phase() as i64;
        }
    }
    fn expected(_: &BatchLv, _: &Ctx) -> usize {
        1
    }
}

/// Those that adopted the vote acknowledge it to the coordinator.
pub struct Quorum;
impl Round<BatchLv> for Quorum {
    type Msg = ();
    fn send(p: &BatchLv, cx: &Ctx) -> Outbox<()> {
        if p.ts == cx.phase() as i64 { Outbox::to(cx.coord(), ()) } else { Outbox::none() }
    }
    fn update(p: &mut BatchLv, mbox: &Mailbox<()>, cx: &Ctx) {
        if is_coord(cx) && mbox.len() >= majority(cx) {
            p.ready = true;
        }
    }
    fn expected(_: &BatchLv, cx: &Ctx) -> usize {
        if is_coord(cx) { majority(cx) } else { 0 }
    }
}

/// The coordinator announces the decision (`true`; `false` keeps the
/// others in step, as in `Candidate`); those that adopted its vote this
/// phase decide it.
pub struct Decide;
impl Round<BatchLv> for Decide {
    type Msg = bool;
    fn send(p: &BatchLv, cx: &Ctx) -> Outbox<bool> {
        if is_coord(cx) { Outbox::broadcast(p.ready) } else { Outbox::none() }
    }
    fn update(p: &mut BatchLv, mbox: &Mailbox<bool>, cx: &Ctx) {
        if p.decision.is_none() && mbox.get(cx.coord()) == Some(&true) && p.ts == cx.phase() as i64 {
            p.decision = Some(p.x.clone());
        }
        p.commit = false;
        p.ready = false;
    }
    fn expected(_: &BatchLv, _: &Ctx) -> usize {
        1
    }
}

impl Spec for BatchLv {
    fn invariants(w: &World<Self>) -> Vec<bool> {
        vec![w.forall(|i| w.exists(|j| w[i].x == w.init(j).x))]
    }
    fn properties(w: &World<Self>) -> Vec<(&'static str, bool)> {
        let d = |i: ProcessId| w[i].decision.as_ref();
        vec![
            ("Agreement", w.forall(|i| w.forall(|j| implies(d(i).is_some() && d(j).is_some(), d(i) == d(j))))),
            ("Validity", w.forall(|i| d(i).is_none_or(|v| w.exists(|j| w.init(j).x == *v)))),
            ("Irrevocability", w.forall(|i| w.old(i).decision.is_none() || w.old(i).decision.as_ref() == d(i))),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::{Faults, RandomAdversary, SimOptions, simulate};

    #[test]
    fn agreement_and_validity_under_omissions() {
        for seed in 0..60u64 {
            let ios: Vec<_> = (0..4u8).map(|i| Consensus::new(Bytes::from(vec![i; 12]))).collect();
            let f = Faults { omission: 0.3, ..Faults::default() };
            let opts = SimOptions { max_rounds: 40, stop_on_violation: false, ..SimOptions::default() };
            let out = simulate::<BatchLv>(&ios, &mut RandomAdversary::new(f, seed), seed, &opts).unwrap();
            assert!(out.violations.is_empty(), "seed {seed}: {:?}", out.violations);
            let ds: Vec<&Batch> = out.decisions.iter().flatten().collect();
            assert!(ds.windows(2).all(|w| w[0] == w[1]), "seed {seed}: {ds:?}");
            assert!(ds.iter().all(|d| ios.iter().any(|io| io.initial == **d)), "validity, seed {seed}");
        }
    }
}
