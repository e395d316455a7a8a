//! Approximate agreement by midpoints under at most `f` silent processes
//! (Dolev, Lynch, Pinter, Stark & Weihl, *Reaching approximate agreement
//! in the presence of faults*, J. ACM 1986; the crash-tolerant averaging
//! of Lynch, *Distributed Algorithms*, §7.2 in the Heard-Of model). Every
//! round each process broadcasts its value and moves to the midpoint of
//! the smallest and the largest value it received. Values are exact
//! rationals (`psync::Real`); the inputs are integers.
//!
//! Fault model: every process hears at least `n − f` processes in every
//! round, with `n > 2f`, so any two processes hear a common process.
//!
//! Properties: *Validity*, every value stays within the range of the
//! inputs; *Contraction*, across every round the new values differ by at
//! most half the spread of the old ones (so after `k` rounds the spread is
//! at most `2^-k` times the inputs' spread, and any `ε > 0` is reached).
//! Proof idea of the contraction: `p` and `q` both hear some `w`, so
//! `lo(p) ≤ x(w) ≤ hi(q)`, and `2(x'(p) − x'(q)) = (lo(p) − hi(q)) +
//! (hi(p) − lo(q)) ≤ 0 + (max − min)`.

use psync::prelude::*;

/// The state of one approximate-agreement process.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ApproximateAgreement {
    /// The current value.
    pub x: Real,
}

impl Process for ApproximateAgreement {
    type Io = Consensus<i64>;
    /// `f`: how many processes a process may fail to hear in a round.
    const PARAMS: &'static [&'static str] = &["f"];

    fn init(io: &Consensus<i64>, _cx: &Ctx) -> Self {
        ApproximateAgreement { x: Real::from(io.initial) }
    }

    fn phase() -> Phase<Self> {
        phase![Midpoint]
    }
}

/// The only round: broadcast the value, move to the midpoint of the
/// smallest and the largest value received.
pub struct Midpoint;

impl Round<ApproximateAgreement> for Midpoint {
    type Msg = Real;

    fn send(p: &ApproximateAgreement, _cx: &Ctx) -> Outbox<Real> {
        Outbox::broadcast(p.x)
    }

    fn update(p: &mut ApproximateAgreement, mbox: &Mailbox<Real>, _cx: &Ctx) {
        if let Some(lo) = mbox.min_by_key(|&v| v) {
            if let Some(hi) = mbox.max_by_key(|&v| v) {
                p.x = (*lo + *hi) / 2;
            }
        }
    }
}

impl Spec for ApproximateAgreement {
    fn assumptions(w: &World<Self>) -> Vec<bool> {
        vec![w.n() as i64 > 2 * w.param("f"), w.param("f") >= 0]
    }

    fn safety(w: &World<Self>) -> bool {
        // Every process hears from at least n − f processes every round.
        w.forall(|p| w.ho(p).len() as i64 >= w.n() as i64 - w.param("f"))
    }

    fn invariants(w: &World<Self>) -> Vec<bool> {
        // Every value lies between two inputs.
        vec![w.forall(|i| w.exists(|a| w.init(a).x <= w[i].x) && w.exists(|b| w[i].x <= w.init(b).x))]
    }

    fn properties(w: &World<Self>) -> Vec<(&'static str, bool)> {
        vec![
            ("Validity", w.forall(|i| w.exists(|a| w.init(a).x <= w[i].x) && w.exists(|b| w[i].x <= w.init(b).x))),
            // Across every round (before the first there is no old spread:
            // the simulator's monitors read `old` as the initial state there).
            (
                "Contraction",
                implies(
                    w.round() > 0,
                    w.forall(|i| {
                        w.forall(|j| w.exists(|a| w.exists(|b| 2 * (w[i].x - w[j].x) <= w.old(a).x - w.old(b).x)))
                    }),
                ),
            ),
        ]
    }
}
