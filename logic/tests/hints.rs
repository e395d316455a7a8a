//! Proof hints through `check_sat`: a recorded hint decides the same
//! formula again from its core alone, and no hint, however wrong, turns a
//! satisfiable formula into `unsat`.

use std::time::Duration;

use psync_logic::check::{CheckConfig, CheckResult, Strategy, check_sat, query, reduce};
use psync_logic::hint::{Hint, TermKey};
use psync_logic::smt::{Backend, Cancel, SmtError, SmtQuery, SolverResult, Z3InProcess};
use std::sync::atomic::{AtomicUsize, Ordering};
use psync_logic::{Term, parse_query};

/// Two majorities of `n` intersect (valid: the formula is unsatisfiable).
const MAJORITIES: &str = "
const A, B, C: Set<P>;
assert 2 * |A| > n && 2 * |B| > n && 3 * |C| > n;
assert !(exists w: P. w in A && w in B);
";

/// Two halves need not intersect (the formula has a model).
const HALVES: &str = "
const A, B: Set<P>;
assert 2 * |A| >= n && 2 * |B| >= n;
assert !(exists w: P. w in A && w in B);
";

fn formula(src: &str) -> Term {
    parse_query(src).unwrap_or_else(|e| panic!("{e}\n{src}")).formula()
}

fn config(strategy: Strategy) -> CheckConfig {
    CheckConfig { strategies: vec![strategy], timeout: Duration::from_secs(30), bounded_search: false, ..Default::default() }
}

#[test]
fn a_recorded_hint_proves_the_formula_again_from_its_core() {
    let f = formula(MAJORITIES);
    let backend = Z3InProcess::new();
    let recording = CheckConfig { record_hint: true, ..config(Strategy::Parametric) };
    let first = check_sat(&f, &recording, &backend).unwrap();
    assert_eq!(first.result, CheckResult::Unsat);
    assert!(!first.stats.hinted);
    let hint = first.hint.expect("a proof records a hint");
    assert_eq!(hint.strategy, Strategy::Parametric);
    let whole = query(&reduce(&f, &Strategy::Parametric.apply(&recording.reduce)).unwrap());
    assert!(!hint.core.is_empty() && hint.core.len() < whole.assertions.len(), "{} of {}", hint.core.len(), whole.assertions.len());

    let again = check_sat(&f, &CheckConfig { hint: Some(hint.clone()), ..recording }, &backend).unwrap();
    assert_eq!(again.result, CheckResult::Unsat);
    assert!(again.stats.hinted, "decided by the core");
    assert_eq!(again.hint, Some(hint), "a hint that worked is kept");
}

#[test]
fn a_hint_goes_first_even_when_its_strategy_is_scheduled_last() {
    let f = formula(MAJORITIES);
    let backend = Z3InProcess::new();
    let recorded = check_sat(&f, &CheckConfig { record_hint: true, ..config(Strategy::GlobalAnchors) }, &backend).unwrap();
    let hint = recorded.hint.expect("recorded");
    let cfg = CheckConfig {
        strategies: vec![Strategy::Ground, Strategy::Parametric, Strategy::GlobalAnchors],
        hint: Some(hint),
        ..config(Strategy::Ground)
    };
    let checked = check_sat(&f, &cfg, &backend).unwrap();
    assert_eq!(checked.result, CheckResult::Unsat);
    assert_eq!(checked.stats.strategy, Some(Strategy::GlobalAnchors));
    assert!(checked.stats.hinted);
}

#[test]
fn no_hint_makes_a_satisfiable_formula_unsat() {
    let f = formula(HALVES);
    let backend = Z3InProcess::new();
    let mut models = 0;
    for strategy in Strategy::ALL {
        let whole = query(&reduce(&f, &strategy.apply(&config(strategy).reduce)).unwrap());
        let keys: Vec<TermKey> = whole.assertions.iter().map(TermKey::of).collect();
        // Every assertion but one, each in turn, and the first half: wrong
        // hints of every shape. Only `unsat` of a subset may count, and a
        // subset of a satisfiable query has a model too.
        let mut cores: Vec<Vec<TermKey>> =
            (0..keys.len()).map(|skip| keys.iter().enumerate().filter(|(k, _)| *k != skip).map(|(_, key)| *key).collect()).collect();
        cores.push(keys[..keys.len() / 2].to_vec());
        cores.push(vec![TermKey(42)]);
        let unhinted = check_sat(&f, &config(strategy), &backend).unwrap().result;
        assert_ne!(unhinted, CheckResult::Unsat, "{}", strategy.name());
        for mut core in cores {
            core.sort_unstable();
            let cfg = CheckConfig { hint: Some(Hint { strategy, core }), record_hint: true, ..config(strategy) };
            let checked = check_sat(&f, &cfg, &backend).unwrap();
            // The verdict without the hint (a model, or `unknown` where
            // the strategy cannot decode one), never `unsat`.
            assert_eq!(checked.result.name(), unhinted.name(), "{}: {:?}", strategy.name(), checked.result);
            assert!(!checked.stats.hinted);
            assert_eq!(checked.hint, None, "no hint for a formula that was not proved");
            models += usize::from(matches!(checked.result, CheckResult::Sat(_)));
        }
    }
    assert!(models > 0, "some strategy finds the model");
}

/// Z3, except that it names no unsat core the first time it is asked.
struct FirstCoreFails {
    z3: Z3InProcess,
    asked: AtomicUsize,
}

impl Backend for FirstCoreFails {
    fn name(&self) -> &str {
        "z3, first core fails"
    }
    fn check_cancellable(&self, q: &SmtQuery, timeout: Duration, cancel: &Cancel) -> Result<SolverResult, SmtError> {
        self.z3.check_cancellable(q, timeout, cancel)
    }
    fn unsat_core(&self, q: &SmtQuery, timeout: Duration, cancel: &Cancel) -> Result<Option<Vec<usize>>, SmtError> {
        if self.asked.fetch_add(1, Ordering::SeqCst) == 0 {
            return Ok(None);
        }
        self.z3.unsat_core(q, timeout, cancel)
    }
}

#[test]
fn without_a_core_from_the_winner_the_hint_takes_another_strategys() {
    let f = formula(MAJORITIES);
    let backend = FirstCoreFails { z3: Z3InProcess::new(), asked: AtomicUsize::new(0) };
    let cfg = CheckConfig {
        strategies: vec![Strategy::Parametric, Strategy::GlobalAnchors],
        record_hint: true,
        ..config(Strategy::Parametric)
    };
    let checked = check_sat(&f, &cfg, &backend).unwrap();
    assert_eq!(checked.result, CheckResult::Unsat);
    let hint = checked.hint.expect("recorded");
    assert_ne!(Some(hint.strategy), checked.stats.strategy, "the winner named no core");
    assert!(!hint.core.is_empty());
    let again = check_sat(&f, &CheckConfig { hint: Some(hint.clone()), ..cfg }, &Z3InProcess::new()).unwrap();
    assert!(again.stats.hinted && again.stats.strategy == Some(hint.strategy));
}

#[test]
fn a_hint_for_a_strategy_that_is_not_scheduled_is_not_used() {
    let f = formula(MAJORITIES);
    let backend = Z3InProcess::new();
    let recorded = check_sat(&f, &CheckConfig { record_hint: true, ..config(Strategy::GlobalAnchors) }, &backend).unwrap();
    let hint = recorded.hint.expect("recorded");
    let checked = check_sat(&f, &CheckConfig { hint: Some(hint), ..config(Strategy::Ground) }, &backend).unwrap();
    assert_eq!(checked.stats.strategy, Some(Strategy::Ground), "only the strategies asked for run");
    assert!(!checked.stats.hinted);
}

/// Z3, except that it never names an unsat core (like a back end that
/// cannot, or a query where naming one always times out).
struct NoCores(Z3InProcess);

impl Backend for NoCores {
    fn name(&self) -> &str {
        "z3, no cores"
    }
    fn check_cancellable(&self, q: &SmtQuery, timeout: Duration, cancel: &Cancel) -> Result<SolverResult, SmtError> {
        self.0.check_cancellable(q, timeout, cancel)
    }
}

#[test]
fn without_any_named_core_the_hint_is_a_subset_found_by_deletion() {
    let f = formula(MAJORITIES);
    let cfg = CheckConfig { record_hint: true, ..config(Strategy::Parametric) };
    let checked = check_sat(&f, &cfg, &NoCores(Z3InProcess::new())).unwrap();
    assert_eq!(checked.result, CheckResult::Unsat);
    let hint = checked.hint.expect("recorded");
    let whole = query(&reduce(&f, &Strategy::Parametric.apply(&cfg.reduce)).unwrap());
    assert!(!hint.core.is_empty() && hint.core.len() < whole.assertions.len(), "{} of {}", hint.core.len(), whole.assertions.len());
    let again = check_sat(&f, &CheckConfig { hint: Some(hint), ..cfg }, &Z3InProcess::new()).unwrap();
    assert_eq!(again.result, CheckResult::Unsat);
    assert!(again.stats.hinted, "decided by the subset");
}
