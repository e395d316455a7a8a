//! Max gossip: everyone broadcasts its value and keeps the largest of its
//! own and those it hears; a process that heard all `n` outputs its value,
//! the largest input. `tests/triage.rs` breaks it into keeping the largest
//! heard only, which is a bug exactly when a process misses its own
//! message.
use psync::prelude::*;

/// The state of one process.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MaxGossip {
    /// The largest value known.
    pub x: i64,
    /// Whether the output is fixed.
    pub done: bool,
    /// The output (meaningful once `done`).
    pub out: i64,
}

impl Process for MaxGossip {
    type Io = Consensus<i64>;
    fn init(io: &Consensus<i64>, _cx: &Ctx) -> Self {
        MaxGossip { x: io.initial, done: false, out: 0 }
    }
    fn phase() -> Phase<Self> {
        phase![Gossip]
    }
    fn decision(&self) -> Option<i64> {
        if self.done { Some(self.out) } else { None }
    }
}

/// The only round: broadcast, keep the largest, output on hearing all.
pub struct Gossip;

impl Round<MaxGossip> for Gossip {
    type Msg = i64;
    fn send(p: &MaxGossip, _cx: &Ctx) -> Outbox<i64> {
        Outbox::broadcast(p.x)
    }
    fn update(p: &mut MaxGossip, mbox: &Mailbox<i64>, cx: &Ctx) {
        if let Some(&m) = mbox.max_by_key(|&v| v) {
            p.x = p.x.max(m);
        }
        if mbox.len() == cx.n() && !p.done {
            p.done = true;
            p.out = p.x;
        }
    }
}

impl Spec for MaxGossip {
    fn invariants(w: &World<Self>) -> Vec<bool> {
        let inv = w.forall(|i| w.exists(|j| w[i].x == w.init(j).x))
            && w.forall(|i| w[i].x >= w.init(i).x)
            && w.forall(|i| implies(w[i].done, w.forall(|j| w.init(j).x <= w[i].out) && w.exists(|j| w.init(j).x == w[i].out)));
        vec![inv, inv && w.forall(|i| w[i].done)]
    }
    fn liveness(w: &World<Self>) -> Vec<bool> {
        vec![w.forall(|p| w.ho(p).len() == w.n())]
    }
    fn properties(w: &World<Self>) -> Vec<(&'static str, bool)> {
        vec![
            ("Agreement", w.forall(|i| w.forall(|j| implies(w[i].done && w[j].done, w[i].out == w[j].out)))),
            ("Validity", w.forall(|i| implies(w[i].done, w.exists(|j| w.init(j).x == w[i].out)))),
            ("Monotone", w.forall(|i| w[i].x >= w.old(i).x)),
            ("Termination", eventually(w.forall(|i| w[i].done))),
        ]
    }
}
