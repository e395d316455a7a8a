//! A spec whose update calls a helper with a contract: the verifier reads
//! the contract, and `simulate` draws the helper's result among the values
//! the contract allows (the trusted body is read by neither).

use psync::prelude::*;

/// The state.
pub struct S {
    /// The value.
    pub x: i64,
}

impl Process for S {
    type Io = Consensus<i64>;
    fn init(io: &Consensus<i64>, _cx: &Ctx) -> Self {
        S { x: io.initial }
    }
    fn phase() -> Phase<Self> {
        phase![A]
    }
}

fn pick(a: i64) -> i64 {
    a + 1
}

fn pick_ensures(a: i64, result: i64) -> bool {
    result >= a
}

/// The only round.
pub struct A;

impl Round<S> for A {
    type Msg = i64;
    fn send(p: &S, _cx: &Ctx) -> Outbox<i64> {
        Outbox::broadcast(p.x)
    }
    fn update(p: &mut S, _mbox: &Mailbox<i64>, _cx: &Ctx) {
        p.x = pick(p.x);
    }
}

impl Spec for S {
    fn invariants(w: &World<Self>) -> Vec<bool> {
        vec![w.forall(|i| w[i].x >= w.init(i).x)]
    }
    fn properties(w: &World<Self>) -> Vec<(&'static str, bool)> {
        vec![("Grows", w.forall(|i| w[i].x >= w.init(i).x))]
    }
}
