//! Running one VC through the CL pipeline and decoding the answer.

use std::time::{Duration, Instant};

use psync_logic::{Model, Term};
use psync_logic::bounded::{self, BoundedConfig, BoundedError, BoundedResult};
use psync_logic::check::{CheckConfig, CheckError, CheckResult, Strategy, check_sat};
use psync_logic::smt::{Backend, Cancel};

use crate::cex::{Counterexample, decode};
use crate::explain;
use crate::hints::{PartHint, VcHints};
use crate::interruptible::Interruptible;
use crate::ir::Algorithm;
use crate::vacuity::{self, Hypotheses, Vacuity};
use crate::vc::{Vc, VcKind};

/// The verdict on one VC; verdicts are never merged.
#[derive(Clone, Debug, serde::Serialize)]
pub enum Verdict {
    /// `H ∧ ¬C` is unsatisfiable: the VC holds for every `n`.
    Proved,
    /// A confirmed counterexample.
    Refuted(Box<Counterexample>),
    /// The solver gave up (or its model could not be confirmed).
    Unknown(String),
    /// The time limit was reached.
    Timeout,
    /// `H ∧ ¬C` is unsatisfiable because `H` is: the VC holds whatever
    /// its conclusion says ([`crate::vacuity`]).
    Vacuous(Box<Vacuity>),
}

impl Verdict {
    /// The verdict without its evidence.
    pub fn kind(&self) -> VerdictKind {
        match self {
            Verdict::Proved => VerdictKind::Proved,
            Verdict::Refuted(_) => VerdictKind::Refuted,
            Verdict::Unknown(_) => VerdictKind::Unknown,
            Verdict::Timeout => VerdictKind::Timeout,
            Verdict::Vacuous(_) => VerdictKind::Vacuous,
        }
    }
}

/// Which of the five [`Verdict`]s a VC ended with, without the evidence:
/// what reports count, serialize and compare. They are never merged: a
/// timeout is not an "unknown", a "vacuous" is not a "proved".
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum VerdictKind {
    /// [`Verdict::Proved`].
    Proved,
    /// [`Verdict::Refuted`].
    Refuted,
    /// [`Verdict::Unknown`].
    Unknown,
    /// [`Verdict::Timeout`].
    Timeout,
    /// [`Verdict::Vacuous`].
    Vacuous,
}

impl VerdictKind {
    /// The lowercase name every output format uses.
    pub fn as_str(self) -> &'static str {
        match self {
            VerdictKind::Proved => "proved",
            VerdictKind::Refuted => "refuted",
            VerdictKind::Unknown => "unknown",
            VerdictKind::Timeout => "timeout",
            VerdictKind::Vacuous => "vacuous",
        }
    }
}

/// A VC's verdict and how long it took.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Outcome {
    /// The VC id.
    pub id: String,
    /// The verdict.
    pub verdict: Verdict,
    /// Wall-clock time of the check.
    pub time: Duration,
    /// The hints of the proved parts that have one (given and confirmed,
    /// or recorded when [`CheckConfig::record_hint`] is set).
    #[serde(skip)]
    pub hints: Vec<PartHint>,
    /// How many parts their hint's core decided.
    #[serde(skip)]
    pub hinted_parts: usize,
    /// For a proved VC whose hypotheses could be shown neither satisfiable
    /// nor unsatisfiable: why (the proof stands; it may be vacuous).
    pub note: Option<String>,
    /// The part of `time` spent on the vacuity review of a proof.
    #[serde(skip)]
    pub review: Duration,
    /// For a proved VC: the model of its hypotheses the review found (kept
    /// in hint files, so that the next review only evaluates it).
    #[serde(skip)]
    pub witness: Option<Model>,
}

/// The least time the vacuity review of a proof gets, even when the proof
/// (with the recording of its hints) used up the VC's budget: most reviews
/// take a few milliseconds, and a proof whose review could not run at all
/// would be reported as possibly vacuous.
const REVIEW_MIN: Duration = Duration::from_secs(2);

/// Check `vc` of `alg` with `backend`, part by part ([`Vc::parts`]): proved
/// when every part is; refuted by the first part with a confirmed model
/// (completed to the whole formula's symbols, and re-solved at its size
/// with small data: [`bounded::with_small_data`]). `cfg.timeout` is the VC's
/// budget: each part gets what the parts before it left. A part with a hint
/// among `hints` (recorded by an earlier run, see [`crate::hints`]) tries
/// it first. A proved VC whose hypotheses are unsatisfiable is
/// [`Verdict::Vacuous`] instead ([`vacuity::review`], which tries the
/// witness in `hints` first); an `unknown` is explained
/// ([`explain::unknown`]).
///
/// When `cfg` asks for it, a bounded counterexample search on the whole
/// formula ([`psync_logic::bounded`]) races the proof on a thread of its
/// own, from [`SEARCH_HEAD_START`] on (half the timeout when every part has
/// a hint; the smallest sizes already from [`FIRST_SWEEP_HEAD_START`]) and
/// within the same deadline: its
/// confirmed model refutes the VC at once and stops the proof, and a proof
/// stops it. Otherwise the verdict is the first undecided part's, with what
/// the search found out.
pub fn check_vc(
    alg: &Algorithm,
    vc: &Vc,
    cfg: &CheckConfig,
    backend: &dyn Backend,
    hints: &VcHints,
) -> Result<Outcome, CheckError> {
    let start = Instant::now();
    let whole = vc.formula();
    let query = vc.query();
    let proof_backend = Interruptible::new(backend);
    let search_stop = Cancel::new();
    // Every part proved before in this very form: the proof is expected
    // again, and the search waits longer before taking a core from it.
    let all_hinted = !hints.parts.is_empty() && vc.parts().iter().all(|p| PartHint::find(&hints.parts, p).is_some());
    let search_wait = if all_hinted { cfg.timeout / 2 } else { SEARCH_HEAD_START.min(cfg.timeout / 4) };
    let (proof, search) = std::thread::scope(|scope| {
        let search = cfg.bounded_search.then(|| {
            let (whole, proof_backend, search_stop) = (&query, &proof_backend, &search_stop);
            std::thread::Builder::new().stack_size(SEARCH_STACK).spawn_scoped(scope, move || {
                // A confirmed model stops the proof.
                let search = |bounded: &BoundedConfig| {
                    let found = bounded::search_until(whole, bounded, backend, search_stop);
                    if matches!(found, Ok(BoundedResult::Found(_))) {
                        proof_backend.stop();
                    }
                    found
                };
                // Cancelled during a head start: proved, not needed.
                // A VC not proved within the first sweep's head start gets
                // the smallest sizes searched at once: most wrong specs
                // show at n ≤ 3, in a few hundred milliseconds.
                if !all_hinted {
                    if search_stop.sleep_until(start + FIRST_SWEEP_HEAD_START.min(search_wait)) {
                        return None;
                    }
                    let first = search(&FIRST_SWEEP);
                    if matches!(first, Ok(BoundedResult::Found(_))) {
                        return Some(first);
                    }
                }
                if search_stop.sleep_until(start + search_wait) {
                    return None;
                }
                Some(search(&BoundedConfig::for_timeout(cfg.timeout.saturating_sub(start.elapsed()))))
            })
        });
        let proof = prove_parts(vc, cfg, &proof_backend, &hints.parts, start + cfg.timeout);
        // A proof (or a refutation) ends the search; an undecided proof
        // leaves it the rest of the deadline.
        if !matches!(proof, Ok(Proof::Undecided(..))) {
            search_stop.cancel();
        }
        let search = search.and_then(|s| match s {
            Ok(handle) => handle.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            Err(e) => Some(Err(BoundedError::Unsupported(format!("cannot start the search thread: {e}")))),
        });
        (proof, search)
    });
    let refuted = |mut m: Model| {
        m.complete(&whole.funs());
        Verdict::Refuted(Box::new(decode(alg, vc, &m)))
    };
    let outcome = |verdict, hints, hinted_parts| Outcome {
        id: vc.id.clone(),
        verdict,
        time: start.elapsed(),
        hints,
        hinted_parts,
        note: None,
        review: Duration::ZERO,
        witness: None,
    };
    let (found, note) = match search {
        None => (None, None),
        Some(Ok(BoundedResult::Found(m))) => (Some(m), None),
        Some(Ok(r)) => (None, Some(format!("bounded search: {}", r.summary()))),
        Some(Err(e)) => (None, Some(format!("bounded search skipped: {e}"))),
    };
    // A confirmed model is a verdict even when the proof failed.
    let both = match (proof, found) {
        (Err(_), Some(m)) => return Ok(outcome(refuted(m), Vec::new(), 0)),
        (proof, found) => (proof?, found),
    };
    Ok(match both {
        // A counterexample of the search and a proof cannot both exist.
        (Proof::Proved { .. }, Some(_)) => {
            return Err(CheckError::Disagreement { unsat: "the reduction", sat: "the bounded search" });
        }
        (Proof::Refuted(m), None) => outcome(refuted(bounded::with_small_data(&query, m, backend, &Cancel::new())), Vec::new(), 0),
        (Proof::Refuted(m), _) | (_, Some(m)) => outcome(refuted(m), Vec::new(), 0),
        (Proof::Proved { hints: kept, hinted_parts }, None) => {
            let reviewing = Instant::now();
            let budget = (start + cfg.timeout).saturating_duration_since(reviewing).max(REVIEW_MIN);
            let mut o = outcome(Verdict::Proved, kept, hinted_parts);
            match vacuity::review(alg, vc, cfg, backend, budget, hints.witness.as_ref())? {
                Hypotheses::Satisfiable(m) => o.witness = Some(*m),
                Hypotheses::Unsatisfiable(why) => o.verdict = Verdict::Vacuous(Box::new(why)),
                Hypotheses::Undecided(why) => {
                    o.note = Some(format!("the hypotheses were shown neither satisfiable nor unsatisfiable, so the proof may be vacuous ({why})"));
                }
            }
            o.review = reviewing.elapsed();
            o.time = start.elapsed();
            o
        }
        (Proof::Undecided(first, missed, at), None) => {
            // A timeout keeps what the search found out (no counterexample
            // up to some n): the VC is then likely true, and the budget short.
            let (verdict, at) = match (first, note) {
                (CheckResult::Unknown(why), Some(note)) => {
                    (Verdict::Unknown(explain::unknown(vc, &format!("{why}; {note}"), &missed)), at)
                }
                (CheckResult::Unknown(why), None) => (Verdict::Unknown(explain::unknown(vc, &why, &missed)), at),
                (_, Some(note)) => (Verdict::Timeout, format!("{at}; {note}")),
                (_, None) => (Verdict::Timeout, at),
            };
            let mut o = outcome(verdict, Vec::new(), 0);
            o.note = Some(at);
            o
        }
    })
}

/// How long the proof runs alone before the search joins it (at most a
/// quarter of the VC's time): most VCs are proved within it. On 2 cores
/// under load (load average 11–14), a search beside every proof from the
/// start slowed the check of both benchmark files from 7–13 s to 13–14 s;
/// with a 1 s head start it took 9–11 s against 8 s; with 2 s, 4.3–8.9 s
/// against 5.6–9.2 s (5 runs each, alternating).
const SEARCH_HEAD_START: Duration = Duration::from_secs(2);

/// How long the proof runs alone before the first sweep of the search
/// (the smallest sizes, [`FIRST_SWEEP`]): most correct VCs are proved
/// within it, so they never meet the sweep. Measured on 2 cores: OTR's
/// mutants are refuted in a median 1.0 s (2.1 s with the 2 s head start
/// alone), and the cold check of the zoo's ten fast files takes 2–8 %
/// longer (27.1–28.5 s against 26.3–26.8 s, three runs each); with the
/// sweep after 0.3 s it took 10–20 % longer.
const FIRST_SWEEP_HEAD_START: Duration = Duration::from_secs(1);

/// The search's first sweep, before [`SEARCH_HEAD_START`]: `n ≤ 3`, any
/// data, within 1.5 s (OTR's `n = 3` query alone takes 0.3 s). The whole
/// search after the head start tries these sizes again.
const FIRST_SWEEP: BoundedConfig = BoundedConfig {
    max_n: 3,
    exact_max_n: 3,
    timeout_per_n: Duration::from_secs(1),
    budget: Duration::from_millis(1500),
};

/// Stack of the search thread: the lowering recurses over terms (as the
/// reduction's strategies do; only touched pages are committed).
const SEARCH_STACK: usize = 64 << 20;

/// What the proof of a VC's parts came to.
enum Proof {
    /// Every part is unsatisfiable; with the hints of the parts.
    Proved { hints: Vec<PartHint>, hinted_parts: usize },
    /// A part has a confirmed model.
    Refuted(Model),
    /// The first undecided part's verdict (`Unknown` or `Timeout`), with
    /// the labels of the conjuncts of the VC a spurious model of it
    /// falsified ([`missed_conjuncts`]), and which part it is, in words.
    Undecided(CheckResult, Vec<String>, String),
}

/// Prove the parts of `vc` one after the other, until `deadline`.
fn prove_parts(
    vc: &Vc,
    cfg: &CheckConfig,
    backend: &Interruptible,
    hints: &[PartHint],
    deadline: Instant,
) -> Result<Proof, CheckError> {
    let mut undecided: Option<(CheckResult, Vec<String>, String)> = None;
    let (mut kept, mut hinted_parts) = (Vec::new(), 0);
    // The parts of a VC share most of their hypotheses, so the strategy that
    // proved one part goes first for the next ones.
    let mut strategies = cfg.scheduled();
    // A progress VC's liveness predicate makes the sets that matter ground
    // (one heard-of set for all, the coordinator's mailbox): there PSync's
    // ground reduction is what decides, with small queries, so it goes
    // first. Measured: LastVoting's progress parts take 10–25 ms under it
    // and 0.2 s or more (a spurious model, or the head start lost) under
    // the parameterized ones; OTR's answer `unknown` within 0.14 s, and
    // the other strategies then start at once.
    if vc.kind == VcKind::Progress
        && let Some(k) = strategies.iter().position(|s| *s == Strategy::Ground)
    {
        let ground = strategies.remove(k);
        strategies.insert(0, ground);
    }
    let parts = vc.parts();
    // Parts are conclusion conjuncts × hypothesis cases, in that order.
    let cases = (parts.len() / vc.conclusion.len().max(1)).max(1);
    // Which part is undecided, in words; `tried` when the part itself ran
    // out of time or was not proved, not when the parts before it used the
    // time up (a part proving `true` then reads as not reached, not as
    // beyond the prover).
    let where_undecided = |k: usize, tried: bool| {
        // (A label may quote the whole invariant after " of: ".)
        let conjunct = vc.conclusion.get(k / cases).map_or("", |c| c.label.split(" of: ").next().unwrap_or_default());
        let case = if cases > 1 { format!(", hypothesis case {} of {cases}", k % cases + 1) } else { String::new() };
        match tried {
            true => format!("the first part not decided is {} of {} (proving `{conjunct}`{case})", k + 1, parts.len()),
            false => format!(
                "the time ran out with {k} of {} parts proved, before part {} (proving `{conjunct}`{case})",
                parts.len(),
                k + 1
            ),
        }
    };
    for (k, part) in parts.iter().enumerate() {
        let left = deadline.saturating_duration_since(Instant::now());
        // Stopped: the search has refuted the VC.
        if left.is_zero() || backend.is_stopped() {
            undecided.get_or_insert((CheckResult::Timeout, Vec::new(), where_undecided(k, false)));
            break;
        }
        let hint = PartHint::find(hints, part).cloned();
        let per_part = CheckConfig { bounded_search: false, timeout: left, strategies: strategies.clone(), hint, ..cfg.clone() };
        let checked = check_sat(part, &per_part, backend)?;
        match checked.result {
            CheckResult::Unsat => {
                hinted_parts += usize::from(checked.stats.hinted);
                if let Some(hint) = checked.hint {
                    kept.push(PartHint { formula: psync_logic::hint::TermKey::of(part), hint });
                }
                if let Some(k) = checked.stats.strategy.and_then(|s| strategies.iter().position(|t| *t == s)) {
                    let s = strategies.remove(k);
                    strategies.insert(0, s);
                }
            }
            CheckResult::Sat(m) => return Ok(Proof::Refuted(m)),
            other => {
                let missed = checked.stats.spurious.map(|m| missed_conjuncts(vc, &m)).unwrap_or_default();
                undecided.get_or_insert((other, missed, where_undecided(k, true)));
            }
        }
    }
    Ok(match undecided {
        None => Proof::Proved { hints: kept, hinted_parts },
        Some((first, missed, at)) => Proof::Undecided(first, missed, at),
    })
}

/// The labels of the hypotheses of `vc` that the spurious model `m`
/// falsifies, or else, when it satisfies every conclusion (so the negated
/// conclusion of its part), those: the reduction lost what that conjunct
/// says about the model. Conjuncts that cannot be evaluated on `m`
/// (symbols of another part) are left out.
fn missed_conjuncts(vc: &Vc, m: &Model) -> Vec<String> {
    let holds = |t: &Term| match psync_logic::eval::eval(t, m) {
        Ok(psync_logic::Value::Bool(b)) => Some(b),
        _ => None,
    };
    let hypotheses: Vec<String> =
        vc.hypotheses.iter().filter(|h| holds(&h.term) == Some(false)).map(|h| h.label.clone()).collect();
    if !hypotheses.is_empty() {
        return hypotheses;
    }
    if vc.conclusion.iter().all(|c| holds(&c.term) == Some(true)) {
        return vc.conclusion.iter().map(|c| format!("the negation of the conclusion {}", c.label)).collect();
    }
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vc::Labeled;
    use psync_logic::{FunTable, Sort, Value, build};

    fn vc(hypotheses: Vec<Labeled>, conclusion: Vec<Labeled>) -> Vc {
        Vc {
            id: "t/inductive/inv0/round0".into(),
            kind: VcKind::Inductive,
            invariant: Some(0),
            round: Some(0),
            property: None,
            has_post: true,
            hypotheses,
            conclusion,
        }
    }

    /// `a`, `b` and `c` true, false and true in the model.
    fn model() -> Model {
        let mut m = Model { n: 1, ..Model::default() };
        for (name, b) in [("a", true), ("b", false), ("c", true)] {
            let fun = build::fun(name, vec![], Sort::Bool);
            m.funs.insert(name.into(), FunTable { fun, entries: [(vec![], Value::Bool(b))].into(), default: None });
        }
        m
    }

    #[test]
    fn the_hypotheses_a_spurious_model_falsifies_are_named() {
        let atom = |s: &str| build::cnst(s, Sort::Bool);
        let v = vc(vec![Labeled::new("A", atom("a")), Labeled::new("B", atom("b"))], vec![Labeled::new("C", atom("c"))]);
        assert_eq!(missed_conjuncts(&v, &model()), vec!["B".to_string()]);
        let v = vc(vec![Labeled::new("A", atom("a"))], vec![Labeled::new("C", atom("c"))]);
        assert_eq!(missed_conjuncts(&v, &model()), vec!["the negation of the conclusion C".to_string()]);
        let v = vc(vec![Labeled::new("A", atom("a"))], vec![Labeled::new("B", atom("b"))]);
        assert!(missed_conjuncts(&v, &model()).is_empty());
    }
}
