//! `psync-verify check`: load spec files, generate their VCs, discharge them
//! in parallel, and report.

use std::path::Path;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use psync_encodings::{Algorithm, HintFile, SpecError, Vc, VcHints};
use psync_logic::check::CheckConfig;
use psync_logic::smt::{Backend, SmtProcess, Z3InProcess};
use rayon::prelude::*;

use crate::memory::MemoryBudget;
use crate::cli::{BackendKind, CheckArgs, vc_matches};
use crate::outcome::{FileOutcome, RunOutcome, VcOutcome, Verdict};

/// Why `check` could not run at all (as opposed to a VC verdict or a spec
/// file that does not load, which are reported in the run's outcome).
#[derive(Debug)]
pub struct UsageError(pub String);

/// One spec file and the VCs selected from it.
struct Loaded {
    file: String,
    alg: Algorithm,
    vcs: Vec<Vc>,
}

fn backend(kind: BackendKind) -> Box<dyn Backend> {
    match kind {
        BackendKind::Z3 => Box::new(Z3InProcess::new()),
        BackendKind::Z3Process => Box::new(SmtProcess::z3()),
    }
}

fn config(args: &CheckArgs) -> Result<CheckConfig, UsageError> {
    if !(args.timeout.is_finite() && args.timeout > 0.0) {
        return Err(UsageError(format!("--timeout must be a positive number of seconds, not {}", args.timeout)));
    }
    if !(args.memory.is_finite() && args.memory > 0.0) {
        return Err(UsageError(format!("--memory must be a positive number of GB, not {}", args.memory)));
    }
    let mut cfg = CheckConfig { timeout: Duration::from_secs_f64(args.timeout), ..CheckConfig::default() };
    if args.venn_bound == 0 {
        return Err(UsageError("--venn-bound must be at least 1".into()));
    }
    cfg.reduce.venn_bound = args.venn_bound;
    cfg.reduce.inst_depth = args.depth;
    if !args.strategies.is_empty() {
        cfg.strategies = Vec::new();
        for s in args.strategies.iter().map(|s| s.strategy()) {
            if !cfg.strategies.contains(&s) {
                cfg.strategies.push(s);
            }
        }
    }
    Ok(cfg)
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

/// Stack of each solver worker thread.
const WORKER_STACK: usize = 64 << 20;

/// A VC's outcome, with the hints of a proof (its parts' and the witness
/// of its hypotheses) and how many parts their hint decided.
struct Checked {
    outcome: VcOutcome,
    hints: VcHints,
    hinted_parts: usize,
}

fn check_one(file: &str, alg: &Algorithm, vc: &Vc, cfg: &CheckConfig, backend: &dyn Backend, hints: &VcHints) -> Checked {
    let start = Instant::now();
    let mut out = VcOutcome {
        id: vc.id.clone(),
        file: file.to_string(),
        verdict: Verdict::Unknown,
        time: Duration::ZERO,
        reason: None,
        counterexample: None,
        counterexample_text: None,
        vacuity: None,
        note: None,
    };
    let (mut kept, mut hinted_parts) = (VcHints::default(), 0);
    match psync_encodings::check_vc(alg, vc, cfg, backend, hints) {
        Ok(o) => {
            out.time = o.time;
            (kept, hinted_parts) = (VcHints { parts: o.hints, witness: o.witness }, o.hinted_parts);
            out.note = o.note;
            match o.verdict {
                psync_encodings::Verdict::Proved => out.verdict = Verdict::Proved,
                psync_encodings::Verdict::Refuted(cex) => {
                    out.verdict = Verdict::Refuted;
                    out.counterexample_text = Some(cex.to_string());
                    out.counterexample = serde_json::to_value(&*cex).ok();
                }
                psync_encodings::Verdict::Unknown(why) => out.reason = Some(why),
                psync_encodings::Verdict::Timeout => out.verdict = Verdict::Timeout,
                psync_encodings::Verdict::Vacuous(why) => {
                    out.verdict = Verdict::Vacuous;
                    out.vacuity = Some(*why);
                }
            }
        }
        // A VC the pipeline cannot process is not proved: it is reported as
        // unknown with the error, so the run cannot pass.
        Err(e) => {
            out.time = start.elapsed();
            out.reason = Some(format!("error: {e}"));
        }
    }
    Checked { outcome: out, hints: kept, hinted_parts }
}

/// Put the hints of this run's proofs into `file`: a proved VC's hints
/// replace its old ones, a VC not proved loses its hints, VCs not checked
/// keep theirs.
fn update_hints(file: &mut HintFile, checked: &[(usize, Checked)]) {
    for (_, c) in checked {
        if c.outcome.verdict == Verdict::Proved && !c.hints.parts.is_empty() {
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
    let mut cfg = config(args)?;
    let (loaded, matched) = load(args);
    check_patterns(args, &loaded, &matched)?;
    let good: Vec<&Loaded> = loaded.iter().filter_map(|l| l.as_ref().ok()).collect();
    let hints = match &args.hints {
        Some(path) => {
            cfg.record_hint = true;
            HintFile::load(path).map_err(|e| UsageError(e.to_string()))?
        }
        None => HintFile::new(),
    };
    if let Some(dir) = &args.dump_smt {
        dump_smt(dir, &good, &cfg)?;
    }
    let jobs: Vec<(&Loaded, &Vc)> = good.iter().flat_map(|l| l.vcs.iter().map(move |vc| (*l, vc))).collect();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.jobs.unwrap_or(0))
        // The solver and the reduction recurse over terms on the worker's
        // stack (headroom beyond the 2 MB default of spawned threads; the
        // overflows once seen were the model reader recursing over Z3's
        // function tables, now walked in loops).
        .stack_size(WORKER_STACK)
        .build()
        .map_err(|e| UsageError(format!("cannot start {} jobs: {e}", args.jobs.unwrap_or(0))))?;
    let bar = if show_progress {
        let bar = ProgressBar::new(jobs.len() as u64);
        bar.set_style(
            ProgressStyle::with_template("{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} {msg}")
                .expect("the progress template is valid"),
        );
        bar
    } else {
        ProgressBar::hidden()
    };
    let solver = backend(args.backend);
    let backend = MemoryBudget::new(solver.as_ref(), (args.memory * 1e9) as u64);
    // Largest VCs first, each taken by the next free worker: a large VC
    // started last would keep one worker busy while the others idle. The
    // size of a VC's parts is the estimate of its cost (on the benchmarks,
    // the inductiveness VCs are both the largest and the slowest).
    let mut order: Vec<(usize, usize)> =
        jobs.iter().enumerate().map(|(k, (_, vc))| (vc.parts().iter().map(psync_logic::Term::size).sum(), k)).collect();
    order.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut checked: Vec<(usize, Checked)> = pool.install(|| {
        order
            .into_iter()
            .par_bridge()
            .map(|(_, k)| {
                let (l, vc) = jobs[k];
                let c = check_one(&l.file, &l.alg, vc, &cfg, &backend, hints.for_vc(&vc.id));
                bar.inc(1);
                bar.set_message(c.outcome.id.clone());
                (k, c)
            })
            .collect()
    });
    checked.sort_by_key(|(k, _)| *k);
    bar.finish_and_clear();
    if let Some(path) = &args.hints {
        let mut updated = hints.clone();
        update_hints(&mut updated, &checked);
        let hinted: usize = checked.iter().map(|(_, c)| c.hinted_parts).sum();
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
    // `checked` is in job order, which is file order then VC order.
    let mut outcomes = checked.into_iter().map(|(_, c)| c.outcome);
    let files = loaded
        .into_iter()
        .map(|l| match l {
            Ok(l) => FileOutcome { file: l.file, error: None, vcs: outcomes.by_ref().take(l.vcs.len()).collect() },
            Err(e) => FileOutcome { file: e.file.clone(), error: Some(e), vcs: Vec::new() },
        })
        .collect();
    Ok(RunOutcome { files, time: start.elapsed() })
}
