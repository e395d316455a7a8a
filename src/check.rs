//! `psync-verify check`: load spec files, generate their VCs, discharge them
//! in parallel, and report.

use std::path::Path;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use psync_encodings::{Algorithm, HintFile, PartHint, Vc};
use psync_logic::check::CheckConfig;
use psync_logic::smt::{Backend, SmtProcess, Z3InProcess};
use rayon::prelude::*;

use crate::cli::{BackendKind, CheckArgs, vc_matches};
use crate::outcome::{VcOutcome, Verdict};

/// Why `check` could not run at all (as opposed to a VC verdict).
#[derive(Debug)]
pub enum CheckFailure {
    /// A spec file is unreadable or outside the accepted subset.
    Input(Box<dyn miette::Diagnostic + Send + Sync>),
    /// A bad command-line value or an unwritable dump folder.
    Usage(String),
}

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

fn config(args: &CheckArgs) -> Result<CheckConfig, CheckFailure> {
    if !(args.timeout.is_finite() && args.timeout > 0.0) {
        return Err(CheckFailure::Usage(format!("--timeout must be a positive number of seconds, not {}", args.timeout)));
    }
    let mut cfg = CheckConfig { timeout: Duration::from_secs_f64(args.timeout), ..CheckConfig::default() };
    if let Some(b) = args.venn_bound {
        if b == 0 {
            return Err(CheckFailure::Usage("--venn-bound must be at least 1".into()));
        }
        cfg.reduce.venn_bound = b;
    }
    if let Some(d) = args.depth {
        cfg.reduce.inst_depth = d;
    }
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

fn load(args: &CheckArgs) -> Result<Vec<Loaded>, CheckFailure> {
    let mut out = Vec::new();
    for path in &args.files {
        let alg = psync_encodings::load_spec(path).map_err(|e| CheckFailure::Input(Box::new(e)))?;
        let vcs: Vec<Vc> = psync_encodings::generate_vcs(&alg)
            .into_iter()
            .filter(|vc| args.vc.is_empty() || args.vc.iter().any(|p| vc_matches(p, &vc.id)))
            .collect();
        out.push(Loaded { file: path.display().to_string(), alg, vcs });
    }
    Ok(out)
}

/// Write every selected VC, reduced, as SMT-LIB2 scripts named after its id:
/// one per part the VC is checked as and per strategy (`ID.STRATEGY.smt2`
/// for a VC of one part, `ID.partK.STRATEGY.smt2` otherwise), exactly the
/// queries the solver may be given.
fn dump_smt(dir: &Path, loaded: &[Loaded], cfg: &CheckConfig) -> Result<(), CheckFailure> {
    std::fs::create_dir_all(dir).map_err(|e| CheckFailure::Usage(format!("cannot create {}: {e}", dir.display())))?;
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
                    std::fs::write(&path, text).map_err(|e| CheckFailure::Usage(format!("cannot write {}: {e}", path.display())))?;
                }
            }
        }
    }
    Ok(())
}

/// Stack of each solver worker thread.
const WORKER_STACK: usize = 64 << 20;

/// A VC's outcome, with the hints of its proved parts and how many parts
/// their hint decided.
struct Checked {
    outcome: VcOutcome,
    hints: Vec<PartHint>,
    hinted_parts: usize,
}

fn check_one(file: &str, alg: &Algorithm, vc: &Vc, cfg: &CheckConfig, backend: &dyn Backend, hints: &[PartHint]) -> Checked {
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
    let (mut kept, mut hinted_parts) = (Vec::new(), 0);
    match psync_encodings::check_vc(alg, vc, cfg, backend, hints) {
        Ok(o) => {
            out.time = o.time;
            (kept, hinted_parts) = (o.hints, o.hinted_parts);
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
        if c.outcome.verdict == Verdict::Proved && !c.hints.is_empty() {
            file.vcs.insert(c.outcome.id.clone(), c.hints.clone());
        } else {
            file.vcs.remove(&c.outcome.id);
        }
    }
}

/// Run `check`; the outcomes are in file order, then VC order.
pub fn run(args: &CheckArgs, show_progress: bool) -> Result<(Vec<VcOutcome>, Duration), CheckFailure> {
    let start = Instant::now();
    let mut cfg = config(args)?;
    let loaded = load(args)?;
    let hints = match &args.hints {
        Some(path) => {
            cfg.record_hint = true;
            HintFile::load(path).map_err(|e| CheckFailure::Usage(e.to_string()))?
        }
        None => HintFile::new(),
    };
    if let Some(dir) = &args.dump_smt {
        dump_smt(dir, &loaded, &cfg)?;
    }
    let jobs: Vec<(&Loaded, &Vc)> = loaded.iter().flat_map(|l| l.vcs.iter().map(move |vc| (l, vc))).collect();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.jobs.unwrap_or(0))
        // The solver and the reduction recurse over terms on the worker's
        // stack (headroom beyond the 2 MB default of spawned threads; the
        // overflows once seen were the model reader recursing over Z3's
        // function tables, now walked in loops).
        .stack_size(WORKER_STACK)
        .build()
        .map_err(|e| CheckFailure::Usage(format!("cannot start {} jobs: {e}", args.jobs.unwrap_or(0))))?;
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
    let backend = backend(args.backend);
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
                let c = check_one(&l.file, &l.alg, vc, &cfg, backend.as_ref(), hints.for_vc(&vc.id));
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
    let outcomes: Vec<VcOutcome> = checked.into_iter().map(|(_, c)| c.outcome).collect();
    Ok((outcomes, start.elapsed()))
}
