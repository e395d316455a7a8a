//! Three-round rotating-coordinator consensus (Chandra–Toueg-like, decision
//! on a majority of broadcast acknowledgements, no separate decide round).
//! Round 1: everyone sends (x, ts) to the coordinator, which, hearing a
//! majority, takes the estimate with the newest timestamp and commits.
//! Round 2: a committed coordinator broadcasts x; who hears it adopts it
//! with the phase as timestamp.
//! Round 3: who adopted this phase broadcasts x as an ack; who hears a
//! majority of acks decides the acked value.

use psync::prelude::*;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Ct3 {
    pub x: i64,
    pub ts: i64,
    pub commit: bool,
    pub decided: bool,
    pub decision: i64,
}

impl Process for Ct3 {
    type Io = Consensus<i64>;

    fn init(io: &Consensus<i64>, _cx: &Ctx) -> Self {
        Ct3 { x: io.initial, ts: -1, commit: false, decided: false, decision: -1 }
    }

    fn phase() -> Phase<Self> {
        phase![Collect, Propose, Ack]
    }

    fn decision(&self) -> Option<i64> {
        if self.decided { Some(self.decision) } else { None }
    }
}

pub struct Collect;

impl Round<Ct3> for Collect {
    type Msg = (i64, i64);

    fn send(p: &Ct3, cx: &Ctx) -> Outbox<(i64, i64)> {
        Outbox::to(cx.coord(), (p.x, p.ts))
    }

    fn update(p: &mut Ct3, mbox: &Mailbox<(i64, i64)>, cx: &Ctx) {
        if cx.id() == cx.coord() && 2 * mbox.len() > cx.n() {
            if let Some(&(v, _)) = mbox.max_by_key(|&(_, ts)| ts) {
                p.x = v;
                p.commit = true;
            }
        }
    }
}

pub struct Propose;

impl Round<Ct3> for Propose {
    type Msg = i64;

    fn send(p: &Ct3, cx: &Ctx) -> Outbox<i64> {
        if cx.id() == cx.coord() && p.commit { Outbox::broadcast(p.x) } else { Outbox::none() }
    }

    fn update(p: &mut Ct3, mbox: &Mailbox<i64>, cx: &Ctx) {
        if let Some(&v) = mbox.get(cx.coord()) {
            p.x = v;
            p.ts = cx.phase() as i64;
        }
    }
}

pub struct Ack;

impl Round<Ct3> for Ack {
    type Msg = i64;

    fn send(p: &Ct3, cx: &Ctx) -> Outbox<i64> {
        if p.ts == cx.phase() as i64 { Outbox::broadcast(p.x) } else { Outbox::none() }
    }

    fn update(p: &mut Ct3, mbox: &Mailbox<i64>, cx: &Ctx) {
        if 2 * mbox.len() > cx.n() {
            if let Some(&v) = mbox.max_by_key(|&v| v) {
                p.decided = true;
                p.decision = v;
            }
        }
        p.commit = false;
    }
}

impl Spec for Ct3 {
    fn invariants(w: &World<Self>) -> Vec<bool> {
        let n = w.n();
        let phase = w.phase() as i64;
        let coord = w.coord();
        let keep_init = w.forall(|i| w.exists(|j| w[i].x == w.init(j).x));
        let this_phase = w.forall(|i| {
            w[i].ts <= phase
                && implies(w[i].ts == phase, w[coord].commit && w[i].x == w[coord].x)
                && implies(w[i].commit, i == coord)
                && implies(w.round() % 3 == 0, !w[i].commit)
        });
        let no_decision = w.forall(|i| !w[i].decided);
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
        vec![keep_init && this_phase && (no_decision || majority)]
    }

    fn properties(w: &World<Self>) -> Vec<(&'static str, bool)> {
        vec![
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
