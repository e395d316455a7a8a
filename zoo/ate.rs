//! The A_T,E consensus algorithm (Biely, Widder, Charron-Bost, Gaillard,
//! Hutle & Schiper, "Tolerating corrupted communication", PODC 2007,
//! Algorithm 1), proved in the Heard-Of model with value faults: a message
//! from a sender in `AHO(p)` reaches `p` with an arbitrary payload, and at
//! most `α` of `p`'s messages are altered in any round. The invariants are
//! those of VMCAI'14 (Drăgoi, Henzinger, Veith & Widder), whose hand-reduced
//! queries for A_T,E this file replaces.
//!
//! Not every VC is proved push-button yet: `progress/inv0` (the first
//! good round) times out, at the default 20 s and at 90 s. Its argument:
//! the processes of the common view hear one set with nothing altered, so
//! they choose one value (`encodings/SPEC_LANGUAGE.md`, `min_most_often`
//! under value faults), and a process deciding another value would have
//! had that value received, in a common-view process's mailbox, as often
//! as the value chosen there. The queries hold every fact of it but one
//! term: that count, `|{s ∈ HO(p) | x(s) = x̄(d)}|` for a common-view
//! member `p` and the decider `d` named at `p`'s value. Added by hand to
//! the global-anchors query of either part, it is proved in 0.3 s and
//! 1.6 s; no pass makes it (it lies two instantiations past the named
//! processes), and the ground query, which reaches `x̄(d)`, has 52,000
//! assertions. The agreement invariant across a round
//! (`inductive/inv0`) is proved by bounding each received count by the
//! senders of its value before the round (`logic/src/reduce/covers.rs`):
//! a decider's more than `E` copies of `x̄` come from more than `E − α`
//! holders of `x̄`, and anyone hearing more than `T` then picks `x̄`.
//! Validity in the paper's sense (unanimous inputs are the only decision)
//! is left out: its invariant conjunct (`unanimous inputs ⇒ x = input`)
//! made every inductive VC time out. A decision is not always an input
//! here: an altered message may carry any value.

use psync::prelude::*;

/// The state of one A_T,E process.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Ate {
    /// The current estimate.
    pub x: i64,
    /// Whether this process has decided.
    pub decided: bool,
    /// The decided value (meaningful once `decided`).
    pub decision: i64,
}

impl Process for Ate {
    type Io = Consensus<i64>;
    const PARAMS: &'static [&'static str] = &["T", "E", "alpha"];
    const VALUE_FAULTS: bool = true;

    fn init(io: &Consensus<i64>, _cx: &Ctx) -> Self {
        Ate { x: io.initial, decided: false, decision: -1 }
    }

    fn phase() -> Phase<Self> {
        phase![Exchange]
    }

    fn decision(&self) -> Option<i64> {
        if self.decided { Some(self.decision) } else { None }
    }
}

/// The only round: everyone broadcasts its estimate; with more than `T`
/// messages a process adopts the smallest most often received value `x̄`,
/// and with more than `E` messages carrying `x̄` it decides `x̄`.
pub struct Exchange;

impl Round<Ate> for Exchange {
    type Msg = i64;

    fn send(p: &Ate, _cx: &Ctx) -> Outbox<i64> {
        Outbox::broadcast(p.x)
    }

    fn update(p: &mut Ate, mbox: &Mailbox<i64>, cx: &Ctx) {
        let xbar = mbox.min_most_often();
        if mbox.len() as i64 > cx.param("T") {
            p.x = xbar;
        }
        if mbox.count(|&v| v == xbar) as i64 > cx.param("E") {
            p.decided = true;
            p.decision = xbar;
        }
    }
}

impl Spec for Ate {
    fn assumptions(w: &World<Self>) -> Vec<bool> {
        let (n, t, e, alpha) = (w.n() as i64, w.param("T"), w.param("E"), w.param("alpha"));
        vec![
            alpha >= 0 && 4 * alpha < n,
            t >= 2 * (n + 2 * alpha - e) && t < n,
            2 * e >= n + 2 * alpha && e < n,
        ]
    }

    /// At most `α` of the messages a process receives in a round are altered.
    fn safety(w: &World<Self>) -> bool {
        w.forall(|p| w.aho(p).len() as i64 <= w.param("alpha"))
    }

    fn invariants(w: &World<Self>) -> Vec<bool> {
        let n = w.n() as i64;
        let quorum = w.param("E") - w.param("alpha");
        let agreed_on = |v: i64| w.forall(|i| implies(w[i].decided, w[i].decision == v));
        vec![
            w.forall(|i| !w[i].decided)
                    || w.exists_value(|v: i64| w.count(|i| w[i].x == v) as i64 > quorum && agreed_on(v)),
            w.exists_value(|v: i64| w.count(|i| w[i].x == v) as i64 > quorum && agreed_on(v)),
            w.exists_value(|v: i64| w.count(|i| w[i].x == v) as i64 == n && agreed_on(v)),
            w.forall(|i| w[i].decided),
        ]
    }

    /// Three good rounds, in order: (a) more than `E − α` processes hear the
    /// same more than `T` processes, none altered; (b) everyone hears more
    /// than `T` processes; (c) everyone hears more than `E` unaltered.
    fn liveness(w: &World<Self>) -> Vec<bool> {
        let (t, e, alpha) = (w.param("T"), w.param("E"), w.param("alpha"));
        let same_view = w.exists_set(|s1| {
            w.exists_set(|s2| {
                s1.len() as i64 > e - alpha
                    && s2.len() as i64 > t
                    && w.forall(|p| implies(s1.contains(p), w.ho(p) == s2 && w.aho(p).is_empty()))
            })
        });
        vec![
            same_view,
            w.forall(|p| w.ho(p).len() as i64 > t),
            w.forall(|p| w.sho(p).len() as i64 > e),
        ]
    }

    fn properties(w: &World<Self>) -> Vec<(&'static str, bool)> {
        vec![
            ("Termination", eventually(w.forall(|i| w[i].decided))),
            (
                "Agreement",
                w.forall(|i| w.forall(|j| implies(w[i].decided && w[j].decided, w[i].decision == w[j].decision))),
            ),

            (
                "Irrevocability",
                w.forall(|i| implies(w.old(i).decided, w[i].decided && w.old(i).decision == w[i].decision)),
            ),
        ]
    }
}
