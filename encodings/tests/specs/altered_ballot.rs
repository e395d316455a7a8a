//! The ballot round of U_T,E,α (Biely, Widder, Charron-Bost, Gaillard,
//! Hutle & Schiper, *Tolerating corrupted communication*, PODC 2007,
//! Algorithm 2) under value faults: at most `α` of the messages a process
//! receives are altered. Votes are cast by an earlier round (not modelled:
//! the invariant says they all agree and every voter holds its vote).
//! Each process broadcasts its vote (or none), adopts the vote heard most
//! often when more than `α` copies of it arrive, and decides it on more
//! than `E` copies. With `2E ≥ n + 2α`, once someone decided `v`, more than
//! `E − α` processes hold `v` and every decision is `v`.

use psync::prelude::*;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AlteredBallot {
    /// The current estimate.
    pub x: i64,
    /// Whether this process votes in this round.
    pub voted: bool,
    /// The vote (meaningful when `voted`).
    pub vote: i64,
    /// Whether this process has decided.
    pub decided: bool,
    /// The decided value (meaningful once `decided`).
    pub decision: i64,
}

impl Process for AlteredBallot {
    type Io = Consensus<i64>;
    const PARAMS: &'static [&'static str] = &["E", "alpha"];
    const VALUE_FAULTS: bool = true;

    fn init(io: &Consensus<i64>, _cx: &Ctx) -> Self {
        AlteredBallot { x: io.initial, voted: false, vote: 0, decided: false, decision: -1 }
    }

    fn phase() -> Phase<Self> {
        phase![Ballot]
    }

    fn decision(&self) -> Option<i64> {
        if self.decided { Some(self.decision) } else { None }
    }
}

/// Broadcast the vote; adopt on more than `α` copies, decide on more than `E`.
pub struct Ballot;

impl Round<AlteredBallot> for Ballot {
    type Msg = (bool, i64);

    fn send(p: &AlteredBallot, _cx: &Ctx) -> Outbox<(bool, i64)> {
        Outbox::broadcast((p.voted, p.vote))
    }

    fn update(p: &mut AlteredBallot, mbox: &Mailbox<(bool, i64)>, cx: &Ctx) {
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

impl Spec for AlteredBallot {
    fn assumptions(w: &World<Self>) -> Vec<bool> {
        let (n, e, alpha) = (w.n() as i64, w.param("E"), w.param("alpha"));
        vec![alpha >= 0, e < n, 2 * e >= n + 2 * alpha]
    }

    fn safety(w: &World<Self>) -> bool {
        w.forall(|p| w.aho(p).len() as i64 <= w.param("alpha"))
    }

    fn invariants(w: &World<Self>) -> Vec<bool> {
        let quorum = w.param("E") - w.param("alpha");
        let votes_for = |v: i64| w.forall(|i| implies(w[i].voted, w[i].vote == v && w[i].x == v));
        let agreed_on = |v: i64| w.forall(|i| implies(w[i].decided, w[i].decision == v));
        let locked = w.forall(|i| !w[i].decided)
            || w.exists_value(|v: i64| w.count(|i| w[i].x == v) as i64 > quorum && agreed_on(v) && votes_for(v));
        let one_vote = w.forall(|i| {
            implies(w[i].voted, w[i].x == w[i].vote)
                && w.forall(|j| implies(w[i].voted && w[j].voted, w[i].vote == w[j].vote))
        });
        vec![locked && one_vote]
    }

    fn properties(w: &World<Self>) -> Vec<(&'static str, bool)> {
        vec![("Irrevocability", w.forall(|i| implies(w.old(i).decided, w[i].decided)))]
    }
}
