//! The One-Third Rule written with a fault parameter: `n > 3f`; a process
//! that hears at least `n − f` messages adopts the smallest most often
//! received value, and decides it when `n − f` of them carry it. The
//! decision is an `Option`. Terminates after a round in which everyone
//! hears one common set of at least `n − f` processes, then a round in
//! which everyone hears `n − f`.

use psync::prelude::*;

/// The state of one process.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OtrParam {
    /// The current estimate.
    pub x: i64,
    /// The decision, once taken.
    pub decision: Option<i64>,
}

impl Process for OtrParam {
    type Io = Consensus<i64>;
    const PARAMS: &'static [&'static str] = &["f"];

    fn init(io: &Consensus<i64>, _cx: &Ctx) -> Self {
        OtrParam { x: io.initial, decision: None }
    }

    fn phase() -> Phase<Self> {
        phase![Exchange]
    }

    fn decision(&self) -> Option<i64> {
        self.decision
    }
}

/// The only round: broadcast the estimate, adopt on `n − f`, decide on
/// `n − f` copies.
pub struct Exchange;

impl Round<OtrParam> for Exchange {
    type Msg = i64;

    fn send(p: &OtrParam, _cx: &Ctx) -> Outbox<i64> {
        Outbox::broadcast(p.x)
    }

    fn update(p: &mut OtrParam, mbox: &Mailbox<i64>, cx: &Ctx) {
        let quorum = cx.n() as i64 - cx.param("f");
        if mbox.len() as i64 >= quorum {
            let v = mbox.min_most_often();
            p.x = v;
            if mbox.count(|&m| m == v) as i64 >= quorum {
                p.decision = Some(v);
            }
        }
    }
}

impl Spec for OtrParam {
    fn assumptions(w: &World<Self>) -> Vec<bool> {
        vec![w.n() as i64 > 3 * w.param("f"), w.param("f") >= 0]
    }

    fn invariants(w: &World<Self>) -> Vec<bool> {
        let quorum = w.n() as i64 - w.param("f");
        let valid = w.forall(|i| w.exists(|j| w[i].x == w.init(j).x))
            && w.forall(|i| w.forall_value(|v: i64| implies(w[i].decision == Some(v), w.exists(|j| w.init(j).x == v))));
        let safe = w.forall(|i| w[i].decision == None)
            || w.exists_value(|v: i64| {
                w.count(|i| w[i].x == v) as i64 >= quorum && w.forall(|i| w[i].decision == None || w[i].decision == Some(v))
            });
        vec![
            valid && safe,
            w.exists_value(|v: i64| w.forall(|i| w[i].x == v && (w[i].decision == None || w[i].decision == Some(v)))),
            w.forall(|i| w[i].decision != None),
        ]
    }

    fn liveness(w: &World<Self>) -> Vec<bool> {
        let quorum = w.n() as i64 - w.param("f");
        vec![
            w.exists_set(|s| s.len() as i64 >= quorum && w.forall(|p| w.ho(p) == s)),
            w.forall(|p| w.ho(p).len() as i64 >= quorum),
        ]
    }

    fn properties(w: &World<Self>) -> Vec<(&'static str, bool)> {
        vec![
            ("Termination", eventually(w.forall(|i| w[i].decision != None))),
            ("Agreement", w.forall(|i| w.forall(|j| w[i].decision == None || w[j].decision == None || w[i].decision == w[j].decision))),
            ("Validity", w.forall(|i| w.forall_value(|v: i64| implies(w[i].decision == Some(v), w.exists(|j| w.init(j).x == v))))),
            ("Irrevocability", w.forall(|i| w.old(i).decision == None || w.old(i).decision == w[i].decision)),
        ]
    }
}
