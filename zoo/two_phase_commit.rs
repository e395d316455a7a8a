//! Two-phase commit (PSync's example) in the Heard-Of model. The
//! coordinator is fixed for the whole run: every process records the first
//! phase's coordinator at start. It asks for votes, commits only if it
//! heard a yes from every process, and broadcasts its decision, which who
//! hears it adopts. Proved: a commit means every process voted yes, all
//! decisions agree, and a decision is never revoked; with a phase in which
//! the coordinator hears everyone and everyone hears the coordinator,
//! everyone decides.

use psync::prelude::*;

/// The state of one two-phase-commit process.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TwoPhaseCommit {
    /// The coordinator of the whole run (the first phase's coordinator).
    pub leader: ProcessId,
    /// This process's vote: whether it can commit.
    pub vote: bool,
    /// Whether this process has decided.
    pub decided: bool,
    /// The decision (meaningful once `decided`): commit (`true`) or abort.
    pub decision: bool,
}

impl Process for TwoPhaseCommit {
    type Io = Consensus<bool>;

    fn init(io: &Consensus<bool>, cx: &Ctx) -> Self {
        TwoPhaseCommit { leader: cx.coord(), vote: io.initial, decided: false, decision: false }
    }

    fn phase() -> Phase<Self> {
        phase![Prepare, Vote, Outcome]
    }

    fn decision(&self) -> Option<bool> {
        if self.decided { Some(self.decision) } else { None }
    }
}

/// Round 1: the coordinator asks for votes (the message carries nothing the
/// others use: in the Heard-Of model every process knows the round).
pub struct Prepare;

impl Round<TwoPhaseCommit> for Prepare {
    type Msg = bool;

    fn send(p: &TwoPhaseCommit, cx: &Ctx) -> Outbox<bool> {
        if cx.id() == p.leader { Outbox::broadcast(true) } else { Outbox::none() }
    }

    fn update(_p: &mut TwoPhaseCommit, _mbox: &Mailbox<bool>, _cx: &Ctx) {}

    // Early move: only the coordinator's message matters.
    fn expected(_p: &TwoPhaseCommit, _cx: &Ctx) -> usize {
        1
    }
}

/// Round 2: everyone sends its vote to the coordinator, which, if it has not
/// decided yet, commits when every process voted yes and aborts otherwise.
pub struct Vote;

impl Round<TwoPhaseCommit> for Vote {
    type Msg = bool;

    fn send(p: &TwoPhaseCommit, _cx: &Ctx) -> Outbox<bool> {
        Outbox::to(p.leader, p.vote)
    }

    fn update(p: &mut TwoPhaseCommit, mbox: &Mailbox<bool>, cx: &Ctx) {
        if cx.id() == p.leader && !p.decided {
            p.decision = mbox.len() == cx.n() && mbox.forall(|&v| v);
            p.decided = true;
        }
    }

    // Early move: the coordinator needs every vote to commit.
    fn expected(p: &TwoPhaseCommit, cx: &Ctx) -> usize {
        if cx.id() == p.leader { cx.n() } else { 0 }
    }
}

/// Round 3: a decided coordinator broadcasts its decision; an undecided
/// process that hears it adopts it.
pub struct Outcome;

impl Round<TwoPhaseCommit> for Outcome {
    type Msg = bool;

    fn send(p: &TwoPhaseCommit, cx: &Ctx) -> Outbox<bool> {
        if cx.id() == p.leader && p.decided { Outbox::broadcast(p.decision) } else { Outbox::none() }
    }

    fn update(p: &mut TwoPhaseCommit, mbox: &Mailbox<bool>, _cx: &Ctx) {
        if !p.decided {
            if let Some(&d) = mbox.get(p.leader) {
                p.decision = d;
                p.decided = true;
            }
        }
    }

    // Early move: only the coordinator's message matters.
    fn expected(_p: &TwoPhaseCommit, _cx: &Ctx) -> usize {
        1
    }
}

impl Spec for TwoPhaseCommit {
    fn invariants(w: &World<Self>) -> Vec<bool> {
        // One coordinator; votes are the inputs; whoever decided has the
        // coordinator's decision, and a commit means everyone voted yes.
        let same_coord = w.forall(|i| w.forall(|j| w[i].leader == w[j].leader));
        let votes_kept = w.forall(|i| w[i].vote == w.init(i).vote);
        let follow_coord = w.forall(|i| {
            let c = w[i].leader;
            implies(w[i].decided, w[c].decided && w[i].decision == w[c].decision)
                && implies(w[i].decided && w[i].decision, w.forall(|q| w[q].vote))
        });
        vec![same_coord && votes_kept && follow_coord, w.forall(|i| w[i].decided)]
    }

    fn round_invariants(w: &World<Self>) -> Vec<Vec<bool>> {
        // Heading for "everyone decided": the coordinator has decided after
        // the vote round.
        let coord_decided = w.forall(|i| w[w[i].leader].decided);
        vec![vec![true, true], vec![true, coord_decided]]
    }

    fn liveness(w: &World<Self>) -> Vec<bool> {
        // The coordinator hears everyone and everyone hears the coordinator.
        vec![w.forall(|i| w.ho(w[i].leader).len() == w.n() && w.ho(i).contains(w[i].leader))]
    }

    fn properties(w: &World<Self>) -> Vec<(&'static str, bool)> {
        vec![
            ("Termination", eventually(w.forall(|i| w[i].decided))),
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
