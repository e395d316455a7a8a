//! UniformVoting (Charron-Bost & Schiper, 2009): two rounds per phase, no
//! coordinator. Round 1: everyone broadcasts its estimate, adopts the
//! smallest value heard, and votes for it if every message carried it.
//! Round 2: everyone broadcasts its vote; who hears a vote adopts it, and
//! who hears only votes for one value decides it. Safe when no two
//! processes hear disjoint sets ("no split"), written here
//! `∀p, q. ∃s. s ∈ HO(p) ∧ s ∈ HO(q)`; `encodings/tests/fresh.rs` also
//! checks it written as `|{s | s ∈ HO(p) ∧ s ∈ HO(q)}| > 0`.

use psync::prelude::*;

/// The state of one UniformVoting process.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UniformVoting {
    /// The current estimate.
    pub x: i64,
    /// Whether this process voted in the current phase.
    pub voted: bool,
    /// The value voted for (meaningful when `voted`).
    pub vote: i64,
    /// Whether this process has decided.
    pub decided: bool,
    /// The decided value (meaningful once `decided`).
    pub decision: i64,
}

impl Process for UniformVoting {
    type Io = Consensus<i64>;

    fn init(io: &Consensus<i64>, _cx: &Ctx) -> Self {
        UniformVoting { x: io.initial, voted: false, vote: 0, decided: false, decision: -1 }
    }

    fn phase() -> Phase<Self> {
        phase![Propose, Ballot]
    }

    fn decision(&self) -> Option<i64> {
        if self.decided { Some(self.decision) } else { None }
    }
}

/// Round 1: adopt the smallest estimate heard; vote for it if it is the
/// only value heard.
pub struct Propose;

impl Round<UniformVoting> for Propose {
    type Msg = i64;

    fn send(p: &UniformVoting, _cx: &Ctx) -> Outbox<i64> {
        Outbox::broadcast(p.x)
    }

    fn update(p: &mut UniformVoting, mbox: &Mailbox<i64>, _cx: &Ctx) {
        p.voted = false;
        if let Some(&m) = mbox.min_by_key(|&v| v) {
            p.x = m;
            if mbox.forall(|&v| v == m) {
                p.voted = true;
                p.vote = m;
            }
        }
    }
}

/// Round 2: adopt a vote heard; decide when every message is a vote for it.
pub struct Ballot;

impl Round<UniformVoting> for Ballot {
    type Msg = (bool, i64);

    fn send(p: &UniformVoting, _cx: &Ctx) -> Outbox<(bool, i64)> {
        Outbox::broadcast((p.voted, p.vote))
    }

    fn update(p: &mut UniformVoting, mbox: &Mailbox<(bool, i64)>, _cx: &Ctx) {
        if let Some(&(voted, v)) = mbox.max_by_key(|&(voted, _)| if voted { 1 } else { 0 }) {
            if voted {
                p.x = v;
                if mbox.forall(|&(other_voted, w)| other_voted && w == v) {
                    p.decided = true;
                    p.decision = v;
                }
            }
        }
        p.voted = false;
    }
}

impl Spec for UniformVoting {
    fn invariants(w: &World<Self>) -> Vec<bool> {
        let keeps_init = w.forall(|i| {
            w.exists(|j| w[i].x == w.init(j).x)
                && implies(w[i].voted, w.exists(|j| w[i].vote == w.init(j).x))
                && implies(w[i].decided, w.exists(|j| w[i].decision == w.init(j).x))
        });
        let agreed = w.forall(|i| !w[i].decided)
            || w.exists_value(|v: i64| w.forall(|i| w[i].x == v && implies(w[i].decided, w[i].decision == v)));
        vec![keeps_init && agreed]
    }

    fn round_invariants(w: &World<Self>) -> Vec<Vec<bool>> {
        // After round 1: the votes agree, and once someone decided everyone
        // holds and votes the decided value.
        let votes_agree =
            w.forall(|i| w.forall(|j| implies(w[i].voted && w[j].voted, w[i].vote == w[j].vote)));
        let agreed = w.forall(|i| !w[i].decided)
            || w.exists_value(|v: i64| {
                w.forall(|i| w[i].x == v && w[i].voted && w[i].vote == v && implies(w[i].decided, w[i].decision == v))
            });
        vec![vec![votes_agree && agreed]]
    }

    fn safety(w: &World<Self>) -> bool {
        w.forall(|p| w.forall(|q| w.exists(|s| w.ho(p).contains(s) && w.ho(q).contains(s))))
    }

    fn properties(w: &World<Self>) -> Vec<(&'static str, bool)> {
        vec![
            (
                "Agreement",
                w.forall(|i| w.forall(|j| implies(w[i].decided && w[j].decided, w[i].decision == w[j].decision))),
            ),
            ("Validity", w.forall(|i| implies(w[i].decided, w.exists(|j| w.init(j).x == w[i].decision)))),
            (
                "Irrevocability",
                w.forall(|i| implies(w.old(i).decided, w[i].decided && w.old(i).decision == w[i].decision)),
            ),
        ]
    }
}
