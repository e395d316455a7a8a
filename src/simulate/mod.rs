//! `psync-verify simulate`: runs a spec file with the IR interpreter
//! (`psync_encodings::interp`, no compile step) under a heard-of adversary,
//! with the spec's own predicates as monitors, and replays recorded traces.
//!
//! Runs are independent and seeded by `--seed` and their index, so a run
//! is reproduced by its index alone; they run on `--jobs` rayon workers and
//! the report lists them in index order. A run goes on to its last round
//! after a monitor fails, each monitor reported at its first failure. The
//! first run that violates a property (else the first with any failed
//! monitor) is run again with its history recorded, for the table and the
//! trace.

mod adversary;
mod altered;
mod cex;
pub(crate) mod engine;
mod monitor;
mod render;
pub(crate) mod trace;

pub use adversary::AdversaryKind;
pub(crate) use cex::cex_params;
pub use cex::write_cex_traces;
pub use render::{render_human, render_json, render_junit, render_sarif};

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use psync_encodings::{Algorithm, SpecError};
use rayon::prelude::*;

use crate::cli::SimulateArgs;
use engine::{RunOutcome, RunSpec};
use monitor::Finding;
use trace::TraceFile;

/// Why `simulate` did not run: exit status 3.
#[derive(Debug)]
pub enum SimInputError {
    /// The spec file did not load (located).
    Spec(Box<SpecError>),
    /// Anything else, with its location in the message when it has one.
    Other(String),
}

impl From<String> for SimInputError {
    fn from(s: String) -> Self {
        SimInputError::Other(s)
    }
}

/// What `simulate` found.
pub struct SimReport {
    /// The spec file.
    pub file: String,
    /// Processes per run.
    pub n: usize,
    /// Rounds per run (at most).
    pub rounds: u64,
    /// The base seed.
    pub seed: u64,
    /// The adversary's description.
    pub adversary: String,
    /// Runs made.
    pub runs: u64,
    /// Rounds run, over every run.
    pub rounds_run: u64,
    /// Wall-clock time of the runs.
    pub elapsed: Duration,
    /// Runs that had the good phases (their liveness predicates held).
    pub with_good_phases: u64,
    /// Runs at whose end every `eventually` property held.
    pub terminated: u64,
    /// Runs stopped at a round whose heard-of sets break the spec's
    /// `safety` predicate (their earlier findings still count).
    pub outside_safety: u64,
    /// Violating runs, by monitor (`what`, line) → count.
    pub violations: BTreeMap<(String, usize), u64>,
    /// The first violating run (or, replaying, the replayed run), recorded.
    pub first: Option<TraceFile>,
    /// The replay's divergence from its trace, if any.
    pub diverged: Option<String>,
    /// Whether this is a replay.
    pub replay: bool,
}

impl SimReport {
    /// Whether a monitor failed or a replay diverged.
    pub fn failed(&self) -> bool {
        !self.violations.is_empty() || self.diverged.is_some()
    }
    /// The process exit status: 0 clean, 1 a violation.
    pub fn exit_code(&self) -> u8 {
        u8::from(self.failed())
    }
}

/// The spec file's text and algorithm.
fn load(path: &Path) -> Result<(String, Algorithm), SimInputError> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| SimInputError::Other(format!("cannot read {name}: {e}")))?;
    let alg = psync_encodings::parse_spec(&name, &text).map_err(|e| SimInputError::Spec(Box::new(e)))?;
    Ok((text, alg))
}

/// The line of `impl Round<…> for NAME` in the spec text (0 if absent).
fn round_line(text: &str, round: &str) -> usize {
    let needle = format!(" for {round}");
    text.lines().position(|l| l.contains("impl Round<") && l.trim_end().trim_end_matches('{').trim_end().ends_with(&needle)).map_or(0, |k| k + 1)
}

/// An interpreter error, located at its round's `impl`.
pub(crate) fn located(file: &str, text: &str, e: &psync_encodings::interp::InterpError) -> String {
    match e.round().map(|r| round_line(text, r)) {
        Some(line) if line > 0 => format!("{file}:{line}: {e}"),
        _ => format!("{file}: {e}"),
    }
}

fn progress_bar(runs: u64, show: bool) -> ProgressBar {
    if !show {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(runs);
    bar.set_style(ProgressStyle::with_template("{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} runs {msg}").expect("the progress template is valid"));
    bar
}

/// Runs `simulate` (or `--replay`) as the arguments say.
pub fn run(args: &SimulateArgs, show_progress: bool) -> Result<SimReport, SimInputError> {
    let (text, alg) = load(&args.file)?;
    let file = args.file.display().to_string();
    if let Some(path) = &args.replay {
        return replay(&file, &text, &alg, path);
    }
    let spec = RunSpec::new(&alg, args)?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.jobs.unwrap_or(0))
        .build()
        .map_err(|e| SimInputError::Other(format!("cannot start {} jobs: {e}", args.jobs.unwrap_or(0))))?;
    let bar = progress_bar(args.runs, show_progress);
    let start = Instant::now();
    let outcomes: Vec<Result<RunOutcome, engine::RunError>> = pool.install(|| {
        (0..args.runs)
            .into_par_iter()
            .map(|k| {
                let o = spec.run(k, false);
                bar.inc(1);
                o
            })
            .collect()
    });
    let elapsed = start.elapsed();
    bar.finish_and_clear();
    let mut report = SimReport {
        file: file.clone(),
        n: args.n,
        rounds: spec.rounds,
        seed: args.seed,
        adversary: spec.describe(),
        runs: args.runs,
        rounds_run: 0,
        elapsed,
        with_good_phases: 0,
        terminated: 0,
        outside_safety: 0,
        violations: BTreeMap::new(),
        first: None,
        diverged: None,
        replay: false,
    };
    // The run shown: the first that violates a property, else the first
    // with any finding (a broken invariant or round invariant).
    let (mut first_property, mut first_any) = (None, None);
    for (k, o) in outcomes.into_iter().enumerate() {
        let o = o.map_err(|e| e.locate(&file, &text))?;
        tally(&mut report, &o);
        if first_any.is_none() && !o.findings.is_empty() {
            first_any = Some(k as u64);
        }
        if first_property.is_none() && o.findings.iter().any(|(_, f)| f.what.starts_with("property ")) {
            first_property = Some(k as u64);
        }
    }
    let first_bad = first_property.or(first_any);
    let shown = first_bad.or((args.trace_out.is_some() && args.runs > 0).then_some(0));
    if let Some(k) = shown {
        let o = spec.run(k, true).map_err(|e| e.locate(&file, &text))?;
        let history = o.history.as_deref().unwrap_or_default();
        let t = TraceFile::new(&file, &alg, (spec.run_seed(k), k, &report.adversary), history, &o.findings);
        if let Some(out) = &args.trace_out {
            let json = serde_json::to_string_pretty(&t).map_err(|e| e.to_string())?;
            std::fs::write(out, json + "\n").map_err(|e| format!("cannot write {}: {e}", out.display()))?;
        }
        if first_bad.is_some() {
            report.first = Some(t);
        }
    }
    Ok(report)
}

fn tally(report: &mut SimReport, o: &RunOutcome) {
    report.rounds_run += o.rounds_run;
    report.with_good_phases += u64::from(o.good_phases);
    report.terminated += u64::from(o.terminated);
    report.outside_safety += u64::from(o.outside_safety);
    let mut seen: Vec<&Finding> = Vec::new();
    for (_, f) in &o.findings {
        if !seen.contains(&f) {
            seen.push(f);
            *report.violations.entry((f.what.clone(), f.line)).or_default() += 1;
        }
    }
}

/// `--replay`: runs the trace's heard-of sets from its inputs again, with
/// the monitors, and compares every state with the recorded one.
fn replay(file: &str, text: &str, alg: &Algorithm, path: &Path) -> Result<SimReport, SimInputError> {
    let raw = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let t: TraceFile = serde_json::from_str(&raw).map_err(|e| format!("{}: not a trace: {e}", path.display()))?;
    let inputs = t.read_inputs(alg).map_err(|e| format!("{}: {e}", path.display()))?;
    let schedule = t.schedule(alg).map_err(|e| format!("{}: {e}", path.display()))?;
    let start = Instant::now();
    let s0 = trace::start_state(alg, &t, inputs).map_err(|e| format!("{}: {e}", path.display()))?;
    let o = engine::replay(alg, s0, &schedule, t.seed).map_err(|e| e.locate(file, text))?;
    let history = o.history.as_deref().unwrap_or_default();
    let diverged = trace::divergence(alg, &t, history).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut report = SimReport {
        file: file.to_string(),
        n: t.n,
        rounds: t.rounds.len() as u64,
        seed: t.seed,
        adversary: format!("replay of {}", path.display()),
        runs: 1,
        rounds_run: 0,
        elapsed: start.elapsed(),
        with_good_phases: 0,
        terminated: 0,
        outside_safety: 0,
        violations: BTreeMap::new(),
        first: None,
        diverged,
        replay: true,
    };
    tally(&mut report, &o);
    let mut replayed = TraceFile::new(file, alg, (t.seed, t.run, &t.adversary), history, &o.findings);
    replayed.start.clone_from(&t.start);
    // A simulation's trace records its findings; a counterexample's (with a
    // `start`) does not: the replay's monitors say what the step violates.
    if report.diverged.is_none() && t.start.is_none() && replayed.findings != t.findings {
        report.diverged = Some(format!("the replay's findings {:?} differ from the trace's {:?}", replayed.findings, t.findings));
    }
    report.first = Some(replayed);
    Ok(report)
}
