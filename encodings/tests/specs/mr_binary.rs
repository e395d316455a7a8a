//! Mostéfaoui–Raynal style randomized binary consensus (safety), in the
//! Heard-Of model: every process hears more than n/2 processes each round.
//! Two rounds per phase: EST (a process that hears a strict majority of all
//! n processes holding v proposes aux = v, else ⊥) and AUX (more than n/2
//! aux = v: decide v; some aux = v: adopt v; else flip a coin).
//! aux is an integer: 1 (true), 0 (false), −1 (⊥).

use psync::prelude::*;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MrBinary {
    /// The current estimate.
    pub est: bool,
    /// The auxiliary proposal of this phase: 1, 0 or −1 (⊥).
    pub aux: i64,
    pub decided: bool,
    pub decision: bool,
}

impl Process for MrBinary {
    type Io = Consensus<bool>;

    fn init(io: &Consensus<bool>, _cx: &Ctx) -> Self {
        MrBinary { est: io.initial, aux: -1, decided: false, decision: false }
    }

    fn phase() -> Phase<Self> {
        phase![EstRound, AuxRound]
    }

    fn decision(&self) -> Option<bool> {
        if self.decided { Some(self.decision) } else { None }
    }
}

/// The common coin (trusted body; the proof covers every outcome).
fn coin() -> bool {
    use std::hash::{BuildHasher, Hasher};
    std::collections::hash_map::RandomState::new().build_hasher().finish() & 1 == 0
}

pub struct EstRound;

impl Round<MrBinary> for EstRound {
    type Msg = bool;

    fn send(p: &MrBinary, _cx: &Ctx) -> Outbox<bool> {
        Outbox::broadcast(p.est)
    }

    fn update(p: &mut MrBinary, mbox: &Mailbox<bool>, cx: &Ctx) {
        if 2 * mbox.count(|&v| v) > cx.n() {
            p.aux = 1;
        } else if 2 * mbox.count(|&v| !v) > cx.n() {
            p.aux = 0;
        } else {
            p.aux = -1;
        }
    }
}

pub struct AuxRound;

impl Round<MrBinary> for AuxRound {
    type Msg = i64;

    fn send(p: &MrBinary, _cx: &Ctx) -> Outbox<i64> {
        Outbox::broadcast(p.aux)
    }

    fn update(p: &mut MrBinary, mbox: &Mailbox<i64>, cx: &Ctx) {
        let ones = mbox.count(|&a| a == 1);
        let zeros = mbox.count(|&a| a == 0);
        if 2 * ones > cx.n() || 2 * zeros > cx.n() {
            let v = 2 * ones > cx.n();
            if !p.decided {
                p.decided = true;
                p.decision = v;
            }
            p.est = v;
        } else if ones > 0 {
            p.est = true;
        } else if zeros > 0 {
            p.est = false;
        } else {
            p.est = coin();
        }
    }
}

impl Spec for MrBinary {
    fn safety(w: &World<Self>) -> bool {
        w.forall(|p| 2 * w.ho(p).len() > w.n())
    }

    fn invariants(w: &World<Self>) -> Vec<bool> {
        let nobody_decided = w.forall(|i| !w[i].decided);
        // every estimate is v and every decision is v
        let locked = |v: bool| w.forall(|i| w[i].est == v && implies(w[i].decided, w[i].decision == v));
        // validity: both values are inputs, or all inputs and estimates are v
        let both_inputs = w.exists(|j| w.init(j).est) && w.exists(|j| !w.init(j).est);
        let unanimous = |v: bool| w.forall(|i| w.init(i).est == v && w[i].est == v);
        vec![
            (nobody_decided || locked(true) || locked(false))
                && (both_inputs || unanimous(true) || unanimous(false)),
        ]
    }

    fn round_invariants(w: &World<Self>) -> Vec<Vec<bool>> {
        // after EST: no two processes propose different values
        let consistent = w.forall(|i| w.forall(|j| !(w[i].aux == 1 && w[j].aux == 0)));
        let nobody_decided = w.forall(|i| !w[i].decided);
        let code = |v: bool| if v { 1 } else { 0 };
        let locked = |v: bool| {
            w.forall(|i| w[i].est == v && w[i].aux == code(v) && implies(w[i].decided, w[i].decision == v))
        };
        let both_inputs = w.exists(|j| w.init(j).est) && w.exists(|j| !w.init(j).est);
        let unanimous = |v: bool| w.forall(|i| w.init(i).est == v && w[i].est == v && w[i].aux == code(v));
        vec![vec![
            consistent
                && (nobody_decided || locked(true) || locked(false))
                && (both_inputs || unanimous(true) || unanimous(false)),
        ]]
    }

    fn properties(w: &World<Self>) -> Vec<(&'static str, bool)> {
        vec![
            (
                "Agreement",
                w.forall(|i| w.forall(|j| implies(w[i].decided && w[j].decided, w[i].decision == w[j].decision))),
            ),
            ("Validity", w.forall(|i| implies(w[i].decided, w.exists(|j| w.init(j).est == w[i].decision)))),
            (
                "Irrevocability",
                w.forall(|i| implies(w.old(i).decided, w[i].decided && w.old(i).decision == w[i].decision)),
            ),
        ]
    }
}
