//! LastVoting: Paxos in the Heard-Of model (Charron-Bost & Schiper, 2009).
use psync::prelude::*;

/// The state of one LastVoting process.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct LastVoting {
    pub x: i64,
    pub ts: i64,
    pub vote: i64,
    pub commit: bool,
    pub ready: bool,
    pub decided: bool,
    pub decision: i64,
}

impl Process for LastVoting {
    type Io = Consensus<i64>;
    fn init(io: &Consensus<i64>, _cx: &Ctx) -> Self {
        LastVoting { x: io.initial, ts: -1, vote: 0, commit: false, ready: false, decided: false, decision: -1 }
    }
    fn phase() -> Phase<Self> {
        phase![Collect, Candidate, Quorum, Decide]
    }
    fn decision(&self) -> Option<i64> {
        self.decided.then_some(self.decision)
    }
}

fn majority(n: usize) -> usize {
    n / 2 + 1
}

/// Everyone sends (x, ts) to the coordinator, which picks the latest value.
pub struct Collect;
impl Round<LastVoting> for Collect {
    type Msg = (i64, i64);
    fn send(p: &LastVoting, cx: &Ctx) -> Outbox<(i64, i64)> {
        Outbox::to(cx.coord(), (p.x, p.ts))
    }
    fn update(p: &mut LastVoting, mbox: &Mailbox<(i64, i64)>, cx: &Ctx) {
        if cx.id() == cx.coord() && mbox.len() > cx.n() / 2 {
            if let Some(&(v, _)) = mbox.max_by_key(|&(_, ts)| ts) {
                p.vote = v;
                p.commit = true;
            }
        }
    }
    fn expected(_p: &LastVoting, cx: &Ctx) -> usize {
        if cx.id() == cx.coord() { majority(cx.n()) } else { 0 }
    }
}

/// The coordinator proposes its vote; receivers adopt it with this phase.
pub struct Candidate;
impl Round<LastVoting> for Candidate {
    type Msg = i64;
    fn send(p: &LastVoting, cx: &Ctx) -> Outbox<i64> {
        if cx.id() == cx.coord() && p.commit { Outbox::broadcast(p.vote) } else { Outbox::none() }
    }
    fn update(p: &mut LastVoting, mbox: &Mailbox<i64>, cx: &Ctx) {
        if let Some(&v) = mbox.get(cx.coord()) {
            p.x = v;
            p.ts = cx.phase() as i64;
        }
    }
    fn expected(_p: &LastVoting, _cx: &Ctx) -> usize {
        1
    }
}

/// Acknowledgements to the coordinator from those that adopted its vote.
pub struct Quorum;
impl Round<LastVoting> for Quorum {
    type Msg = i64;
    fn send(p: &LastVoting, cx: &Ctx) -> Outbox<i64> {
        if p.ts == cx.phase() as i64 { Outbox::to(cx.coord(), p.x) } else { Outbox::none() }
    }
    fn update(p: &mut LastVoting, mbox: &Mailbox<i64>, cx: &Ctx) {
        if cx.id() == cx.coord() && mbox.len() > cx.n() / 2 {
            p.ready = true;
        }
    }
    fn expected(_p: &LastVoting, cx: &Ctx) -> usize {
        if cx.id() == cx.coord() { majority(cx.n()) } else { 0 }
    }
}

/// The coordinator announces the decision.
pub struct Decide;
impl Round<LastVoting> for Decide {
    type Msg = i64;
    fn send(p: &LastVoting, cx: &Ctx) -> Outbox<i64> {
        if cx.id() == cx.coord() && p.ready { Outbox::broadcast(p.vote) } else { Outbox::none() }
    }
    fn update(p: &mut LastVoting, mbox: &Mailbox<i64>, cx: &Ctx) {
        if let Some(&v) = mbox.get(cx.coord()) {
            if !p.decided {
                p.decided = true;
                p.decision = v;
            }
        }
        p.commit = false;
        p.ready = false;
    }
    fn expected(_p: &LastVoting, _cx: &Ctx) -> usize {
        1
    }
}

impl Spec for LastVoting {
    fn invariants(w: &World<Self>) -> Vec<bool> {
        let n = w.n();
        let from_init = w.forall(|i| w.exists(|j| w[i].x == w.init(j).x));
        let locked = w.exists_value(|v: i64| {
            w.exists_value(|t: i64| {
                2 * w.count(|i| w[i].ts >= t) > n
                    && w.forall(|i| implies(w[i].ts >= t, w[i].x == v))
                    && w.forall(|i| implies(w[i].decided, w[i].decision == v))
            })
        });
        vec![from_init && (w.forall(|i| !w[i].decided) || locked)]
    }
    fn properties(w: &World<Self>) -> Vec<(&'static str, bool)> {
        vec![
            (
                "Agreement",
                w.forall(|i| w.forall(|j| implies(w[i].decided && w[j].decided, w[i].decision == w[j].decision))),
            ),
            (
                "Irrevocability",
                w.forall(|i| implies(w.old(i).decided, w[i].decided && w.old(i).decision == w[i].decision)),
            ),
            ("Validity", w.forall(|i| implies(w[i].decided, w.exists(|j| w.init(j).x == w[i].decision)))),
        ]
    }
}
