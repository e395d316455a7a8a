//! A binary One-Third Rule written with counts (the agreement round of a
//! non-blocking atomic commit): a process hearing more than 2n/3 votes
//! adopts the more frequent one (`commits > aborts`; ties: abort), and
//! decides it if more than 2n/3 of the votes it heard carry it.
//! Invariant: nobody decided, or more than 2n/3 hold the value every
//! decision is.

use psync::prelude::*;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BinaryOtr {
    pub x: bool,
    pub decided: bool,
    pub decision: bool,
}

impl Process for BinaryOtr {
    type Io = Consensus<bool>;
    fn init(io: &Consensus<bool>, _cx: &Ctx) -> Self {
        BinaryOtr { x: io.initial, decided: false, decision: false }
    }
    fn phase() -> Phase<Self> {
        phase![Agree]
    }
    fn decision(&self) -> Option<bool> {
        if self.decided { Some(self.decision) } else { None }
    }
}

pub struct Agree;

impl Round<BinaryOtr> for Agree {
    type Msg = bool;
    fn send(p: &BinaryOtr, _cx: &Ctx) -> Outbox<bool> {
        Outbox::broadcast(p.x)
    }
    fn update(p: &mut BinaryOtr, mbox: &Mailbox<bool>, cx: &Ctx) {
        if 3 * mbox.len() > 2 * cx.n() {
            let commits = mbox.count(|&u| u);
            let aborts = mbox.count(|&u| !u);
            let v = commits > aborts;
            p.x = v;
            if 3 * mbox.count(|&u| u == v) > 2 * cx.n() {
                p.decided = true;
                p.decision = v;
            }
        }
    }
}

impl Spec for BinaryOtr {
    fn invariants(w: &World<Self>) -> Vec<bool> {
        let n = w.n();
        let agreed_on = |v: bool| w.forall(|i| implies(w[i].decided, w[i].decision == v));
        vec![w.forall(|i| !w[i].decided) || w.exists_value(|v: bool| 3 * w.count(|i| w[i].x == v) > 2 * n && agreed_on(v))]
    }
    fn properties(w: &World<Self>) -> Vec<(&'static str, bool)> {
        vec![(
            "Agreement",
            w.forall(|i| w.forall(|j| implies(w[i].decided && w[j].decided, w[i].decision == w[j].decision))),
        )]
    }
}
