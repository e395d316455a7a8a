//! A snapshot of a whole run, what spec predicates are evaluated on.

use crate::dsl::domain::{ActiveValue, Leaf, collect_leaves};
use crate::dsl::{Params, ProcSet, ProcessId};
use serde::Serialize;
use std::cell::{Cell, OnceCell};
use std::ops::Index;
use std::sync::Arc;

/// The global state of a run after some rounds: the current states, the
/// states before the last round (`old`), the initial states (`init`), and
/// the heard-of sets of the last round.
///
/// A world after `r` rounds looks like a [`crate::Ctx`] at round `r`:
/// [`World::round`] is `r` (the next round to run) and [`World::coord`] is the
/// coordinator of that round's phase.
#[derive(Clone, Debug)]
pub struct World<P> {
    round: u64,
    phase_len: usize,
    init: Vec<P>,
    old: Vec<P>,
    cur: Vec<P>,
    ho: Vec<ProcSet>,
    aho: Vec<ProcSet>,
    params: Arc<Params>,
    domain: OnceCell<Vec<Leaf>>,
}

impl<P: Clone> World<P> {
    /// The world before any round: `old` and the current states are `init`,
    /// and the heard-of sets are empty.
    pub fn new(init: Vec<P>, phase_len: usize) -> World<P> {
        let n = init.len();
        World {
            round: 0,
            phase_len: phase_len.max(1),
            old: init.clone(),
            cur: init.clone(),
            init,
            ho: vec![ProcSet::new(); n],
            aho: vec![ProcSet::new(); n],
            params: Arc::default(),
            domain: OnceCell::new(),
        }
    }

    /// A world from its parts (e.g. a decoded counterexample). `None` if the
    /// vectors do not all have the same length.
    pub fn from_parts(round: u64, phase_len: usize, init: Vec<P>, old: Vec<P>, cur: Vec<P>, ho: Vec<ProcSet>) -> Option<World<P>> {
        let n = init.len();
        (old.len() == n && cur.len() == n && ho.len() == n).then(|| World {
            round,
            phase_len: phase_len.max(1),
            init,
            old,
            cur,
            aho: vec![ProcSet::new(); ho.len()],
            ho,
            params: Arc::default(),
            domain: OnceCell::new(),
        })
    }

    /// The same world with the run's parameter values.
    pub fn with_params(mut self, params: Arc<Params>) -> World<P> {
        self.params = params;
        self
    }

    /// The same world with the altered heard-of sets of its last round
    /// (value faults; empty by default). `None` if `aho` does not have one
    /// set per process.
    pub fn with_aho(mut self, aho: Vec<ProcSet>) -> Option<World<P>> {
        (aho.len() == self.cur.len()).then(|| {
            self.aho = aho;
            self
        })
    }

    /// The round that just ended as its safety predicate reads it: its
    /// pre-state (`old`) as the current state, its round number, and its
    /// heard-of sets (the verifier assumes `safety` over the pre-state of
    /// every transition). `None` before the first round.
    pub fn round_view(&self) -> Option<World<P>> {
        let round = self.round.checked_sub(1)?;
        let w = World::from_parts(round, self.phase_len, self.init.clone(), self.old.clone(), self.old.clone(), self.ho.clone())?;
        w.with_params(self.params.clone()).with_aho(self.aho.clone())
    }

    /// Moves one round on: the current states become `old`.
    pub fn step(&mut self, next: Vec<P>, ho: Vec<ProcSet>) {
        self.old = std::mem::replace(&mut self.cur, next);
        self.aho = vec![ProcSet::new(); ho.len()];
        self.ho = ho;
        self.round += 1;
        self.domain = OnceCell::new();
    }
}

impl<P> World<P> {
    /// Number of processes.
    pub fn n(&self) -> usize {
        self.cur.len()
    }
    /// The value of the algorithm's parameter `name` (declared in
    /// `Process::PARAMS`).
    ///
    /// # Panics
    /// If the run gave `name` no value.
    pub fn param(&self, name: &str) -> i64 {
        self.params.value(name)
    }
    /// The number of rounds run so far, i.e. the global number of the next round.
    pub fn round(&self) -> u64 {
        self.round
    }
    /// Rounds per phase.
    pub fn phase_len(&self) -> usize {
        self.phase_len
    }
    /// The phase of round [`World::round`].
    pub fn phase(&self) -> u64 {
        self.round / self.phase_len as u64
    }
    /// The coordinator of that phase: process `phase mod n`.
    pub fn coord(&self) -> ProcessId {
        ProcessId::new((self.phase() % self.n().max(1) as u64) as usize)
    }
    /// The initial state of `i`.
    pub fn init(&self, i: ProcessId) -> &P {
        &self.init[i.index()]
    }
    /// The state of `i` before the last round.
    pub fn old(&self, i: ProcessId) -> &P {
        &self.old[i.index()]
    }
    /// The heard-of set of `p` in the last round (empty before any round).
    pub fn ho(&self, p: ProcessId) -> &ProcSet {
        &self.ho[p.index()]
    }
    /// The senders `p` heard of in the last round whose message arrived
    /// altered (value faults): a subset of [`World::ho`], empty when the
    /// run injects no value faults.
    pub fn aho(&self, p: ProcessId) -> &ProcSet {
        &self.aho[p.index()]
    }
    /// The senders `p` heard of in the last round whose message arrived as
    /// sent: [`World::ho`] minus [`World::aho`].
    pub fn sho(&self, p: ProcessId) -> ProcSet {
        self.ho[p.index()].difference(&self.aho[p.index()])
    }
    /// All current states, by process.
    pub fn states(&self) -> &[P] {
        &self.cur
    }
    /// All heard-of sets of the last round.
    pub fn ho_sets(&self) -> &[ProcSet] {
        &self.ho
    }
    /// The processes `0..n`.
    pub fn procs(&self) -> impl Iterator<Item = ProcessId> + use<P> {
        (0..self.n()).map(ProcessId::new)
    }
    /// Whether `f` holds for every process.
    pub fn forall(&self, f: impl Fn(ProcessId) -> bool) -> bool {
        self.procs().all(f)
    }
    /// Whether `f` holds for some process.
    pub fn exists(&self, f: impl Fn(ProcessId) -> bool) -> bool {
        self.procs().any(f)
    }
    /// The number of processes satisfying `f`.
    pub fn count(&self, f: impl Fn(ProcessId) -> bool) -> usize {
        self.procs().filter(|&p| f(p)).count()
    }
    /// The number of distinct values `value(p)` over all processes
    /// (`|{v | ∃p. value(p) = v}|`).
    pub fn distinct<T: PartialEq>(&self, value: impl Fn(ProcessId) -> T) -> usize {
        self.distinct_where(|_| true, value)
    }
    /// The number of distinct values `value(p)` over the processes
    /// satisfying `keep` (`|{v | ∃p. keep(p) ∧ value(p) = v}|`).
    pub fn distinct_where<T: PartialEq>(&self, keep: impl Fn(ProcessId) -> bool, value: impl Fn(ProcessId) -> T) -> usize {
        let mut seen: Vec<T> = Vec::new();
        for v in self.procs().filter(|&p| keep(p)).map(value) {
            if !seen.contains(&v) {
                seen.push(v);
            }
        }
        seen.len()
    }
}

impl<P: Serialize> World<P> {
    fn domain(&self) -> &[Leaf] {
        self.domain.get_or_init(|| {
            let mut out = Vec::new();
            for s in self.cur.iter().chain(&self.old).chain(&self.init) {
                collect_leaves(s, &mut out);
            }
            out
        })
    }

    /// The values of type `T` present in the run (in current, old and initial
    /// states), without repetition, in order of first appearance.
    pub fn values<T: ActiveValue + PartialEq>(&self) -> Vec<T> {
        let mut vs: Vec<T> = Vec::new();
        for v in self.domain().iter().filter_map(T::from_leaf) {
            if !vs.contains(&v) {
                vs.push(v);
            }
        }
        vs
    }
    /// Whether `f` holds for some value of type `T` present in the run.
    pub fn exists_value<T: ActiveValue>(&self, f: impl Fn(T) -> bool) -> bool {
        self.domain().iter().filter_map(T::from_leaf).any(f)
    }
    /// Whether `f` holds for every value of type `T` present in the run.
    pub fn forall_value<T: ActiveValue>(&self, f: impl Fn(T) -> bool) -> bool {
        self.domain().iter().filter_map(T::from_leaf).all(f)
    }
    /// The process sets present in the run: the heard-of sets of the last
    /// round and the sets inside states.
    pub fn sets(&self) -> Vec<ProcSet> {
        let mut v: Vec<ProcSet> = Vec::new();
        for s in self.ho.iter().cloned().chain(self.domain().iter().filter_map(ProcSet::from_leaf)) {
            if !v.contains(&s) {
                v.push(s);
            }
        }
        v
    }
    /// Whether `f` holds for some process set present in the run.
    pub fn exists_set(&self, f: impl Fn(&ProcSet) -> bool) -> bool {
        self.sets().iter().any(f)
    }
    /// Whether `f` holds for every process set present in the run.
    pub fn forall_set(&self, f: impl Fn(&ProcSet) -> bool) -> bool {
        self.sets().iter().all(f)
    }
}

impl<P> Index<ProcessId> for World<P> {
    type Output = P;
    fn index(&self, i: ProcessId) -> &P {
        &self.cur[i.index()]
    }
}

/// Logical implication `a ⇒ b`.
pub fn implies(a: bool, b: bool) -> bool {
    !a || b
}

/// Marks a property as termination-style: the verifier proves it from the
/// last invariant (reached after the good phases the liveness predicates
/// describe) instead of from `Inv_0`.
///
/// As a function it is the identity, except in the simulator's monitors,
/// which read the properties after every round: they cannot tell a run that
/// has yet to reach its good phases from one that never will, so there such
/// a property counts as holding. The simulator lists those still false when
/// a run ends (`SimOutcome::pending`).
pub fn eventually(b: bool) -> bool {
    b || SAFETY_VIEW.with(Cell::get)
}

thread_local! {
    /// Whether this thread is inside [`safety_view`].
    static SAFETY_VIEW: Cell<bool> = const { Cell::new(false) };
}

/// `read()`, with every [`eventually`] it evaluates taken as holding: the
/// properties as a round-by-round monitor may check them.
pub(crate) fn safety_view<T>(read: impl FnOnce() -> T) -> T {
    /// Puts the flag back as it was, even if `read` panics.
    struct Restore(bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            SAFETY_VIEW.with(|v| v.set(self.0));
        }
    }
    let _restore = Restore(SAFETY_VIEW.with(|v| v.replace(true)));
    read()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Debug, Serialize)]
    struct S {
        x: i64,
        seen: ProcSet,
    }

    #[test]
    fn quantifiers_over_processes_values_and_sets() {
        let p = |x| S { x, seen: ProcSet::new() };
        let mut w = World::new(vec![p(1), p(2), p(2)], 2);
        assert_eq!(w.n(), 3);
        assert!(w.exists_value(|v: i64| w.count(|i| w[i].x == v) == 2));
        assert!(!w.exists_value(|v: i64| v == 3));
        let all: ProcSet = ProcSet::full(3);
        w.step(vec![p(2), p(2), S { x: 2, seen: all.clone() }], vec![all.clone(); 3]);
        assert_eq!(w.round(), 1);
        assert_eq!(w.old(ProcessId::new(0)).x, 1);
        assert_eq!(w.init(ProcessId::new(0)).x, 1);
        assert!(w.forall(|i| w[i].x == 2));
        assert!(w.exists_value(|v: i64| v == 1), "old/init values are in the domain");
        assert!(w.exists_set(|s| w.forall(|q| w.ho(q) == s) && s.len() == 3));
        assert!(w.forall_value(|v: i64| v >= 1));
        assert_eq!(w.values::<i64>(), vec![2, 1]);
        assert!(implies(false, false) && !implies(true, false));
        assert_eq!(w.coord(), ProcessId::new(0));
        w.step(w.states().to_vec(), vec![all; 3]);
        assert_eq!(w.coord(), ProcessId::new(1));
    }

    #[test]
    fn distinct_counts_values_of_the_kept_processes() {
        let p = |x| S { x, seen: ProcSet::new() };
        let w = World::new(vec![p(4), p(1), p(4), p(7)], 1);
        assert_eq!(w.distinct(|i| w[i].x), 3);
        assert_eq!(w.distinct_where(|i| w[i].x != 7, |i| w[i].x), 2);
        assert_eq!(w.distinct_where(|i| i.index() == 0 || i.index() == 2, |i| w[i].x), 1);
        assert_eq!(w.distinct_where(|_| false, |i| w[i].x), 0);
    }
}
