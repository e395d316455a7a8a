use psync::prelude::*;

#[derive(Clone, Debug, serde::Serialize)]
pub struct Looping {
    x: i64,
}

impl Process for Looping {
    type Io = Consensus<i64>;
    fn init(io: &Consensus<i64>, _cx: &Ctx) -> Self {
        Looping { x: io.initial }
    }
    fn phase() -> Phase<Self> {
        phase![Spin]
    }
}

pub struct Spin;
impl Round<Looping> for Spin {
    type Msg = i64;
    fn send(p: &Looping, _cx: &Ctx) -> Outbox<i64> {
        Outbox::broadcast(p.x)
    }
    fn update(p: &mut Looping, mbox: &Mailbox<i64>, _cx: &Ctx) {
        while p.x < 10 {
            p.x += 1;
        }
        let _ = mbox;
    }
}

impl Spec for Looping {
    fn invariants(w: &World<Self>) -> Vec<bool> {
        vec![w.forall(|i| w[i].x >= 0)]
    }
    fn properties(_w: &World<Self>) -> Vec<(&'static str, bool)> {
        vec![]
    }
}
