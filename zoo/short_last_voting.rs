//! ShortLastVoting (PSync's three-round LastVoting variant): the coordinator
//! collects estimates and proposes the one with the newest timestamp, who
//! hears the proposal adopts it, and in a third round everyone who adopted
//! it this phase floods it; a process hearing a majority of those messages
//! decides. The invariants are LastVoting's without the coordinator's
//! `ready` flag: the flood replaces its acknowledgement round.

use psync::prelude::*;

/// The state of one ShortLastVoting process.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ShortLastVoting {
    /// The current estimate.
    pub x: i64,
    /// The phase in which `x` was last adopted from a coordinator (−1: never).
    pub ts: i64,
    /// Coordinator only: `vote` was chosen this phase.
    pub commit: bool,
    /// Coordinator only: the value proposed this phase.
    pub vote: i64,
    /// Whether this process has decided.
    pub decided: bool,
    /// The decided value (meaningful once `decided`).
    pub decision: i64,
}

impl Process for ShortLastVoting {
    type Io = Consensus<i64>;

    fn init(io: &Consensus<i64>, _cx: &Ctx) -> Self {
        ShortLastVoting { x: io.initial, ts: -1, commit: false, vote: 0, decided: false, decision: -1 }
    }

    fn phase() -> Phase<Self> {
        phase![Collect, Candidate, Flood]
    }

    fn decision(&self) -> Option<i64> {
        if self.decided { Some(self.decision) } else { None }
    }
}

/// Round 1: everyone sends `(x, ts)` to the coordinator, which, hearing from a
/// majority, votes for the estimate with the largest timestamp.
pub struct Collect;

impl Round<ShortLastVoting> for Collect {
    type Msg = (i64, i64);

    fn send(p: &ShortLastVoting, cx: &Ctx) -> Outbox<(i64, i64)> {
        Outbox::to(cx.coord(), (p.x, p.ts))
    }

    fn update(p: &mut ShortLastVoting, mbox: &Mailbox<(i64, i64)>, cx: &Ctx) {
        if cx.id() == cx.coord() && 2 * mbox.len() > cx.n() {
            if let Some(&(v, _)) = mbox.max_by_key(|&(_, ts)| ts) {
                p.vote = v;
                p.commit = true;
            }
        }
    }

    // Early move (runtime only): the coordinator needs a majority.
    fn expected(_p: &ShortLastVoting, cx: &Ctx) -> usize {
        if cx.id() == cx.coord() { cx.n() / 2 + 1 } else { 0 }
    }
}

/// Round 2: a committed coordinator broadcasts its vote; who hears it adopts it.
pub struct Candidate;

impl Round<ShortLastVoting> for Candidate {
    type Msg = i64;

    fn send(p: &ShortLastVoting, cx: &Ctx) -> Outbox<i64> {
        if cx.id() == cx.coord() && p.commit { Outbox::broadcast(p.vote) } else { Outbox::none() }
    }

    fn update(p: &mut ShortLastVoting, mbox: &Mailbox<i64>, cx: &Ctx) {
        if let Some(&v) = mbox.get(cx.coord()) {
            p.x = v;
            p.ts = cx.phase() as i64;
        }
    }

    // Early move: only the coordinator's message matters.
    fn expected(_p: &ShortLastVoting, _cx: &Ctx) -> usize {
        1
    }
}

/// Round 3: who adopted the vote this phase broadcasts it; a process that
/// hears it from a majority decides it.
pub struct Flood;

impl Round<ShortLastVoting> for Flood {
    type Msg = i64;

    fn send(p: &ShortLastVoting, cx: &Ctx) -> Outbox<i64> {
        if p.ts == cx.phase() as i64 { Outbox::broadcast(p.x) } else { Outbox::none() }
    }

    fn update(p: &mut ShortLastVoting, mbox: &Mailbox<i64>, cx: &Ctx) {
        if 2 * mbox.len() > cx.n() && !p.decided {
            // Every message of this round carries the coordinator's vote.
            if let Some(&v) = mbox.min_by_key(|&v| v) {
                p.decision = v;
                p.decided = true;
            }
        }
        p.commit = false;
    }

    // Early move: a majority is enough to decide.
    fn expected(_p: &ShortLastVoting, cx: &Ctx) -> usize {
        cx.n() / 2 + 1
    }
}

impl Spec for ShortLastVoting {
    fn invariants(w: &World<Self>) -> Vec<bool> {
        let n = w.n();
        let phase = w.phase() as i64;
        let coord = w.coord();
        // Estimates, and the vote a coordinator committed to, are initial values.
        let keep_init = w.forall(|i| {
            w.exists(|j| w[i].x == w.init(j).x) && implies(w[i].commit, w.exists(|j| w[i].vote == w.init(j).x))
        });
        // Who adopted a vote this phase adopted the coordinator's, which
        // committed; only the coordinator commits, and nobody has at a phase
        // boundary.
        let this_phase = w.forall(|i| {
            w[i].ts <= phase
                && implies(w[i].ts == phase, w[coord].commit && w[i].x == w[coord].vote)
                && implies(w[i].commit, i == coord)
                && implies(w.round() % 3 == 0, !w[i].commit)
        });
        let no_decision = w.forall(|i| !w[i].decided);
        // A majority A = {i | ts(i) ≥ t} holds v, and every decision and
        // vote is about v.
        let majority = w.exists_value(|v: i64| {
            w.exists_value(|t: i64| {
                2 * w.count(|i| w[i].ts >= t) > n
                    && w.round() > 0
                    && t <= phase
                    && w.forall(|i| {
                        implies(w[i].ts >= t, w[i].x == v)
                            && implies(w[i].decided, w[i].decision == v)
                            && implies(w[i].commit, w[i].vote == v)
                    })
            })
        });
        vec![
            keep_init && this_phase && (no_decision || majority),
            // Everyone decided (on what, Inv_0 says).
            w.forall(|i| w[i].decided),
        ]
    }

    fn round_invariants(w: &World<Self>) -> Vec<Vec<bool>> {
        let phase = w.phase() as i64;
        let c = w.coord();
        let all_adopted = w.forall(|j| w[j].ts == phase && w[j].x == w[c].vote);
        vec![vec![true, w[c].commit], vec![true, w[c].commit && all_adopted]]
    }

    fn liveness(w: &World<Self>) -> Vec<bool> {
        // Everyone hears the coordinator and a majority.
        let c = w.coord();
        vec![w.forall(|q| w.ho(q).contains(c) && 2 * w.ho(q).len() > w.n())]
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
