//! A randomized binary consensus in the style of Ben-Or, for the Heard-Of
//! model where every process hears a majority in every round. Round 1:
//! everyone broadcasts its bit and votes for a bit held by more than half
//! of all processes. Round 2: everyone broadcasts its vote (`Option<bool>`);
//! who hears a vote adopts its bit and decides it on a majority of such
//! votes; who hears none flips a coin (`coin`: a helper without a
//! contract, so any bit).

use psync::prelude::*;

/// The state of one process.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BinaryConsensus {
    /// The current bit.
    pub x: bool,
    /// The vote of the current phase (`None`: no majority seen).
    pub vote: Option<bool>,
    /// Whether this process has decided.
    pub decided: bool,
    /// The decided bit (meaningful once `decided`).
    pub decision: bool,
}

impl Process for BinaryConsensus {
    type Io = Consensus<bool>;

    fn init(io: &Consensus<bool>, _cx: &Ctx) -> Self {
        BinaryConsensus { x: io.initial, vote: None, decided: false, decision: false }
    }

    fn phase() -> Phase<Self> {
        phase![Report, Propose]
    }

    fn decision(&self) -> Option<bool> {
        if self.decided { Some(self.decision) } else { None }
    }
}

/// A random bit (the runtime draws it; the verifier knows nothing of it).
fn coin(previous: bool) -> bool {
    !previous
}

/// Round 1: vote for a bit more than half of all processes hold.
pub struct Report;

impl Round<BinaryConsensus> for Report {
    type Msg = bool;

    fn send(p: &BinaryConsensus, _cx: &Ctx) -> Outbox<bool> {
        Outbox::broadcast(p.x)
    }

    fn update(p: &mut BinaryConsensus, mbox: &Mailbox<bool>, cx: &Ctx) {
        if 2 * mbox.count(|&b| b) > cx.n() {
            p.vote = Some(true);
        } else if 2 * mbox.count(|&b| !b) > cx.n() {
            p.vote = Some(false);
        } else {
            p.vote = None;
        }
    }
}

/// Round 2: adopt a vote heard (a vote for `true` first), decide it on a
/// majority of such votes, else flip a coin.
pub struct Propose;

impl Round<BinaryConsensus> for Propose {
    type Msg = Option<bool>;

    fn send(p: &BinaryConsensus, _cx: &Ctx) -> Outbox<Option<bool>> {
        Outbox::broadcast(p.vote)
    }

    fn update(p: &mut BinaryConsensus, mbox: &Mailbox<Option<bool>>, cx: &Ctx) {
        let heard_vote = if mbox.exists(|&m| m == Some(true)) {
            Some(true)
        } else if mbox.exists(|&m| m == Some(false)) {
            Some(false)
        } else {
            None
        };
        p.vote = heard_vote;
        if let Some(b) = p.vote {
            p.x = b;
            if 2 * mbox.count(|&m| m == Some(b)) > cx.n() {
                p.decided = true;
                p.decision = b;
            }
        } else {
            p.x = coin(p.x);
        }
    }
}

impl Spec for BinaryConsensus {
    fn invariants(w: &World<Self>) -> Vec<bool> {
        let agreed = w.forall(|i| !w[i].decided)
            || w.exists_value(|v: bool| w.forall(|i| w[i].x == v && implies(w[i].decided, w[i].decision == v)));
        vec![agreed]
    }

    fn round_invariants(w: &World<Self>) -> Vec<Vec<bool>> {
        // After round 1: the votes agree, and once someone decided everyone
        // holds and votes the decided bit.
        let votes_agree = w.forall(|i| {
            w.forall(|j| implies(w[i].vote.is_some() && w[j].vote.is_some(), w[i].vote == w[j].vote))
        });
        let agreed = w.forall(|i| !w[i].decided)
            || w.exists_value(|v: bool| {
                w.forall(|i| w[i].x == v && w[i].vote == Some(v) && implies(w[i].decided, w[i].decision == v))
            });
        vec![vec![votes_agree && agreed]]
    }

    fn safety(w: &World<Self>) -> bool {
        w.forall(|p| 2 * w.ho(p).len() > w.n())
    }

    fn properties(w: &World<Self>) -> Vec<(&'static str, bool)> {
        vec![
            (
                "Agreement",
                w.forall(|i| w.forall(|j| implies(w[i].decided && w[j].decided, w[i].decision == w[j].decision))),
            ),
            (
                "Irrevocability",
                w.forall(|i| implies(w.old(i).decided, w[i].decided && w.old(i).decision == w[i].decision)),
            ),
        ]
    }
}
