//! Mostéfaoui–Raynal rotating-coordinator consensus (Mostéfaoui & Raynal,
//! *Solving consensus using Chandra-Toueg's unreliable failure detectors: a
//! general quorum-based approach*, DISC 1999), the ◇S version for crash
//! faults with `n > 2f`, in the Heard-Of model. Two rounds per phase:
//! the coordinator broadcasts its estimate, and who hears it takes it as
//! its auxiliary value (else ⊥: it suspected the coordinator); then everyone
//! broadcasts its auxiliary value, and a process that hears at least
//! `n − f` messages carrying one value `v` decides `v`; one that hears some
//! `v` adopts it. Safety needs the second round's quorums: there every
//! process hears at least `n − f` processes (the safety predicate), so two
//! of them intersect and a decision's value reaches everyone's estimate.
//!
//! Its echo round's step, `inductive/inv0/round1`, is proved by the
//! parametric strategy's deeper reduction; refining the first one's
//! spurious models goes on, each round slower, for longer than the step's
//! budget (see `logic/src/check/attempt.rs`).

use psync::prelude::*;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MrConsensus {
    /// The current estimate.
    pub est: i64,
    /// The coordinator's estimate if heard this phase, else ⊥ (`None`).
    pub aux: Option<i64>,
    /// Whether this process has decided.
    pub decided: bool,
    /// The decided value (meaningful once `decided`).
    pub decision: i64,
}

impl Process for MrConsensus {
    type Io = Consensus<i64>;
    const PARAMS: &'static [&'static str] = &["f"];

    fn init(io: &Consensus<i64>, _cx: &Ctx) -> Self {
        MrConsensus { est: io.initial, aux: None, decided: false, decision: -1 }
    }

    fn phase() -> Phase<Self> {
        phase![Coord, Echo]
    }

    fn decision(&self) -> Option<i64> {
        if self.decided { Some(self.decision) } else { None }
    }
}

/// Round 1: the coordinator broadcasts its estimate; who hears it sets `aux`
/// to it, the others (who suspect the coordinator) to ⊥.
pub struct Coord;

impl Round<MrConsensus> for Coord {
    type Msg = i64;

    fn send(p: &MrConsensus, cx: &Ctx) -> Outbox<i64> {
        if cx.id() == cx.coord() { Outbox::broadcast(p.est) } else { Outbox::none() }
    }

    fn update(p: &mut MrConsensus, mbox: &Mailbox<i64>, cx: &Ctx) {
        p.aux = mbox.get(cx.coord()).copied();
    }
}

/// Round 2: everyone broadcasts `aux`; `n − f` copies of one value decide
/// it, one copy is adopted.
pub struct Echo;

impl Round<MrConsensus> for Echo {
    type Msg = Option<i64>;

    fn send(p: &MrConsensus, _cx: &Ctx) -> Outbox<Option<i64>> {
        Outbox::broadcast(p.aux)
    }

    fn update(p: &mut MrConsensus, mbox: &Mailbox<Option<i64>>, cx: &Ctx) {
        if let Some(&Some(v)) = mbox.max_by_key(|m| m.is_some()) {
            p.est = v;
            if mbox.count(|&m| m == Some(v)) as i64 >= cx.n() as i64 - cx.param("f") && !p.decided {
                p.decided = true;
                p.decision = v;
            }
        }
    }
}

impl Spec for MrConsensus {
    fn assumptions(w: &World<Self>) -> Vec<bool> {
        vec![w.n() as i64 > 2 * w.param("f"), w.param("f") >= 0]
    }

    /// In the echo round (the second of a phase) every process hears at
    /// least `n − f` processes; the coordinator round is unconstrained.
    fn safety(w: &World<Self>) -> bool {
        w.round() % 2 == 0 || w.forall(|p| w.ho(p).len() as i64 >= w.n() as i64 - w.param("f"))
    }

    fn invariants(w: &World<Self>) -> Vec<bool> {
        let keep_init = w.forall(|i| {
            w.exists(|j| w[i].est == w.init(j).est)
                && implies(w[i].decided, w.exists(|j| w[i].decision == w.init(j).est))
        });
        let no_decision = w.forall(|i| !w[i].decided);
        let settled = w.exists_value(|v: i64| {
            w.forall(|i| w[i].est == v && implies(w[i].decided, w[i].decision == v))
        });
        vec![keep_init && (no_decision || settled), w.forall(|i| w[i].decided)]
    }

    fn round_invariants(w: &World<Self>) -> Vec<Vec<bool>> {
        // After the coordinator round: every non-⊥ aux is the coordinator's estimate.
        let c = w.coord();
        let aux_coord = w.forall(|i| implies(w[i].aux.is_some(), w[i].aux == Some(w[c].est)));
        let all_heard = w.forall(|i| w[i].aux == Some(w[c].est));
        vec![vec![aux_coord, all_heard]]
    }

    fn liveness(w: &World<Self>) -> Vec<bool> {
        // Everyone hears the coordinator (and, by the safety predicate, n − f in the echo round).
        let c = w.coord();
        vec![w.forall(|q| w.ho(q).contains(c))]
    }

    fn properties(w: &World<Self>) -> Vec<(&'static str, bool)> {
        vec![
            ("Termination", eventually(w.forall(|i| w[i].decided))),
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
