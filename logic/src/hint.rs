//! Proof hints: which strategy proved a formula, and which assertions of
//! its reduced query the solver's unsat core named, so that a later check
//! of the same formula can try that subset first.
//!
//! Why a hint can never make a check say `unsat` wrongly: every assertion
//! of a reduced query is part of a sound reduction, so if a *subset* of
//! them is unsatisfiable, the whole query is, and so is the formula. A hint
//! only chooses which subset to try first; anything but `unsat` from the
//! subset is thrown away (a model of a subset is no counterexample) and the
//! check goes on with the whole query. A stale, foreign or corrupted hint
//! costs time, never a wrong verdict. (F*'s hint files rest on the same
//! argument.)
//!
//! Why it pays: the reduction adds every Venn region, definition instance
//! and witness that *might* be needed; the solver's cores on the
//! benchmarks' heavy parts hold 20–42 of 185–446 assertions and solve in a
//! fraction of the time of the whole query.

use std::fmt;
use std::hash::Hasher as _;
use std::time::{Duration, Instant};

use crate::Term;
use crate::check::{CheckConfig, Strategy, query};
use crate::smt::{Backend, Cancel, SmtQuery};

/// A remembered proof: the strategy whose reduction proved the formula and
/// the keys of the assertions in the solver's unsat core.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Hint {
    /// The strategy that proved the formula.
    pub strategy: Strategy,
    /// The keys of the core's assertions, sorted.
    pub core: Vec<TermKey>,
}

/// The identity of a formula or of a reduced assertion across runs: a hash
/// of its printed form ([`Term`]'s `Display`, which is local to the term;
/// the SMT-LIB text is not, since bound variables are renamed by what the
/// rest of the query declares). Printed as 16 hex digits. A collision can
/// only put a different subset first, which is sound.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TermKey(pub u64);

impl TermKey {
    /// The key of `t`.
    pub fn of(t: &Term) -> TermKey {
        // FxHash has no per-process seed: the same term has the same key in
        // every run of the same build.
        let mut h = rustc_hash::FxHasher::default();
        h.write(t.to_string().as_bytes());
        TermKey(h.finish())
    }
}

impl fmt::Display for TermKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}

impl serde::Serialize for TermKey {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> serde::Deserialize<'de> for TermKey {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<TermKey, D::Error> {
        let text = String::deserialize(d)?;
        u64::from_str_radix(&text, 16)
            .ok()
            .filter(|_| text.len() == 16)
            .map(TermKey)
            .ok_or_else(|| serde::de::Error::custom(format!("`{text}` is not a key (16 hex digits)")))
    }
}

/// The query of the `assertions` (a reduced query's) whose keys `hint`
/// names, in their order, or `None` when that would be all of them
/// (nothing to gain) or none. Only the core is copied.
pub fn core_query(assertions: &[Term], hint: &Hint) -> Option<SmtQuery> {
    let core: Vec<Term> =
        assertions.iter().filter(|a| hint.core.binary_search(&TermKey::of(a)).is_ok()).cloned().collect();
    (!core.is_empty() && core.len() < assertions.len()).then_some(SmtQuery { assertions: core })
}

/// A hint for `q`, which `strategy`'s reduction made and which is
/// unsatisfiable: the strategy, and the backend's unsat core if the core
/// alone is unsatisfiable again within `timeout`. Best effort: without a
/// usable core (none in time, a back end that names none, a core no
/// smaller than the query) the hint still names the strategy, which then
/// goes first.
pub fn record(q: &SmtQuery, strategy: Strategy, backend: &dyn Backend, timeout: Duration, stop: &Cancel) -> Hint {
    let deadline = Instant::now() + timeout;
    match backend.unsat_core(q, timeout, stop) {
        Ok(Some(indices)) => confirmed(q, strategy, &indices, backend, deadline, stop),
        _ => Hint { strategy, core: Vec::new() },
    }
}

/// The hint naming the assertions of `q` at `indices`, if they alone are
/// unsatisfiable again by `deadline` (a core the next run could not use is
/// not worth storing); else the bare hint.
fn confirmed(q: &SmtQuery, strategy: Strategy, indices: &[usize], backend: &dyn Backend, deadline: Instant, stop: &Cancel) -> Hint {
    let bare = Hint { strategy, core: Vec::new() };
    let mut core: Vec<TermKey> = indices.iter().filter_map(|&k| q.assertions.get(k)).map(TermKey::of).collect();
    core.sort_unstable();
    core.dedup();
    let hint = Hint { strategy, core };
    let Some(sub) = core_query(&q.assertions, &hint) else { return bare };
    let left = deadline.saturating_duration_since(Instant::now());
    match backend.check_unsat(&sub, left, stop) {
        Ok(true) => hint,
        _ => bare,
    }
}

/// An unsatisfiable subset of `q`'s assertions (their indices), found
/// without naming a core: delete a chunk of assertions, keep the deletion
/// if what is left is still `unsat` in about the time the last success
/// took, and go on with smaller and smaller chunks until `budget` is spent.
/// `None` when nothing could be deleted.
///
/// Why: naming a core puts every assertion behind an assumption literal,
/// and on some queries that stops the solver from finding any proof in
/// time (OTR's progress inv0 part 3, proved in 0.2 s: no core in 10 s from
/// any strategy). Plain `check-sat`s of subsets do not have that problem,
/// and any unsatisfiable subset is a sound hint, so the search need not
/// reach a minimal one. Each candidate gets twice the time of the last
/// success (at least [`SHRINK_FLOOR`]): a subset that only a slower proof
/// refutes is no better hint than the query it came from.
pub fn shrink(q: &SmtQuery, backend: &dyn Backend, budget: Duration, stop: &Cancel) -> Option<Vec<usize>> {
    let deadline = Instant::now() + budget;
    let left = || deadline.saturating_duration_since(Instant::now());
    let unsat_in = |keep: &[usize], limit: Duration| -> Option<Duration> {
        let sub = SmtQuery { assertions: keep.iter().map(|&k| q.assertions[k].clone()).collect() };
        let t = Instant::now();
        matches!(backend.check_unsat(&sub, limit.min(left()), stop), Ok(true)).then(|| t.elapsed())
    };
    let mut keep: Vec<usize> = (0..q.assertions.len()).collect();
    // The whole query's own time sets the first limit.
    let mut limit = (unsat_in(&keep, left())? * 2).max(SHRINK_FLOOR);
    for chunks in SHRINK_CHUNKS {
        let size = (keep.len() / chunks).max(1);
        let mut at = 0;
        while at < keep.len() {
            if left().is_zero() || stop.is_cancelled() {
                break;
            }
            let candidate: Vec<usize> = keep[..at].iter().chain(&keep[(at + size).min(keep.len())..]).copied().collect();
            match unsat_in(&candidate, limit) {
                Some(took) => {
                    keep = candidate;
                    limit = (took * 2).max(SHRINK_FLOOR);
                }
                _ => at += size,
            }
        }
    }
    (keep.len() < q.assertions.len()).then_some(keep)
}

/// The chunk counts of [`shrink`]'s passes, coarse to fine.
const SHRINK_CHUNKS: [usize; 4] = [4, 16, 64, 256];

/// The least time [`shrink`] gives a candidate subset.
const SHRINK_FLOOR: Duration = Duration::from_millis(50);

/// A hint for `f`, which `winner`'s reduced query `q` proved in `took`
/// (`None` when the proof needed refinement, whose additions are not
/// replayed): the core of the first of the strategies (the winner, then
/// the rest of `order`) whose query a core is named for, each with a
/// bounded effort; without any, the winner alone. Why the others: naming a core puts the
/// assertions behind assumption literals, which can slow the solver down
/// a hundredfold on one strategy's query (OTR's progress inv1 under global
/// anchors: 0.11 s, and 11.8 s with named assertions in the `z3` binary)
/// and not on another's.
#[allow(clippy::too_many_arguments)]
pub(crate) fn record_proof(
    f: &Term,
    q: Option<&SmtQuery>,
    winner: Strategy,
    order: &[Strategy],
    cfg: &CheckConfig,
    backend: &dyn Backend,
    deadline: Instant,
    took: Duration,
) -> Hint {
    // Naming a core can take much longer than the proof (a part proved in
    // 0.16 s took 34 s with its assertions named): a bounded effort per
    // strategy, within the budget.
    let effort = RECORD_EFFORT.max(took * 4);
    let stop = Cancel::new();
    let left = || deadline.saturating_duration_since(Instant::now()).min(effort);
    let hint = match q {
        Some(q) => record(q, winner, backend, left(), &stop),
        None => Hint { strategy: winner, core: Vec::new() },
    };
    if !hint.core.is_empty() {
        return hint;
    }
    // The other strategies' reductions are bounded by the deadline too: on
    // a large formula one can take longer than the whole proof did.
    let interrupt = crate::reduce::Interrupt::at(deadline, &stop);
    for &strategy in order.iter().filter(|s| **s != winner) {
        if left().is_zero() {
            return hint;
        }
        let Ok(reduced) = crate::reduce::reduce_within(f, &strategy.apply(&cfg.reduce), &interrupt) else { continue };
        let other = record(&query(&reduced), strategy, backend, left(), &stop);
        if !other.core.is_empty() {
            return other;
        }
    }
    // No strategy names a core in time: look for an unsatisfiable subset
    // of the winner's query by deletion instead.
    let Some(q) = q else { return hint };
    let budget = deadline.saturating_duration_since(Instant::now()).min((took * SHRINK_EFFORT).clamp(RECORD_EFFORT * 4, SHRINK_CAP));
    let t = Instant::now();
    let Some(keep) = shrink(q, backend, budget, &stop) else { return hint };
    let shrunk = confirmed(q, winner, &keep, backend, deadline, &stop);
    tracing::debug!(ms = t.elapsed().as_millis() as u64, kept = keep.len(), of = q.assertions.len(), "shrunk");
    shrunk
}

/// How many times the proof's time the deletion search may take.
const SHRINK_EFFORT: u32 = 20;

/// The most time the deletion search takes for one proof.
const SHRINK_CAP: Duration = Duration::from_secs(10);

/// The least time a hint's recording gets per strategy (naming the core,
/// replaying it), whatever the proof took.
const RECORD_EFFORT: Duration = Duration::from_millis(500);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::smt::Z3InProcess;
    use crate::{Sort, build};

    fn atom(name: &str) -> Term {
        build::cnst(name, Sort::Bool)
    }

    #[test]
    fn keys_are_stable_and_tell_terms_apart() {
        let (a, b) = (atom("a"), atom("b"));
        assert_eq!(TermKey::of(&a), TermKey::of(&atom("a")));
        assert_ne!(TermKey::of(&a), TermKey::of(&b));
        let text = serde_json::to_string(&TermKey(0xab)).unwrap();
        assert_eq!(text, "\"00000000000000ab\"");
        assert_eq!(serde_json::from_str::<TermKey>(&text).unwrap(), TermKey(0xab));
        assert!(serde_json::from_str::<TermKey>("\"ab\"").is_err(), "too short");
        assert!(serde_json::from_str::<TermKey>("\"zz00000000000000\"").is_err(), "not hex");
    }

    #[test]
    fn a_recorded_core_is_a_proper_unsat_subset() {
        // a ∧ ¬a is the core; b, c and b ∨ c are noise.
        let (a, b, c) = (atom("a"), atom("b"), atom("c"));
        let q = SmtQuery { assertions: vec![b.clone(), a.clone(), c.clone(), build::not(a.clone()), build::or(vec![b, c])] };
        let backend = Z3InProcess::new();
        let hint = record(&q, Strategy::Ground, &backend, Duration::from_secs(10), &Cancel::new());
        let mut want = vec![TermKey::of(&a), TermKey::of(&build::not(a))];
        want.sort_unstable();
        assert_eq!(hint, Hint { strategy: Strategy::Ground, core: want });
        let sub = core_query(&q.assertions, &hint).expect("a proper subset");
        assert_eq!(sub.assertions.len(), 2);
    }

    #[test]
    fn shrinking_deletes_what_the_proof_does_not_need() {
        let (a, b, c) = (atom("a"), atom("b"), atom("c"));
        let q = SmtQuery { assertions: vec![b.clone(), a.clone(), c.clone(), build::not(a), build::or(vec![b, c])] };
        let backend = Z3InProcess::new();
        let keep = shrink(&q, &backend, Duration::from_secs(10), &Cancel::new());
        assert_eq!(keep, Some(vec![1, 3]), "a and ¬a, each noise assertion deleted");
    }

    #[test]
    fn shrinking_finds_nothing_in_a_satisfiable_query_or_without_time() {
        let backend = Z3InProcess::new();
        let sat = SmtQuery { assertions: vec![atom("a"), atom("b")] };
        assert_eq!(shrink(&sat, &backend, Duration::from_secs(10), &Cancel::new()), None);
        let unsat = SmtQuery { assertions: vec![atom("b"), atom("a"), build::not(atom("a"))] };
        assert_eq!(shrink(&unsat, &backend, Duration::ZERO, &Cancel::new()), None);
        let stopped = Cancel::new();
        stopped.cancel();
        assert_eq!(shrink(&unsat, &backend, Duration::from_secs(10), &stopped), None);
    }

    #[test]
    fn no_core_for_a_satisfiable_query_or_an_all_or_nothing_subset() {
        let backend = Z3InProcess::new();
        let q = SmtQuery { assertions: vec![atom("a"), atom("b")] };
        let bare = Hint { strategy: Strategy::Ground, core: Vec::new() };
        assert_eq!(record(&q, Strategy::Ground, &backend, Duration::from_secs(10), &Cancel::new()), bare);
        let whole = SmtQuery { assertions: vec![atom("a"), build::not(atom("a"))] };
        assert_eq!(record(&whole, Strategy::Ground, &backend, Duration::from_secs(10), &Cancel::new()), bare, "the core is the whole query");
        let every = Hint { strategy: Strategy::Ground, core: { let mut k: Vec<_> = q.assertions.iter().map(TermKey::of).collect(); k.sort_unstable(); k } };
        assert_eq!(core_query(&q.assertions, &every), None, "the whole query is no subset worth trying");
        let foreign = Hint { strategy: Strategy::Ground, core: vec![TermKey::of(&atom("z"))] };
        assert_eq!(core_query(&q.assertions, &foreign), None, "a hint naming nothing of the query");
    }
}
