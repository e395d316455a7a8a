//! FloodMax leader election in a complete graph (Lynch, "Distributed
//! Algorithms", §4.1.2, in the Heard-Of model): every process starts with
//! its unique id (its input), broadcasts the largest id it has seen, and
//! keeps the largest it receives. A process that hears from every process
//! in a round decides: the leader is the largest id it holds then, and it
//! is elected iff that is its own id.

use psync::prelude::*;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FloodMax {
    /// This process's id (its input).
    pub id: i64,
    /// The largest id seen so far.
    pub x: i64,
    /// Whether this process has decided who the leader is.
    pub decided: bool,
    /// The leader's id (meaningful once `decided`).
    pub leader: i64,
    /// Whether this process is the leader (meaningful once `decided`).
    pub elected: bool,
}

impl Process for FloodMax {
    type Io = Consensus<i64>;

    fn init(io: &Consensus<i64>, _cx: &Ctx) -> Self {
        FloodMax { id: io.initial, x: io.initial, decided: false, leader: 0, elected: false }
    }

    fn phase() -> Phase<Self> {
        phase![Flood]
    }

    fn decision(&self) -> Option<i64> {
        if self.decided { Some(self.leader) } else { None }
    }
}

pub struct Flood;

impl Round<FloodMax> for Flood {
    type Msg = i64;

    fn send(p: &FloodMax, _cx: &Ctx) -> Outbox<i64> {
        Outbox::broadcast(p.x)
    }

    fn update(p: &mut FloodMax, mbox: &Mailbox<i64>, cx: &Ctx) {
        if let Some(&m) = mbox.max_by_key(|&v| v) {
            p.x = p.x.max(m);
        }
        if !p.decided && mbox.len() == cx.n() {
            p.decided = true;
            p.leader = p.x;
            p.elected = p.x == p.id;
        }
    }
}

impl Spec for FloodMax {
    fn invariants(w: &World<Self>) -> Vec<bool> {
        // Ids never change, estimates are ids and at least one's own id.
        let keep = w.forall(|i| {
            w[i].id == w.init(i).id && w[i].id <= w[i].x && w.exists(|k| w[i].x == w.init(k).id)
        });
        // Once someone decided, m is the largest id: every id and every
        // estimate is at most m, and decisions are m. (Before that, no
        // maximum is stated: its existence needs the finiteness of P.)
        let max_known = w.exists_value(|m: i64| {
            w.exists(|j| w.init(j).id == m)
                && w.forall(|i| {
                    w.init(i).id <= m
                        && w[i].x <= m
                        && implies(w[i].decided, w[i].leader == m && w[i].elected == (w[i].id == m))
                })
        });
        let inv = keep && (w.forall(|i| !w[i].decided) || max_known);
        vec![inv, w.forall(|i| w[i].decided)]
    }

    fn liveness(w: &World<Self>) -> Vec<bool> {
        vec![w.forall(|p| w.ho(p).len() == w.n())]
    }

    fn properties(w: &World<Self>) -> Vec<(&'static str, bool)> {
        vec![
            ("Termination", eventually(w.forall(|i| w[i].decided))),
            (
                "Agreement",
                w.forall(|i| w.forall(|j| implies(w[i].decided && w[j].decided, w[i].leader == w[j].leader))),
            ),
            (
                "LeaderIsMaxId",
                w.forall(|i| {
                    implies(
                        w[i].decided,
                        w.exists(|j| w.init(j).id == w[i].leader) && w.forall(|j| w.init(j).id <= w[i].leader),
                    )
                }),
            ),
            (
                "OneLeaderId",
                w.forall(|i| {
                    w.forall(|j| {
                        implies(w[i].decided && w[i].elected && w[j].decided && w[j].elected, w.init(i).id == w.init(j).id)
                    })
                }),
            ),
            (
                "ElectedIffOwnId",
                w.forall(|i| implies(w[i].decided, w[i].elected == (w.init(i).id == w[i].leader))),
            ),
            (
                "Irrevocability",
                w.forall(|i| {
                    implies(
                        w.old(i).decided,
                        w[i].decided && w.old(i).leader == w[i].leader && w.old(i).elected == w[i].elected,
                    )
                }),
            ),
        ]
    }
}
