//! Phase-Queen consensus (Berman & Garay, *Cloture votes: n/4-resilient
//! distributed consensus in t + 1 rounds*, Math. Systems Theory 1993), a
//! benign version in the Heard-Of model with binary values. Parameter `f`,
//! `n > 4f`; every process hears at least `n − f` processes every round.
//! Round 1: everyone broadcasts `x`; `x` becomes 1 if more than `n/2`
//! sent 1, else 0, and the process is "strong" (and decides) when it heard
//! its value more than `n/2 + f` times. Round 2: the queen (the
//! coordinator) broadcasts `x`; who is not strong and hears the queen
//! adopts the queen's value.
//!
//! The round invariant "all hold one value, and the decided decided it"
//! is written pairwise; written with `w.exists_value` it is read pairwise
//! by the reduction (`logic/src/reduce/pairwise.rs`), and both are proved.

use psync::prelude::*;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PhaseQueen {
    pub x: i64,
    pub strong: bool,
    pub decided: bool,
    pub decision: i64,
}

impl Process for PhaseQueen {
    type Io = Consensus<i64>;
    const PARAMS: &'static [&'static str] = &["f"];

    fn init(io: &Consensus<i64>, _cx: &Ctx) -> Self {
        PhaseQueen { x: if io.initial > 0 { 1 } else { 0 }, strong: false, decided: false, decision: -1 }
    }

    fn phase() -> Phase<Self> {
        phase![Exchange, Queen]
    }

    fn decision(&self) -> Option<i64> {
        if self.decided { Some(self.decision) } else { None }
    }
}

pub struct Exchange;

impl Round<PhaseQueen> for Exchange {
    type Msg = i64;

    fn send(p: &PhaseQueen, _cx: &Ctx) -> Outbox<i64> {
        Outbox::broadcast(p.x)
    }

    fn update(p: &mut PhaseQueen, mbox: &Mailbox<i64>, cx: &Ctx) {
        let c1 = mbox.count(|&m| m == 1);
        let c0 = mbox.count(|&m| m == 0);
        if 2 * c1 > cx.n() {
            p.x = 1;
            p.strong = 2 * c1 as i64 > cx.n() as i64 + 2 * cx.param("f");
        } else {
            p.x = 0;
            p.strong = 2 * c0 as i64 > cx.n() as i64 + 2 * cx.param("f");
        }
        if p.strong {
            p.decided = true;
            p.decision = p.x;
        }
    }
}

pub struct Queen;

impl Round<PhaseQueen> for Queen {
    type Msg = i64;

    fn send(p: &PhaseQueen, cx: &Ctx) -> Outbox<i64> {
        if cx.id() == cx.coord() { Outbox::broadcast(p.x) } else { Outbox::none() }
    }

    fn update(p: &mut PhaseQueen, mbox: &Mailbox<i64>, cx: &Ctx) {
        if !p.strong {
            if let Some(&v) = mbox.get(cx.coord()) {
                p.x = v;
            }
        }
        p.strong = false;
    }
}

impl Spec for PhaseQueen {
    fn assumptions(w: &World<Self>) -> Vec<bool> {
        vec![w.n() as i64 > 4 * w.param("f"), w.param("f") >= 0]
    }

    fn safety(w: &World<Self>) -> bool {
        w.forall(|p| w.ho(p).len() as i64 >= w.n() as i64 - w.param("f"))
    }

    fn invariants(w: &World<Self>) -> Vec<bool> {
        let binary = w.forall(|i| (w[i].x == 0 || w[i].x == 1) && (w.init(i).x == 0 || w.init(i).x == 1));
        let keep_init = w.forall(|i| {
            w.exists(|j| w[i].x == w.init(j).x) && implies(w[i].decided, w.exists(|j| w[i].decision == w.init(j).x))
        });
        let agreed = w.forall(|i| !w[i].decided)
            || w.exists_value(|v: i64| w.forall(|i| w[i].x == v && implies(w[i].decided, w[i].decision == v)));
        let split = w.count(|i| w[i].x == 0) + w.count(|i| w[i].x == 1) == w.n();
        vec![binary && split && keep_init && agreed]
    }

    fn round_invariants(w: &World<Self>) -> Vec<Vec<bool>> {
        let agreed = w.forall(|i| !w[i].decided && !w[i].strong)
            || w.forall(|i| w.forall(|j| w[i].x == w[j].x) && implies(w[i].decided, w[i].decision == w[i].x));
        vec![vec![agreed]]
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
