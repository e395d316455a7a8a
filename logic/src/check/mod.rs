//! The check pipeline: type check, reduce, solve, decode, confirm.
//!
//! [`check_sat`] decides satisfiability of a CL formula (a VC is given as
//! `H ∧ ¬C`, so `Unsat` means the entailment is valid). It never reports a
//! model it has not confirmed: a solver model of the reduced query is decoded
//! into a model of the original signature (see [`crate::reduce::decode`])
//! and the original formula is evaluated on it; only `true` gives
//! [`CheckResult::Sat`]. Anything else is [`CheckResult::Unknown`].

use std::sync::mpsc;
use std::time::{Duration, Instant};

mod attempt;

use crate::bounded::{BoundedConfig, BoundedResult};
use crate::reduce::{self, Anchors, ReduceConfig, ReduceError, ReduceStats, Reduced};
use crate::head_start;
use crate::hint::{self, Hint};
use crate::smt::{Backend, Cancel, SmtError, SmtQuery};
use crate::{Model, Term, TypeError};

/// A way to reduce a formula, as a change of the base knobs
/// ([`CheckConfig::reduce`]); [`check_sat`] runs several side by side.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Strategy {
    /// PSync's reduction: ground Venn groups and eager instantiation only,
    /// no universals left for the solver beyond stratified ones, plus the
    /// instances at the processes that witness a negated invariant
    /// ([`ReduceConfig::next_processes`]), and instances of every universal
    /// over a kind of values no ground term has, at the values of that kind
    /// at the named processes or at an arbitrary value
    /// ([`ReduceConfig::kind_placeholders`]). Small queries; enough when
    /// the sets that matter are ground (a coordinator's mailbox).
    Ground,
    /// Parameterized regions for families of sets (`HO(p)`), every ground
    /// set as an anchor, cardinality witnesses, universals kept (the base
    /// knobs as they are).
    Parametric,
    /// Parameterized regions anchored only at sets that mention no process
    /// ([`Anchors::Global`]), with ground groups for the family instances
    /// at process-free arguments and witnesses outside the sets short of
    /// `n` ([`ReduceConfig::global_family_groups`],
    /// [`ReduceConfig::universe_witnesses`]): the view of quorums that
    /// every process shares. Data instances at every value
    /// ([`ReduceConfig::data_at_named_processes`]: OTR's progress VC needs
    /// the definitions at the value a witness adopts).
    GlobalAnchors,
}

impl Strategy {
    /// Every strategy, in the default order of the schedule: every anchor
    /// first (with data instances kept off the values read at witnesses,
    /// it decides most inductiveness VCs of both benchmarks in under
    /// 0.3 s), then global anchors (OTR's progress VCs, where every anchor
    /// times out), then PSync's ground reduction (LastVoting's
    /// coordinator-centred VCs, where the parameterized queries time out
    /// or have spurious models). Chosen by replaying the per-part solving
    /// times of each strategy on both benchmarks through the schedule.
    pub const ALL: [Strategy; 3] = [Strategy::Parametric, Strategy::GlobalAnchors, Strategy::Ground];

    /// The strategy's name on the command line and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Strategy::Ground => "ground",
            Strategy::Parametric => "parametric",
            Strategy::GlobalAnchors => "global-anchors",
        }
    }

    /// The strategy's deeper reduction, tried when its first one ends
    /// undecided (spurious models the refinement loop did not exclude):
    /// one generation more of terms where the first stops: the ground
    /// reduction's instances at the values of its witnesses
    /// ([`ReduceConfig::witness_values`]), the parametric reduction's
    /// members of the common parts of its groups of heard-of sets
    /// ([`ReduceConfig::common_witnesses`]) and instances at the values
    /// that guarded processes name ([`ReduceConfig::named_values`]).
    pub fn deeper(self, base: &ReduceConfig) -> Option<ReduceConfig> {
        match self {
            Strategy::Ground => Some(ReduceConfig { witness_values: true, ..self.apply(base) }),
            Strategy::Parametric => Some(ReduceConfig { common_witnesses: true, named_values: true, ..self.apply(base) }),
            Strategy::GlobalAnchors => None,
        }
    }

    /// The strategy named `name`.
    pub fn from_name(name: &str) -> Option<Strategy> {
        Strategy::ALL.into_iter().find(|s| s.name() == name)
    }

    /// The reduction knobs of this strategy, from the base knobs.
    pub fn apply(self, base: &ReduceConfig) -> ReduceConfig {
        match self {
            Strategy::Ground => {
                ReduceConfig { parametric_regions: false, next_processes: true, kind_placeholders: true, ..base.clone() }
            }
            Strategy::Parametric => base.clone(),
            Strategy::GlobalAnchors => ReduceConfig {
                anchors: Anchors::Global,
                universe_witnesses: true,
                global_family_groups: true,
                data_at_named_processes: true,
                ..base.clone()
            },
        }
    }
}

/// Settings of one check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckConfig {
    /// The reduction's base knobs (each strategy changes some of them).
    pub reduce: ReduceConfig,
    /// The strategies [`check_sat`] schedules, in order (empty: just the
    /// base knobs, [`Strategy::Parametric`]).
    pub strategies: Vec<Strategy>,
    /// Time limit of the whole check (every strategy and re-solve).
    pub timeout: Duration,
    /// A confirmed counterexample with a larger `n` is re-solved with
    /// `n ≤ small_n, 2·small_n, …` (up to 64), so the one shown stays small.
    pub small_n: i64,
    /// After an undecided verdict, search for a small counterexample
    /// ([`bounded_refutation`]); off when the caller runs that search once
    /// for several queries itself.
    pub bounded_search: bool,
    /// A hint from an earlier proof of the same formula: its strategy goes
    /// first, and tries the hint's core before its whole query
    /// ([`crate::hint`]; sound whatever the hint says).
    pub hint: Option<Hint>,
    /// Record a hint when the formula is proved ([`Checked::hint`]): one
    /// more solve, naming an unsat core, and one of the core alone.
    pub record_hint: bool,
}

impl CheckConfig {
    /// The strategies a check runs, in order: `strategies`, or the base
    /// knobs alone ([`Strategy::Parametric`]) when that list is empty.
    pub fn scheduled(&self) -> Vec<Strategy> {
        if self.strategies.is_empty() { vec![Strategy::Parametric] } else { self.strategies.clone() }
    }
}

impl Default for CheckConfig {
    fn default() -> Self {
        CheckConfig {
            reduce: ReduceConfig::default(),
            strategies: Strategy::ALL.to_vec(),
            timeout: Duration::from_secs(20),
            small_n: 8,
            bounded_search: true,
            hint: None,
            record_hint: false,
        }
    }
}

/// The verdict on a formula.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CheckResult {
    /// No model: the entailment the formula negates is valid.
    Unsat,
    /// A confirmed model over the original signature (a counterexample).
    Sat(Model),
    /// The solver gave up, or its model could not be confirmed; why.
    Unknown(String),
    /// The time limit was reached.
    Timeout,
}

impl CheckResult {
    /// The verdict's one-word name: `unsat`, `sat`, `unknown`, `timeout`.
    pub fn name(&self) -> &'static str {
        match self {
            CheckResult::Unsat => "unsat",
            CheckResult::Sat(_) => "sat",
            CheckResult::Unknown(_) => "unknown",
            CheckResult::Timeout => "timeout",
        }
    }
}

/// Why a formula could not be checked at all.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    /// The formula is ill-sorted.
    #[error("type error: {0}")]
    Type(#[from] TypeError),
    /// The formula is outside what the reduction supports.
    #[error(transparent)]
    Reduce(#[from] ReduceError),
    /// The solver failed (not a verdict).
    #[error("solver error: {0}")]
    Solver(#[from] SmtError),
    /// One strategy proved the formula unsatisfiable while another found a
    /// confirmed model: a soundness bug in a reduction, never a verdict.
    #[error("strategies disagree: {unsat} answered unsat, but {sat} found a model the formula holds in (a soundness bug)")]
    Disagreement {
        /// The strategy that answered `unsat`.
        unsat: &'static str,
        /// The strategy whose model was confirmed.
        sat: &'static str,
    },
}

/// Sizes and timings of one check.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CheckStats {
    /// The reduction's statistics (sizes, time per pass).
    pub reduce: ReduceStats,
    /// Time in the solver (main calls and re-solves), summed over the
    /// strategies; they run side by side, so this can exceed `total`.
    pub solve: Duration,
    /// Time decoding and confirming models, summed like `solve`.
    pub confirm: Duration,
    /// Total time.
    pub total: Duration,
    /// The strategy that decided (its `unsat` or model, or else its error),
    /// if one did.
    pub strategy: Option<Strategy>,
    /// Decided by the core of [`CheckConfig::hint`] alone.
    pub hinted: bool,
    /// Instances added by model-guided refinement (see [`reduce::refine`])
    /// to the deciding strategy's query.
    pub refined: usize,
    /// When no strategy decided: a model of the original signature decoded
    /// from a solver model that falsifies the formula (spurious: not a
    /// counterexample), for telling which conjunct the reduction missed.
    pub spurious: Option<Box<Model>>,
}

/// A verdict with its statistics.
#[derive(Clone, Debug)]
pub struct Checked {
    /// The verdict.
    pub result: CheckResult,
    /// Statistics.
    pub stats: CheckStats,
    /// For an `unsat` verdict: the hint that decided it, or the one recorded
    /// ([`CheckConfig::record_hint`]).
    pub hint: Option<Hint>,
}

/// Type check and reduce `f` (what `--dump-smt` shows).
pub fn reduce(f: &Term, cfg: &ReduceConfig) -> Result<Reduced, CheckError> {
    crate::typecheck_formula(f)?;
    Ok(reduce::reduce(f, cfg)?)
}

/// The reduced query of `f` as an SMT query.
pub fn query(r: &Reduced) -> SmtQuery {
    SmtQuery {
        assertions: r.assertions.clone(),
    }
}

/// Decide satisfiability of the CL formula `f`: reduce it with each of
/// `cfg.strategies` and solve the reduced queries side by side, within
/// `cfg.timeout` in all.
///
/// Why several strategies: the solver's time on a reduced query is
/// heavy-tailed and depends on which axioms the reduction adds. A query one
/// strategy solves in 50 ms can time out under another (measured on
/// LastVoting's progress VCs: `unknown` after 20 s with parameterized
/// regions, `unsat` in 40 ms with ground regions only; OTR's inductiveness
/// the other way round). Why side by side rather than in turns: with turns,
/// a strategy that needs 5 s waits for the slices of the others (OTR's
/// progress VC took 16 s that way).
///
/// The first strategy runs alone for [`HEAD_START`] of CPU time (most
/// queries are decided by then; at most [`MAX_STRETCH`] times that of wall
/// time), for half the timeout when it is the hint's, or until it answers
/// without deciding; then the others join. Every strategy is sound, so the first
/// `unsat` decides and stops the rest; a model counts only once confirmed
/// on `f`, and then decides too. The verdict does not depend on which
/// thread was faster (a sound `unsat` and a confirmed model cannot
/// both exist); which counterexample is shown can, when the first strategy
/// has not found one within its head start and two others find one at
/// about the same time. (Waiting for the earlier strategies instead made a
/// refutation the ground reduction finds in 0.2 s wait for the whole
/// timeout of a strategy that never answers.) A strategy that answers
/// `unknown` (incomplete, or a model that does not decode to a real one)
/// gives its reason to the verdict if nothing decides.
pub fn check_sat(
    f: &Term,
    cfg: &CheckConfig,
    backend: &dyn Backend,
) -> Result<Checked, CheckError> {
    let start = Instant::now();
    let deadline = start + cfg.timeout;
    crate::typecheck_formula(f)?;
    let mut strategies = cfg.scheduled();
    // The hint's strategy goes first, if it is scheduled at all, and the
    // others wait longer for it: it proved this very formula before, and
    // the same reduction and solver will again, faster without others on
    // the cores. (A part proved after refinement has a hint without a core:
    // FloodMin-crash's inductive part 11 takes 2.8 s alone and 12–13 s with
    // the other strategies beside it on 2 cores.)
    let mut alone = (HEAD_START, HEAD_START * MAX_STRETCH);
    if let Some(h) = &cfg.hint
        && let Some(k) = strategies.iter().position(|s| *s == h.strategy)
    {
        let hinted = strategies.remove(k);
        strategies.insert(0, hinted);
        // Wall-clock time: the CPU share would count the bounded search's
        // work as the hinted strategy's and end its time alone early.
        alone = (cfg.timeout, cfg.timeout / 2);
    }
    let stop = Cancel::new();
    // Ends the head start early: once any strategy has answered without
    // deciding, the others need not wait (and once the verdict is fixed,
    // they wake to stop).
    let go = Cancel::new();
    let mut runs: Vec<Option<Run>> = strategies.iter().map(|_| None).collect();
    std::thread::scope(|scope| {
        let (tx, rx) = mpsc::channel::<(usize, Run)>();
        for (k, &strategy) in strategies.iter().enumerate() {
            let (to_main, stop, go) = (tx.clone(), stop.clone(), go.clone());
            let spawned = std::thread::Builder::new().stack_size(RACER_STACK).spawn_scoped(scope, move || {
                let mut stats = CheckStats { strategy: Some(strategy), ..CheckStats::default() };
                if k > 0 {
                    head_start::wait(&go, alone.0, start + alone.1);
                }
                let mut query = None;
                let result = if stop.is_cancelled() {
                    Ok(CheckResult::Timeout)
                } else {
                    let _working = head_start::Working::start();
                    attempt::run_strategy(f, strategy, cfg, backend, deadline, &stop, &mut stats, &mut query)
                };
                let _ = to_main.send((k, Run { result, stats, query }));
            });
            if let Err(e) = spawned {
                let why = SmtError::Solver(format!("cannot start a solver thread: {e}"));
                let _ = tx.send((k, Run { result: Err(why.into()), stats: CheckStats::default(), query: None }));
            }
        }
        drop(tx);
        // Until every thread has reported; once the verdict is fixed, the
        // rest are cancelled and report at once.
        for (k, run) in rx {
            runs[k] = Some(run);
            if settled(&runs) {
                stop.cancel();
            }
            go.cancel();
        }
    });
    let mut runs: Vec<Run> = runs.into_iter().map(|r| r.expect("every strategy thread reports")).collect();
    let mut stats = CheckStats::default();
    for (run, strategy) in runs.iter().zip(&strategies) {
        stats.solve += run.stats.solve;
        stats.confirm += run.stats.confirm;
        // What each racer did (`PSYNC_LOG=psync_logic::check=debug`): the
        // data for tuning the schedule.
        tracing::debug!(
            strategy = strategy.name(),
            answer = run.result.as_ref().map_or("error", CheckResult::name),
            solve_ms = run.stats.solve.as_millis() as u64,
            confirm_ms = run.stats.confirm.as_millis() as u64,
            assertions = run.stats.reduce.assertions,
            "racer"
        );
    }
    tracing::debug!(total_ms = start.elapsed().as_millis() as u64, hint = cfg.hint.is_some(), "part");
    let unsat = runs.iter().position(|r| matches!(r.result, Ok(CheckResult::Unsat)));
    let sat = runs.iter().position(|r| matches!(r.result, Ok(CheckResult::Sat(_))));
    if let (Some(u), Some(m)) = (unsat, sat) {
        return Err(CheckError::Disagreement { unsat: strategies[u].name(), sat: strategies[m].name() });
    }
    let deciding = unsat.or(sat).or_else(|| runs.iter().position(|r| r.result.is_err()));
    if let Some(k) = deciding {
        let run = runs.swap_remove(k);
        stats.reduce = run.stats.reduce;
        stats.strategy = run.stats.strategy;
        stats.hinted = run.stats.hinted;
        stats.refined = run.stats.refined;
        let result = run.result?;
        let hint = match (&result, run.stats.strategy) {
            (CheckResult::Unsat, _) if run.stats.hinted => cfg.hint.clone(),
            // A hint without a core had none to find last time either: it
            // is not looked for again on every run.
            (CheckResult::Unsat, Some(strategy))
                if cfg.hint.as_ref().is_some_and(|h| h.strategy == strategy && h.core.is_empty()) =>
            {
                cfg.hint.clone()
            }
            // (A recording run keeps the query it proved.)
            // A proof after refinement has no query to replay (see
            // `attempt`): another strategy's core may still be named.
            (CheckResult::Unsat, Some(strategy)) if cfg.record_hint => {
                let t = Instant::now();
                // Half of what is left at most: the VC's later parts share
                // its budget, and a hint must never cost a verdict.
                let record_by = t + deadline.saturating_duration_since(t) / 2;
                let recorded =
                    hint::record_proof(f, run.query.as_ref(), strategy, &strategies, cfg, backend, record_by, start.elapsed());
                stats.solve += t.elapsed();
                Some(recorded)
            }
            _ => None,
        };
        let mut checked = done(result, stats, start);
        checked.hint = hint;
        return Ok(checked);
    }
    stats.reduce = runs.first().map(|r| r.stats.reduce.clone()).unwrap_or_default();
    stats.spurious = runs.iter_mut().find_map(|r| r.stats.spurious.take());
    let mut reasons = Vec::new();
    for (run, strategy) in runs.iter().zip(&strategies) {
        if let Ok(CheckResult::Unknown(why)) = &run.result {
            reasons.push(format!("{}: {why}", strategy.name()));
        }
    }
    let verdict = if reasons.is_empty() {
        CheckResult::Timeout
    } else {
        for (run, strategy) in runs.iter().zip(&strategies) {
            if matches!(run.result, Ok(CheckResult::Timeout)) {
                reasons.push(format!("{}: timeout", strategy.name()));
            }
        }
        CheckResult::Unknown(reasons.join("; "))
    };
    Ok(refute_bounded(f, cfg, backend, verdict, stats, start))
}

/// How long the first strategy runs alone before the others start, in CPU
/// time (its share of this process's; see `head_start`): most parts of the
/// benchmarks' VCs are decided in under 100 ms by the strategy that decided
/// the part before, and starting the others costs a reduction and a solver
/// context each.
pub const HEAD_START: Duration = Duration::from_millis(200);

/// The head start lasts at most this many times [`HEAD_START`] of wall-clock
/// time, however little CPU the first strategy got.
pub const MAX_STRETCH: u32 = 4;

/// Stack of a strategy's thread: the reduction recurses over terms (the
/// same headroom as the CLI's workers; only touched pages are committed).
const RACER_STACK: usize = 64 << 20;

/// One strategy's answer and statistics.
struct Run {
    result: Result<CheckResult, CheckError>,
    stats: CheckStats,
    /// The reduced query, kept when a hint is to be recorded.
    query: Option<SmtQuery>,
}

/// Is the verdict fixed by the answers so far? An `unsat` or a confirmed
/// model fixes it (a model is a real counterexample, whichever strategy
/// found it), and so does every strategy having answered. An error does
/// not: another strategy may still decide (it is reported only if none
/// does).
fn settled(runs: &[Option<Run>]) -> bool {
    runs.iter().any(|r| matches!(r.as_ref().map(|r| &r.result), Some(Ok(CheckResult::Unsat | CheckResult::Sat(_)))))
        || runs.iter().all(Option::is_some)
}

/// After an inconclusive verdict, look for a counterexample with few
/// processes ([`crate::bounded`]); it can only refute, so without a
/// confirmed model the verdict stays, an `Unknown` with the reason extended.
fn refute_bounded(
    f: &Term,
    cfg: &CheckConfig,
    backend: &dyn Backend,
    verdict: CheckResult,
    mut stats: CheckStats,
    start: Instant,
) -> Checked {
    if !cfg.bounded_search {
        return done(verdict, stats, start);
    }
    let t = Instant::now();
    let verdict = bounded_refutation(f, cfg, backend, verdict);
    stats.solve += t.elapsed();
    done(verdict, stats, start)
}

/// Look for a counterexample of `f` with few processes after the undecided
/// `verdict`: a confirmed model replaces it, otherwise it stays (an
/// `Unknown` gets the search's outcome appended to its reason).
pub fn bounded_refutation(
    f: &Term,
    cfg: &CheckConfig,
    backend: &dyn Backend,
    verdict: CheckResult,
) -> CheckResult {
    let found = crate::bounded::search(f, &BoundedConfig::for_timeout(cfg.timeout), backend);
    let note = match found {
        Ok(BoundedResult::Found(m)) => return CheckResult::Sat(m),
        Ok(r) => format!("bounded search: {}", r.summary()),
        Err(e) => format!("bounded search skipped: {e}"),
    };
    match verdict {
        CheckResult::Unknown(why) => CheckResult::Unknown(format!("{why}; {note}")),
        other => other,
    }
}

fn done(result: CheckResult, mut stats: CheckStats, start: Instant) -> Checked {
    stats.total = start.elapsed();
    Checked { result, stats, hint: None }
}


#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::{and, cnst, forall, fun, var};
    use crate::smt::{SolverResult, Z3InProcess};
    use crate::{Op, Sort};

    /// A query whose reduction, unbudgeted, takes far longer than its time
    /// limit (`∀x y z. r(f(x), f(y), f(z))` over 60 constants, 30 rounds:
    /// the candidate triples of a round number millions) answers
    /// `Timeout` soon after the limit: the reduction looks at the deadline.
    #[test]
    fn the_time_limit_bounds_the_reduction() {
        let (f, r) = (fun("f", vec![Sort::P], Sort::P), fun("r", vec![Sort::P, Sort::P, Sort::P], Sort::Bool));
        let q = fun("q", vec![Sort::P], Sort::Bool);
        let (x, y, z) = (var("x", Sort::P), var("y", Sort::P), var("z", Sort::P));
        let mut parts: Vec<Term> = (0..60).map(|k| q.app(vec![cnst(&format!("c{k}"), Sort::P)])).collect();
        parts.push(forall(vec![x.clone(), y.clone(), z.clone()], r.app(vec![f.app(vec![x.t()]), f.app(vec![y.t()]), f.app(vec![z.t()])])));
        let unbudgeted = ReduceConfig {
            inst_depth: 30,
            instance_budget: usize::MAX,
            tuple_budget: usize::MAX,
            term_budget: usize::MAX,
            ..ReduceConfig::default()
        };
        let cfg = CheckConfig {
            reduce: unbudgeted,
            timeout: Duration::from_millis(500),
            bounded_search: false,
            ..CheckConfig::default()
        };
        let start = Instant::now();
        let checked = check_sat(&and(parts), &cfg, &Z3InProcess::new()).expect("no error");
        assert_eq!(checked.result, CheckResult::Timeout);
        // Unbudgeted, the reduction would run for hours; the bound is loose
        // so that a loaded machine does not fail the test.
        assert!(start.elapsed() < Duration::from_secs(20), "took {:?}", start.elapsed());
    }


    /// A back end that takes `delay` on every query (then asks Z3), and
    /// counts how many queries it has at once.
    struct Slow {
        delay: Duration,
        now: std::sync::atomic::AtomicUsize,
        most: std::sync::atomic::AtomicUsize,
    }

    impl Backend for Slow {
        fn name(&self) -> &str {
            "slow"
        }

        fn check_cancellable(&self, q: &SmtQuery, timeout: Duration, cancel: &Cancel) -> Result<SolverResult, SmtError> {
            use std::sync::atomic::Ordering::SeqCst;
            let k = self.now.fetch_add(1, SeqCst) + 1;
            self.most.fetch_max(k, SeqCst);
            let until = Instant::now() + self.delay;
            while Instant::now() < until && !cancel.is_cancelled() {
                std::thread::sleep(Duration::from_millis(5));
            }
            let answer = Z3InProcess::new().check_cancellable(q, timeout, cancel);
            self.now.fetch_sub(1, SeqCst);
            answer
        }
    }

    /// The strategy of a hint proved this very formula before: it runs
    /// alone for half the timeout, not the usual head start, so the others
    /// do not take the cores from it (a query of 1.5 s here; the usual head
    /// start ends after at most 0.8 s).
    #[test]
    fn the_hinted_strategy_runs_alone() {
        let p = fun("p", vec![Sort::P], Sort::Bool);
        let a = cnst("a", Sort::P);
        let f = and(vec![p.app(vec![a.clone()]), Term::Op(Op::Not, vec![p.app(vec![a])])]);
        let run = |hint: Option<Hint>| {
            let backend = Slow { delay: Duration::from_millis(1500), now: Default::default(), most: Default::default() };
            let cfg = CheckConfig { timeout: Duration::from_secs(10), bounded_search: false, hint, ..CheckConfig::default() };
            let checked = check_sat(&f, &cfg, &backend).expect("no error");
            assert_eq!(checked.result, CheckResult::Unsat);
            backend.most.into_inner()
        };
        assert_eq!(run(Some(Hint { strategy: Strategy::Ground, core: Vec::new() })), 1, "another strategy joined the hinted one");
        assert!(run(None) > 1, "without a hint the others join after the head start: the test no longer tests it");
    }
}
