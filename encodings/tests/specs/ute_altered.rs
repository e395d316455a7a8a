//! The U_T,E,α consensus algorithm (Biely, Widder, Charron-Bost, Gaillard,
//! Hutle & Schiper, "Tolerating corrupted communication", PODC 2007,
//! Algorithm 2) in the Heard-Of model with value faults: at most `α` of
//! the messages a process receives in a round are altered.
//!
//! Two rounds per phase. Round 1: broadcast `x`; with more than `T`
//! messages adopt the smallest most often received value `x̄`; vote `x̄`
//! if more than `T` messages carry it. Round 2: broadcast the vote (or
//! `?`); with more than `α` copies of a vote `v ≠ ?` adopt `v`; with more
//! than `E` copies decide `v`; reset the vote.
//!
//! Thresholds used by this proof (assumptions): `2T ≥ n + 2α` (two votes
//! agree), `T + 2E ≥ 2n + 4α` (once more than `E − α` processes hold `v`,
//! `x̄ = v` for anyone hearing more than `T`), `T, E < n`, `α ≥ 0`.

use psync::prelude::*;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Ute {
    /// The current estimate.
    pub x: i64,
    /// Whether this process votes in the current phase.
    pub voted: bool,
    /// The vote (meaningful when `voted`).
    pub vote: i64,
    /// Whether this process has decided.
    pub decided: bool,
    /// The decided value (meaningful once `decided`).
    pub decision: i64,
}

impl Process for Ute {
    type Io = Consensus<i64>;
    const PARAMS: &'static [&'static str] = &["T", "E", "alpha"];
    const VALUE_FAULTS: bool = true;

    fn init(io: &Consensus<i64>, _cx: &Ctx) -> Self {
        Ute { x: io.initial, voted: false, vote: 0, decided: false, decision: -1 }
    }

    fn phase() -> Phase<Self> {
        phase![Estimate, Ballot]
    }

    fn decision(&self) -> Option<i64> {
        if self.decided { Some(self.decision) } else { None }
    }
}

/// Round 1: estimates.
pub struct Estimate;

impl Round<Ute> for Estimate {
    type Msg = i64;

    fn send(p: &Ute, _cx: &Ctx) -> Outbox<i64> {
        Outbox::broadcast(p.x)
    }

    fn update(p: &mut Ute, mbox: &Mailbox<i64>, cx: &Ctx) {
        let xbar = mbox.min_most_often();
        if mbox.len() as i64 > cx.param("T") {
            p.x = xbar;
        }
        if mbox.count(|&v| v == xbar) as i64 > cx.param("T") {
            p.voted = true;
            p.vote = xbar;
        } else {
            p.voted = false;
        }
    }
}

/// Round 2: votes.
pub struct Ballot;

impl Round<Ute> for Ballot {
    type Msg = (bool, i64);

    fn send(p: &Ute, _cx: &Ctx) -> Outbox<(bool, i64)> {
        Outbox::broadcast((p.voted, p.vote))
    }

    fn update(p: &mut Ute, mbox: &Mailbox<(bool, i64)>, cx: &Ctx) {
        if let Some(&(voted, v)) =
            mbox.max_by_key(|&(b, u)| (b, mbox.count(|&(b2, u2)| b2 && u2 == u)))
        {
            let copies = mbox.count(|&(b2, u2)| b2 && u2 == v) as i64;
            if voted && copies > cx.param("alpha") {
                p.x = v;
            }
            if voted && copies > cx.param("E") && !p.decided {
                p.decided = true;
                p.decision = v;
            }
        }
        p.voted = false;
    }
}

impl Spec for Ute {
    fn assumptions(w: &World<Self>) -> Vec<bool> {
        let (n, t, e, alpha) = (w.n() as i64, w.param("T"), w.param("E"), w.param("alpha"));
        vec![
            alpha >= 0,
            2 * t >= n + 2 * alpha && t < n,
            t + 2 * e >= 2 * n + 4 * alpha && e < n,
        ]
    }

    /// At most `α` of the messages a process receives in a round are altered.
    fn safety(w: &World<Self>) -> bool {
        w.forall(|p| w.aho(p).len() as i64 <= w.param("alpha"))
    }

    fn invariants(w: &World<Self>) -> Vec<bool> {
        let quorum = w.param("E") - w.param("alpha");
        let votes_for = |v: i64| w.forall(|i| implies(w[i].voted, w[i].vote == v && w[i].x == v));
        let agreed_on = |v: i64| w.forall(|i| implies(w[i].decided, w[i].decision == v));
        let locked = w.forall(|i| !w[i].decided)
            || w.exists_value(|v: i64| w.count(|i| w[i].x == v) as i64 > quorum && agreed_on(v) && votes_for(v));
        // Unanimous inputs: everyone keeps the input, votes and decides only it.
        let unanimous = w.forall(|j| {
            implies(
                w.forall(|k| w.init(k).x == w.init(j).x),
                votes_for(w.init(j).x) && agreed_on(w.init(j).x) && w.forall(|i| w[i].x == w.init(j).x),
            )
        });
        vec![locked && unanimous]
    }

    fn round_invariants(w: &World<Self>) -> Vec<Vec<bool>> {
        // After round 1: all votes are for one value, held by the voters.
        let one_vote = w.forall(|i| {
            implies(w[i].voted, w[i].x == w[i].vote)
                && w.forall(|j| implies(w[i].voted && w[j].voted, w[i].vote == w[j].vote))
        });
        vec![vec![one_vote]]
    }

    fn properties(w: &World<Self>) -> Vec<(&'static str, bool)> {
        vec![
            (
                "Agreement",
                w.forall(|i| w.forall(|j| implies(w[i].decided && w[j].decided, w[i].decision == w[j].decision))),
            ),
            (
                "Validity",
                w.forall(|j| {
                    implies(
                        w.forall(|k| w.init(k).x == w.init(j).x),
                        w.forall(|i| implies(w[i].decided, w[i].decision == w.init(j).x)),
                    )
                }),
            ),
            (
                "Irrevocability",
                w.forall(|i| implies(w.old(i).decided, w[i].decided && w.old(i).decision == w[i].decision)),
            ),
        ]
    }
}
