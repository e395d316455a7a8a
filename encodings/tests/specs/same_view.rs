//! A good round in which a majority `S₁` of the processes hear one common
//! set `S₂` (and a named member `c` of `S₁`): each of them adopts the least
//! value it hears, the same value for all, so afterwards a majority holds
//! one value. Nothing is said of the others' heard-of sets: the proof
//! must equate the choices of the processes of `S₁` at the Venn witnesses
//! of the set of processes holding `c`'s new value.

use psync::prelude::*;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SameView {
    pub x: i64,
}

impl Process for SameView {
    type Io = Consensus<i64>;
    fn init(io: &Consensus<i64>, _cx: &Ctx) -> Self {
        SameView { x: io.initial }
    }
    fn phase() -> Phase<Self> {
        phase![Adopt]
    }
}

/// Adopt the least value heard.
pub struct Adopt;

impl Round<SameView> for Adopt {
    type Msg = i64;
    fn send(p: &SameView, _cx: &Ctx) -> Outbox<i64> {
        Outbox::broadcast(p.x)
    }
    fn update(p: &mut SameView, mbox: &Mailbox<i64>, _cx: &Ctx) {
        if let Some(m) = mbox.min_by_key(|&v| v) {
            p.x = *m;
        }
    }
}

impl Spec for SameView {
    fn invariants(w: &World<Self>) -> Vec<bool> {
        vec![true, w.exists_value(|v: i64| 2 * w.count(|i| w[i].x == v) > w.n() as i64)]
    }
    fn liveness(w: &World<Self>) -> Vec<bool> {
        vec![w.exists_set(|s1| {
            w.exists_set(|s2| {
                2 * s1.len() > w.n()
                    && !s2.is_empty()
                    && w.exists(|c| s1.contains(c))
                    && w.forall(|p| implies(s1.contains(p), w.ho(p) == s2))
            })
        })]
    }
    fn properties(w: &World<Self>) -> Vec<(&'static str, bool)> {
        vec![("Majority", eventually(w.exists_value(|v: i64| 2 * w.count(|i| w[i].x == v) > w.n() as i64)))]
    }
}
