//! A one-round quorum vote with a parameter: every process broadcasts its
//! input and decides a value once `n − f` of the messages it hears carry
//! it, where at most `f` processes may stay silent. Two such quorums
//! intersect when `n > 2f`, so all decisions agree; without that
//! assumption they need not (the spec's example of parameters and
//! assumptions, `encodings/SPEC_LANGUAGE.md`).

use psync::prelude::*;

/// The state of one quorum-vote process.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QuorumVote {
    /// The input, never changed.
    pub x: i64,
    /// Whether this process has decided.
    pub decided: bool,
    /// The decided value (meaningful once `decided`).
    pub decision: i64,
}

impl Process for QuorumVote {
    type Io = Consensus<i64>;
    /// `f`: how many processes may stay silent.
    const PARAMS: &'static [&'static str] = &["f"];

    fn init(io: &Consensus<i64>, _cx: &Ctx) -> Self {
        QuorumVote { x: io.initial, decided: false, decision: 0 }
    }

    fn phase() -> Phase<Self> {
        phase![Vote]
    }

    fn decision(&self) -> Option<i64> {
        if self.decided { Some(self.decision) } else { None }
    }
}

/// The only round: broadcast the input; decide the most frequent value
/// heard if `n − f` messages carry it.
pub struct Vote;

impl Round<QuorumVote> for Vote {
    type Msg = i64;

    fn send(p: &QuorumVote, _cx: &Ctx) -> Outbox<i64> {
        Outbox::broadcast(p.x)
    }

    fn update(p: &mut QuorumVote, mbox: &Mailbox<i64>, cx: &Ctx) {
        let v = mbox.min_most_often();
        if !p.decided && mbox.count(|&m| m == v) as i64 >= cx.n() as i64 - cx.param("f") {
            p.decision = v;
            p.decided = true;
        }
    }
}

impl Spec for QuorumVote {
    fn assumptions(w: &World<Self>) -> Vec<bool> {
        vec![w.n() as i64 > 2 * w.param("f"), w.param("f") >= 0]
    }

    fn invariants(w: &World<Self>) -> Vec<bool> {
        // Inputs are kept, and every decision is held by a quorum.
        let quorum = |v: i64| w.count(|j| w[j].x == v) as i64 >= w.n() as i64 - w.param("f");
        vec![w.forall(|i| w[i].x == w.init(i).x && implies(w[i].decided, quorum(w[i].decision)))]
    }

    fn properties(w: &World<Self>) -> Vec<(&'static str, bool)> {
        vec![
            ("Agreement", w.forall(|i| w.forall(|j| implies(w[i].decided && w[j].decided, w[i].decision == w[j].decision)))),
            ("Validity", w.forall(|i| implies(w[i].decided, w.exists(|j| w.init(j).x == w[i].decision)))),
            ("Irrevocability", w.forall(|i| implies(w.old(i).decided, w[i].decided && w.old(i).decision == w[i].decision))),
        ]
    }
}
