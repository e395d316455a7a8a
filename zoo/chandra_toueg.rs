//! Chandra–Toueg's rotating-coordinator consensus (Chandra & Toueg,
//! *Unreliable failure detectors for reliable distributed systems*, J. ACM
//! 1996) in the Heard-Of model (Charron-Bost & Schiper, *The Heard-Of
//! model*, Distrib. Comput. 2009), four rounds per phase: everyone reports
//! `(x, ts)` to the coordinator, which, hearing a majority, takes the
//! estimate with the newest timestamp as its own; it proposes that
//! estimate, who hears it adopts it with the phase as timestamp and
//! acknowledges it; with a majority of acknowledgements the coordinator is
//! ready and broadcasts the decision.
//!
//! Unlike LastVoting (`last_voting.rs`), the coordinator has no separate
//! vote: its own estimate `x` is overwritten in the first round and is what
//! it proposes and decides. The invariants are LastVoting's with the vote
//! read as the coordinator's estimate: a value `v` held by a majority
//! `{i | ts(i) ≥ t}` is the value of every decision and of every estimate a
//! coordinator committed to.

use psync::prelude::*;

/// The state of one Chandra–Toueg process.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChandraToueg {
    /// The current estimate (a committed coordinator's: its proposal).
    pub x: i64,
    /// The phase in which `x` was last adopted from a coordinator (−1: never).
    pub ts: i64,
    /// Coordinator only: it heard a majority's estimates this phase and took
    /// the newest as `x`.
    pub commit: bool,
    /// Coordinator only: a majority acknowledged `x` this phase.
    pub ready: bool,
    /// Whether this process has decided.
    pub decided: bool,
    /// The decided value (meaningful once `decided`).
    pub decision: i64,
}

impl Process for ChandraToueg {
    type Io = Consensus<i64>;

    fn init(io: &Consensus<i64>, _cx: &Ctx) -> Self {
        ChandraToueg { x: io.initial, ts: -1, commit: false, ready: false, decided: false, decision: -1 }
    }

    fn phase() -> Phase<Self> {
        phase![Estimate, Propose, Ack, Decide]
    }

    fn decision(&self) -> Option<i64> {
        if self.decided { Some(self.decision) } else { None }
    }
}

/// Round 1: everyone sends `(x, ts)` to the coordinator, which, hearing from a
/// majority, takes the estimate with the largest timestamp as its own.
pub struct Estimate;

impl Round<ChandraToueg> for Estimate {
    type Msg = (i64, i64);

    fn send(p: &ChandraToueg, cx: &Ctx) -> Outbox<(i64, i64)> {
        Outbox::to(cx.coord(), (p.x, p.ts))
    }

    fn update(p: &mut ChandraToueg, mbox: &Mailbox<(i64, i64)>, cx: &Ctx) {
        if cx.id() == cx.coord() && 2 * mbox.len() > cx.n() {
            if let Some(&(v, _)) = mbox.max_by_key(|&(_, ts)| ts) {
                p.x = v;
                p.commit = true;
            }
        }
    }

    // Early move (runtime only): the coordinator needs a majority, the others
    // expect nothing. Ending a round early only shrinks HO sets, which the
    // verified model already allows, so the proof covers it.
    fn expected(_p: &ChandraToueg, cx: &Ctx) -> usize {
        if cx.id() == cx.coord() { cx.n() / 2 + 1 } else { 0 }
    }
}

/// Round 2: a committed coordinator proposes its estimate; who hears it
/// adopts it, stamped with the phase.
pub struct Propose;

impl Round<ChandraToueg> for Propose {
    type Msg = i64;

    fn send(p: &ChandraToueg, cx: &Ctx) -> Outbox<i64> {
        if cx.id() == cx.coord() && p.commit { Outbox::broadcast(p.x) } else { Outbox::none() }
    }

    fn update(p: &mut ChandraToueg, mbox: &Mailbox<i64>, cx: &Ctx) {
        if let Some(&v) = mbox.get(cx.coord()) {
            p.x = v;
            p.ts = cx.phase() as i64;
        }
    }

    // Early move: only the coordinator's message matters.
    fn expected(_p: &ChandraToueg, _cx: &Ctx) -> usize {
        1
    }
}

/// Round 3: who adopted the proposal this phase acknowledges it (the
/// message is the phase); with a majority of acknowledgements the
/// coordinator is ready.
pub struct Ack;

impl Round<ChandraToueg> for Ack {
    type Msg = i64;

    fn send(p: &ChandraToueg, cx: &Ctx) -> Outbox<i64> {
        if p.ts == cx.phase() as i64 { Outbox::to(cx.coord(), p.ts) } else { Outbox::none() }
    }

    fn update(p: &mut ChandraToueg, mbox: &Mailbox<i64>, cx: &Ctx) {
        if cx.id() == cx.coord() && 2 * mbox.len() > cx.n() {
            p.ready = true;
        }
    }

    // Early move: the coordinator needs a majority, the others expect nothing.
    fn expected(_p: &ChandraToueg, cx: &Ctx) -> usize {
        if cx.id() == cx.coord() { cx.n() / 2 + 1 } else { 0 }
    }
}

/// Round 4: a ready coordinator broadcasts its estimate as the decision; who
/// hears it decides.
pub struct Decide;

impl Round<ChandraToueg> for Decide {
    type Msg = i64;

    fn send(p: &ChandraToueg, cx: &Ctx) -> Outbox<i64> {
        if cx.id() == cx.coord() && p.ready { Outbox::broadcast(p.x) } else { Outbox::none() }
    }

    fn update(p: &mut ChandraToueg, mbox: &Mailbox<i64>, cx: &Ctx) {
        if let Some(&v) = mbox.get(cx.coord()) {
            p.decision = v;
            p.decided = true;
        }
        p.ready = false;
        p.commit = false;
    }

    // Early move: only the coordinator's message matters.
    fn expected(_p: &ChandraToueg, _cx: &Ctx) -> usize {
        1
    }
}

impl Spec for ChandraToueg {
    fn invariants(w: &World<Self>) -> Vec<bool> {
        let n = w.n();
        let phase = w.phase() as i64;
        let coord = w.coord();
        // Estimates are initial values.
        let keep_init = w.forall(|i| w.exists(|j| w[i].x == w.init(j).x));
        // Who adopted an estimate this phase adopted the coordinator's, which
        // committed; only the coordinator commits or gets ready, and nobody
        // has at a phase boundary.
        let this_phase = w.forall(|i| {
            w[i].ts <= phase
                && implies(w[i].ts == phase, w[coord].commit && w[i].x == w[coord].x)
                && implies(w[i].commit || w[i].ready, i == coord)
                && implies(w[i].ready, w[i].commit)
                && implies(w.round() % 4 == 0, !w[i].commit && !w[i].ready)
        });
        let no_decision = w.forall(|i| !w[i].decided && !w[i].ready);
        // A majority A = {i | ts(i) ≥ t} holds v, and every decision,
        // commitment and readiness is about v.
        let majority = w.exists_value(|v: i64| {
            w.exists_value(|t: i64| {
                2 * w.count(|i| w[i].ts >= t) > n
                    && w.round() > 0
                    && t <= phase
                    && w.forall(|i| {
                        implies(w[i].ts >= t, w[i].x == v)
                            && implies(w[i].decided, w[i].decision == v)
                            && implies(w[i].commit, w[i].x == v)
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
        let all_adopted = w.forall(|j| w[j].ts == phase && w[j].x == w[c].x);
        vec![
            vec![true, w[c].commit],
            vec![true, w[c].commit && all_adopted],
            vec![true, w[c].commit && w[c].ready && all_adopted],
        ]
    }

    fn liveness(w: &World<Self>) -> Vec<bool> {
        // Everyone hears the coordinator, and it hears a majority.
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
