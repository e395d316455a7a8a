//! A two-round rotating-coordinator vote (CoordUniformVoting without its
//! collect round). Round 1: the coordinator broadcasts its estimate; who
//! hears it votes for it. Round 2: everyone broadcasts its vote; who hears
//! a vote adopts it, and who hears only votes decides. Safe when no two
//! processes hear disjoint sets ("no split", as in `uniform_voting.rs`);
//! terminates in a phase where everyone hears everyone.

use psync::prelude::*;

/// The state of one process.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CoordVoting {
    /// The current estimate.
    pub x: i64,
    /// Whether this process voted in the current phase.
    pub voted: bool,
    /// The value voted for.
    pub vote: i64,
    /// Whether this process has decided.
    pub decided: bool,
    /// The decided value.
    pub decision: i64,
}

impl Process for CoordVoting {
    type Io = Consensus<i64>;

    fn init(io: &Consensus<i64>, _cx: &Ctx) -> Self {
        CoordVoting { x: io.initial, voted: false, vote: 0, decided: false, decision: -1 }
    }

    fn phase() -> Phase<Self> {
        phase![Propose, Ballot]
    }

    fn decision(&self) -> Option<i64> {
        if self.decided { Some(self.decision) } else { None }
    }
}

/// Round 1: the coordinator's estimate; who hears it votes for it.
pub struct Propose;

impl Round<CoordVoting> for Propose {
    type Msg = i64;

    fn send(p: &CoordVoting, cx: &Ctx) -> Outbox<i64> {
        if cx.id() == cx.coord() { Outbox::broadcast(p.x) } else { Outbox::none() }
    }

    fn update(p: &mut CoordVoting, mbox: &Mailbox<i64>, cx: &Ctx) {
        p.voted = false;
        if let Some(&v) = mbox.get(cx.coord()) {
            p.voted = true;
            p.vote = v;
        }
    }
}

/// Round 2: votes to everyone; adopt one heard, decide when all are votes.
pub struct Ballot;

impl Round<CoordVoting> for Ballot {
    type Msg = (bool, i64);

    fn send(p: &CoordVoting, _cx: &Ctx) -> Outbox<(bool, i64)> {
        Outbox::broadcast((p.voted, p.vote))
    }

    fn update(p: &mut CoordVoting, mbox: &Mailbox<(bool, i64)>, _cx: &Ctx) {
        if let Some(&(voted, v)) = mbox.max_by_key(|&(voted, _)| if voted { 1 } else { 0 }) {
            if voted {
                p.x = v;
                if mbox.forall(|&(other_voted, _)| other_voted) {
                    p.decided = true;
                    p.decision = v;
                }
            }
        }
        p.voted = false;
    }
}

impl Spec for CoordVoting {
    fn invariants(w: &World<Self>) -> Vec<bool> {
        let keeps_init = w.forall(|i| {
            w.exists(|j| w[i].x == w.init(j).x) && implies(w[i].decided, w.exists(|j| w[i].decision == w.init(j).x))
        });
        let agreed = w.forall(|i| !w[i].decided)
            || w.exists_value(|v: i64| w.forall(|i| w[i].x == v && implies(w[i].decided, w[i].decision == v)));
        vec![keeps_init && agreed, w.forall(|i| w[i].decided)]
    }

    fn round_invariants(w: &World<Self>) -> Vec<Vec<bool>> {
        let c = w.coord();
        let votes = w.forall(|i| implies(w[i].voted, w[i].vote == w[c].x))
            && w.forall(|i| implies(w[i].voted, w.exists(|j| w[i].vote == w.init(j).x)));
        vec![vec![votes, w.forall(|i| w[i].voted)]]
    }

    fn safety(w: &World<Self>) -> bool {
        w.forall(|p| w.forall(|q| w.exists(|s| w.ho(p).contains(s) && w.ho(q).contains(s))))
    }

    fn liveness(w: &World<Self>) -> Vec<bool> {
        vec![w.forall(|p| w.ho(p).len() == w.n())]
    }

    fn properties(w: &World<Self>) -> Vec<(&'static str, bool)> {
        vec![
            ("Termination", eventually(w.forall(|i| w[i].decided))),
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
