//! UniformVoting (Charron-Bost & Schiper, "The Heard-Of model", 2009) with
//! `Option` votes, written with `match`: a proposal round where a process
//! adopts the least value it hears and votes for it when every message
//! carries it, then a ballot round where it adopts any vote it hears and
//! decides when every message is that vote. Safety under no split.
use psync::prelude::*;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Uv {
    pub x: i64,
    pub vote: Option<i64>,
    pub decision: Option<i64>,
}

impl Process for Uv {
    type Io = Consensus<i64>;

    fn init(io: &Consensus<i64>, _cx: &Ctx) -> Self {
        Uv { x: io.initial, vote: None, decision: None }
    }

    fn phase() -> Phase<Self> {
        phase![Propose, Ballot]
    }

    fn decision(&self) -> Option<i64> {
        self.decision
    }
}

pub struct Propose;

impl Round<Uv> for Propose {
    type Msg = i64;

    fn send(p: &Uv, _cx: &Ctx) -> Outbox<i64> {
        Outbox::broadcast(p.x)
    }

    fn update(p: &mut Uv, mbox: &Mailbox<i64>, _cx: &Ctx) {
        match mbox.min_by_key(|&v| v) {
            Some(&m) => {
                p.x = m;
                p.vote = if mbox.forall(|&v| v == m) { Some(m) } else { None };
            }
            None => p.vote = None,
        }
    }
}

pub struct Ballot;

impl Round<Uv> for Ballot {
    type Msg = Option<i64>;

    fn send(p: &Uv, _cx: &Ctx) -> Outbox<Option<i64>> {
        Outbox::broadcast(p.vote)
    }

    fn update(p: &mut Uv, mbox: &Mailbox<Option<i64>>, _cx: &Ctx) {
        if let Some(&Some(v)) = mbox.max_by_key(|m| m.is_some()) {
            p.x = v;
            if mbox.forall(|&m| m == Some(v)) {
                p.decision = Some(v);
            }
        }
        p.vote = None;
    }
}

impl Spec for Uv {
    fn invariants(w: &World<Self>) -> Vec<bool> {
        let valid = w.forall(|i| {
            w.exists(|j| w[i].x == w.init(j).x)
                && match w[i].decision {
                    Some(d) => w.exists(|j| d == w.init(j).x),
                    None => true,
                }
        });
        let agreed = w.forall(|i| w[i].decision.is_none())
            || w.exists_value(|v: i64| w.forall(|i| w[i].x == v && (w[i].decision.is_none() || w[i].decision == Some(v))));
        vec![valid && agreed]
    }

    fn round_invariants(w: &World<Self>) -> Vec<Vec<bool>> {
        let votes_agree = w.forall(|i| w.forall(|j| w[i].vote.is_none() || w[j].vote.is_none() || w[i].vote == w[j].vote));
        let agreed = w.forall(|i| w[i].decision.is_none())
            || w.exists_value(|v: i64| w.forall(|i| w[i].x == v && w[i].vote == Some(v) && (w[i].decision.is_none() || w[i].decision == Some(v))));
        let votes_valid = w.forall(|i| match w[i].vote { Some(v) => w.exists(|j| v == w.init(j).x), None => true });
        vec![vec![votes_agree && agreed && votes_valid]]
    }

    fn safety(w: &World<Self>) -> bool {
        w.forall(|p| w.forall(|q| w.exists(|s| w.ho(p).contains(s) && w.ho(q).contains(s))))
    }

    fn properties(w: &World<Self>) -> Vec<(&'static str, bool)> {
        vec![
            ("Agreement", w.forall(|i| w.forall(|j| w[i].decision.is_none() || w[j].decision.is_none() || w[i].decision == w[j].decision))),
            ("Irrevocability", w.forall(|i| w.old(i).decision.is_none() || w[i].decision == w.old(i).decision)),
        ]
    }
}
