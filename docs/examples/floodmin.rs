//! FloodMin consensus: every process broadcasts its estimate and keeps the
//! smallest value it has seen; a process that hears from every process in
//! a round decides its estimate. The example of `docs/first-spec.md`.

use psync::prelude::*;

/// The state of one FloodMin process.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FloodMin {
    /// The smallest value seen so far.
    pub x: i64,
    /// Whether this process has decided.
    pub decided: bool,
    /// The decided value (meaningful once `decided`).
    pub decision: i64,
}

impl Process for FloodMin {
    type Io = Consensus<i64>;

    fn init(io: &Consensus<i64>, _cx: &Ctx) -> Self {
        FloodMin { x: io.initial, decided: false, decision: 0 }
    }

    fn phase() -> Phase<Self> {
        phase![Flood]
    }

    fn decision(&self) -> Option<i64> {
        if self.decided { Some(self.decision) } else { None }
    }
}

/// The only round: broadcast the estimate, keep the minimum, decide on
/// hearing from everyone.
pub struct Flood;

impl Round<FloodMin> for Flood {
    type Msg = i64;

    fn send(p: &FloodMin, _cx: &Ctx) -> Outbox<i64> {
        Outbox::broadcast(p.x)
    }

    fn update(p: &mut FloodMin, mbox: &Mailbox<i64>, cx: &Ctx) {
        if let Some(m) = mbox.min_by_key(|&v| v) {
            p.x = p.x.min(*m);
        }
        if mbox.len() == cx.n() {
            p.decided = true;
            p.decision = p.x;
        }
    }
}

impl Spec for FloodMin {
    fn invariants(w: &World<Self>) -> Vec<bool> {
        let keeps_init = w.forall(|i| w.exists(|j| w[i].x == w.init(j).x));
        vec![
            // Nobody decided yet, or the decisions are the smallest
            // estimate, which some process still holds.
            keeps_init
                && (w.forall(|i| !w[i].decided)
                    || w.exists_value(|v: i64| {
                        w.exists(|j| w[j].x == v)
                            && w.forall(|i| w[i].x >= v && implies(w[i].decided, w[i].decision == v))
                    })),
            // Everyone decided, on an initial value.
            w.exists(|j| w.forall(|i| w[i].decided && w[i].decision == w.init(j).x)),
        ]
    }

    fn liveness(w: &World<Self>) -> Vec<bool> {
        // A good round: everyone hears from everyone.
        vec![w.forall(|p| w.ho(p).len() == w.n())]
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
