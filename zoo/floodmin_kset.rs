//! FloodMin k-set agreement under at most `f` crash faults, deciding after
//! `⌊f/k⌋ + 1` rounds (Chaudhuri, *More choices allow more faults*, Inf.
//! Comput. 1993; Lynch, *Distributed Algorithms*, §6.4). Every round each
//! process broadcasts its estimate and adopts the smallest estimate it
//! receives; in round `⌊f/k⌋` (counting from 0) it decides its estimate
//! and keeps it from then on. At most `k` distinct values are decided.
//!
//! Crash faults are stated on the HO sets as in `floodmin_crash.rs`
//! (`encodings/SPEC_LANGUAGE.md`, *Crash faults*). `⌊f/k⌋` is not linear,
//! so the processes count in `k_rounds` the product `k · r` (adding `k` each
//! round) and decide in the round where `k_rounds + k > f`: that is round
//! `⌊f/k⌋`.
//!
//! Proof idea: let `C` be the processes missed in the previous round (all
//! crashed so far, at most `f`). In a round where `d` processes newly crash,
//! every process hears everyone not crashed, so its new estimate is the
//! least of those, `m`, or the estimate of one of the `d` new crashes: at
//! most `d + 1` values remain, and later rounds only drop values. So
//! either at most `k` values remain, or every round so far had `k` new
//! crashes: `|C| ≥ k · r = k_rounds`. After round `⌊f/k⌋`, `k_rounds > f ≥
//! |C|`, so at most `k` values remain, and they are the decisions.
//!
//! The count of values is `w.distinct(|i| w[i].x)`
//! (`encodings/SPEC_LANGUAGE.md`, *Counting values*); k-agreement follows
//! from it because a decided process keeps its estimate.
//!
//! Open VC: `flood_min_k_set/inductive/inv0/round0` ends `timeout` (at the
//! default 20 s and at 60 s), on the invariant's last conjunct
//! `distinct(x) ≤ k ∨ |C| ≥ k_rounds` across a round (without that conjunct
//! the others are proved in 0.8 s; init, KAgreement, Validity,
//! Irrevocability and Termination are proved). The step is valid by the
//! argument above, and neither the bounded search racing the proof (up to
//! the 60 s) nor the simulator's 1,000 crash runs find a counterexample.
//! What the prover lacks: when some values were dropped, the new
//! estimates are `m` or the old estimates of the `d` new crashes, so at
//! most `d + 1` of them — the image of a one-to-one map, which the Venn
//! regions of the reduction do not count (that the new estimates are among
//! the old ones, so no more of them, is proved: the inclusion lemmas of
//! `encodings/src/distinct.rs`). With that bound, `distinct(x') ≤ 1 +
//! |crashed now|`, added by hand to the dumped query of the round-0 case,
//! Z3 proves the case in 0.13 s; the bound's own argument written into
//! the query by hand is lost in E-matching (BENCHMARKS.md, "Decoding large
//! models; one unaltered view, one choice").

use psync::prelude::*;

/// The state of one FloodMin k-set process.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FloodMinKSet {
    /// The smallest value adopted so far.
    pub x: i64,
    /// `k` times the number of rounds run (`k · r`, kept linear).
    pub k_rounds: i64,
    /// Whether this process has decided.
    pub decided: bool,
    /// The decided value (meaningful once `decided`).
    pub decision: i64,
    /// (ghost) the senders heard in the previous round (empty before round 0).
    pub heard: ProcSet,
}

impl Process for FloodMinKSet {
    type Io = Consensus<i64>;
    /// `f`: how many processes may crash; `k`: how many values may be decided.
    const PARAMS: &'static [&'static str] = &["f", "k"];

    fn init(io: &Consensus<i64>, _cx: &Ctx) -> Self {
        FloodMinKSet { x: io.initial, k_rounds: 0, decided: false, decision: 0, heard: ProcSet::new() }
    }

    fn phase() -> Phase<Self> {
        phase![FloodK]
    }

    fn decision(&self) -> Option<i64> {
        if self.decided { Some(self.decision) } else { None }
    }
}

/// The only round: broadcast the estimate, adopt the smallest one heard
/// until deciding, decide in round `⌊f/k⌋`.
pub struct FloodK;

impl Round<FloodMinKSet> for FloodK {
    type Msg = i64;

    fn send(p: &FloodMinKSet, _cx: &Ctx) -> Outbox<i64> {
        Outbox::broadcast(p.x)
    }

    fn update(p: &mut FloodMinKSet, mbox: &Mailbox<i64>, cx: &Ctx) {
        if !p.decided {
            if let Some(m) = mbox.min_by_key(|&v| v) {
                p.x = *m;
            }
        }
        p.heard = mbox.senders();
        if !p.decided && p.k_rounds + cx.param("k") > cx.param("f") {
            p.decided = true;
            p.decision = p.x;
        }
        p.k_rounds += cx.param("k");
    }
}

impl Spec for FloodMinKSet {
    fn assumptions(w: &World<Self>) -> Vec<bool> {
        vec![w.n() as i64 > w.param("f"), w.param("f") >= 0, w.param("k") >= 1]
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
        // The processes missed in the previous round: the crashed ones.
        let crashed = w.count(|q| w.exists(|p| !w[p].heard.contains(q))) as i64;
        vec![
            w.forall(|i| w.exists(|j| w[i].x == w.init(j).x))
                && w.forall(|i| w.forall(|j| w[i].k_rounds == w[j].k_rounds))
                && w.forall(|i| w[i].k_rounds >= w.round() as i64)
                && (w.round() > 0 || w.forall(|i| w[i].k_rounds == 0))
                && (w.round() == 0 || crashed <= f)
                && w.forall(|i| w[i].decided == (w[i].k_rounds > f) && implies(w[i].decided, w[i].decision == w[i].x))
                && (w.distinct(|i| w[i].x) as i64 <= w.param("k") || w.forall(|i| crashed >= w[i].k_rounds)),
        ]
    }

    fn properties(w: &World<Self>) -> Vec<(&'static str, bool)> {
        vec![
            ("KAgreement", w.distinct_where(|i| w[i].decided, |i| w[i].decision) as i64 <= w.param("k")),
            ("Validity", w.forall(|i| implies(w[i].decided, w.exists(|j| w.init(j).x == w[i].decision)))),
            ("Irrevocability", w.forall(|i| implies(w.old(i).decided, w[i].decided && w.old(i).decision == w[i].decision))),
            ("Termination", implies(w.round() as i64 > w.param("f"), w.forall(|i| w[i].decided))),
        ]
    }
}
