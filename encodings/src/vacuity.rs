//! Vacuity: a VC whose hypotheses are unsatisfiable holds whatever its
//! conclusion says, so its proof says nothing about the algorithm.
//!
//! A safety predicate that is `false`, a liveness predicate no heard-of
//! sets satisfy, an invariant that no state satisfies: each makes every VC
//! that assumes it "proved". [`review`] looks at the hypotheses of a proved
//! VC on their own: a confirmed model of them (for some `n ≥ 1`) shows the
//! proof is not vacuous; `unsat` of them makes the VC
//! [`crate::Verdict::Vacuous`], with the assumption responsible named and
//! located. The same sound machinery decides both: a model counts only once
//! the evaluator confirms it on the hypotheses, and `unsat` comes from the
//! CL reduction, which never answers `unsat` for a satisfiable formula.
//!
//! A safety predicate can also die later: `w.round() == 0 && …` has a
//! model at round 0 only, so no run gets through round 1 and the proofs
//! that assume it cover one round; `2 * w.ho(p).len() > w.n() + 2` has
//! none with one or two processes. [`review`] tries the predicates on
//! heard-of sets at a few sizes and rounds too (`lapses`).
//!
//! A spec that means an assumption to be unsatisfiable (a teaching
//! example, a disabled liveness step) says so with a doc-comment line
//! starting `(allow vacuous)` on the spec method that states it; its VCs
//! are still reported as vacuous, as allowed ones.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use psync_logic::{Model, Term, build, holds};
use psync_logic::bounded::{self, NVerdict};
use psync_logic::check::{CheckConfig, CheckError, CheckResult, check_sat};
use psync_logic::smt::Backend;

use crate::ir::{Algorithm, Loc, Pred, names};
use crate::terms;
use crate::vc::{Vc, VcKind};

/// The unsatisfiable assumption of a vacuous VC.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Vacuity {
    /// What is unsatisfiable, in words ("the safety predicate", "Inv_1
    /// with L_0", "the hypotheses with round `Vote`'s transition").
    pub assumption: String,
    /// The spec method that states it (`safety`, `liveness`, …), if one does.
    pub method: Option<String>,
    /// Where it is written, if it is one spec predicate.
    pub loc: Option<Loc>,
    /// The spec marks this vacuity as intended (`(allow vacuous)`).
    pub allowed: bool,
}

/// What [`review`] found out about a VC's hypotheses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Hypotheses {
    /// A confirmed model: the VC's proof is not vacuous.
    Satisfiable(Box<Model>),
    /// No model for any `n`: the VC is vacuous.
    Unsatisfiable(Vacuity),
    /// Neither could be shown within the budget; why.
    Undecided(String),
}

/// How many sizes the model search of the hypotheses tries ([`sizes`]);
/// most hypotheses have a model with one or two processes, and a larger
/// one is left to the unbounded check.
const SEARCH_SIZES: usize = 3;

/// The largest `n` [`sizes`] considers.
const SIZE_LIMIT: u32 = 12;

/// Decide whether the hypotheses of `vc` have a model, within `budget`:
/// first the `witness` of an earlier review (from a hint file), which only
/// counts if the hypotheses hold in it; then a search for a small model;
/// then the CL check, which gives a model (of any size) or `unsat`. On
/// `unsat`, the spec's assumptions in `vc` are checked one by one to name
/// the one responsible.
pub fn review(
    alg: &Algorithm,
    vc: &Vc,
    cfg: &CheckConfig,
    backend: &dyn Backend,
    budget: Duration,
    witness: Option<&Model>,
) -> Result<Hypotheses, CheckError> {
    let deadline = Instant::now() + budget;
    // What every reachable state has, the assumptions on the parameters with it.
    let facts: Vec<Term> = crate::vc::reachable_facts(alg).into_iter().map(|l| l.term).collect();
    let sizes = sizes(&facts, backend, deadline);
    let found = hypotheses(alg, vc, cfg, backend, deadline, witness, &sizes)?;
    if matches!(found, Hypotheses::Satisfiable(_))
        && let Some(why) = lapses(alg, vc, cfg, backend, deadline, &facts, &sizes)?
    {
        return Ok(Hypotheses::Unsatisfiable(why));
    }
    Ok(found)
}

/// Whether `f` has a model with exactly `k` processes: `Some(true)` (one
/// was found and confirmed), `Some(false)` (the bounded search proved there
/// is none), `None` (it could not tell within `timeout`). The formulas
/// asked about here are the spec's own (assumptions, predicates on heard-of
/// sets), the same for every VC of a spec, so definite answers are
/// remembered for the process: a worker checks many VCs of one spec.
fn has_model(f: &Term, k: u32, backend: &dyn Backend, timeout: Duration) -> Option<bool> {
    static MEMO: Mutex<BTreeMap<(Term, u32), bool>> = Mutex::new(BTreeMap::new());
    let key = (f.clone(), k);
    if let Some(known) = MEMO.lock().ok().and_then(|m| m.get(&key).copied()) {
        return Some(known);
    }
    let answer = match bounded::check_n(f, k, backend, timeout) {
        Ok(NVerdict::Found(_)) => true,
        Ok(NVerdict::NoModel) => false,
        Ok(NVerdict::Inconclusive(_)) | Err(_) => return None,
    };
    if let Ok(mut memo) = MEMO.lock()
        && memo.len() < MEMO_ENTRIES
    {
        memo.insert(key, answer);
    }
    Some(answer)
}

/// Most answers [`has_model`] remembers.
const MEMO_ENTRIES: usize = 1024;

/// The smallest numbers of processes (at most [`SEARCH_SIZES`] of them,
/// none above [`SIZE_LIMIT`]) that `facts` (the assumptions on the
/// parameters among them) allow: where the model searches of a review
/// look; `n > 3` excludes the first three. Each comes with whether a model
/// of `facts` with that many processes was found (else the search could
/// not tell).
fn sizes(facts: &[Term], backend: &dyn Backend, deadline: Instant) -> Vec<(u32, bool)> {
    let query = crate::distinct::lower(&terms::and(facts.to_vec()));
    let mut out = Vec::new();
    for k in 1..=SIZE_LIMIT {
        let left = deadline.saturating_duration_since(Instant::now());
        match has_model(&query, k, backend, left / 8) {
            Some(true) => out.push((k, true)),
            Some(false) => {}
            // Undecided: the size is tried all the same.
            None => out.push((k, false)),
        }
        if out.len() == SEARCH_SIZES {
            break;
        }
    }
    out
}

/// [`review`] of the hypotheses themselves, searched at `sizes` first.
fn hypotheses(
    alg: &Algorithm,
    vc: &Vc,
    cfg: &CheckConfig,
    backend: &dyn Backend,
    deadline: Instant,
    witness: Option<&Model>,
    sizes: &[(u32, bool)],
) -> Result<Hypotheses, CheckError> {
    let left = || deadline.saturating_duration_since(Instant::now());
    let hypothesis = vc.hypothesis();
    if let Some(m) = witness
        && holds(&hypothesis, m) == Ok(true)
    {
        return Ok(Hypotheses::Satisfiable(Box::new(m.clone())));
    }
    // A small model, any data (no re-solving for small values: a witness
    // need not be read). Unsupported by the finite lowering (sets of data):
    // the CL check decides.
    let query = crate::distinct::lower(&hypothesis);
    for &(k, _) in sizes {
        match bounded::check_n(&query, k, backend, left() / 4) {
            Ok(NVerdict::Found(m)) => return Ok(Hypotheses::Satisfiable(Box::new(m))),
            Ok(_) => {}
            Err(_) => break,
        }
    }
    match satisfiable(&hypothesis, cfg, backend, left())? {
        CheckResult::Sat(m) => Ok(Hypotheses::Satisfiable(Box::new(m))),
        CheckResult::Unsat => Ok(Hypotheses::Unsatisfiable(culprit(alg, vc, cfg, backend, deadline)?)),
        CheckResult::Unknown(why) => Ok(Hypotheses::Undecided(why)),
        CheckResult::Timeout => Ok(Hypotheses::Undecided("time limit reached".into())),
    }
}

/// The rounds at which [`lapses`] tries the safety predicate, for a phase
/// of `len` rounds: the first two phases, and each round position of a
/// phase far out (a predicate that only holds for `r < 100` lapses there).
fn rounds_tried(len: i64) -> impl Iterator<Item = i64> {
    (0..2 * len).chain((0..len).map(move |k| 1_000_000 * len + k))
}

/// A VC is vacuous where the predicates on heard-of sets it assumes lapse:
/// - the safety predicate, or a liveness predicate, has no model with `k`
///   processes (`k` among `sizes`, in any state) though the assumptions on
///   the parameters allow `n = k`: the proof says nothing about `k`
///   processes;
/// - the safety predicate has no model at some round `c` (in any state):
///   no run of the spec has a round `c`, so the proof says nothing past
///   it, though the VC's own hypotheses have a model at other rounds
///   (`w.round() == 0 && …`).
///
/// Finitely many sizes and rounds are tried ([`rounds_tried`]); one not
/// tried is not claimed either way. "No model with `k` processes" is the
/// bounded search's `unsat` for that `n` (exact); "no model at round `c`"
/// is the CL reduction's `unsat`.
fn lapses(
    alg: &Algorithm,
    vc: &Vc,
    cfg: &CheckConfig,
    backend: &dyn Backend,
    deadline: Instant,
    facts: &[Term],
    sizes: &[(u32, bool)],
) -> Result<Option<Vacuity>, CheckError> {
    let left = || deadline.saturating_duration_since(Instant::now());
    let with_facts = |more: Vec<Term>| crate::distinct::lower(&terms::and(facts.iter().cloned().chain(more).collect()));
    let vacuity = |assumption: String, method: &str, pred: &Pred| Vacuity {
        assumption,
        method: Some(method.into()),
        loc: Some(pred.loc),
        allowed: alg.spec.allow_vacuous.iter().any(|m| m == method),
    };
    let on_ho = alg.spec.safety.iter().map(|s| ("safety", "the safety predicate".to_string(), s));
    let on_ho = on_ho.chain(alg.spec.liveness.iter().enumerate().map(|(j, l)| ("liveness", format!("liveness predicate L_{j}"), l)));
    let assumed: Vec<(&str, String, &Pred)> = on_ho.filter(|(_, _, p)| assumes(vc, p)).collect();
    if assumed.is_empty() {
        return Ok(None);
    }
    let model_at = |f: &Term, k: u32| has_model(f, k, backend, left() / 8);
    for &(k, _) in sizes.iter().filter(|s| s.1) {
        for (method, what, pred) in &assumed {
            if model_at(&with_facts(vec![pred.term.clone()]), k) == Some(false) {
                let text = format!("with {k} process{}, {what} (the assumptions allow n = {k}, but no heard-of sets satisfy it then: state `w.n() > {k}` in `assumptions` if that is meant)", if k == 1 { "" } else { "es" });
                return Ok(Some(vacuity(text, method, pred)));
            }
        }
    }
    let Some(safety) = alg.spec.safety.as_ref().filter(|s| assumes(vc, s) && mentions_round(&s.term)) else { return Ok(None) };
    for c in rounds_tried(alg.phase_len() as i64) {
        let at_c = vec![safety.term.clone(), build::eq(names::round(), Term::Int(c))];
        let small = sizes.iter().any(|&(k, _)| model_at(&with_facts(at_c.clone()), k) == Some(true));
        if !small && satisfiable(&terms::and(facts.iter().cloned().chain(at_c).collect()), cfg, backend, left())? == CheckResult::Unsat {
            let text = format!("at round {c}, the safety predicate (no heard-of sets satisfy it there: no run gets through round {c})");
            return Ok(Some(vacuity(text, "safety", safety)));
        }
    }
    Ok(None)
}

/// `t` mentions the round number `r`.
fn mentions_round(t: &Term) -> bool {
    t.funs().iter().any(|f| f.name == names::ROUND)
}

/// `check_sat` of `f` ([`crate::distinct::lower`]ed) within `budget` (the
/// bounded search already ran).
fn satisfiable(f: &Term, cfg: &CheckConfig, backend: &dyn Backend, budget: Duration) -> Result<CheckResult, CheckError> {
    if budget.is_zero() {
        return Ok(CheckResult::Timeout);
    }
    let cfg = CheckConfig { timeout: budget, bounded_search: false, hint: None, record_hint: false, ..cfg.clone() };
    Ok(check_sat(&crate::distinct::lower(f), &cfg, backend)?.result)
}

/// One of the spec's assumptions, as it occurs among a VC's hypotheses.
struct Assumption<'a> {
    what: String,
    method: &'static str,
    pred: &'a Pred,
}

/// The spec's assumptions that `vc` makes, in the order they are blamed:
/// the assumptions on the parameters, the safety predicate, the
/// invariants, the liveness predicates, the round invariants (a predicate
/// is in `vc` when all its conjuncts are).
fn assumptions<'a>(alg: &'a Algorithm, vc: &Vc) -> Vec<Assumption<'a>> {
    let spec = &alg.spec;
    let mut all = Vec::new();
    for (k, p) in spec.assumptions.iter().enumerate() {
        all.push(Assumption { what: format!("assumption {k} on the parameters"), method: "assumptions", pred: p });
    }
    if let Some(s) = &spec.safety {
        all.push(Assumption { what: "the safety predicate".into(), method: "safety", pred: s });
    }
    for (j, p) in spec.invariants.iter().enumerate() {
        all.push(Assumption { what: format!("invariant Inv_{j}"), method: "invariants", pred: p });
    }
    for (j, p) in spec.liveness.iter().enumerate() {
        all.push(Assumption { what: format!("liveness predicate L_{j}"), method: "liveness", pred: p });
    }
    for (k, row) in spec.round_invariants.iter().enumerate() {
        for (j, p) in row.iter().enumerate() {
            all.push(Assumption { what: format!("round invariant R[{k}][{j}]"), method: "round_invariants", pred: p });
        }
    }
    let mut out: Vec<Assumption<'a>> = Vec::new();
    for a in all {
        // (Two equal predicates, as `vec![good, good]`: the first is named.)
        if assumes(vc, a.pred) && !out.iter().any(|b| b.pred.term == a.pred.term) {
            out.push(a);
        }
    }
    out
}

/// `vc` assumes `pred`: among its hypotheses whole (the safety predicate
/// in a transition) or conjunct by conjunct (an invariant).
fn assumes(vc: &Vc, pred: &Pred) -> bool {
    let hyps: Vec<&Term> = vc.hypotheses.iter().map(|h| &h.term).collect();
    hyps.contains(&&pred.term) || terms::conjuncts(&pred.term).iter().all(|c| hyps.contains(&c))
}

/// Name what makes the hypotheses of `vc` unsatisfiable: the first of its
/// spec assumptions that is unsatisfiable alone (with the facts every
/// state has by its Rust types), else all of them together, else the
/// transition or the initial states with them.
fn culprit(alg: &Algorithm, vc: &Vc, cfg: &CheckConfig, backend: &dyn Backend, deadline: Instant) -> Result<Vacuity, CheckError> {
    let left = || deadline.saturating_duration_since(Instant::now());
    let reachable: Vec<Term> = crate::vc::state_facts(alg).into_iter().map(|l| l.term).collect();
    let with_facts = |ts: Vec<Term>| terms::and(reachable.iter().cloned().chain(ts).collect());
    let assumptions = assumptions(alg, vc);
    for a in &assumptions {
        if satisfiable(&with_facts(vec![a.pred.term.clone()]), cfg, backend, left())? == CheckResult::Unsat {
            let allowed = alg.spec.allow_vacuous.iter().any(|m| m == a.method);
            return Ok(Vacuity { assumption: a.what.clone(), method: Some(a.method.into()), loc: Some(a.pred.loc), allowed });
        }
    }
    // The assumptions on the parameters, together: one method states them all.
    let on_params: Vec<&Assumption<'_>> = assumptions.iter().filter(|a| a.method == "assumptions").collect();
    if on_params.len() > 1 {
        let all = with_facts(on_params.iter().map(|a| a.pred.term.clone()).collect());
        if satisfiable(&all, cfg, backend, left())? == CheckResult::Unsat {
            let allowed = alg.spec.allow_vacuous.iter().any(|m| m == "assumptions");
            return Ok(Vacuity { assumption: "the assumptions on the parameters together".into(), method: Some("assumptions".into()), loc: None, allowed });
        }
    }
    let names: Vec<&str> = assumptions.iter().map(|a| a.what.as_str()).collect();
    let together = names.join(" with ");
    if assumptions.len() > 1 {
        let all = with_facts(assumptions.iter().map(|a| a.pred.term.clone()).collect());
        if satisfiable(&all, cfg, backend, left())? == CheckResult::Unsat {
            let allowed = assumptions.iter().all(|a| alg.spec.allow_vacuous.iter().any(|m| m == a.method));
            return Ok(Vacuity { assumption: together, method: None, loc: None, allowed });
        }
    }
    let step = match (vc.kind, vc.round) {
        (_, Some(k)) => format!("round `{}`'s transition", alg.rounds[k].name),
        (VcKind::Init, None) => "the initial states".into(),
        (_, None) => "the facts every reachable state has".into(),
    };
    let assumption = if names.is_empty() { step } else { format!("{together}, with {step}") };
    Ok(Vacuity { assumption, method: None, loc: None, allowed: false })
}
