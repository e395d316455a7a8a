//! Leader election by majority vote, one vote per process per phase (the
//! election of Raft's terms, in the Heard-Of model). Round 1: candidates
//! broadcast their priority and id; every process votes for the candidate
//! of highest priority it heard. Round 2: every voter sends its vote to
//! that candidate alone; a candidate that receives votes from more than
//! half of all processes becomes leader. At most one leader per phase,
//! under any omissions: two majorities share a voter, and a voter votes
//! once.

use psync::prelude::*;

/// The state of one process.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MajorityLeader {
    /// Whether this process stands for election.
    pub candidate: bool,
    /// Its priority (the highest priority heard gets the vote).
    pub priority: i64,
    /// Whether this process voted in the current phase.
    pub voted: bool,
    /// The candidate it voted for (meaningful when `voted`).
    pub vote: ProcessId,
    /// Whether this process was elected in the current phase.
    pub leader: bool,
}

impl Process for MajorityLeader {
    type Io = Consensus<i64>;

    fn init(io: &Consensus<i64>, cx: &Ctx) -> Self {
        MajorityLeader { candidate: io.initial > 0, priority: io.initial, voted: false, vote: cx.id(), leader: false }
    }

    fn phase() -> Phase<Self> {
        phase![Request, Ballot]
    }

    fn decision(&self) -> Option<i64> {
        if self.leader { Some(1) } else { None }
    }
}

/// Round 1: candidates ask for votes; vote for the highest priority heard.
pub struct Request;

impl Round<MajorityLeader> for Request {
    type Msg = (i64, ProcessId);

    fn send(p: &MajorityLeader, cx: &Ctx) -> Outbox<(i64, ProcessId)> {
        if p.candidate { Outbox::broadcast((p.priority, cx.id())) } else { Outbox::none() }
    }

    fn update(p: &mut MajorityLeader, mbox: &Mailbox<(i64, ProcessId)>, _cx: &Ctx) {
        p.leader = false;
        p.voted = false;
        if let Some(&(_, c)) = mbox.max_by_key(|&(priority, _)| priority) {
            p.voted = true;
            p.vote = c;
        }
    }
}

/// Round 2: send the vote to its candidate; a majority of votes elects.
pub struct Ballot;

impl Round<MajorityLeader> for Ballot {
    type Msg = bool;

    fn send(p: &MajorityLeader, _cx: &Ctx) -> Outbox<bool> {
        if p.voted { Outbox::to(p.vote, true) } else { Outbox::none() }
    }

    fn update(p: &mut MajorityLeader, mbox: &Mailbox<bool>, cx: &Ctx) {
        if 2 * mbox.len() > cx.n() {
            p.leader = true;
        }
    }
}

impl Spec for MajorityLeader {
    fn invariants(w: &World<Self>) -> Vec<bool> {
        vec![w.forall(|i| w.forall(|j| implies(w[i].leader && w[j].leader, i == j)))]
    }

    fn round_invariants(w: &World<Self>) -> Vec<Vec<bool>> {
        // After round 1: nobody is leader yet in this phase.
        vec![vec![w.forall(|i| !w[i].leader)]]
    }

    fn properties(w: &World<Self>) -> Vec<(&'static str, bool)> {
        vec![("OneLeader", w.forall(|i| w.forall(|j| implies(w[i].leader && w[j].leader, i == j))))]
    }
}
