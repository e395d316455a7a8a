//! The worker process (`psync-verify worker`, not shown in `--help`): it
//! checks the VCs `check` sends it, one at a time, and answers each.
//!
//! Each VC runs in a worker so that the parent can bound it from outside:
//! a solver call that does not honour its interrupt, or a VC that outgrows
//! the memory budget, ends with the worker killed, and the run goes on
//! (`src/isolate.rs`). The worker reads [`Request`]s from stdin, one JSON
//! line each, and writes one [`Reply`] line per request to stdout; it ends
//! at the end of its input. A spec file is loaded once per worker.

use std::collections::HashMap;
use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use psync_encodings::{Algorithm, Vc, VcHints, VerdictKind};
use psync_logic::check::CheckConfig;
use psync_logic::smt::{Backend, SmtProcess, Z3InProcess};

use crate::cli::BackendKind;
use crate::outcome::VcOutcome;
use crate::wire::{Checked, Reply, Request};

/// Stack of the thread that checks the VCs: the reduction and the solver
/// recurse over terms (only touched pages are committed).
const CHECK_STACK: usize = 64 << 20;

fn backend(kind: BackendKind) -> Box<dyn Backend> {
    match kind {
        BackendKind::Z3 => Box::new(Z3InProcess::new()),
        BackendKind::Z3Process => Box::new(SmtProcess::z3()),
    }
}

/// A spec file's algorithm and VCs, or why it did not load.
type Spec = Result<(Algorithm, Vec<Vc>), String>;

/// Serve requests until stdin ends. The exit status is non-zero only when
/// the worker could not read or answer (the parent then reports the VC
/// with that reason).
pub fn serve() -> ExitCode {
    let served = std::thread::Builder::new().stack_size(CHECK_STACK).spawn(serve_on_this_thread);
    match served.map(|h| h.join()) {
        Ok(Ok(Ok(()))) => ExitCode::SUCCESS,
        Ok(Ok(Err(e))) => {
            eprintln!("psync-verify worker: {e}");
            ExitCode::FAILURE
        }
        Ok(Err(_)) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("psync-verify worker: cannot start its thread: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The worker's replies go to what was its stdout, and its stdout from
/// then on to its stderr: a line printed by anything else in the process
/// cannot be taken for a reply.
fn reply_channel() -> std::io::Result<std::fs::File> {
    use std::os::fd::FromRawFd;
    // SAFETY: dup and dup2 on the standard descriptors, which this process
    // owns; the duplicate is owned by the returned file alone.
    unsafe {
        let replies = libc::dup(libc::STDOUT_FILENO);
        if replies == -1 || libc::dup2(libc::STDERR_FILENO, libc::STDOUT_FILENO) == -1 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(std::fs::File::from_raw_fd(replies))
    }
}

fn serve_on_this_thread() -> std::io::Result<()> {
    let mut specs: HashMap<PathBuf, Spec> = HashMap::new();
    let mut backends: HashMap<BackendKind, Box<dyn Backend>> = HashMap::new();
    let mut replies = reply_channel()?;
    for line in std::io::stdin().lock().lines() {
        let line = line?;
        let request: Request = serde_json::from_str(&line).map_err(std::io::Error::other)?;
        let spec = specs.entry(request.file.clone()).or_insert_with(|| load(&request.file));
        let backend = backends.entry(request.settings.backend).or_insert_with(|| backend(request.settings.backend));
        let file = request.file.display().to_string();
        let checked = match spec {
            Ok((alg, vcs)) => match vcs.iter().find(|vc| vc.id == request.vc) {
                Some(vc) => check_one(&file, alg, vc, &request.settings.config(), backend.as_ref(), &request.hints),
                None => error(&request.vc, &file, format!("the spec file has no VC `{}` (changed during the run?)", request.vc)),
            },
            Err(why) => error(&request.vc, &file, format!("the spec file did not load in the worker: {why}")),
        };
        let mut reply = Reply::from(checked);
        reply.retire = psync_logic::smt::abandoned_solver_threads() > 0;
        let mut text = serde_json::to_string(&reply).map_err(std::io::Error::other)?;
        text.push('\n');
        replies.write_all(text.as_bytes())?;
    }
    Ok(())
}

fn load(path: &std::path::Path) -> Spec {
    let alg = psync_encodings::load_spec(path).map_err(|e| e.to_string())?;
    let vcs = psync_encodings::generate_vcs(&alg);
    Ok((alg, vcs))
}

fn error(id: &str, file: &str, why: String) -> Checked {
    Checked::ended(id, file, VerdictKind::Unknown, Duration::ZERO, Some(format!("error: {why}")))
}

/// Check `vc` of `alg` in this process.
fn check_one(file: &str, alg: &Algorithm, vc: &Vc, cfg: &CheckConfig, backend: &dyn Backend, hints: &VcHints) -> Checked {
    let start = Instant::now();
    let mut out = VcOutcome {
        id: vc.id.clone(),
        file: file.to_string(),
        verdict: VerdictKind::Unknown,
        time: Duration::ZERO,
        reason: None,
        counterexample: None,
        counterexample_text: None,
        vacuity: None,
        note: None,
        triage: None,
    };
    let (mut kept, mut hinted_parts) = (VcHints::default(), 0);
    match psync_encodings::check_vc(alg, vc, cfg, backend, hints) {
        Ok(o) => {
            out.time = o.time;
            (kept, hinted_parts) = (VcHints { parts: o.hints, witness: o.witness }, o.hinted_parts);
            out.note = o.note;
            out.verdict = o.verdict.kind();
            match o.verdict {
                psync_encodings::Verdict::Refuted(cex) => {
                    out.counterexample_text = Some(cex.to_string());
                    out.counterexample = serde_json::to_value(&*cex).ok();
                }
                psync_encodings::Verdict::Unknown(why) => out.reason = Some(why),
                psync_encodings::Verdict::Vacuous(why) => out.vacuity = Some(*why),
                psync_encodings::Verdict::Proved | psync_encodings::Verdict::Timeout => {}
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
