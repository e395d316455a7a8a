//! The order in which a bounded search tries sizes and data ranges.
//!
//! A size `n ≤ exact_max_n` is first tried with any data: that query is
//! exact, so "no model" rules the size out, and it is cheap for small `n`.
//! A size it does not rule out, and every larger one, is tried with data
//! in the narrow range of [`DataRange::ladder`] (quantifier free over
//! `Int`, so it stays fast at sizes where the exact query takes minutes:
//! OTR's n = 7 counterexample, 28 s exact, 1.7 s with data in `0..=1`).
//! A size past `exact_max_n` whose narrow query finds nothing is then
//! tried exactly too, while every exact size before it was ruled out, each
//! within a tenth of the budget (at most a fifth each): small data can
//! miss a model that needs several distinct timestamps and a round
//! counter in a later phase (LastVoting with a coordinator that collects
//! from a third: no model with data in `-1..=4` up to n = 11, n = 5 exact
//! in 1.3 s). Then the sizes still open are tried with the wide range,
//! widened to hold `n` distinct values (processes with pairwise different
//! inputs: a one-round vote deciding on `n − 1` messages other than the
//! chosen value needs four values at n = 4). So
//! the answer has the smallest `n` with narrow data or exact, failing that
//! the smallest with wide data; a model the exact query found is re-solved
//! with small data, for values that are easy to read.

use std::time::{Duration, Instant};

use crate::bounded::data_range::DataRange;
use crate::bounded::{BoundedConfig, BoundedError, BoundedResult, NVerdict, Query, solve, verdict_name};
use crate::smt::{Backend, Cancel};
use crate::{Model, Term};

/// The most time spent re-solving a found model for smaller data (the
/// counterexample is shown that much later at most).
const MINIMIZE_TIMEOUT: Duration = Duration::from_secs(1);

/// An exact size past `exact_max_n` ruled out within this share of the
/// budget (1/10) makes the next size worth trying exactly too.
const CHEAP_SHARE: u32 = 10;

/// The most an exact size past `exact_max_n` may take: this share of the
/// budget (1/5).
const EXACT_STEP_SHARE: u32 = 5;

/// Look for a model of `f` with `n = 1, 2, …, cfg.max_n` processes, in the
/// order of the module documentation, until a model is found, the budget
/// is spent or `cancel` is cancelled (then with what it has).
pub fn search_until(
    f: &Term,
    cfg: &BoundedConfig,
    backend: &dyn Backend,
    cancel: &Cancel,
) -> Result<BoundedResult, BoundedError> {
    crate::typecheck_formula(f)?;
    let [narrow, wide] = DataRange::ladder(f);
    let mut s = Search { f, cfg, backend, cancel, start: Instant::now(), notes: Vec::new(), tried_up_to: 0 };
    let mut ruled_out = Vec::new();
    let mut without = [Vec::new(), Vec::new()];
    // Whether every exact size so far was ruled out, those past
    // `exact_max_n` cheaply: then the next size is worth trying exactly.
    let mut exact_cheap = true;
    for k in 1..=cfg.max_n {
        if k <= cfg.exact_max_n {
            match s.step(k, None, None)? {
                Step::Found(m) => return Ok(BoundedResult::Found(s.smaller_data(k, m, [narrow, wide]))),
                Step::NoModel => {
                    ruled_out.push(k);
                    continue;
                }
                Step::Open => exact_cheap = false,
                Step::Stop => return Ok(s.not_found(&ruled_out, &without, [narrow, wide])),
            }
        }
        match s.step(k, Some(narrow), None)? {
            Step::Found(m) => return Ok(BoundedResult::Found(m)),
            Step::NoModel => without[0].push(k),
            Step::Open => {}
            Step::Stop => return Ok(s.not_found(&ruled_out, &without, [narrow, wide])),
        }
        if k > cfg.exact_max_n && exact_cheap {
            let t = Instant::now();
            match s.step(k, None, Some(cfg.budget / EXACT_STEP_SHARE))? {
                Step::Found(m) => return Ok(BoundedResult::Found(s.smaller_data(k, m, [narrow, wide]))),
                Step::NoModel => ruled_out.push(k),
                Step::Open => exact_cheap = false,
                Step::Stop => return Ok(s.not_found(&ruled_out, &without, [narrow, wide])),
            }
            exact_cheap &= t.elapsed() < cfg.budget / CHEAP_SHARE;
        }
    }
    for k in (1..=cfg.max_n).filter(|k| !ruled_out.contains(k)) {
        match s.step(k, Some(wide.for_size(k)), None)? {
            Step::Found(m) => return Ok(BoundedResult::Found(m)),
            Step::NoModel => without[1].push(k),
            Step::Open => {}
            Step::Stop => break,
        }
    }
    Ok(s.not_found(&ruled_out, &without, [narrow, wide]))
}

/// `m`, a model of `f` found another way (by the proof's reduction), or a
/// model of `f` with as many processes and data in the search's small
/// ranges, if the solver gives one within [`MINIMIZE_TIMEOUT`]: values
/// 0, 1, 2 are easier to read than a solver's arbitrary integers. A model
/// whose integers already lie in the wide range is kept as it is.
pub fn with_small_data(f: &Term, m: Model, backend: &dyn Backend, cancel: &Cancel) -> Model {
    let [narrow, wide] = DataRange::ladder(f);
    let wide = wide.for_size(m.n);
    let mut ints = Vec::new();
    crate::eval::model_ints(&m, &mut ints);
    if ints.iter().all(|v| (wide.lo..=wide.hi).contains(v)) || crate::typecheck_formula(f).is_err() {
        return m;
    }
    let cfg = BoundedConfig { max_n: m.n, exact_max_n: 0, timeout_per_n: MINIMIZE_TIMEOUT, budget: MINIMIZE_TIMEOUT };
    let mut s = Search { f, cfg: &cfg, backend, cancel, start: Instant::now(), notes: Vec::new(), tried_up_to: 0 };
    let k = m.n;
    s.smaller_data(k, m, [narrow, wide])
}

/// What one query told.
enum Step {
    Found(Model),
    /// No model (of this data range, if any).
    NoModel,
    /// Undecided (noted).
    Open,
    /// Out of time, cancelled, or past the sizes the lowering supports.
    Stop,
}

struct Search<'a> {
    f: &'a Term,
    cfg: &'a BoundedConfig,
    backend: &'a dyn Backend,
    cancel: &'a Cancel,
    start: Instant,
    notes: Vec<String>,
    tried_up_to: u32,
}

impl Search<'_> {
    /// The time left of the budget, if any.
    fn left(&self) -> Option<Duration> {
        self.cfg.budget.checked_sub(self.start.elapsed()).filter(|d| !d.is_zero())
    }

    /// Try `k` processes with data in `data` (any data: `None`), within
    /// `cap` if given.
    fn step(&mut self, k: u32, data: Option<DataRange>, cap: Option<Duration>) -> Result<Step, BoundedError> {
        if self.cancel.is_cancelled() {
            self.notes.push(format!("stopped at n = {k}"));
            return Ok(Step::Stop);
        }
        let Some(left) = self.left() else {
            self.notes.push(format!("time budget spent at n = {k}"));
            return Ok(Step::Stop);
        };
        let verdict = match Query::build(self.f, k, data) {
            Ok(q) => {
                let limit = cap.map_or(self.cfg.timeout_per_n, |c| c.min(self.cfg.timeout_per_n)).min(left);
                solve(self.f, &q, self.backend, limit, self.cancel)?
            }
            // Larger `n` can make sets of sets too large: stop there.
            Err(BoundedError::Unsupported(why)) if k > 1 => {
                self.notes.push(format!("n = {k}: {why}"));
                return Ok(Step::Stop);
            }
            Err(e) => return Err(e),
        };
        self.tried_up_to = self.tried_up_to.max(k);
        let ms = self.start.elapsed().as_millis() as u64;
        tracing::debug!(n = k, data = ?data, verdict = verdict_name(&verdict), ms, "bounded search");
        Ok(match verdict {
            NVerdict::Found(m) => Step::Found(m),
            NVerdict::NoModel => Step::NoModel,
            NVerdict::Inconclusive(why) => {
                let what = data.map_or("any data".to_string(), |d| format!("data in {}..={}", d.lo, d.hi));
                self.notes.push(format!("n = {k} ({what}): {why}"));
                Step::Open
            }
        })
    }

    /// `m` (with `k` processes), or a model with the same `k` and data in
    /// one of `ranges` if the solver gives one quickly.
    fn smaller_data(&mut self, k: u32, m: Model, ranges: [DataRange; 2]) -> Model {
        let until = Instant::now() + MINIMIZE_TIMEOUT;
        for data in ranges {
            let left = until.saturating_duration_since(Instant::now());
            let Some(left) = self.left().map(|l| l.min(left)).filter(|l| !l.is_zero() && !self.cancel.is_cancelled()) else { break };
            let Ok(q) = Query::build(self.f, k, Some(data)) else { break };
            if let Ok(NVerdict::Found(small)) = solve(self.f, &q, self.backend, left, self.cancel) {
                return small;
            }
        }
        m
    }

    fn not_found(self, ruled_out: &[u32], without: &[Vec<u32>; 2], ranges: [DataRange; 2]) -> BoundedResult {
        let no_model_up_to = (1..).take_while(|k| ruled_out.contains(k)).last().unwrap_or(0);
        let mut notes = self.notes;
        // The wide range is widened per size (`DataRange::for_size`): one
        // note per range.
        let range_at = |row: usize, k: u32| if row == 0 { ranges[0] } else { ranges[1].for_size(k) };
        for (row, sizes) in without.iter().enumerate() {
            let mut groups: Vec<(DataRange, Vec<u32>)> = Vec::new();
            for k in sizes.iter().copied().filter(|k| !ruled_out.contains(k)) {
                match groups.last_mut() {
                    Some((d, ks)) if *d == range_at(row, k) => ks.push(k),
                    _ => groups.push((range_at(row, k), vec![k])),
                }
            }
            for (d, ks) in groups {
                notes.push(format!("no model with data in {}..={} for n = {}", d.lo, d.hi, ranges_of(&ks)));
            }
        }
        BoundedResult::NotFound { tried_up_to: self.tried_up_to, no_model_up_to, notes }
    }
}

/// `6…12` for consecutive sizes, `2, 4` otherwise.
fn ranges_of(sizes: &[u32]) -> String {
    let consecutive = sizes.windows(2).all(|w| w[1] == w[0] + 1);
    match (sizes.first(), sizes.last()) {
        (Some(a), Some(b)) if consecutive && a != b => format!("{a}…{b}"),
        _ => sizes.iter().map(u32::to_string).collect::<Vec<_>>().join(", "),
    }
}
