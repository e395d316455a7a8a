//! The in-process back end: libz3's own SMT-LIB2 interpreter, through
//! `Z3_eval_smtlib2_string`.
//!
//! A query is printed once ([`crate::smt::smtlib`]) and run by the same
//! command interpreter the `z3` binary uses, in a fresh context; answers and
//! models come back as text and are read exactly as from a `z3 -in` child
//! ([`crate::smt::model_text`]). Why not the crate's `Solver` API: on the same
//! script (an OTR inductiveness VC), a solver loaded with `from_string` timed
//! out at 20 s where the interpreter answered `unsat` in 1.2 s — the
//! interpreter configures its solver from the whole problem. Text in, text
//! out also keeps the crate's wrong declaration kinds on libz3 4.8.12 out of
//! the way. (Whole scripts, [`Backend::check_script`], go to the crate's
//! `Solver` instead; see `check_point`.) The commands run on a parked
//! solver thread, in a context of their own ([`crate::smt::solver_threads`]),
//! so the back end works from any thread and one value serves them all.

use std::ffi::CString;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

use z3::ast::Bool;
use z3::{Config, Params, SatResult, Solver, with_z3_config};

use crate::smt::decode::decode;
use crate::smt::model_text::parse_model;
use crate::smt::script::{CheckPoint, checkpoints, parse_script, reason, unknown_verdict};
use crate::smt::smtlib::{render, timeout_millis, z3_options};
use crate::smt::cancel::POLL;
use crate::smt::solver_threads::{FreshContext, run_in_fresh_context, run_in_kept_context};
use crate::smt::{Backend, Cancel, ScriptAnswer, ScriptVerdict, SmtError, SmtQuery, SolverConfig, SolverResult};

/// Z3 as a library, in this process.
#[derive(Clone, Debug, Default)]
pub struct Z3InProcess {
    /// Seed and MBQI setting.
    pub config: SolverConfig,
}

impl Z3InProcess {
    /// With the default configuration (seed 0, MBQI on).
    pub fn new() -> Z3InProcess {
        Z3InProcess::default()
    }
}

/// Run SMT-LIB2 commands in the context `ctx`; their output. An `(error …)`
/// line is an error, never a verdict.
fn eval(ctx: &FreshContext, commands: &str) -> Result<String, SmtError> {
    let text = CString::new(commands).map_err(|_| SmtError::Script("a NUL byte in the script".into()))?;
    let out = ctx.command(&text)?;
    match out.lines().find(|l| l.trim_start().starts_with("(error")) {
        Some(err) => Err(SmtError::Solver(err.trim().to_string())),
        None => Ok(out),
    }
}

/// The verdict of a `(check-sat)` answer (asking for the reason if unknown).
fn verdict(ctx: &FreshContext, answer: &str) -> Result<ScriptVerdict, SmtError> {
    match answer.trim() {
        "unsat" => Ok(ScriptVerdict::Unsat),
        "sat" => Ok(ScriptVerdict::Sat),
        "unknown" => Ok(unknown_verdict(reason(eval(ctx, "(get-info :reason-unknown)")?.trim())?)),
        other => Err(SmtError::Parse(format!("expected sat, unsat or unknown, got `{other}`"))),
    }
}

/// Run `commands` like [`eval`], interrupting the context (`Z3_interrupt`)
/// if it has not answered by `limit` or once `cancel` is cancelled. This
/// watchdog is the only time limit of an in-process query: the scripts set
/// no `:timeout`. libz3 does not always honour its own `:timeout`
/// (measured: a 20 s query of OTR came back after 49 s, its time spent
/// past the timeout in model-based quantifier instantiation), and libz3
/// 4.8.12's timers, a pool of threads shared by every context, have races
/// (Z3's pull request 5371): with the option, 4 of 150 in-process runs of
/// OTR's inductive inv0 VC, side by side strategies and all, timed out at
/// 20 s instead of being proved in 1 s; without it, none of 150. Without
/// the option libz3 starts no timer. An interrupted check answers `unknown`
/// (`canceled`), an interrupted command an `(error … canceled)`: both are
/// timeouts.
fn eval_within(ctx: &FreshContext, commands: &str, limit: Duration, cancel: &Cancel) -> Result<String, SmtError> {
    // The raw pointer crosses to the watchdog as an address; the context
    // outlives the watchdog, which `watched` joins before returning.
    let address = ctx.raw().as_ptr() as usize;
    let interrupt = move || {
        if let Some(ctx) = std::ptr::NonNull::new(address as *mut z3_sys::_Z3_context) {
            // SAFETY: the context is alive (see above); `Z3_interrupt` may
            // be called from any thread.
            unsafe { z3_sys::Z3_interrupt(ctx) };
        }
    };
    watched(Instant::now() + limit, cancel, interrupt, || eval(ctx, commands))
}

/// Run `work` under a watchdog thread that calls `interrupt` once
/// `deadline` has passed or `cancel` is cancelled, and again and again
/// until `work` returns: an interrupt that lands while a script is still
/// being read cancels only the command at hand, and the `check-sat` after
/// it would then run to its own timeout.
fn watched<T>(deadline: Instant, cancel: &Cancel, interrupt: impl Fn() + Send, work: impl FnOnce() -> T) -> T {
    let (done, wait) = mpsc::channel::<()>();
    std::thread::scope(|scope| {
        scope.spawn(move || {
            let mut stopping = false;
            loop {
                let left = deadline.saturating_duration_since(Instant::now());
                stopping |= left.is_zero() || cancel.is_cancelled();
                if stopping {
                    interrupt();
                }
                match wait.recv_timeout(if stopping { POLL } else { left.min(POLL) }) {
                    Err(RecvTimeoutError::Timeout) => {}
                    Ok(()) | Err(RecvTimeoutError::Disconnected) => return,
                }
            }
        });
        let out = work();
        let _ = done.send(());
        out
    })
}

/// A solver thread's answer to a query: the verdict, with the model's text
/// when `sat` (decoded on the calling thread).
enum Answer {
    Unsat,
    Sat(String),
    Unknown(String),
    Timeout,
}

/// The name of the guard of the `k`th assertion when asking for an unsat
/// core (`$` is in no name a spec can give, and the reduction names
/// nothing `core$…`; [`Backend::unsat_core`] checks).
fn core_name(k: usize) -> String {
    format!("core${k}")
}

/// An interrupted call was stopped, whatever it said: cancelled by the
/// caller, or interrupted at the time limit on a command other than
/// `check-sat` (while the script was read, or on the `get-model` or
/// `get-info` right after a late answer).
fn stopped<T>(answered: Result<T, SmtError>, cancel: &Cancel) -> Result<Option<T>, SmtError> {
    match answered {
        _ if cancel.is_cancelled() => Ok(None),
        Err(SmtError::Solver(e)) if e.contains("canceled") => Ok(None),
        other => other.map(Some),
    }
}

impl Z3InProcess {
    fn check_here(&self, q: &SmtQuery, timeout: Duration, cancel: &Cancel) -> Result<SolverResult, SmtError> {
        if cancel.is_cancelled() {
            return Ok(SolverResult::Timeout);
        }
        let rendered = render(q)?;
        // No `:timeout`: the watchdog of `eval_within` is the limit.
        let script = rendered.script(&z3_options(&self.config, None));
        let watched = cancel.clone();
        let deadline = Instant::now() + timeout;
        let stop = || cancel.is_cancelled() || Instant::now() >= deadline;
        // Text in, text out on the solver thread; the model is read here.
        let answered = run_in_fresh_context(&stop, move |ctx| {
            let answer = eval_within(ctx, &script, timeout, &watched)?;
            Ok(match verdict(ctx, &answer)? {
                ScriptVerdict::Unsat => Answer::Unsat,
                // Watched too: a model of a quantified query can take long
                // to build, and a check that no longer needs it must not wait.
                ScriptVerdict::Sat => Answer::Sat(eval_within(ctx, "(get-model)", timeout, &watched)?),
                ScriptVerdict::Unknown(why) => Answer::Unknown(why),
                ScriptVerdict::Timeout => Answer::Timeout,
            })
        })
        .map(|given_up| given_up.unwrap_or(Ok(Answer::Timeout)))
        .and_then(|answer| answer);
        match stopped(answered, cancel)? {
            None | Some(Answer::Timeout) => Ok(SolverResult::Timeout),
            Some(Answer::Unsat) => Ok(SolverResult::Unsat),
            Some(Answer::Unknown(why)) => Ok(SolverResult::Unknown(why)),
            Some(Answer::Sat(model)) => {
                let mut raw = parse_model(&model)?.with_aliases(&rendered.aliases);
                Ok(SolverResult::Sat(decode(&rendered.signature, q, &mut raw)?))
            }
        }
    }

    /// A script's check point, on the crate's `Solver` (verdicts only): the
    /// interpreter of an API context predeclares the sort `Set`, which
    /// scripts written for the `z3` binary may declare themselves (the
    /// VMCAI'14 anchors do).
    fn check_point(&self, cp: CheckPoint, timeout: Duration) -> Result<ScriptAnswer, SmtError> {
        let CheckPoint { label, options, body, assertions } = cp;
        let solver = Solver::new();
        let mut p = Params::new();
        p.set_u32("timeout", timeout_millis(timeout));
        p.set_u32("random_seed", self.config.seed);
        p.set_bool("mbqi", self.config.mbqi);
        for (k, v) in &options {
            let Some(key) = solver_param(k)? else { continue };
            match v.as_str() {
                "true" | "false" => p.set_bool(key.as_str(), v == "true"),
                v => match v.parse::<u32>() {
                    Ok(k) => p.set_u32(key.as_str(), k),
                    Err(_) => return Err(SmtError::Script(format!("option value `{v}` for `{key}`"))),
                },
            }
        }
        solver.set_params(&p);
        solver.from_string(body);
        // libz3 reports parse errors only through an error code the crate
        // does not expose: count the assertions it took.
        let got = solver.get_assertions().len();
        if got != assertions {
            return Err(SmtError::Solver(format!(
                "libz3 rejected the input ({got} of {assertions} assertions loaded: a parse or sort error, or a bad option)"
            )));
        }
        let start = Instant::now();
        let verdict = match solver.check() {
            SatResult::Unsat => ScriptVerdict::Unsat,
            SatResult::Sat => ScriptVerdict::Sat,
            SatResult::Unknown => {
                let reason = solver.get_reason_unknown().unwrap_or_default();
                if reason.is_empty() && start.elapsed() >= timeout {
                    ScriptVerdict::Timeout
                } else {
                    unknown_verdict(reason)
                }
            }
        };
        Ok(ScriptAnswer { label, verdict })
    }
}

/// `:smt.mbqi` ↦ `mbqi`; options with no effect on verdicts ↦ `None`.
fn solver_param(key: &str) -> Result<Option<String>, SmtError> {
    match key {
        ":print-success" | ":produce-models" | ":produce-unsat-cores" | ":produce-proofs" | ":timeout"
        | ":produce-assignments" | ":interactive-mode" => Ok(None),
        k if k.starts_with(":smt.") => Ok(Some(k[5..].replace('-', "_"))),
        k => Err(SmtError::Script(format!("option `{k}` is not supported in process"))),
    }
}

impl Backend for Z3InProcess {
    fn name(&self) -> &str {
        "z3-inprocess"
    }

    fn check_cancellable(&self, q: &SmtQuery, timeout: Duration, cancel: &Cancel) -> Result<SolverResult, SmtError> {
        self.check_here(q, timeout, cancel)
    }

    /// In the solver thread's kept context (`run_in_kept_context`), set up
    /// with this back end's options, the query scoped by `push`/`pop`;
    /// without a model.
    fn check_unsat(&self, q: &SmtQuery, timeout: Duration, cancel: &Cancel) -> Result<bool, SmtError> {
        if cancel.is_cancelled() {
            return Ok(false);
        }
        // The options once per context; models are not asked for.
        let setup: String = z3_options(&self.config, None)
            .into_iter()
            .filter(|o| !o.contains(":produce-models"))
            .collect::<Vec<_>>()
            .join("\n");
        let script = format!("(push 1)\n{}(check-sat)\n", render(q)?.body());
        let watched = cancel.clone();
        let deadline = Instant::now() + timeout;
        let stop = || cancel.is_cancelled() || Instant::now() >= deadline;
        let answered = run_in_kept_context(setup, &stop, move |ctx| {
            let answer = eval_within(ctx, &script, timeout, &watched).and_then(|a| verdict(ctx, &a));
            // Kept only if it answered and its scope is gone again (not
            // after an interrupt or an error).
            let keep = matches!(answer, Ok(ScriptVerdict::Unsat | ScriptVerdict::Sat))
                && eval(ctx, "(pop 1)").is_ok_and(|out| out.trim().is_empty());
            (answer, keep)
        })
        .map(|given_up| given_up.unwrap_or(Ok(ScriptVerdict::Timeout)))
        .and_then(|answer| answer);
        Ok(matches!(stopped(answered, cancel)?, Some(ScriptVerdict::Unsat)))
    }

    /// On the crate's `Solver`, on a thread of its own: libz3's command
    /// interpreter takes `:produce-unsat-cores` only in a context it
    /// created itself, never in an API context like ours. Each assertion
    /// `φ_k` is asserted as `core$k ⇒ φ_k` and checked under the
    /// assumptions `core$k`; the core is the assumptions the proof used.
    fn unsat_core(&self, q: &SmtQuery, timeout: Duration, cancel: &Cancel) -> Result<Option<Vec<usize>>, SmtError> {
        if cancel.is_cancelled() {
            return Ok(None);
        }
        let rendered = render(q)?;
        if let Some(f) = rendered.signature.funs.iter().find(|f| f.name.starts_with("core$")) {
            return Err(SmtError::Solver(format!("the query declares `{}`, a name unsat cores use", f.name)));
        }
        let mut text = rendered.declarations.clone();
        for (k, a) in rendered.assertions.iter().enumerate() {
            let body = a
                .strip_prefix("(assert ")
                .and_then(|b| b.strip_suffix(')'))
                .ok_or_else(|| SmtError::Solver(format!("not an assertion: {a}")))?;
            text.push_str(&format!("(declare-fun {} () Bool)\n(assert (=> {} {body}))\n", core_name(k), core_name(k)));
        }
        let count = rendered.assertions.len();
        let deadline = Instant::now() + timeout;
        std::thread::scope(|scope| {
            let job = scope.spawn(|| {
                with_z3_config(&Config::new(), || {
                    let solver = Solver::new();
                    let mut p = Params::new();
                    p.set_u32("random_seed", self.config.seed);
                    p.set_bool("mbqi", self.config.mbqi);
                    solver.set_params(&p);
                    solver.from_string(text);
                    // libz3 reports parse errors only through an error code
                    // the crate does not expose: count the assertions.
                    let got = solver.get_assertions().len();
                    if got != count {
                        return Err(SmtError::Solver(format!("libz3 rejected the query ({got} of {count} assertions loaded)")));
                    }
                    let guards: Vec<Bool> = (0..count).map(|k| Bool::new_const(core_name(k))).collect();
                    // The same watchdog as `eval_within`: no `:timeout`.
                    let handle = solver.get_context().handle();
                    let answer = watched(deadline, cancel, move || handle.interrupt(), || solver.check_assumptions(&guards));
                    if answer != SatResult::Unsat || cancel.is_cancelled() {
                        return Ok(None);
                    }
                    solver
                        .get_unsat_core()
                        .iter()
                        .map(|g| {
                            let name = g.to_string();
                            name.strip_prefix("core$")
                                .and_then(|k| k.parse::<usize>().ok())
                                .filter(|&k| k < count)
                                .ok_or_else(|| SmtError::Parse(format!("`{name}` names no assertion of the query")))
                        })
                        .collect::<Result<Vec<usize>, SmtError>>()
                        .map(Some)
                })
            });
            job.join().map_err(|_| SmtError::Solver("the unsat core's solver thread panicked".into()))?
        })
    }

    fn check_script(&self, script: &str, timeout: Duration) -> Result<Vec<ScriptAnswer>, SmtError> {
        let cmds = parse_script(script)?;
        let mut out = Vec::new();
        for cp in checkpoints(&cmds)? {
            out.push(with_z3_config(&Config::new(), || self.check_point(cp, timeout))?);
        }
        Ok(out)
    }
}
