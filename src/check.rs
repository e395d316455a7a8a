//! `psync-verify check`: load spec files, generate their VCs, discharge them
//! in parallel, and report.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use psync_encodings::{HintFile, SpecError, Vc, VerdictKind};
use psync_logic::check::CheckConfig;

use crate::cli::{CheckArgs, vc_matches};
use crate::isolate::Worker;
use crate::outcome::{FileOutcome, RunOutcome, VcOutcome};
use crate::wire::{Checked, Request, Settings};

/// Why `check` could not run at all (as opposed to a VC verdict or a spec
/// file that does not load, which are reported in the run's outcome).
#[derive(Debug)]
pub struct UsageError(pub String);

/// One spec file and the VCs selected from it.
struct Loaded {
    file: String,
    alg: psync_encodings::Algorithm,
    vcs: Vec<Vc>,
}

fn settings(args: &CheckArgs) -> Result<Settings, UsageError> {
    if !(args.timeout.is_finite() && args.timeout > 0.0) {
        return Err(UsageError(format!("--timeout must be a positive number of seconds, not {}", args.timeout)));
    }
    if let Some(gb) = args.memory.filter(|gb| !(gb.is_finite() && *gb > 0.0)) {
        return Err(UsageError(format!("--memory must be a positive number of GB, not {gb}")));
    }
    if args.venn_bound == 0 {
        return Err(UsageError("--venn-bound must be at least 1".into()));
    }
    let mut strategies = Vec::new();
    for s in args.strategies.iter().map(|s| s.strategy()) {
        if !strategies.contains(&s) {
            strategies.push(s);
        }
    }
    Ok(Settings {
        timeout: Duration::from_secs_f64(args.timeout),
        venn_bound: args.venn_bound,
        depth: args.depth,
        strategies,
        record_hint: args.hints.is_some(),
        backend: args.backend,
    })
}

/// The spec files given, in order, each loaded with its selected VCs or
/// the error that stopped it; and for each `--vc` pattern, whether it
/// selected a VC of some file.
fn load(args: &CheckArgs) -> (Vec<Result<Loaded, SpecError>>, Vec<bool>) {
    let mut matched = vec![false; args.vc.len()];
    let mut out = Vec::new();
    for path in &args.files {
        let alg = match psync_encodings::load_spec(path) {
            Ok(alg) => alg,
            Err(e) => {
                out.push(Err(e));
                continue;
            }
        };
        let mut vcs = psync_encodings::generate_vcs(&alg);
        if !args.vc.is_empty() {
            vcs.retain(|vc| {
                let mut selected = false;
                for (pattern, hit) in args.vc.iter().zip(&mut matched) {
                    if vc_matches(pattern, &vc.id) {
                        (*hit, selected) = (true, true);
                    }
                }
                selected
            });
        }
        out.push(Ok(Loaded { file: path.display().to_string(), alg, vcs }));
    }
    (out, matched)
}

/// A `--vc` pattern that selects nothing is a usage error (a typo in a CI
/// pattern must not pass as "0 VCs"), naming every such pattern. When a
/// file did not load, the pattern may have been meant for it: the run
/// already ends with an input error, so this is only a warning then.
fn check_patterns(args: &CheckArgs, loaded: &[Result<Loaded, SpecError>], matched: &[bool]) -> Result<(), UsageError> {
    let unmatched: Vec<String> =
        args.vc.iter().zip(matched).filter(|(_, hit)| !**hit).map(|(p, _)| format!("`{p}`")).collect();
    if unmatched.is_empty() {
        return Ok(());
    }
    let which = if unmatched.len() == 1 { "pattern" } else { "patterns" };
    let msg = format!("--vc {which} {} selected no VC", unmatched.join(", "));
    if loaded.iter().all(Result::is_ok) {
        Err(UsageError(format!("{msg} (`*` matches any run of characters; without `*`, a pattern matches as a substring)")))
    } else {
        eprintln!("warning: {msg} of the files that loaded");
        Ok(())
    }
}

/// Write every selected VC, reduced, as SMT-LIB2 scripts named after its id:
/// one per part the VC is checked as and per strategy (`ID.STRATEGY.smt2`
/// for a VC of one part, `ID.partK.STRATEGY.smt2` otherwise), exactly the
/// queries the solver may be given.
fn dump_smt(dir: &Path, loaded: &[&Loaded], cfg: &CheckConfig) -> Result<(), UsageError> {
    std::fs::create_dir_all(dir).map_err(|e| UsageError(format!("cannot create {}: {e}", dir.display())))?;
    for l in loaded {
        for vc in &l.vcs {
            let parts = vc.parts();
            let stem = vc.id.replace('/', "__");
            for (k, part) in parts.iter().enumerate() {
                for strategy in cfg.scheduled() {
                    let s = strategy.name();
                    let name = if parts.len() == 1 { format!("{stem}.{s}.smt2") } else { format!("{stem}.part{k}.{s}.smt2") };
                    let text = match psync_logic::check::reduce(part, &strategy.apply(&cfg.reduce)) {
                        Ok(r) => {
                            let q = psync_logic::check::query(&r);
                            match psync_logic::smt::smtlib::to_script(&q, &Default::default(), Some(cfg.timeout)) {
                                Ok(text) => format!("; {} part {k} of {}, strategy {s}\n{text}", vc.id, parts.len()),
                                Err(e) => format!("; {}: cannot print the reduced query: {e}\n", vc.id),
                            }
                        }
                        Err(e) => format!("; {}: cannot reduce: {e}\n", vc.id),
                    };
                    let path = dir.join(name);
                    std::fs::write(&path, text).map_err(|e| UsageError(format!("cannot write {}: {e}", path.display())))?;
                }
            }
        }
    }
    Ok(())
}

/// Put the hints of this run's proofs into `file`: a proved VC's hints
/// replace its old ones, a VC not proved loses its hints, VCs not checked
/// keep theirs.
fn update_hints(file: &mut HintFile, checked: &[Checked]) {
    for c in checked {
        if c.outcome.verdict == VerdictKind::Proved && !c.hints.parts.is_empty() {
            file.vcs.insert(c.outcome.id.clone(), c.hints.clone());
        } else {
            file.vcs.remove(&c.outcome.id);
        }
    }
}

/// Run `check`: every file given is reported, checked or with the error
/// that stopped it, in command-line order.
pub fn run(args: &CheckArgs, show_progress: bool) -> Result<RunOutcome, UsageError> {
    let start = Instant::now();
    let settings = settings(args)?;
    let (loaded, matched) = load(args);
    check_patterns(args, &loaded, &matched)?;
    let good: Vec<&Loaded> = loaded.iter().filter_map(|l| l.as_ref().ok()).collect();
    let hints = match &args.hints {
        Some(path) => HintFile::load(path).map_err(|e| UsageError(e.to_string()))?,
        None => HintFile::new(),
    };
    if let Some(dir) = &args.dump_smt {
        dump_smt(dir, &good, &settings.config())?;
    }
    let jobs: Vec<(&Loaded, &Vc)> = good.iter().flat_map(|l| l.vcs.iter().map(move |vc| (*l, vc))).collect();
    let bar = progress_bar(show_progress, jobs.len());
    // Largest VCs first, each taken by the next free job: a large VC
    // started last would keep one job busy while the others idle. The
    // size of a VC's parts is the estimate of its cost (on the benchmarks,
    // the inductiveness VCs are both the largest and the slowest).
    let mut order: Vec<(usize, usize)> =
        jobs.iter().enumerate().map(|(k, (_, vc))| (vc.parts().iter().map(psync_logic::Term::size).sum(), k)).collect();
    order.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let requests: Vec<Request> = order
        .iter()
        .map(|&(_, k)| {
            let (l, vc) = jobs[k];
            Request { file: PathBuf::from(&l.file), vc: vc.id.clone(), settings: settings.clone(), hints: hints.for_vc(&vc.id).clone() }
        })
        .collect();
    let threads = match args.jobs {
        Some(n) if n > 0 => n,
        // RAYON_NUM_THREADS if set, else one per logical core.
        _ => rayon::current_num_threads(),
    }
    .min(requests.len());
    let budget = match args.memory {
        Some(gb) => (gb * 1e9) as u64,
        None => default_budget(threads),
    };
    let mut checked = discharge(&requests, threads, budget, &bar);
    // Back in job order, which is file order then VC order.
    let mut by_job: Vec<Option<Checked>> = jobs.iter().map(|_| None).collect();
    for (k, c) in checked.drain(..) {
        by_job[order[k].1] = Some(c);
    }
    let checked: Vec<Checked> = by_job.into_iter().map(|c| c.expect("every VC is checked")).collect();
    bar.finish_and_clear();
    if let Some(path) = &args.hints {
        let mut updated = hints.clone();
        update_hints(&mut updated, &checked);
        let hinted: usize = checked.iter().map(|c| c.hinted_parts).sum();
        let parts: usize = jobs.iter().map(|(_, vc)| vc.parts().len()).sum();
        // On stderr: the report on stdout stays what it is without hints.
        eprintln!("hints: {hinted} of {parts} parts proved by their hint's core");
        if updated != hints {
            // The verdicts stand whether or not the hints could be saved.
            match updated.save(path) {
                Ok(()) => eprintln!("hints: wrote {}", path.display()),
                Err(e) => eprintln!("warning: hints not saved: {e}"),
            }
        }
    }
    let mut outcomes = checked.into_iter().map(|c| c.outcome);
    let files = loaded
        .into_iter()
        .map(|l| match l {
            Ok(l) => {
                let mut vcs: Vec<VcOutcome> = outcomes.by_ref().take(l.vcs.len()).collect();
                triage_refuted(&l, &mut vcs);
                FileOutcome { file: l.file, error: None, vcs }
            }
            Err(e) => FileOutcome { file: e.file.clone(), error: Some(e), vcs: Vec::new() },
        })
        .collect();
    Ok(RunOutcome { files, time: start.elapsed() })
}

/// Each refuted inductiveness VC of `l` gets a search from initial states
/// for the violation its counterexample points at (`triage.rs`).
fn triage_refuted(l: &Loaded, outcomes: &mut [VcOutcome]) {
    for (o, vc) in outcomes.iter_mut().zip(&l.vcs) {
        if o.verdict == VerdictKind::Refuted
            && crate::triage::applies(vc)
            && let Some(cex) = &o.counterexample
        {
            let about = crate::triage::monitor_of(vc);
            o.triage = Some(crate::triage::search(Path::new(&l.file), &l.alg, cex, about.as_deref()));
        }
    }
}

/// The most memory a VC gets by default, in bytes.
const DEFAULT_BUDGET_CAP: u64 = 8_000_000_000;

/// The default memory budget of a VC when `jobs` VCs run at once: half
/// the physical memory shared among them, at most [`DEFAULT_BUDGET_CAP`]
/// (the benchmarks' VCs need under 0.5 GB each).
fn default_budget(jobs: usize) -> u64 {
    // SAFETY: sysconf has no preconditions.
    let (pages, page) = unsafe { (libc::sysconf(libc::_SC_PHYS_PAGES), libc::sysconf(libc::_SC_PAGESIZE)) };
    let physical = u64::try_from(pages).unwrap_or(0).saturating_mul(u64::try_from(page).unwrap_or(0));
    if physical == 0 {
        return DEFAULT_BUDGET_CAP;
    }
    (physical / 2 / jobs.max(1) as u64).min(DEFAULT_BUDGET_CAP)
}

fn progress_bar(show: bool, len: usize) -> ProgressBar {
    if !show {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len as u64);
    bar.set_style(
        ProgressStyle::with_template("{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} {msg}")
            .expect("the progress template is valid"),
    );
    bar
}

/// Check every request on `threads` jobs, each driving one worker process
/// (`src/isolate.rs`) and taking the next request when it is free; each
/// VC within its deadline and `budget` bytes. The outcomes come with the
/// index of their request, in no particular order.
fn discharge(requests: &[Request], threads: usize, budget: u64, bar: &ProgressBar) -> Vec<(usize, Checked)> {
    let next = AtomicUsize::new(0);
    let done = Mutex::new(Vec::with_capacity(requests.len()));
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                let mut worker: Option<Worker> = None;
                loop {
                    let k = next.fetch_add(1, Ordering::Relaxed);
                    let Some(request) = requests.get(k) else { break };
                    let c = check_isolated(&mut worker, request, budget);
                    bar.inc(1);
                    bar.set_message(c.outcome.id.clone());
                    done.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push((k, c));
                }
            });
        }
    });
    done.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Check `request` in `worker`, started first if there is none (or the
/// last one was killed). A worker that holds more than half the budget
/// after a VC is ended, so that what one VC left behind is not charged to
/// the next.
fn check_isolated(worker: &mut Option<Worker>, request: &Request, budget: u64) -> Checked {
    let file = request.file.display().to_string();
    let running = match worker {
        Some(w) => w,
        None => match Worker::start() {
            Ok(w) => worker.insert(w),
            Err(e) => {
                let why = format!("error: cannot start a worker process: {e}");
                return Checked::ended(&request.vc, &file, VerdictKind::Unknown, Duration::ZERO, Some(why));
            }
        },
    };
    let checked = running.check(request, budget);
    if running.is_gone() || running.resident().is_none_or(|r| r > budget / 2) {
        *worker = None;
    }
    checked
}
