//! Ben-Or's randomized binary consensus (PODC 1983) for crash faults with
//! `n > 2f`, in the Heard-Of model: every round, every process hears at
//! least `n − f` processes (the safety predicate). A phase has two rounds:
//! each process reports its estimate and proposes a value that more than
//! half of all processes hold (or nothing); then it decides a value proposed
//! by more than `f` processes, adopts any value proposed, or else flips a
//! coin. The coin is a helper whose contract allows any Boolean, so the
//! proof covers every outcome of the flips. Agreement, validity and
//! irrevocability are proved; termination holds only with probability 1
//! and is left to the simulator.
//!
//! The proposal is an integer (1: true, 0: false, −1: none) rather than an
//! `Option<bool>`: with `Option<bool>` payloads (`mbox.count(|&v| v ==
//! Some(true))`) the reduction leaves `inductive/inv0/round1` unknown (its
//! models are spurious), with integers it is proved in a few seconds.
//! Validity (a decision is an input) rests on a second conjunct of the
//! invariants: both values are inputs, or every input, estimate (and,
//! after the report round, proposal) and decision is one value.

use psync::prelude::*;

/// The state of one Ben-Or process.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BenOr {
    /// The current estimate.
    pub x: bool,
    /// The value proposed this phase: 1 (true), 0 (false) or −1 (none).
    pub vote: i64,
    /// Whether this process has decided.
    pub decided: bool,
    /// The decided value (meaningful once `decided`).
    pub decision: bool,
}

impl Process for BenOr {
    type Io = Consensus<bool>;
    /// `f`: how many processes may crash.
    const PARAMS: &'static [&'static str] = &["f"];

    fn init(io: &Consensus<bool>, _cx: &Ctx) -> Self {
        BenOr { x: io.initial, vote: -1, decided: false, decision: false }
    }

    fn phase() -> Phase<Self> {
        phase![Report, Propose]
    }

    fn decision(&self) -> Option<bool> {
        if self.decided { Some(self.decision) } else { None }
    }
}

/// A fair coin. Trusted: the proof reads only its contract, which allows
/// any Boolean.
fn coin() -> bool {
    use std::hash::{BuildHasher, Hasher};
    std::collections::hash_map::RandomState::new().build_hasher().finish() & 1 == 0
}

/// Round 1: report the estimate; propose a value more than half of all
/// processes reported.
pub struct Report;

impl Round<BenOr> for Report {
    type Msg = bool;

    fn send(p: &BenOr, _cx: &Ctx) -> Outbox<bool> {
        Outbox::broadcast(p.x)
    }

    fn update(p: &mut BenOr, mbox: &Mailbox<bool>, cx: &Ctx) {
        if 2 * mbox.count(|&v| v) > cx.n() {
            p.vote = 1;
        } else if 2 * mbox.count(|&v| !v) > cx.n() {
            p.vote = 0;
        } else {
            p.vote = -1;
        }
    }
}

/// Round 2: broadcast the proposal; decide a value with more than `f`
/// proposals, adopt a proposed value, or flip the coin.
pub struct Propose;

impl Round<BenOr> for Propose {
    type Msg = i64;

    fn send(p: &BenOr, _cx: &Ctx) -> Outbox<i64> {
        Outbox::broadcast(p.vote)
    }

    fn update(p: &mut BenOr, mbox: &Mailbox<i64>, cx: &Ctx) {
        let yes = mbox.count(|&v| v == 1) as i64;
        let no = mbox.count(|&v| v == 0) as i64;
        let f = cx.param("f");
        if yes > f || no > f {
            if !p.decided {
                p.decision = yes > f;
                p.decided = true;
            }
            p.x = yes > f;
        } else if yes > 0 {
            p.x = true;
        } else if no > 0 {
            p.x = false;
        } else {
            p.x = coin();
        }
    }
}

impl Spec for BenOr {
    fn assumptions(w: &World<Self>) -> Vec<bool> {
        vec![w.n() as i64 > 2 * w.param("f"), w.param("f") >= 0]
    }

    fn safety(w: &World<Self>) -> bool {
        // Every process hears from at least n − f processes every round.
        w.forall(|p| w.ho(p).len() as i64 >= w.n() as i64 - w.param("f"))
    }

    fn invariants(w: &World<Self>) -> Vec<bool> {
        // Nobody decided yet, or everyone's estimate is the value decided.
        let no_decision = w.forall(|i| !w[i].decided);
        let settled = |v: bool| w.forall(|i| w[i].x == v && implies(w[i].decided, w[i].decision == v));
        let both = w.exists(|j| w.init(j).x) && w.exists(|j| !w.init(j).x);
        let unanimous = |v: bool| w.forall(|i| w.init(i).x == v && w[i].x == v && implies(w[i].decided, w[i].decision == v));
        vec![(no_decision || settled(true) || settled(false)) && (both || unanimous(true) || unanimous(false))]
    }

    fn round_invariants(w: &World<Self>) -> Vec<Vec<bool>> {
        // After the report round: a proposal is held by more than half of
        // all processes, and once settled everyone proposes the value.
        let n = w.n();
        let backed = w.forall(|i| {
            implies(w[i].vote == 1, 2 * w.count(|j| w[j].x) > n)
                && implies(w[i].vote == 0, 2 * w.count(|j| !w[j].x) > n)
        });
        let no_decision = w.forall(|i| !w[i].decided);
        let settled = |v: bool| w.forall(|i| w[i].x == v && w[i].vote == (if v { 1 } else { 0 }) && implies(w[i].decided, w[i].decision == v));
        let both = w.exists(|j| w.init(j).x) && w.exists(|j| !w.init(j).x);
        let unanimous = |v: bool| w.forall(|i| w.init(i).x == v && w[i].x == v && w[i].vote == (if v { 1 } else { 0 }) && implies(w[i].decided, w[i].decision == v));
        vec![vec![backed && (no_decision || settled(true) || settled(false)) && (both || unanimous(true) || unanimous(false))]]
    }

    fn properties(w: &World<Self>) -> Vec<(&'static str, bool)> {
        vec![
            ("Agreement", w.forall(|i| w.forall(|j| implies(w[i].decided && w[j].decided, w[i].decision == w[j].decision)))),
            ("Validity", w.forall(|i| implies(w[i].decided, w.exists(|j| w.init(j).x == w[i].decision)))),
            ("Irrevocability", w.forall(|i| implies(w.old(i).decided, w[i].decided && w.old(i).decision == w[i].decision))),
        ]
    }
}
