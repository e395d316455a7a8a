//! Three-phase commit (Skeen 1981) in the Heard-Of model, with a coordinator
//! fixed for the whole run (the first phase's coordinator). Four rounds per
//! phase: votes to the coordinator (a "no" voter aborts unilaterally; the
//! coordinator pre-commits if it heard yes from everyone, else aborts),
//! pre-commit broadcast, acks to the coordinator (which commits when all n
//! acks arrive), and the decision broadcast that undecided processes adopt.

use psync::prelude::*;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ThreePc {
    /// The coordinator of the whole run.
    pub leader: ProcessId,
    /// This process's vote (its input).
    pub vote: bool,
    /// Coordinator only: every participant voted yes (pre-commit state).
    pub pc: bool,
    /// Participant: received the pre-commit message.
    pub prepared: bool,
    pub decided: bool,
    /// true = commit, false = abort.
    pub decision: bool,
}

impl Process for ThreePc {
    type Io = Consensus<bool>;

    fn init(io: &Consensus<bool>, cx: &Ctx) -> Self {
        ThreePc { leader: cx.coord(), vote: io.initial, pc: false, prepared: false, decided: false, decision: false }
    }

    fn phase() -> Phase<Self> {
        phase![Votes, PreCommit, Ack, DoCommit]
    }

    fn decision(&self) -> Option<bool> {
        if self.decided { Some(self.decision) } else { None }
    }
}

/// Round 1: everyone sends its vote to the coordinator.
pub struct Votes;

impl Round<ThreePc> for Votes {
    type Msg = bool;

    fn send(p: &ThreePc, _cx: &Ctx) -> Outbox<bool> {
        Outbox::to(p.leader, p.vote)
    }

    fn update(p: &mut ThreePc, mbox: &Mailbox<bool>, cx: &Ctx) {
        if cx.id() == p.leader {
            if !p.decided && !p.pc {
                if mbox.len() == cx.n() && mbox.forall(|&v| v) {
                    p.pc = true;
                } else {
                    p.decided = true;
                    p.decision = false;
                }
            }
        } else if !p.vote && !p.decided {
            p.decided = true;
            p.decision = false;
        }
    }
}

/// Round 2: a pre-committed coordinator broadcasts pre-commit.
pub struct PreCommit;

impl Round<ThreePc> for PreCommit {
    type Msg = bool;

    fn send(p: &ThreePc, cx: &Ctx) -> Outbox<bool> {
        if cx.id() == p.leader && p.pc && !p.decided { Outbox::broadcast(true) } else { Outbox::none() }
    }

    fn update(p: &mut ThreePc, mbox: &Mailbox<bool>, _cx: &Ctx) {
        if mbox.contains(p.leader) {
            p.prepared = true;
        }
    }
}

/// Round 3: prepared processes ack; with all n acks the coordinator commits.
pub struct Ack;

impl Round<ThreePc> for Ack {
    type Msg = bool;

    fn send(p: &ThreePc, _cx: &Ctx) -> Outbox<bool> {
        if p.prepared { Outbox::to(p.leader, true) } else { Outbox::none() }
    }

    fn update(p: &mut ThreePc, mbox: &Mailbox<bool>, cx: &Ctx) {
        if cx.id() == p.leader && p.pc && !p.decided && mbox.len() == cx.n() {
            p.decided = true;
            p.decision = true;
        }
    }
}

/// Round 4: a decided coordinator broadcasts its decision; undecided
/// processes that hear it adopt it.
pub struct DoCommit;

impl Round<ThreePc> for DoCommit {
    type Msg = bool;

    fn send(p: &ThreePc, cx: &Ctx) -> Outbox<bool> {
        if cx.id() == p.leader && p.decided { Outbox::broadcast(p.decision) } else { Outbox::none() }
    }

    fn update(p: &mut ThreePc, mbox: &Mailbox<bool>, _cx: &Ctx) {
        if !p.decided {
            if let Some(&d) = mbox.get(p.leader) {
                p.decided = true;
                p.decision = d;
            }
        }
    }
}

impl Spec for ThreePc {
    fn invariants(w: &World<Self>) -> Vec<bool> {
        let one_leader = w.forall(|i| w.forall(|j| w[i].leader == w[j].leader));
        let votes_fixed = w.forall(|i| w[i].vote == w.init(i).vote);
        let chain = w.forall(|i| {
            let c = w[i].leader;
            let c_commit = w[c].decided && w[c].decision;
            let c_abort = w[c].decided && !w[c].decision;
            // pre-commit only after a unanimous yes, never together with abort
            implies(w[c].pc, w.forall(|q| w[q].vote) && !c_abort)
                // the coordinator commits only from pre-commit
                && implies(c_commit, w[c].pc)
                // a participant commits only after the coordinator did
                && implies(w[i].decided && w[i].decision, c_commit)
                // an abort is unilateral (a no vote) or the coordinator's
                && implies(w[i].decided && !w[i].decision, !w[i].vote || c_abort)
                && implies(w[i].prepared, w[c].pc)
        });
        vec![one_leader && votes_fixed && chain]
    }

    fn properties(w: &World<Self>) -> Vec<(&'static str, bool)> {
        vec![
            (
                "Agreement",
                w.forall(|i| w.forall(|j| implies(w[i].decided && w[j].decided, w[i].decision == w[j].decision))),
            ),
            ("Validity", w.forall(|i| implies(w[i].decided && w[i].decision, w.forall(|q| w.init(q).vote)))),
            (
                "Irrevocability",
                w.forall(|i| implies(w.old(i).decided, w[i].decided && w.old(i).decision == w[i].decision)),
            ),
        ]
    }
}
