//! FloodMin: everyone broadcasts its estimate and adopts the smallest value
//! it hears; a process that hears from all `n` processes decides. Its
//! liveness predicate (every process hears everyone) is written with a
//! cardinality, `|HO(p)| = n`; `encodings/tests/fresh.rs` also checks it
//! written as `∀q. q ∈ HO(p)`, and as both.

use psync::prelude::*;

/// The state of one FloodMin process.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FloodMin {
    /// The smallest value heard so far.
    pub x: i64,
    /// Whether this process has decided.
    pub decided: bool,
    /// The decided value (meaningful once `decided`).
    pub decision: i64,
}

impl Process for FloodMin {
    type Io = Consensus<i64>;

    fn init(io: &Consensus<i64>, _cx: &Ctx) -> Self {
        FloodMin { x: io.initial, decided: false, decision: -1 }
    }

    fn phase() -> Phase<Self> {
        phase![Flood]
    }

    fn decision(&self) -> Option<i64> {
        if self.decided { Some(self.decision) } else { None }
    }
}

/// The only round: broadcast the estimate, keep the smallest value seen, and
/// decide it after hearing from everyone.
pub struct Flood;

impl Round<FloodMin> for Flood {
    type Msg = i64;

    fn send(p: &FloodMin, _cx: &Ctx) -> Outbox<i64> {
        Outbox::broadcast(p.x)
    }

    fn update(p: &mut FloodMin, mbox: &Mailbox<i64>, cx: &Ctx) {
        if let Some(&m) = mbox.min_by_key(|&v| v) {
            p.x = p.x.min(m);
        }
        if mbox.len() == cx.n() {
            p.decided = true;
            p.decision = p.x;
        }
    }
}

impl Spec for FloodMin {
    fn invariants(w: &World<Self>) -> Vec<bool> {
        // Every estimate and decision is an initial value; a decision is at
        // most every estimate and still held by some process (so two
        // decisions are each at most the other).
        let keeps_init = w.forall(|i| w.exists(|j| w[i].x == w.init(j).x));
        let decided_min = w.forall(|i| {
            implies(
                w[i].decided,
                w.exists(|j| w[i].decision == w.init(j).x)
                    && w.forall(|j| w[i].decision <= w[j].x)
                    && w.exists(|k| w[k].x == w[i].decision),
            )
        });
        vec![keeps_init && decided_min, w.forall(|i| w[i].decided)]
    }

    fn liveness(w: &World<Self>) -> Vec<bool> {
        vec![w.forall(|p| w.ho(p).len() == w.n())]
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
