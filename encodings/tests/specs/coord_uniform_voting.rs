//! CoordUniformVoting (Charron-Bost & Schiper, 2009): three rounds per
//! phase with a rotating coordinator. Round 1: everyone sends its estimate
//! to the coordinator, which takes the smallest one heard as its proposal.
//! Round 2: the coordinator broadcasts its proposal; who hears it votes
//! for it. Round 3: everyone broadcasts its vote; who hears a vote adopts
//! it, and who hears only votes decides. Safe when no two processes hear
//! disjoint sets ("no split", as in `uniform_voting.rs`).
//!
//! Written from the spec language's documentation; the two invariant
//! mistakes made on the way (a "nobody voted" conjunct that holds only at
//! phase boundaries, a coordinator's proposal left over into the next
//! phase) were each refuted with a counterexample to induction that named
//! the conjunct.

use psync::prelude::*;

/// The state of one process.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Cuv {
    /// The current estimate.
    pub x: i64,
    /// Whether the coordinator has a proposal (coordinator only).
    pub proposed: bool,
    /// The coordinator's proposal.
    pub proposal: i64,
    /// Whether this process voted in the current phase.
    pub voted: bool,
    /// The value voted for.
    pub vote: i64,
    /// Whether this process has decided.
    pub decided: bool,
    /// The decided value.
    pub decision: i64,
}

impl Process for Cuv {
    type Io = Consensus<i64>;

    fn init(io: &Consensus<i64>, _cx: &Ctx) -> Self {
        Cuv { x: io.initial, proposed: false, proposal: 0, voted: false, vote: 0, decided: false, decision: -1 }
    }

    fn phase() -> Phase<Self> {
        phase![Collect, Propose, Ballot]
    }

    fn decision(&self) -> Option<i64> {
        if self.decided { Some(self.decision) } else { None }
    }
}

/// Round 1: estimates to the coordinator, which proposes the smallest.
pub struct Collect;

impl Round<Cuv> for Collect {
    type Msg = i64;

    fn send(p: &Cuv, cx: &Ctx) -> Outbox<i64> {
        Outbox::to(cx.coord(), p.x)
    }

    fn update(p: &mut Cuv, mbox: &Mailbox<i64>, cx: &Ctx) {
        p.proposed = false;
        p.voted = false;
        if cx.id() == cx.coord() {
            if let Some(&m) = mbox.min_by_key(|&v| v) {
                p.proposed = true;
                p.proposal = m;
            }
        }
    }
}

/// Round 2: the coordinator's proposal; who hears it votes for it.
pub struct Propose;

impl Round<Cuv> for Propose {
    type Msg = i64;

    fn send(p: &Cuv, cx: &Ctx) -> Outbox<i64> {
        if cx.id() == cx.coord() && p.proposed { Outbox::broadcast(p.proposal) } else { Outbox::none() }
    }

    fn update(p: &mut Cuv, mbox: &Mailbox<i64>, cx: &Ctx) {
        if let Some(&v) = mbox.get(cx.coord()) {
            p.voted = true;
            p.vote = v;
        }
    }
}

/// Round 3: votes to everyone; adopt one heard, decide when all are votes.
pub struct Ballot;

impl Round<Cuv> for Ballot {
    type Msg = (bool, i64);

    fn send(p: &Cuv, _cx: &Ctx) -> Outbox<(bool, i64)> {
        Outbox::broadcast((p.voted, p.vote))
    }

    fn update(p: &mut Cuv, mbox: &Mailbox<(bool, i64)>, _cx: &Ctx) {
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
        p.proposed = false;
    }
}

impl Spec for Cuv {
    fn invariants(w: &World<Self>) -> Vec<bool> {
        let c = w.coord();
        let keeps_init = w.forall(|i| {
            w.exists(|j| w[i].x == w.init(j).x) && implies(w[i].decided, w.exists(|j| w[i].decision == w.init(j).x))
        }) && implies(w[c].proposed, w.exists(|j| w[c].proposal == w.init(j).x));
        // Every vote of the phase is for the coordinator's proposal.
        let votes = w.forall(|i| implies(w[i].voted, w[c].proposed && w[i].vote == w[c].proposal));
        let agreed = w.forall(|i| !w[i].decided)
            || w.exists_value(|v: i64| {
                w.forall(|i| w[i].x == v && implies(w[i].decided, w[i].decision == v)) && implies(w[c].proposed, w[c].proposal == v)
            });
        vec![keeps_init && votes && agreed]
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
