//! A one-round vote under value faults: everyone broadcasts its input; a
//! process decides the value carried most often (the least of those) once
//! more than `E` of the messages it receives carry it. At most `α`
//! messages per receiver are altered and `2E ≥ n + 2α`, so a decided value
//! is held by more than `E − α ≥ n/2` processes, and two decisions agree.
//! The step "more than `E` received, at most `α` altered, so more than
//! `E − α` senders hold it" relates a received count, `AHO(p)` and a count
//! of the state in one Venn group (`logic/src/reduce/venn.rs`).

use psync::prelude::*;

/// The state of one process.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ValueQuorum {
    /// The input, never changed.
    pub x: i64,
    /// Whether this process has decided.
    pub decided: bool,
    /// The decided value (meaningful once `decided`).
    pub decision: i64,
}

impl Process for ValueQuorum {
    type Io = Consensus<i64>;
    const PARAMS: &'static [&'static str] = &["E", "alpha"];
    const VALUE_FAULTS: bool = true;

    fn init(io: &Consensus<i64>, _cx: &Ctx) -> Self {
        ValueQuorum { x: io.initial, decided: false, decision: 0 }
    }

    fn phase() -> Phase<Self> {
        phase![Vote]
    }

    fn decision(&self) -> Option<i64> {
        if self.decided { Some(self.decision) } else { None }
    }
}

/// The only round: broadcast the input, decide on more than `E` copies.
pub struct Vote;

impl Round<ValueQuorum> for Vote {
    type Msg = i64;

    fn send(p: &ValueQuorum, _cx: &Ctx) -> Outbox<i64> {
        Outbox::broadcast(p.x)
    }

    fn update(p: &mut ValueQuorum, mbox: &Mailbox<i64>, cx: &Ctx) {
        let v = mbox.min_most_often();
        if !p.decided && mbox.count(|&m| m == v) as i64 > cx.param("E") {
            p.decided = true;
            p.decision = v;
        }
    }
}

impl Spec for ValueQuorum {
    fn assumptions(w: &World<Self>) -> Vec<bool> {
        let (n, e, alpha) = (w.n() as i64, w.param("E"), w.param("alpha"));
        vec![alpha >= 0, 2 * e >= n + 2 * alpha, e < n]
    }

    fn safety(w: &World<Self>) -> bool {
        w.forall(|p| w.aho(p).len() as i64 <= w.param("alpha"))
    }

    fn invariants(w: &World<Self>) -> Vec<bool> {
        let quorum = w.param("E") - w.param("alpha");
        vec![w.forall(|i| implies(w[i].decided, w.count(|j| w[j].x == w[i].decision) as i64 > quorum))]
    }

    fn properties(w: &World<Self>) -> Vec<(&'static str, bool)> {
        vec![
            ("Agreement", w.forall(|i| w.forall(|j| implies(w[i].decided && w[j].decided, w[i].decision == w[j].decision)))),
            ("Irrevocability", w.forall(|i| implies(w.old(i).decided, w[i].decided && w.old(i).decision == w[i].decision))),
        ]
    }
}
