//! Raft's leader election for one term (Ongaro & Ousterhout, USENIX ATC
//! 2014, §5.2 and §5.4.1), in the Heard-Of model. A process is a candidate
//! when its election timer fired (its input); a candidate votes for itself.
//! Every phase has two rounds, and the phases are retransmissions within the
//! same term, so a vote, once cast, is never changed:
//! - RequestVote: candidates broadcast (id, last log index); a process that
//!   has not voted votes for a candidate with the most up-to-date log it
//!   hears, if that log is at least as up to date as its own.
//! - Grant: every voter sends its vote to that candidate alone; a candidate
//!   that holds votes from a strict majority of all processes is leader.
//! Election Safety: at most one leader in the term.

use psync::prelude::*;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Raft {
    /// Whether this process stands for election in this term.
    pub candidate: bool,
    /// The index of the last entry of its log.
    pub log: i64,
    /// The candidate it voted for in this term, if any.
    pub voted_for: Option<ProcessId>,
    /// Whether it won the election.
    pub leader: bool,
}

impl Process for Raft {
    /// The input: whether the election timer fired, and the last log index.
    type Io = Consensus<(bool, i64)>;

    fn init(io: &Consensus<(bool, i64)>, cx: &Ctx) -> Self {
        let me = cx.id();
        let (timer, log) = io.initial;
        Raft {
            candidate: timer,
            log: log,
            voted_for: if timer { Some(me) } else { None },
            leader: false,
        }
    }

    fn phase() -> Phase<Self> {
        phase![RequestVote, Grant]
    }

    fn decision(&self) -> Option<(bool, i64)> {
        Some((self.leader, self.log))
    }
}

/// Round 1: candidates ask for votes; voters choose.
pub struct RequestVote;

impl Round<Raft> for RequestVote {
    type Msg = (ProcessId, i64);

    fn send(p: &Raft, cx: &Ctx) -> Outbox<(ProcessId, i64)> {
        if p.candidate { Outbox::broadcast((cx.id(), p.log)) } else { Outbox::none() }
    }

    fn update(p: &mut Raft, mbox: &Mailbox<(ProcessId, i64)>, _cx: &Ctx) {
        if p.voted_for.is_none() {
            if let Some(&(c, l)) = mbox.max_by_key(|&(_c, l)| l) {
                if l >= p.log {
                    p.voted_for = Some(c);
                }
            }
        }
    }
}

/// Round 2: votes go to the candidate voted for; a majority makes a leader.
pub struct Grant;

impl Round<Raft> for Grant {
    type Msg = bool;

    fn send(p: &Raft, _cx: &Ctx) -> Outbox<bool> {
        if let Some(c) = p.voted_for { Outbox::to(c, true) } else { Outbox::none() }
    }

    fn update(p: &mut Raft, mbox: &Mailbox<bool>, cx: &Ctx) {
        if p.candidate && 2 * mbox.len() > cx.n() {
            p.leader = true;
        }
    }
}

impl Spec for Raft {
    fn invariants(w: &World<Self>) -> Vec<bool> {
        let n = w.n();
        let votes_for = |c: ProcessId| w.count(|j| w[j].voted_for == Some(c));
        vec![w.forall(|i| {
            w[i].candidate == w.init(i).candidate
                && implies(w[i].candidate, w[i].voted_for == Some(i))
                && implies(w[i].leader, w[i].candidate && 2 * votes_for(i) > n)
        })]
    }

    fn properties(w: &World<Self>) -> Vec<(&'static str, bool)> {
        vec![
            ("ElectionSafety", w.forall(|i| w.forall(|j| implies(w[i].leader && w[j].leader, i == j)))),
            ("LeaderIsCandidate", w.forall(|i| implies(w[i].leader, w.init(i).candidate))),
            ("VoteOnce", w.forall(|i| implies(w.old(i).voted_for.is_some(), w[i].voted_for == w.old(i).voted_for))),
            ("LeaderStays", w.forall(|i| implies(w.old(i).leader, w[i].leader))),
        ]
    }
}
