//! Every process broadcasts `(x, ts)` and keeps, from the messages with the
//! latest timestamp, the least value: `max_by_key` with the tuple key
//! `(ts, -v)`, compared lexicographically as Rust's `Ord` compares tuples.
//! Everyone hears everyone and every timestamp is 0, so the value kept is
//! the least of all (`LeastKept`).

use psync::prelude::*;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LeastLatest {
    pub x: i64,
    pub ts: i64,
    pub y: i64,
    pub done: bool,
}

impl Process for LeastLatest {
    type Io = Consensus<i64>;

    fn init(io: &Consensus<i64>, _cx: &Ctx) -> Self {
        LeastLatest { x: io.initial, ts: 0, y: 0, done: false }
    }

    fn phase() -> Phase<Self> {
        phase![Pick]
    }
}

pub struct Pick;

impl Round<LeastLatest> for Pick {
    type Msg = (i64, i64);

    fn send(p: &LeastLatest, _cx: &Ctx) -> Outbox<(i64, i64)> {
        Outbox::broadcast((p.x, p.ts))
    }

    fn update(p: &mut LeastLatest, mbox: &Mailbox<(i64, i64)>, _cx: &Ctx) {
        if let Some(&(v, _)) = mbox.max_by_key(|&(v, ts)| (ts, -v)) {
            p.y = v;
            p.done = true;
        }
    }
}

impl Spec for LeastLatest {
    fn safety(w: &World<Self>) -> bool {
        w.forall(|p| w.ho(p).len() == w.n())
    }

    fn invariants(w: &World<Self>) -> Vec<bool> {
        vec![w.forall(|i| w[i].ts == 0 && implies(w[i].done, w.forall(|j| w[i].y <= w[j].x)))]
    }

    fn properties(w: &World<Self>) -> Vec<(&'static str, bool)> {
        vec![("LeastKept", w.forall(|i| implies(w[i].done, w.forall(|j| w[i].y <= w[j].x))))]
    }
}
