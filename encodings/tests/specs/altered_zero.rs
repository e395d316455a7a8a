//! Every process sends 0; a process that receives more than `a` non-zero
//! payloads raises `alarm`. Without value faults no payload is non-zero;
//! with them, an altered message can carry anything, so `NoAlarm` holds
//! exactly when at most `a` messages per receiver are altered (the
//! `safety` predicate).

use psync::prelude::*;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AlteredZero {
    pub x: i64,
    pub alarm: bool,
}

impl Process for AlteredZero {
    type Io = Consensus<i64>;
    const PARAMS: &'static [&'static str] = &["a"];
    const VALUE_FAULTS: bool = true;

    fn init(_io: &Consensus<i64>, _cx: &Ctx) -> Self {
        AlteredZero { x: 0, alarm: false }
    }

    fn phase() -> Phase<Self> {
        phase![Send]
    }
}

pub struct Send;

impl Round<AlteredZero> for Send {
    type Msg = i64;

    fn send(p: &AlteredZero, _cx: &Ctx) -> Outbox<i64> {
        Outbox::broadcast(p.x)
    }

    fn update(p: &mut AlteredZero, mbox: &Mailbox<i64>, cx: &Ctx) {
        if mbox.count(|&v| v != 0) as i64 > cx.param("a") {
            p.alarm = true;
        }
    }
}

impl Spec for AlteredZero {
    fn assumptions(w: &World<Self>) -> Vec<bool> {
        vec![w.param("a") >= 0]
    }

    fn safety(w: &World<Self>) -> bool {
        w.forall(|p| w.aho(p).len() as i64 <= w.param("a"))
    }

    fn invariants(w: &World<Self>) -> Vec<bool> {
        vec![w.forall(|i| w[i].x == 0 && !w[i].alarm)]
    }

    fn properties(w: &World<Self>) -> Vec<(&'static str, bool)> {
        vec![("NoAlarm", w.forall(|i| !w[i].alarm))]
    }
}
