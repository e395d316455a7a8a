//! Eager reliable broadcast (PSync's example; Cachin, Guerraoui & Rodrigues,
//! "Introduction to Reliable and Secure Distributed Programming", §3.3): the
//! broadcaster, the coordinator of the first phase, starts with its
//! message; a process that has the message relays it to everyone and
//! delivers it in the same round, and one that does not yet adopts any
//! message it hears. Proved: every delivery is of the broadcaster's message
//! (validity, integrity), a delivery is never revoked, and all deliveries
//! agree; after two rounds in which everyone hears everyone, either nobody
//! has the message or everyone delivered it (agreement on delivery).

use psync::prelude::*;

/// The state of one reliable-broadcast process.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EagerReliableBroadcast {
    /// The message, once known.
    pub x: Option<i64>,
    /// Whether this process has delivered.
    pub delivered: bool,
    /// The delivered message (meaningful once `delivered`).
    pub delivery: i64,
}

impl Process for EagerReliableBroadcast {
    /// The broadcaster's input is the message; the others' inputs are not read.
    type Io = Consensus<i64>;

    fn init(io: &Consensus<i64>, cx: &Ctx) -> Self {
        let x = if cx.id() == cx.coord() { Some(io.initial) } else { None };
        EagerReliableBroadcast { x, delivered: false, delivery: 0 }
    }

    fn phase() -> Phase<Self> {
        phase![Relay]
    }

    fn decision(&self) -> Option<i64> {
        if self.delivered { Some(self.delivery) } else { None }
    }
}

/// The only round: who has the message relays it and delivers it; who does
/// not adopts one it hears.
pub struct Relay;

impl Round<EagerReliableBroadcast> for Relay {
    type Msg = i64;

    fn send(p: &EagerReliableBroadcast, _cx: &Ctx) -> Outbox<i64> {
        if let Some(v) = p.x { Outbox::broadcast(v) } else { Outbox::none() }
    }

    fn update(p: &mut EagerReliableBroadcast, mbox: &Mailbox<i64>, _cx: &Ctx) {
        if let Some(v) = p.x {
            if !p.delivered {
                p.delivery = v;
                p.delivered = true;
            }
        } else if let Some(&m) = mbox.min_by_key(|&m| m) {
            p.x = Some(m);
        }
    }
}

impl Spec for EagerReliableBroadcast {
    fn invariants(w: &World<Self>) -> Vec<bool> {
        // There is one message, an input: the known messages agree and are
        // inputs, and whoever delivered knows what it delivered.
        let known_agree = w.forall(|i| w.forall(|j| implies(w[i].x.is_some() && w[j].x.is_some(), w[i].x == w[j].x)));
        let known_valid = w.forall(|i| implies(w[i].x.is_some(), w.exists(|b| w.init(b).x == w[i].x)));
        let delivered_known = w.forall(|i| implies(w[i].delivered, w[i].x == Some(w[i].delivery)));
        let nobody_knows = w.forall(|i| w[i].x.is_none());
        vec![
            known_agree && known_valid && delivered_known,
            // After a good round: nobody knows the message, or everyone does.
            nobody_knows || w.forall(|i| w[i].x.is_some()),
            // After another round: nobody knows it, or everyone delivered it.
            nobody_knows || w.forall(|i| w[i].delivered),
        ]
    }

    fn liveness(w: &World<Self>) -> Vec<bool> {
        // A round in which everyone hears everyone, then any round.
        vec![w.forall(|p| w.ho(p).len() == w.n()), true]
    }

    fn properties(w: &World<Self>) -> Vec<(&'static str, bool)> {
        vec![
            (
                "AgreementOnDelivery",
                eventually(implies(w.exists(|i| w[i].delivered), w.forall(|i| w[i].delivered))),
            ),
            (
                "Agreement",
                w.forall(|i| w.forall(|j| implies(w[i].delivered && w[j].delivered, w[i].delivery == w[j].delivery))),
            ),
            ("Validity", w.forall(|i| implies(w[i].delivered, w.exists(|b| w.init(b).x == Some(w[i].delivery))))),
            (
                "Integrity",
                w.forall(|i| implies(w.old(i).delivered, w[i].delivered && w.old(i).delivery == w[i].delivery)),
            ),
        ]
    }
}
