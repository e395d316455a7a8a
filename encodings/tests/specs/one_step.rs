//! One-step consensus (Brasileiro, Greve, Mostéfaoui & Raynal, PaCT 2001)
//! in the Heard-Of model, with a parameter `f` and `n > 3f`; every process
//! hears at least `n − f` processes every round (crash faults, waiting for
//! `n − f` messages). A phase has two rounds:
//! - OneStep: broadcast the estimate; with `n − f` copies of a value `v`
//!   decide `v`; with at least `n − 2f` copies of `v` adopt `v`; otherwise
//!   keep the estimate.
//! - Otr: the underlying consensus, a One-Third-Rule round: with more than
//!   `2n/3` messages adopt the smallest most frequent value, decide it if
//!   more than `2n/3` messages carry it.
//! Safety invariant: no decision, or more than 2n/3 processes hold the
//! decided value.

use psync::prelude::*;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OneStep {
    /// The current estimate.
    pub x: i64,
    /// Whether this process has decided.
    pub decided: bool,
    /// The decided value (meaningful once `decided`).
    pub decision: i64,
}

impl Process for OneStep {
    type Io = Consensus<i64>;
    /// `f`: how many processes may crash.
    const PARAMS: &'static [&'static str] = &["f"];

    fn init(io: &Consensus<i64>, _cx: &Ctx) -> Self {
        OneStep { x: io.initial, decided: false, decision: 0 }
    }

    fn phase() -> Phase<Self> {
        phase![Fast, Otr]
    }

    fn decision(&self) -> Option<i64> {
        if self.decided { Some(self.decision) } else { None }
    }
}

/// Round 1: the one-step rule.
pub struct Fast;

impl Round<OneStep> for Fast {
    type Msg = i64;

    fn send(p: &OneStep, _cx: &Ctx) -> Outbox<i64> {
        Outbox::broadcast(p.x)
    }

    fn update(p: &mut OneStep, mbox: &Mailbox<i64>, cx: &Ctx) {
        let n = cx.n() as i64;
        let f = cx.param("f");
        let v = mbox.min_most_often();
        let c = mbox.count(|&m| m == v) as i64;
        if c >= n - f {
            if !p.decided {
                p.decided = true;
                p.decision = v;
            }
            p.x = v;
        } else if c >= n - 2 * f {
            p.x = v;
        }
    }
}

/// Round 2: the underlying consensus (One-Third Rule).
pub struct Otr;

impl Round<OneStep> for Otr {
    type Msg = i64;

    fn send(p: &OneStep, _cx: &Ctx) -> Outbox<i64> {
        Outbox::broadcast(p.x)
    }

    fn update(p: &mut OneStep, mbox: &Mailbox<i64>, cx: &Ctx) {
        if 3 * mbox.len() > 2 * cx.n() {
            p.x = mbox.min_most_often();
            if 3 * mbox.count(|&v| v == p.x) > 2 * cx.n() && !p.decided {
                p.decided = true;
                p.decision = p.x;
            }
        }
    }
}

impl Spec for OneStep {
    fn assumptions(w: &World<Self>) -> Vec<bool> {
        vec![w.n() as i64 > 3 * w.param("f"), w.param("f") >= 0]
    }

    fn safety(w: &World<Self>) -> bool {
        w.forall(|p| w.ho(p).len() as i64 >= w.n() as i64 - w.param("f"))
    }

    fn invariants(w: &World<Self>) -> Vec<bool> {
        let n = w.n();
        let keeps_init = w.forall(|i| w.exists(|j| w[i].x == w.init(j).x));
        let agreed_on = |v: i64| w.forall(|i| implies(w[i].decided, w[i].decision == v));
        vec![
            keeps_init
                && (w.forall(|i| !w[i].decided)
                    || w.exists_value(|v: i64| 3 * w.count(|i| w[i].x == v) > 2 * n && agreed_on(v))),
            keeps_init && w.exists_value(|v: i64| w.count(|i| w[i].x == v) == n && agreed_on(v)),
            w.exists_value(|v: i64| w.forall(|i| w[i].decided && w[i].decision == v && w[i].x == v)),
        ]
    }

    fn round_invariants(w: &World<Self>) -> Vec<Vec<bool>> {
        let all_decided = w.exists_value(|v: i64| w.forall(|i| w[i].decided && w[i].decision == v && w[i].x == v));
        vec![vec![true, true, all_decided]]
    }

    fn liveness(w: &World<Self>) -> Vec<bool> {
        // A phase in which everyone hears one common set of more than 2n/3
        // processes; then any phase (the safety predicate suffices).
        let good = w.exists_set(|s| w.forall(|p| w.ho(p) == s) && 3 * s.len() > 2 * w.n());
        vec![good, true]
    }

    fn properties(w: &World<Self>) -> Vec<(&'static str, bool)> {
        vec![
            ("Termination", eventually(w.forall(|i| w[i].decided))),
            ("Agreement", w.forall(|i| w.forall(|j| implies(w[i].decided && w[j].decided, w[i].decision == w[j].decision)))),
            ("Validity", w.forall(|i| implies(w[i].decided, w.exists(|j| w.init(j).x == w[i].decision)))),
            ("Irrevocability", w.forall(|i| implies(w.old(i).decided, w[i].decided && w.old(i).decision == w[i].decision))),
        ]
    }
}
