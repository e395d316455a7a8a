//! LastVoting with event rounds (as in PSync, OOPSLA'20): the rounds of
//! `last_voting.rs`, each written as the runtime's `EventRound` so that a
//! process moves on as soon as it has what it needs. The coordinator counts
//! the estimates (and then the acknowledgements) as they arrive and moves on
//! when it has a majority; the others move on at once in those rounds, and
//! as soon as the coordinator's message arrives in the two others. The
//! verifier reads each `receive` folded over the messages that arrived
//! before the round ended (encodings/SPEC_LANGUAGE.md, *Event rounds*),
//! so the invariants are LastVoting's, plus `ts >= -1`.

use psync::prelude::*;

/// The state of one LastVoting process.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LastVotingEvent {
    /// The current estimate.
    pub x: i64,
    /// The phase in which `x` was last adopted from a coordinator (−1: never).
    pub ts: i64,
    /// Coordinator only: a majority acknowledged `vote` this phase.
    pub ready: bool,
    /// Coordinator only: `vote` was chosen this phase.
    pub commit: bool,
    /// Coordinator only: the value proposed this phase.
    pub vote: i64,
    /// Whether this process has decided.
    pub decided: bool,
    /// The decided value (meaningful once `decided`).
    pub decision: i64,
    /// Coordinator only: the messages counted so far this round.
    pub acks: i64,
    /// Coordinator only: the newest timestamp received so far in `Collect`.
    pub best: i64,
}

impl Process for LastVotingEvent {
    type Io = Consensus<i64>;

    fn init(io: &Consensus<i64>, _cx: &Ctx) -> Self {
        LastVotingEvent { x: io.initial, ts: -1, ready: false, commit: false, vote: 0, decided: false, decision: -1, acks: 0, best: -1 }
    }

    fn phase() -> Phase<Self> {
        Phase::new().event_round::<Collect>().event_round::<Candidate>().event_round::<Quorum>().event_round::<Accept>()
    }

    fn decision(&self) -> Option<i64> {
        if self.decided { Some(self.decision) } else { None }
    }
}

/// Round 1: everyone sends `(x, ts)` to the coordinator, which keeps the
/// estimate with the newest timestamp and commits to it once a majority's
/// estimates arrived. The others expect nothing and move on at once.
pub struct Collect;

impl EventRound<LastVotingEvent> for Collect {
    type Msg = (i64, i64);

    fn init(p: &mut LastVotingEvent, cx: &Ctx) -> Progress {
        p.acks = 0;
        p.best = -1;
        if cx.id() == cx.coord() { Progress::timeout(cx.timeout()) } else { Progress::go_ahead() }
    }

    fn send(p: &mut LastVotingEvent, cx: &Ctx) -> Outbox<(i64, i64)> {
        Outbox::to(cx.coord(), (p.x, p.ts))
    }

    fn receive(p: &mut LastVotingEvent, _from: ProcessId, (v, ts): (i64, i64), cx: &Ctx) -> Progress {
        p.acks += 1;
        if ts >= p.best {
            p.best = ts;
            p.vote = v;
        }
        if cx.id() == cx.coord() && 2 * p.acks > cx.n() as i64 {
            p.commit = true;
            Progress::go_ahead()
        } else {
            Progress::unchanged()
        }
    }

    fn finish(_p: &mut LastVotingEvent, _timed_out: bool, _cx: &Ctx) -> bool {
        true
    }
}

/// Round 2: a committed coordinator broadcasts its vote; who hears it adopts
/// it and moves on.
pub struct Candidate;

impl EventRound<LastVotingEvent> for Candidate {
    type Msg = i64;

    fn send(p: &mut LastVotingEvent, cx: &Ctx) -> Outbox<i64> {
        if cx.id() == cx.coord() && p.commit { Outbox::broadcast(p.vote) } else { Outbox::none() }
    }

    fn receive(p: &mut LastVotingEvent, from: ProcessId, v: i64, cx: &Ctx) -> Progress {
        if from == cx.coord() {
            p.x = v;
            p.ts = cx.phase() as i64;
            Progress::go_ahead()
        } else {
            Progress::unchanged()
        }
    }

    fn finish(_p: &mut LastVotingEvent, _timed_out: bool, _cx: &Ctx) -> bool {
        true
    }
}

/// Round 3: who adopted the vote this phase acknowledges it; the coordinator
/// is ready once a majority's acknowledgements arrived.
pub struct Quorum;

impl EventRound<LastVotingEvent> for Quorum {
    type Msg = i64;

    fn init(p: &mut LastVotingEvent, cx: &Ctx) -> Progress {
        p.acks = 0;
        if cx.id() == cx.coord() { Progress::timeout(cx.timeout()) } else { Progress::go_ahead() }
    }

    fn send(p: &mut LastVotingEvent, cx: &Ctx) -> Outbox<i64> {
        if p.ts == cx.phase() as i64 { Outbox::to(cx.coord(), p.x) } else { Outbox::none() }
    }

    fn receive(p: &mut LastVotingEvent, _from: ProcessId, _v: i64, cx: &Ctx) -> Progress {
        p.acks += 1;
        if cx.id() == cx.coord() && 2 * p.acks > cx.n() as i64 {
            p.ready = true;
            Progress::go_ahead()
        } else {
            Progress::unchanged()
        }
    }

    fn finish(_p: &mut LastVotingEvent, _timed_out: bool, _cx: &Ctx) -> bool {
        true
    }
}

/// Round 4: a ready coordinator broadcasts the vote; who hears it decides.
pub struct Accept;

impl EventRound<LastVotingEvent> for Accept {
    type Msg = i64;

    fn send(p: &mut LastVotingEvent, cx: &Ctx) -> Outbox<i64> {
        if cx.id() == cx.coord() && p.ready { Outbox::broadcast(p.vote) } else { Outbox::none() }
    }

    fn receive(p: &mut LastVotingEvent, from: ProcessId, v: i64, cx: &Ctx) -> Progress {
        if from == cx.coord() {
            p.decision = v;
            p.decided = true;
            Progress::go_ahead()
        } else {
            Progress::unchanged()
        }
    }

    fn finish(p: &mut LastVotingEvent, _timed_out: bool, _cx: &Ctx) -> bool {
        p.ready = false;
        p.commit = false;
        true
    }
}

impl Spec for LastVotingEvent {
    fn invariants(w: &World<Self>) -> Vec<bool> {
        let n = w.n();
        let phase = w.phase() as i64;
        let coord = w.coord();
        // Estimates, and the vote a coordinator committed to, are initial
        // values; timestamps are phases or −1 (so every estimate `Collect`
        // receives passes its `ts >= p.best` with `best = −1`).
        let keep_init = w.forall(|i| {
            w[i].ts >= -1
                && w.exists(|j| w[i].x == w.init(j).x)
                && implies(w[i].commit, w.exists(|j| w[i].vote == w.init(j).x))
        });
        // Who adopted a vote this phase adopted the coordinator's, which
        // committed; only the coordinator commits or gets ready, and nobody
        // has at a phase boundary.
        let this_phase = w.forall(|i| {
            w[i].ts <= phase
                && implies(w[i].ts == phase, w[coord].commit && w[i].x == w[coord].vote)
                && implies(w[i].commit || w[i].ready, i == coord)
                && implies(w.round() % 4 == 0, !w[i].commit && !w[i].ready)
        });
        let no_decision = w.forall(|i| !w[i].decided && !w[i].ready);
        // A majority A = {i | ts(i) ≥ t} holds v, and every decision, vote
        // and readiness is about v.
        let majority = w.exists_value(|v: i64| {
            w.exists_value(|t: i64| {
                2 * w.count(|i| w[i].ts >= t) > n
                    && w.round() > 0
                    && t <= phase
                    && w.forall(|i| {
                        implies(w[i].ts >= t, w[i].x == v)
                            && implies(w[i].decided, w[i].decision == v)
                            && implies(w[i].commit, w[i].vote == v)
                            && implies(w[i].ready, w[i].vote == v)
                    })
            })
        });
        vec![
            keep_init && this_phase && (no_decision || majority),
            w.exists(|j| w.forall(|i| w[i].decided && w[i].decision == w.init(j).x)),
        ]
    }

    fn round_invariants(w: &World<Self>) -> Vec<Vec<bool>> {
        let phase = w.phase() as i64;
        let c = w.coord();
        let all_adopted = w.forall(|j| w[j].ts == phase && w[j].x == w[c].vote);
        vec![
            vec![true, w[c].commit],
            vec![true, w[c].commit && all_adopted],
            vec![true, w[c].commit && w[c].ready && all_adopted],
        ]
    }

    fn liveness(w: &World<Self>) -> Vec<bool> {
        let c = w.coord();
        vec![w.forall(|q| w.ho(q).contains(c)) && 2 * w.ho(c).len() > w.n()]
    }

    fn properties(w: &World<Self>) -> Vec<(&'static str, bool)> {
        vec![
            ("Termination", eventually(w.forall(|i| w[i].decided))),
            (
                "Agreement",
                w.forall(|i| w.forall(|j| implies(w[i].decided && w[j].decided, w[i].decision == w[j].decision))),
            ),
            ("Validity", w.forall(|i| implies(w[i].decided, w.exists(|j| w.init(j).x == w[i].decision)))),
            ("Integrity", w.exists(|j| w.forall(|i| implies(w[i].decided, w[i].decision == w.init(j).x)))),
            (
                "Irrevocability",
                w.forall(|i| implies(w.old(i).decided, w[i].decided && w.old(i).decision == w[i].decision)),
            ),
        ]
    }
}
