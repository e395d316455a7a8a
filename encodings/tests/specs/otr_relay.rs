//! The One-Third Rule with a decision relay (Charron-Bost and Schiper,
//! *The Heard-Of model*, 2009, with the usual "decided processes tell the
//! others" round): in round 0 a process that hears more than `2n/3` adopts
//! the value it received most often (the least of those) and decides it
//! when more than `2n/3` messages carry it; in round 1 the decided processes
//! broadcast their decision and an undecided process that hears one adopts
//! it. Round 0 never reads the coordinator, but inside the phase the VC
//! still states `coord' = coord`: a definition nothing reads
//! (`logic/src/reduce/unread.rs`).

use psync::prelude::*;

/// The state of one process.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OtrRelay {
    /// The current estimate.
    pub x: i64,
    /// Whether this process has decided.
    pub decided: bool,
    /// The decided value (meaningful once `decided`).
    pub decision: i64,
}

impl Process for OtrRelay {
    type Io = Consensus<i64>;

    fn init(io: &Consensus<i64>, _cx: &Ctx) -> Self {
        OtrRelay { x: io.initial, decided: false, decision: 0 }
    }

    fn phase() -> Phase<Self> {
        phase![Vote, Relay]
    }

    fn decision(&self) -> Option<i64> {
        if self.decided { Some(self.decision) } else { None }
    }
}

/// Round 0: the One-Third Rule's vote.
pub struct Vote;

impl Round<OtrRelay> for Vote {
    type Msg = i64;

    fn send(p: &OtrRelay, _cx: &Ctx) -> Outbox<i64> {
        Outbox::broadcast(p.x)
    }

    fn update(p: &mut OtrRelay, mbox: &Mailbox<i64>, cx: &Ctx) {
        if 3 * mbox.len() > 2 * cx.n() {
            p.x = mbox.min_most_often();
            if 3 * mbox.count(|&v| v == p.x) > 2 * cx.n() {
                p.decided = true;
                p.decision = p.x;
            }
        }
    }
}

/// Round 1: the decided processes tell the others.
pub struct Relay;

impl Round<OtrRelay> for Relay {
    type Msg = i64;

    fn send(p: &OtrRelay, _cx: &Ctx) -> Outbox<i64> {
        if p.decided {
            Outbox::broadcast(p.decision)
        } else {
            Outbox::none()
        }
    }

    fn update(p: &mut OtrRelay, mbox: &Mailbox<i64>, _cx: &Ctx) {
        if !p.decided {
            if let Some(d) = mbox.min_by_key(|&v| v) {
                p.decided = true;
                p.decision = *d;
                p.x = *d;
            }
        }
    }
}

impl Spec for OtrRelay {
    fn invariants(w: &World<Self>) -> Vec<bool> {
        let n = w.n();
        let keeps_init = w.forall(|i| w.exists(|j| w[i].x == w.init(j).x));
        let agreed_on = |v: i64| w.forall(|i| implies(w[i].decided, w[i].decision == v));
        vec![
            keeps_init
                && (w.forall(|i| !w[i].decided)
                    || w.exists_value(|v: i64| 3 * w.count(|i| w[i].x == v) > 2 * n && agreed_on(v))),
            keeps_init && w.exists_value(|v: i64| w.count(|i| w[i].x == v) == n && agreed_on(v)),
            w.exists(|j| w.forall(|i| w[i].decided && w[i].decision == w.init(j).x)),
        ]
    }

    fn round_invariants(w: &World<Self>) -> Vec<Vec<bool>> {
        let n = w.n();
        let agreed_on = |v: i64| w.forall(|i| implies(w[i].decided, w[i].decision == v));
        let keeps_init = w.forall(|i| w.exists(|j| w[i].x == w.init(j).x));
        vec![vec![
            true,
            keeps_init && w.exists_value(|v: i64| w.count(|i| w[i].x == v) == n && agreed_on(v)),
            w.exists(|j| w.forall(|i| w[i].decided && w[i].decision == w.init(j).x)),
        ]]
    }

    fn liveness(w: &World<Self>) -> Vec<bool> {
        let good = w.exists_set(|s| w.forall(|p| w.ho(p) == s) && 3 * s.len() > 2 * w.n());
        vec![good, good]
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
