//! Reliable broadcast with relay and a majority echo, for crash/omission
//! faults where every process hears from a majority in every round (f < n/2
//! crashes, waiting for n − f messages). The broadcaster (the first
//! coordinator) starts with the message. Every process that knows the message
//! echoes it to everyone; a process that does not know it adopts one it hears;
//! a process that knows the message delivers it once it hears more than n/2
//! echoes of it. Uniform: if any process (even one that crashes later)
//! delivers, every process knows the message one round later and has
//! delivered it two rounds later.

use psync::prelude::*;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MajorityEchoRb {
    /// The message, once known.
    pub x: Option<i64>,
    /// Whether this process has delivered.
    pub delivered: bool,
    /// The delivered message (meaningful once `delivered`).
    pub delivery: i64,
}

impl Process for MajorityEchoRb {
    /// The broadcaster's input is the message; the others' are not read.
    type Io = Consensus<i64>;

    fn init(io: &Consensus<i64>, cx: &Ctx) -> Self {
        let x = if cx.id() == cx.coord() { Some(io.initial) } else { None };
        MajorityEchoRb { x, delivered: false, delivery: 0 }
    }

    fn phase() -> Phase<Self> {
        phase![Echo]
    }

    fn decision(&self) -> Option<i64> {
        if self.delivered { Some(self.delivery) } else { None }
    }
}

pub struct Echo;

impl Round<MajorityEchoRb> for Echo {
    type Msg = i64;

    fn send(p: &MajorityEchoRb, _cx: &Ctx) -> Outbox<i64> {
        if let Some(v) = p.x { Outbox::broadcast(v) } else { Outbox::none() }
    }

    fn update(p: &mut MajorityEchoRb, mbox: &Mailbox<i64>, cx: &Ctx) {
        if p.x.is_none() {
            if let Some(&m) = mbox.min_by_key(|&m| m) {
                p.x = Some(m);
            }
        }
        if let Some(v) = p.x {
            if !p.delivered && 2 * mbox.count(|&m| m == v) > cx.n() {
                p.delivery = v;
                p.delivered = true;
            }
        }
    }
}

impl Spec for MajorityEchoRb {
    fn invariants(w: &World<Self>) -> Vec<bool> {
        let n = w.n();
        let known_agree = w.forall(|i| w.forall(|j| implies(w[i].x.is_some() && w[j].x.is_some(), w[i].x == w[j].x)));
        let known_valid = w.forall(|i| implies(w[i].x.is_some(), w.exists(|b| w.init(b).x == w[i].x)));
        let delivered_known = w.forall(|i| implies(w[i].delivered, w[i].x == Some(w[i].delivery)));
        let someone_knows = w.exists(|i| w[i].x.is_some());
        // A delivery means a majority knows the message.
        let majority_knows = 2 * w.count(|i| w[i].x.is_some()) > n;
        let nobody_delivered = w.forall(|i| !w[i].delivered);
        vec![
            known_agree && known_valid && delivered_known && someone_knows && (nobody_delivered || majority_knows),
            w.forall(|i| w[i].x.is_some()),
            w.forall(|i| w[i].delivered),
        ]
    }

    /// Every process hears from a majority in every round.
    fn safety(w: &World<Self>) -> bool {
        w.forall(|p| 2 * w.ho(p).len() > w.n())
    }

    fn liveness(w: &World<Self>) -> Vec<bool> {
        // A round in which everyone hears everyone, then any round.
        vec![w.forall(|p| w.ho(p).len() == w.n()), true]
    }

    fn properties(w: &World<Self>) -> Vec<(&'static str, bool)> {
        vec![
            ("Termination", eventually(w.forall(|i| w[i].delivered))),
            (
                "Agreement",
                w.forall(|i| w.forall(|j| implies(w[i].delivered && w[j].delivered, w[i].delivery == w[j].delivery))),
            ),
            ("Validity", w.forall(|i| implies(w[i].delivered, w.exists(|b| w.init(b).x == Some(w[i].delivery))))),
            (
                "Integrity",
                w.forall(|i| implies(w.old(i).delivered, w[i].delivered && w.old(i).delivery == w[i].delivery)),
            ),
            // Uniformity, step 1: a delivery one round ago means everyone knows now.
            ("DeliveryPropagates", implies(w.exists(|i| w.old(i).delivered), w.forall(|i| w[i].x.is_some()))),
            // Uniformity, step 2: everyone knew one round ago, so everyone delivered now.
            ("KnownDelivers", implies(w.forall(|i| w.old(i).x.is_some()), w.forall(|i| w[i].delivered))),
        ]
    }
}
