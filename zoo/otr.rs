//! One-Third Rule consensus (Charron-Bost & Schiper, 2009), with the
//! invariants PSync used to prove it for every `n`.

use psync::prelude::*;

/// The state of one OTR process.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Otr {
    /// The current estimate.
    pub x: i64,
    /// Whether this process has decided.
    pub decided: bool,
    /// The decided value (meaningful once `decided`).
    pub decision: i64,
}

impl Process for Otr {
    type Io = Consensus<i64>;

    fn init(io: &Consensus<i64>, _cx: &Ctx) -> Self {
        Otr { x: io.initial, decided: false, decision: -1 }
    }

    fn phase() -> Phase<Self> {
        phase![Vote]
    }

    fn decision(&self) -> Option<i64> {
        if self.decided { Some(self.decision) } else { None }
    }
}

/// The only round: everyone broadcasts its estimate; with more than 2n/3
/// messages a process adopts the smallest most frequent value, and decides
/// it if more than 2n/3 messages carry it.
pub struct Vote;

impl Round<Otr> for Vote {
    type Msg = i64;

    fn send(p: &Otr, _cx: &Ctx) -> Outbox<i64> {
        Outbox::broadcast(p.x)
    }

    fn update(p: &mut Otr, mbox: &Mailbox<i64>, cx: &Ctx) {
        if 3 * mbox.len() > 2 * cx.n() {
            p.x = mbox.min_most_often();
            if 3 * mbox.count(|&v| v == p.x) > 2 * cx.n() {
                p.decided = true;
                p.decision = p.x;
            }
        }
    }
}

impl Spec for Otr {
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
            ("Integrity", w.exists(|j| w.forall(|i| implies(w[i].decided, w[i].decision == w.init(j).x)))),
            (
                "Irrevocability",
                w.forall(|i| implies(w.old(i).decided, w[i].decided && w.old(i).decision == w[i].decision)),
            ),
        ]
    }
}
