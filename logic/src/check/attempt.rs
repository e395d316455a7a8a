//! One strategy's attempt at a formula: reduce it, solve the query, refine
//! away the spurious models (the instances of the reduction's universals
//! each one falsifies, see [`reduce::refine`]), and when refining gets no
//! further, the strategy's deeper reduction ([`Strategy::deeper`]).
//! [`super::check_sat`] races these attempts.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use super::{CheckConfig, CheckError, CheckResult, CheckStats, HEAD_START, Strategy, query};
use crate::hint;
use crate::reduce::{self, ReduceError, Reduced, decode};
use crate::smt::{Backend, Cancel, SmtQuery, SolverResult};
use crate::{Model, Op, Term, Value};

/// Reduce `f` with `strategy` and solve it until `deadline` or until `stop`
/// (first the core of the configured hint, if it is this strategy's);
/// the reduced query goes to `query` when a hint is to be recorded.
#[allow(clippy::too_many_arguments)]
pub(super) fn run_strategy(
    f: &Term,
    strategy: Strategy,
    cfg: &CheckConfig,
    backend: &dyn Backend,
    deadline: Instant,
    stop: &Cancel,
    stats: &mut CheckStats,
    query: &mut Option<SmtQuery>,
) -> Result<CheckResult, CheckError> {
    // The reduction is bounded by the same deadline and token as the
    // solver: a stopped reduction is a timeout (see `reduce::Interrupt`).
    let reduced = match reduce::reduce_within(f, &strategy.apply(&cfg.reduce), &reduce::Interrupt::at(deadline, stop)) {
        Err(ReduceError::Interrupted) => return Ok(CheckResult::Timeout),
        other => other?,
    };
    stats.reduce = reduced.stats.clone();
    let left = || deadline.saturating_duration_since(Instant::now());
    if left().is_zero() || stop.is_cancelled() {
        return Ok(CheckResult::Timeout);
    }
    if let Some(h) = cfg.hint.as_ref().filter(|h| h.strategy == strategy)
        && let Some(core) = hint::core_query(&reduced.assertions, h)
    {
        // The hint has the head start; only `unsat` counts (see `hint`),
        // and a failure only means the whole query is next.
        let t = Instant::now();
        let unsat = backend.check_unsat(&core, left().min(HEAD_START), stop);
        stats.solve += t.elapsed();
        if matches!(unsat, Ok(true)) {
            stats.hinted = true;
            return Ok(CheckResult::Unsat);
        }
    }
    if cfg.record_hint {
        *query = Some(self::query(&reduced));
    }
    let budget = left();
    if budget.is_zero() || stop.is_cancelled() {
        return Ok(CheckResult::Timeout);
    }
    let deeper = strategy.deeper(&cfg.reduce);
    // With a deeper reduction to go to, refining the first one's spurious
    // models stops after a few rounds and at half the budget: a proof that
    // needs another generation of instances is not found by refining at
    // the terms the first one has (the refinement loop only instantiates at
    // them, and goes on adding instances at new values of the same terms,
    // each round slower than the last).
    let (rounds, share) = if deeper.is_some() { (REFINE_BEFORE_DEEPER, budget / 2) } else { (REFINE_ROUNDS, budget) };
    let first = solve(f, &reduced, cfg, backend, share, rounds, stop, stats, query)?;
    let Some(deeper) = deeper else { return Ok(first) };
    // `None`: the first reduction's share of the time ran out.
    let why = match &first {
        CheckResult::Unknown(why) => Some(why.clone()),
        CheckResult::Timeout => None,
        _ => return Ok(first),
    };
    if left().is_zero() || stop.is_cancelled() {
        return Ok(first);
    }
    tracing::debug!(strategy = strategy.name(), "undecided: the deeper reduction");
    let reduced = match reduce::reduce_within(f, &deeper, &reduce::Interrupt::at(deadline, stop)) {
        Err(ReduceError::Interrupted) => return Ok(first),
        other => other?,
    };
    stats.reduce = reduced.stats.clone();
    let second = solve(f, &reduced, cfg, backend, left(), REFINE_ROUNDS, stop, stats, query)?;
    // A proof by the deeper reduction gets a hint without a core: the next
    // run's replay of a core is against the first reduction's query.
    *query = None;
    let deeper_why = match second {
        CheckResult::Unsat | CheckResult::Sat(_) => return Ok(second),
        CheckResult::Timeout if why.is_none() => return Ok(CheckResult::Timeout),
        CheckResult::Timeout => "timeout".to_string(),
        CheckResult::Unknown(deeper_why) => deeper_why,
    };
    let why = why.unwrap_or_else(|| "timeout in half the time".to_string());
    Ok(CheckResult::Unknown(format!("{why}; with one generation more of instances: {deeper_why}")))
}

/// Solve one reduced query of `f` within `budget` (or until `stop`):
/// `Unsat`, a confirmed model, `Timeout`, or `Unknown` with the reason.
/// A model that does not decode to a model of `f` is refined against
/// (see [`reduce::refine`]): the instances of the reduction's universals
/// it falsifies join the query, which is solved again (`refine_rounds`
/// solves at most). The query proved goes to `proved` (for recording a
/// hint).
#[allow(clippy::too_many_arguments)]
fn solve(
    f: &Term,
    reduced: &Reduced,
    cfg: &CheckConfig,
    backend: &dyn Backend,
    budget: Duration,
    refine_rounds: usize,
    stop: &Cancel,
    stats: &mut CheckStats,
    proved: &mut Option<SmtQuery>,
) -> Result<CheckResult, CheckError> {
    let deadline = Instant::now() + budget;
    let left = || deadline.saturating_duration_since(Instant::now());
    let mut q = query(reduced);
    let mut known = HashSet::new();
    let mut schemas = reduced.schemas.clone();
    let mut recount = reduce::recount::Recount::default();
    let mut witnesses = reduced.witness_procs.clone();
    let mut added = 0;
    let mut round = 0;
    loop {
        let t = Instant::now();
        let answer = backend.check_cancellable(&q, left(), stop)?;
        stats.solve += t.elapsed();
        tracing::debug!(round, assertions = q.assertions.len(), solve_ms = t.elapsed().as_millis() as u64, "solved");
        let model = match answer {
            SolverResult::Unsat => {
                // A core naming refinement's additions could not be replayed
                // (they are not in the next run's reduced query, and are not
                // taken on trust from a file): such a proof gets no core.
                if proved.is_some() {
                    *proved = (added == 0).then_some(q);
                }
                return Ok(CheckResult::Unsat);
            }
            SolverResult::Timeout => return Ok(CheckResult::Timeout),
            SolverResult::Unknown(why) => return Ok(CheckResult::Unknown(why)),
            SolverResult::Sat(m) => m,
        };
        let took = t.elapsed();
        if stop.is_cancelled() {
            return Ok(CheckResult::Timeout);
        }
        let t = Instant::now();
        let input = decode::DecodeInput {
            signature: &reduced.signature,
            ground_sets: &reduced.ground_sets,
            ground_procs: &reduced.ground_procs,
            witnesses: &witnesses,
            unread: &reduced.unread,
        };
        // Decoding may need the solver; at least a second for it, even when
        // the solve used up the budget.
        let (why, undecodable) = match confirm(f, &model, &input, backend, left().max(Duration::from_secs(1)), stop) {
            Ok(real) => {
                stats.confirm += t.elapsed();
                let smaller = smaller_model(&q, &model, cfg, backend, took, &left, stop, stats)
                    .and_then(|m| confirm(f, &m, &input, backend, left().max(Duration::from_secs(1)), stop).ok());
                return Ok(CheckResult::Sat(smaller.unwrap_or(real)));
            }
            Err((e, decoded)) => {
                tracing::trace!(reason = %e, model = ?decoded, "spurious model");
                let undecodable = decoded.is_none();
                if let Some(d) = decoded {
                    stats.spurious = Some(Box::new(d));
                }
                (e, undecodable)
            }
        };
        let mut conflicts = schemas.conflicts(&model, &mut known, &reduce::Interrupt::at(deadline, stop))?;
        // A model whose set sizes no cloning realizes: the Venn facts that
        // exclude it, and instances at the new witnesses from the next model.
        let mut new_witnesses = Vec::new();
        if undecodable
            && let Ok(Some(facts)) = recount.facts(&model, &input, backend, left().min(RECOUNT_SOLVE), stop)
        {
            conflicts.extend(facts.assertions.into_iter().filter(|a| known.insert(a.clone())));
            new_witnesses.extend(facts.witnesses);
        }
        for w in new_witnesses {
            schemas.add_ground(w.clone());
            witnesses.push(w);
        }
        stats.confirm += t.elapsed();
        tracing::debug!(round, confirm_ms = t.elapsed().as_millis() as u64, "decoded and refined");
        if !conflicts.is_empty() && (left().is_zero() || stop.is_cancelled()) {
            // The loop had instances to add: the time limit, not a missing
            // fact, ended it.
            return Ok(CheckResult::Timeout);
        }
        if conflicts.is_empty() || round + 1 == refine_rounds {
            let refined = if round == 0 {
                String::new()
            } else {
                format!(" (after {round} refinements adding {added} instances)")
            };
            return Ok(CheckResult::Unknown(format!("model could not be confirmed{refined}: {why}")));
        }
        added += conflicts.len();
        stats.refined = added;
        tracing::debug!(round, instances = conflicts.len(), "refining a spurious model");
        for c in &conflicts {
            tracing::trace!(instance = %c, "refinement adds");
        }
        let bounds = reduce::entailed::AssertedBounds::of(&q.assertions);
        q.assertions.extend(conflicts.iter().map(|c| bounds.fold(c).0).filter(|c| *c != Term::Bool(true)));
        round += 1;
    }
}

/// The most time one multiplicity problem of [`reduce::recount`] gets.
const RECOUNT_SOLVE: Duration = Duration::from_secs(1);

/// Rounds of model-guided refinement per query: each adds the instances
/// the last model falsified; a query that needs more is left unknown.
const REFINE_ROUNDS: usize = 16;

/// Rounds of refinement of a strategy's first reduction when it has a
/// deeper one ([`Strategy::deeper`]). The proofs of the zoo and of the
/// fresh specs that need refinement take one to three rounds; a loop
/// still going after five keeps adding instances at new values of the
/// same terms.
const REFINE_BEFORE_DEEPER: usize = 6;

/// A model of `q` with a smaller `n` than `model`'s, for showing a
/// confirmed counterexample small: `q` re-solved with `n` bounded, doubling
/// from `cfg.small_n`, when `model`'s `n` is larger. Each re-solve gets
/// twice the time `model` took (`took`), and a second more. A spurious
/// model is refined against as it is: the re-solves would cost seconds
/// per round for nothing the refinement uses.
#[allow(clippy::too_many_arguments)]
fn smaller_model(
    q: &SmtQuery,
    model: &Model,
    cfg: &CheckConfig,
    backend: &dyn Backend,
    took: Duration,
    left: &impl Fn() -> Duration,
    stop: &Cancel,
    stats: &mut CheckStats,
) -> Option<Model> {
    let n = decode::proc_count(model).ok()?;
    let budget = || left().min(took * 2 + Duration::from_secs(1));
    let mut bound = cfg.small_n;
    while bound < n && bound <= 64 && !left().is_zero() {
        let mut bounded = q.clone();
        bounded.assertions.push(Term::Op(Op::Le, vec![Term::Op(Op::ProcCount, vec![]), Term::Int(bound)]));
        let t = Instant::now();
        let r = backend.check_cancellable(&bounded, budget(), stop);
        stats.solve += t.elapsed();
        tracing::debug!(bound, solve_ms = t.elapsed().as_millis() as u64, "re-solved for a smaller model");
        if let Ok(SolverResult::Sat(m)) = r {
            return Some(m);
        }
        bound *= 2;
    }
    None
}

/// Decode a solver model and evaluate the original formula on it; when it
/// is false there, the decoded (spurious) model comes with the reason.
fn confirm(
    f: &Term,
    m: &Model,
    input: &decode::DecodeInput,
    backend: &dyn Backend,
    timeout: Duration,
    stop: &Cancel,
) -> Result<Model, (String, Option<Model>)> {
    let deadline = Instant::now() + timeout;
    let real = decode::decode(m, input, backend, timeout, stop).map_err(|e| (e, None))?;
    // At least a second for the evaluation, as for the decoding.
    let deadline = deadline.max(Instant::now() + Duration::from_secs(1));
    match crate::eval::eval_until(f, &real, deadline) {
        Ok(Value::Bool(true)) => Ok(real),
        Ok(Value::Bool(false)) => Err((format!("the decoded model (n = {}) falsifies the formula", real.n), Some(real))),
        Ok(other) => Err((format!("the formula evaluated to {other:?}"), None)),
        Err(e) => Err((format!("evaluation failed: {e}"), None)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::{and, cnst, forall, fun, var};
    use crate::check::check_sat;
    use crate::reduce::ReduceConfig;
    use crate::smt::Z3InProcess;
    use crate::{Op, Sort};

    /// `(∀x. q(x) ∨ g(x) = x) ∧ ¬q(a) ∧ g(a) ≠ a`, and a configuration with
    /// no eager instances (depth 0, no local pass): its first model
    /// falsifies the universal at `a`.
    fn refined_once() -> (Term, CheckConfig) {
        let (q, g) = (fun("q", vec![Sort::P], Sort::Bool), fun("g", vec![Sort::P], Sort::P));
        let x = var("x", Sort::P);
        let a = cnst("a", Sort::P);
        let universal = forall(vec![x.clone()], Term::Op(Op::Or, vec![q.app(vec![x.t()]), Term::Op(Op::Eq, vec![g.app(vec![x.t()]), x.t()])]));
        let f = and(vec![
            universal,
            Term::Op(Op::Not, vec![q.app(vec![a.clone()])]),
            Term::Op(Op::Not, vec![Term::Op(Op::Eq, vec![g.app(vec![a.clone()]), a])]),
        ]);
        let cfg = CheckConfig {
            reduce: ReduceConfig { inst_depth: 0, local_instantiation: false, ..ReduceConfig::default() },
            strategies: vec![Strategy::Parametric],
            bounded_search: false,
            ..CheckConfig::default()
        };
        (f, cfg)
    }

    /// `(∀x. q(x) ∨ g(x) = x) ∧ ¬q(a) ∧ g(a) ≠ a` with no eager instances
    /// (depth 0, no local pass): the first model falsifies the universal at
    /// `a`, which is not a counterexample; refinement adds that instance,
    /// and the second query is unsat.
    #[test]
    fn a_spurious_model_is_refined_away_and_the_next_query_proves() {
        let (f, cfg) = refined_once();
        let checked = check_sat(&f, &cfg, &Z3InProcess::new()).expect("no error");
        assert_eq!(checked.result, CheckResult::Unsat);
        assert!(checked.stats.refined > 0, "proved without refinement: the test no longer tests it");
    }

    /// A back end whose every answer comes after its delay, or at its
    /// timeout when that is sooner (a slow solver).
    struct Slow(Z3InProcess, Duration);

    impl Backend for Slow {
        fn name(&self) -> &str {
            "slow z3"
        }
        fn check_cancellable(&self, q: &SmtQuery, timeout: Duration, cancel: &Cancel) -> Result<SolverResult, crate::smt::SmtError> {
            std::thread::sleep(self.1.min(timeout));
            if self.1 > timeout {
                return Ok(SolverResult::Timeout);
            }
            self.0.check_cancellable(q, timeout - self.1, cancel)
        }
    }

    /// The query of [`a_spurious_model_is_refined_away_and_the_next_query_proves`]
    /// with a solver that answers after the budget: its first model is
    /// spurious and the refinement has an instance to add, but no time to
    /// solve again. That is a timeout (more time would help), not an
    /// `unknown` (a fact missing from the reduction).
    #[test]
    fn a_refinement_cut_short_by_the_time_limit_is_a_timeout() {
        let (f, cfg) = refined_once();
        let reduced = crate::check::reduce(&f, &Strategy::Parametric.apply(&cfg.reduce)).expect("reduces");
        let backend = Slow(Z3InProcess::new(), Duration::from_millis(600));
        let (mut stats, stop) = (CheckStats::default(), Cancel::new());
        let got = solve(&f, &reduced, &cfg, &backend, Duration::from_millis(500), REFINE_ROUNDS, &stop, &mut stats, &mut None);
        assert_eq!(got.expect("no error"), CheckResult::Timeout);
    }

    /// The ground strategy's deeper reduction: "all voters vote one value"
    /// (corpus `votes_between_witness_values.cl`) needs the negated goal at
    /// the value its own witness votes. The first reduction, refined for
    /// every round the loop allows (or 10 s), does not prove it; the
    /// strategy does.
    #[test]
    fn a_goal_refuted_at_its_witness_value_is_proved_by_the_deeper_reduction() {
        let src = include_str!("../../tests/corpus/valid/votes_between_witness_values.cl");
        let f = crate::parse_query(src).expect("parses").formula();
        let backend = Z3InProcess::new();
        let cfg = CheckConfig {
            strategies: vec![Strategy::Ground],
            bounded_search: false,
            timeout: Duration::from_secs(60),
            ..CheckConfig::default()
        };
        let first = crate::check::reduce(&f, &Strategy::Ground.apply(&cfg.reduce)).expect("reduces");
        let (mut stats, stop) = (CheckStats::default(), Cancel::new());
        let alone = solve(&f, &first, &cfg, &backend, Duration::from_secs(10), REFINE_ROUNDS, &stop, &mut stats, &mut None);
        assert!(
            !matches!(alone, Ok(CheckResult::Unsat)),
            "the first reduction proves it: the test no longer tests the deeper one"
        );
        let checked = check_sat(&f, &cfg, &backend).expect("no error");
        assert_eq!(checked.result, CheckResult::Unsat);
    }

    /// The formula of [`a_goal_refuted_at_its_witness_value_is_proved_by_the_deeper_reduction`]
    /// with every answer a second late and 14 s in all: the first
    /// reduction's refinement, which would spend all of them on spurious
    /// models, yields at 7 s, and the deeper reduction proves it in the
    /// other half.
    #[test]
    fn a_slow_refinement_leaves_half_the_time_to_the_deeper_reduction() {
        let src = include_str!("../../tests/corpus/valid/votes_between_witness_values.cl");
        let f = crate::parse_query(src).expect("parses").formula();
        let backend = Slow(Z3InProcess::new(), Duration::from_secs(1));
        let cfg = CheckConfig {
            strategies: vec![Strategy::Ground],
            bounded_search: false,
            timeout: Duration::from_secs(14),
            ..CheckConfig::default()
        };
        let checked = check_sat(&f, &cfg, &backend).expect("no error");
        assert_eq!(checked.result, CheckResult::Unsat);
    }
}
