//! Ben-Or's randomized binary consensus (`zoo/ben_or.rs`) with its report
//! round written as an event round, as a user of the runtime's open rounds
//! would: `receive` counts the reports of each value and raises a flag
//! once more than half of all processes reported it, and the round goes
//! ahead once `n − f` reports arrived. The verifier reads the counters and
//! flags as counts of the mailbox (`encodings/SPEC_LANGUAGE.md`, *Event
//! rounds*); the invariants are `zoo/ben_or.rs`'s.

use psync::prelude::*;

/// The state of one Ben-Or process.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BenOr {
    /// The current estimate.
    pub x: bool,
    /// The value proposed this phase: 1 (true), 0 (false) or −1 (none).
    pub vote: i64,
    /// Reports of true heard this phase.
    pub ones: i64,
    /// Reports of false heard this phase.
    pub zeros: i64,
    /// More than half of all processes reported true.
    pub saw1: bool,
    /// More than half of all processes reported false.
    pub saw0: bool,
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
        BenOr { x: io.initial, vote: -1, ones: 0, zeros: 0, saw1: false, saw0: false, decided: false, decision: false }
    }

    fn phase() -> Phase<Self> {
        Phase::new().event_round::<Report>().round::<Propose>()
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

/// Round 1, an event round: report the estimate, count the reports as they
/// arrive, and move on once `n − f` arrived; propose a value more than half
/// of all processes reported.
pub struct Report;

impl EventRound<BenOr> for Report {
    type Msg = bool;

    fn init(p: &mut BenOr, cx: &Ctx) -> Progress {
        p.ones = 0;
        p.zeros = 0;
        p.saw1 = false;
        p.saw0 = false;
        Progress::timeout(cx.timeout())
    }

    fn send(p: &mut BenOr, _cx: &Ctx) -> Outbox<bool> {
        Outbox::broadcast(p.x)
    }

    fn receive(p: &mut BenOr, _from: ProcessId, v: bool, cx: &Ctx) -> Progress {
        if v {
            p.ones += 1;
        }
        if !v {
            p.zeros += 1;
        }
        if 2 * p.ones > cx.n() as i64 {
            p.saw1 = true;
        }
        if 2 * p.zeros > cx.n() as i64 {
            p.saw0 = true;
        }
        if p.ones + p.zeros >= cx.n() as i64 - cx.param("f") { Progress::go_ahead() } else { Progress::unchanged() }
    }

    fn finish(p: &mut BenOr, _timed_out: bool, _cx: &Ctx) -> bool {
        p.vote = if p.saw1 { 1 } else if p.saw0 { 0 } else { -1 };
        true
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
