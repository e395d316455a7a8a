//! A spec whose state has a field of every value kind the JSON report
//! encodes (integer, boolean, process, option, tuple), with an invariant
//! that the round breaks: its inductiveness VC is refuted, and the
//! counterexample shows each kind.
use psync::prelude::*;

#[derive(Clone, Debug, serde::Serialize)]
pub struct Kinds {
    x: i64,
    heard: bool,
    leader: ProcessId,
    best: Option<i64>,
    pair: (i64, bool),
}

impl Process for Kinds {
    type Io = Consensus<i64>;
    fn init(io: &Consensus<i64>, cx: &Ctx) -> Self {
        Kinds { x: io.initial, heard: false, leader: cx.id(), best: None, pair: (io.initial, false) }
    }
    fn phase() -> Phase<Self> {
        phase![Gossip]
    }
}

/// Everyone broadcasts its estimate; who hears anything records it.
pub struct Gossip;
impl Round<Kinds> for Gossip {
    type Msg = i64;
    fn send(p: &Kinds, _cx: &Ctx) -> Outbox<i64> {
        Outbox::broadcast(p.x)
    }
    fn update(p: &mut Kinds, mbox: &Mailbox<i64>, _cx: &Ctx) {
        if !mbox.is_empty() {
            p.heard = true;
            p.best = mbox.max_by_key(|m| *m);
            p.pair = (p.x, true);
        }
    }
}

impl Spec for Kinds {
    fn invariants(w: &World<Self>) -> Vec<bool> {
        // False after a round in which some process hears a message.
        vec![w.forall(|i| !w[i].heard)]
    }
    fn properties(w: &World<Self>) -> Vec<(&'static str, bool)> {
        vec![("Quiet", w.forall(|i| !w[i].heard))]
    }
}
