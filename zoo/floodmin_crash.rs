//! FloodMin consensus under at most `f` crash faults, deciding after
//! `f + 1` rounds (Lynch, *Distributed Algorithms*, §6.2; VMCAI'14). Every
//! round each process broadcasts its estimate and adopts the smallest
//! estimate it receives; in round `f` (counting from 0) it decides.
//!
//! Crash faults are stated on the HO sets (`encodings/SPEC_LANGUAGE.md`,
//! *Crash faults*): in a round, the processes that some process does not
//! hear have crashed, at most `f` of them; a process that some process did
//! not hear in the previous round is heard by nobody. The ghost field
//! `heard` keeps the previous round's mailbox senders so the safety
//! predicate can relate two rounds. A crashed process keeps stepping in
//! the HO model with what it hears (its own messages included: it does not
//! hear itself once crashed), so its decision agrees too.
//!
//! Proof idea: a process missed in a round is silent from then on, so a
//! round whose processes hear different sets has a new crash, missed by
//! some process `b` that also misses every earlier crash. Hence after
//! round `r − 1` estimates differ only if some process missed `r` others
//! — at most `f`, so after round `f` all estimates are equal.
//!
//! The slowest VC, `flood_min_crash/inductive/inv0/round0` (the
//! invariant's `uniform || w.exists(|p| missed(p) >= r)` across a round),
//! is proved in 11 s with the default settings on an idle 2-core machine
//! (release build; 17–18 s with `--jobs 1` at load average 5), near the
//! 20 s limit: with other VCs' jobs on the same cores, as in one
//! `psync-verify check` of the whole zoo, it can end `timeout`. The first
//! models of the reduction are spurious, and model-guided refinement adds
//! the Venn groups' region facts (a process a model puts in a region it
//! counts as empty) until the ground query is unsatisfiable. The step
//! needs: two processes with different new estimates heard different sets
//! (min reasoning), the one missing `q` misses all that `p` missed (from
//! the safety predicate) plus `q`, then a count. A debug build does not
//! prove it within 60 s. Agreement, Validity, Irrevocability, Termination
//! after `f + 1` rounds and init are proved in 0.2 s each.

use psync::prelude::*;

/// The state of one FloodMin process.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FloodMinCrash {
    /// The smallest value adopted so far.
    pub x: i64,
    /// Whether this process has decided.
    pub decided: bool,
    /// The decided value (meaningful once `decided`).
    pub decision: i64,
    /// (ghost) the senders heard in the previous round (empty before round 0).
    pub heard: ProcSet,
}

impl Process for FloodMinCrash {
    type Io = Consensus<i64>;
    /// `f`: how many processes may crash.
    const PARAMS: &'static [&'static str] = &["f"];

    fn init(io: &Consensus<i64>, _cx: &Ctx) -> Self {
        FloodMinCrash { x: io.initial, decided: false, decision: 0, heard: ProcSet::new() }
    }

    fn phase() -> Phase<Self> {
        phase![Flood]
    }

    fn decision(&self) -> Option<i64> {
        if self.decided { Some(self.decision) } else { None }
    }
}

/// The only round: broadcast the estimate, adopt the smallest one heard,
/// decide in round `f`.
pub struct Flood;

impl Round<FloodMinCrash> for Flood {
    type Msg = i64;

    fn send(p: &FloodMinCrash, _cx: &Ctx) -> Outbox<i64> {
        Outbox::broadcast(p.x)
    }

    fn update(p: &mut FloodMinCrash, mbox: &Mailbox<i64>, cx: &Ctx) {
        if let Some(m) = mbox.min_by_key(|&v| v) {
            p.x = *m;
        }
        p.heard = mbox.senders();
        if !p.decided && cx.round() as i64 == cx.param("f") {
            p.decided = true;
            p.decision = p.x;
        }
    }
}

impl Spec for FloodMinCrash {
    fn assumptions(w: &World<Self>) -> Vec<bool> {
        vec![w.n() as i64 > w.param("f"), w.param("f") >= 0]
    }

    fn safety(w: &World<Self>) -> bool {
        // Crashed this round: missed by some process; at most f of them.
        let crashed_now = |q: ProcessId| w.exists(|p| !w.ho(p).contains(q));
        // Missed by some process in the previous round: silent from now on.
        let crashed_before = |q: ProcessId| w.exists(|p| !w[p].heard.contains(q));
        w.count(|q| crashed_now(q)) as i64 <= w.param("f")
            && (w.round() == 0 || w.forall(|q| implies(crashed_before(q), w.forall(|p| !w.ho(p).contains(q)))))
    }

    fn invariants(w: &World<Self>) -> Vec<bool> {
        let f = w.param("f");
        let r = w.round() as i64;
        // How many processes `p` missed in the previous round.
        let missed = |p: ProcessId| w.n() as i64 - w[p].heard.len() as i64;
        let uniform = w.forall(|i| w.forall(|j| w[i].x == w[j].x));
        vec![
            w.forall(|i| w.exists(|j| w[i].x == w.init(j).x))
                && (r == 0 || w.forall(|p| missed(p) <= f))
                && (uniform || w.exists(|p| missed(p) >= r))
                && w.forall(|i| w[i].decided == (r > f) && implies(w[i].decided, w[i].decision == w[i].x)),
        ]
    }

    fn properties(w: &World<Self>) -> Vec<(&'static str, bool)> {
        vec![
            ("Agreement", w.forall(|i| w.forall(|j| implies(w[i].decided && w[j].decided, w[i].decision == w[j].decision)))),
            ("Validity", w.forall(|i| implies(w[i].decided, w.exists(|j| w.init(j).x == w[i].decision)))),
            ("Irrevocability", w.forall(|i| implies(w.old(i).decided, w[i].decided && w.old(i).decision == w[i].decision))),
            ("Termination", implies(w.round() as i64 > w.param("f"), w.forall(|i| w[i].decided))),
        ]
    }
}
