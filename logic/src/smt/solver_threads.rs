//! Parked threads that run libz3, each query in a fresh context of its own.
//!
//! Why: libz3 costs about 9 ms the first time a thread uses it, on top of
//! the context (measured on a 30-assertion query: 13 ms on a thread that
//! had used libz3 before, 23 ms on a fresh thread, 30 ms on a fresh thread
//! through the `z3` crate's thread-local context, which creates a second
//! context first). The checker races its strategies on fresh threads, so
//! before this module every query paid that cost: more than the solving of
//! most parts of a VC. A job now runs on a solver thread parked from an
//! earlier job, or on a new one when all are busy.
//!
//! A job gets a context of its own, deleted after it, so no answer depends
//! on an earlier query (a reused context with `(reset)` would be faster,
//! but it keeps libz3's term table, and with it the term ids its heuristics
//! order by). An idle thread prepares the context of its next job: it
//! creates it and runs `(set-option :print-success false)` in it, which
//! sets up libz3's command interpreter (about 7 ms; every script starts
//! with that very command, so the script sees the state it would have
//! made itself).
//!
//! Queries of which only an `unsat` answer is used (the cores of proof
//! hints: a model or `unknown` there is thrown away) run instead in a
//! context the thread keeps from one such job to the next, set up once
//! with the job's options; each job scopes its declarations and
//! assertions with `(push)`/`(pop)`. Measured on the 26 cores of OTR's
//! parts, in one `z3` process: 0.05 s in all with push/pop, 0.27 s with
//! a `(reset)` before each, which starts the solver anew; a fresh context
//! costs 8–13 ms more. Such a context keeps the term ids of earlier
//! queries, so its answers may depend on them; `unsat` is a proof
//! whatever they were.

use std::ptr::NonNull;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError, mpsc};
use std::time::{Duration, Instant};

use crate::smt::SmtError;

/// A unit of work for a solver thread.
enum Job {
    /// Given the context prepared for it.
    Fresh(Box<dyn FnOnce(Result<FreshContext, SmtError>) + Send>),
    /// Given the thread's kept context, set up with these commands; gives
    /// it back if it can serve the next such job.
    Kept(String, Box<dyn FnOnce(Result<FreshContext, SmtError>) -> Option<FreshContext> + Send>),
}

/// The parked solver threads, each behind the sender of its job queue.
static PARKED: Mutex<Vec<mpsc::Sender<Job>>> = Mutex::new(Vec::new());

/// How many idle threads stay parked; beyond that a thread ends after its
/// job. More than any run needs at once (jobs × strategies).
const MAX_PARKED: usize = 64;

/// Stack of a solver thread: libz3 recurses over terms (the same headroom
/// as the checker's own threads; only touched pages are committed).
const STACK: usize = 64 << 20;

/// A libz3 context of its own for one job, deleted when dropped.
pub(crate) struct FreshContext(NonNull<z3_sys::_Z3_context>);

/// What an idle thread runs in the context of its next job: the first
/// command of every script (see the module documentation).
const PREPARE: &std::ffi::CStr = c"(set-option :print-success false)";

impl FreshContext {
    /// A new context, its command interpreter set up by [`PREPARE`].
    fn prepared() -> Result<FreshContext, SmtError> {
        let ctx = FreshContext::new()?;
        ctx.command(PREPARE)?;
        Ok(ctx)
    }

    /// This context after the commands `setup`, which must answer nothing
    /// (option commands, with `:print-success` off).
    fn set_up(self, setup: &str) -> Result<FreshContext, SmtError> {
        let commands = std::ffi::CString::new(setup).map_err(|_| SmtError::Script("a NUL byte in the setup".into()))?;
        match self.command(&commands)? {
            answer if answer.trim().is_empty() => Ok(self),
            answer => Err(SmtError::Solver(format!("setting up a kept context: {answer}"))),
        }
    }

    /// Run `commands` in this context; their output (errors included, as
    /// text).
    pub(crate) fn command(&self, commands: &std::ffi::CStr) -> Result<String, SmtError> {
        // SAFETY: a live context and a NUL-terminated command; the answer is
        // owned by the context and copied before the next call on it.
        unsafe {
            let answer = z3_sys::Z3_eval_smtlib2_string(self.raw(), commands.as_ptr());
            if answer.is_null() {
                return Err(SmtError::Solver("libz3 returned no answer".into()));
            }
            Ok(std::ffi::CStr::from_ptr(answer).to_string_lossy().into_owned())
        }
    }

    fn new() -> Result<FreshContext, SmtError> {
        // SAFETY: plain libz3 constructors; the configuration is only read
        // by `Z3_mk_context_rc` and deleted right after it.
        unsafe {
            let cfg = z3_sys::Z3_mk_config().ok_or_else(|| SmtError::Solver("libz3 could not make a configuration".into()))?;
            let ctx = z3_sys::Z3_mk_context_rc(cfg);
            z3_sys::Z3_del_config(cfg);
            let ctx = ctx.ok_or_else(|| SmtError::Solver("libz3 could not make a context".into()))?;
            // No error handler: libz3's default one exits the process.
            z3_sys::Z3_set_error_handler(ctx, None);
            Ok(FreshContext(ctx))
        }
    }

    /// The raw context, valid while `self` lives.
    pub(crate) fn raw(&self) -> NonNull<z3_sys::_Z3_context> {
        self.0
    }
}

impl Drop for FreshContext {
    fn drop(&mut self) {
        // SAFETY: created by `Z3_mk_context_rc` in `new`, deleted once.
        unsafe { z3_sys::Z3_del_context(self.0) };
    }
}

/// Solver threads whose job was given up on ([`run`]): still inside
/// libz3, and never parked again.
static ABANDONED: AtomicUsize = AtomicUsize::new(0);

/// Solver threads inside libz3 right now: running a job (abandoned ones
/// included), or preparing or deleting a context ([`InLibz3`]).
static BUSY: AtomicUsize = AtomicUsize::new(0);

/// How long a job may go on after its caller wants it stopped (its
/// watchdog interrupts libz3 from then on) before the caller stops waiting.
const ABANDON_AFTER: Duration = Duration::from_secs(1);

/// How often a waiting caller looks at its stop condition.
const WAIT_POLL: Duration = Duration::from_millis(10);

/// How many solver threads were given up on in this process, because
/// libz3 did not honour an interrupt (their jobs still run; see [`run`]).
/// A process that must not share its cores with them, such as a
/// verification worker between two VCs, ends once this is non-zero.
pub fn abandoned_solver_threads() -> usize {
    ABANDONED.load(Ordering::Relaxed)
}

/// Run `job` with a fresh libz3 context (prepared, see the module
/// documentation) on a solver thread, and wait for its result, or `None`
/// once `stop` has held for [`ABANDON_AFTER`] (see [`run`]). A job that
/// panics ends its thread and is an error here.
pub(crate) fn run_in_fresh_context<R: Send + 'static>(
    stop: &dyn Fn() -> bool,
    job: impl FnOnce(&FreshContext) -> R + Send + 'static,
) -> Result<Option<R>, SmtError> {
    let (answer, result) = mpsc::sync_channel(1);
    let job = Job::Fresh(Box::new(move |ctx: Result<FreshContext, SmtError>| match ctx {
        Ok(ctx) => {
            let out = job(&ctx);
            let _ = answer.send(Ok(out));
            // Deleted after the answer is on its way (a millisecond or two).
            drop(ctx);
        }
        Err(e) => {
            let _ = answer.send(Err(e));
        }
    }));
    run(job, result, stop)
}

/// Run `job` on a solver thread in the context it keeps for such jobs
/// (see the module documentation), after `setup` (option commands) when
/// the kept context was set up otherwise or there is none, and wait for
/// its result (or `None`, like [`run_in_fresh_context`]). The job leaves
/// the context as it found it (its commands scoped by `push`/`pop`) and
/// says whether it did; if not (an interrupt, an error), the context is
/// dropped. Only for queries whose `unsat` alone is used.
pub(crate) fn run_in_kept_context<R: Send + 'static>(
    setup: String,
    stop: &dyn Fn() -> bool,
    job: impl FnOnce(&FreshContext) -> (R, bool) + Send + 'static,
) -> Result<Option<R>, SmtError> {
    let (answer, result) = mpsc::sync_channel(1);
    let job = Job::Kept(setup, Box::new(move |ctx: Result<FreshContext, SmtError>| match ctx {
        Ok(ctx) => {
            let (out, keep) = job(&ctx);
            let _ = answer.send(Ok(out));
            keep.then_some(ctx)
        }
        Err(e) => {
            let _ = answer.send(Err(e));
            None
        }
    }));
    run(job, result, stop)
}

/// Hand `job` to a parked (or new) solver thread and wait for its answer.
///
/// Once `stop` holds (the caller's deadline passed, or it was cancelled),
/// the job's watchdog interrupts libz3, which answers within milliseconds
/// as a rule. Not always: libz3 4.8.12 has recursive passes that never
/// look at the interrupt (seen on a quantified query whose three racing
/// strategies' losers ran the whole 60 s budget of a VC the winner had
/// proved in 0.4 s). So the wait ends [`ABANDON_AFTER`] after `stop`
/// first held, with `None`: the thread is left to finish its job and end
/// (it is not parked again), counted in [`abandoned_solver_threads`].
fn run<R>(mut job: Job, result: mpsc::Receiver<Result<R, SmtError>>, stop: &dyn Fn() -> bool) -> Result<Option<R>, SmtError> {
    loop {
        let parked = PARKED.lock().unwrap_or_else(PoisonError::into_inner).pop();
        let thread = match parked {
            Some(thread) => thread,
            None => spawn()?,
        };
        match thread.send(job) {
            Ok(()) => {
                let mut stopped_at: Option<Instant> = None;
                let out = loop {
                    match result.recv_timeout(WAIT_POLL) {
                        Ok(out) => break out,
                        Err(mpsc::RecvTimeoutError::Disconnected) => {
                            return Err(SmtError::Solver("a solver thread panicked".into()));
                        }
                        Err(mpsc::RecvTimeoutError::Timeout) => {}
                    }
                    match stopped_at {
                        Some(t) if t.elapsed() >= ABANDON_AFTER => {
                            ABANDONED.fetch_add(1, Ordering::Relaxed);
                            tracing::debug!("libz3 did not honour an interrupt; its solver thread is given up on");
                            return Ok(None);
                        }
                        None if stop() => stopped_at = Some(Instant::now()),
                        _ => {}
                    }
                };
                park(thread);
                return out.map(Some);
            }
            // That thread has ended (it cannot, short of a panic); the job
            // comes back unrun: try the next one.
            Err(mpsc::SendError(unrun)) => job = unrun,
        }
    }
}

/// Make the process end without libz3's static destructors while a job
/// runs on a solver thread: `exit` runs them (they free libz3's global
/// memory manager and tables) while that thread still uses them, a crash
/// at exit seen after every test of a binary had passed, with an
/// abandoned thread inside libz3. glibc's `on_exit` hands the handler the
/// exit status, which `_exit` keeps; the handler is registered after
/// libz3's static constructors ran, so it runs before their destructors.
fn guard_exit() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        unsafe extern "C" {
            fn on_exit(function: extern "C" fn(libc::c_int, *mut libc::c_void), arg: *mut libc::c_void) -> libc::c_int;
        }
        extern "C" fn skip_destructors_while_busy(status: libc::c_int, _: *mut libc::c_void) {
            if BUSY.load(Ordering::SeqCst) > 0 {
                // SAFETY: `_exit` ends the process at once; Rust's own
                // buffers were flushed before `exit` was called.
                unsafe { libc::_exit(status) };
            }
        }
        static REGISTERED: std::sync::Once = std::sync::Once::new();
        // SAFETY: registers a handler that only reads an atomic and may
        // call `_exit`.
        REGISTERED.call_once(|| unsafe {
            on_exit(skip_destructors_while_busy, std::ptr::null_mut());
        });
    }
}

/// A solver thread's stretch of work in libz3 (a job and the preparing of
/// the next context), counted in [`BUSY`] until dropped, even by a panic.
struct InLibz3;

impl InLibz3 {
    /// Counted from now.
    fn enter() -> InLibz3 {
        BUSY.fetch_add(1, Ordering::SeqCst);
        InLibz3
    }
}

impl Drop for InLibz3 {
    fn drop(&mut self) {
        BUSY.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Start a solver thread; the sender of its job queue.
fn spawn() -> Result<mpsc::Sender<Job>, SmtError> {
    guard_exit();
    let (jobs, queue) = mpsc::channel::<Job>();
    std::thread::Builder::new()
        .name("psync-z3".into())
        .stack_size(STACK)
        .spawn(move || {
            // Prepared while idle: before the first job and after each one.
            let counted = InLibz3::enter();
            let mut next = FreshContext::prepared();
            drop(counted);
            let mut kept: Option<(String, FreshContext)> = None;
            for job in queue {
                let _counted = InLibz3::enter();
                match job {
                    Job::Fresh(job) => {
                        job(next);
                        next = FreshContext::prepared();
                    }
                    Job::Kept(setup, job) => {
                        let ctx = match kept.take() {
                            Some((done, ctx)) if done == setup => Ok(ctx),
                            _ => FreshContext::prepared().and_then(|ctx| ctx.set_up(&setup)),
                        };
                        kept = job(ctx).map(|ctx| (setup, ctx));
                    }
                }
            }
            let _counted = InLibz3::enter();
            drop((next, kept));
        })
        .map_err(|e| SmtError::Solver(format!("cannot start a solver thread: {e}")))?;
    Ok(jobs)
}

/// Park an idle thread for the next job (or let it end, if enough are).
fn park(thread: mpsc::Sender<Job>) {
    let mut parked = PARKED.lock().unwrap_or_else(PoisonError::into_inner);
    if parked.len() < MAX_PARKED {
        parked.push(thread);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The name of the thread a job ran on, and whether its context was
    /// a new one (no declarations from an earlier job).
    fn probe() -> (Option<String>, bool) {
        run_in_fresh_context(&|| false, |ctx| {
            // Declaring twice in one context is an error; in a new one, not.
            let fresh = !ctx.command(c"(declare-fun probe$ () Bool)").expect("an answer").contains("error");
            (std::thread::current().name().map(str::to_string), fresh)
        })
        .expect("the job runs")
        .expect("not stopped")
    }

    #[test]
    fn jobs_run_on_solver_threads_each_in_a_new_context() {
        for _ in 0..3 {
            let (name, fresh) = probe();
            assert_eq!(name.as_deref(), Some("psync-z3"));
            assert!(fresh, "a job saw the declarations of an earlier one");
        }
        let together: Vec<(Option<String>, bool)> =
            std::thread::scope(|s| (0..4).map(|_| s.spawn(probe)).collect::<Vec<_>>().into_iter().map(|h| h.join().unwrap()).collect());
        assert!(together.iter().all(|(_, fresh)| *fresh));
    }

    /// Run `script` in a kept context set up with `setup`; its answer, and
    /// whether the context is kept.
    fn kept(setup: &str, script: &'static std::ffi::CStr, keep: bool) -> String {
        run_in_kept_context(setup.to_string(), &|| false, move |ctx| (ctx.command(script).expect("an answer").trim().to_string(), keep))
            .expect("the job runs")
            .expect("not stopped")
    }

    #[test]
    fn kept_contexts_run_their_setup_and_scoped_jobs_leave_nothing_behind() {
        // (Jobs may land on any solver thread: each assertion holds for
        // every thread a job can get.)
        let setup = "(declare-fun setup$ () Bool)";
        for _ in 0..3 {
            // The setup ran in whatever kept context the job got.
            assert_eq!(kept(setup, c"(push 1)(assert setup$)(check-sat)(pop 1)", true), "sat");
            // An unsatisfiable scoped job leaves nothing for the next one.
            assert_eq!(kept(setup, c"(push 1)(assert (not setup$))(assert setup$)(check-sat)(pop 1)", true), "unsat");
            assert_eq!(kept(setup, c"(push 1)(assert setup$)(check-sat)(pop 1)", true), "sat");
        }
        // Another setup gets a context set up with it.
        assert_eq!(kept("(declare-fun other$ () Bool)", c"(push 1)(assert other$)(check-sat)(pop 1)", true), "sat");
        // A job that does not keep its context takes its unscoped
        // assertions with it.
        assert_eq!(kept(setup, c"(assert false)(check-sat)", false), "unsat");
        assert_eq!(kept(setup, c"(push 1)(check-sat)(pop 1)", true), "sat");
        let (name, fresh) = probe();
        assert_eq!(name.as_deref(), Some("psync-z3"));
        assert!(fresh, "a fresh job saw a kept job's declaration");
    }

    #[test]
    fn a_panicking_job_is_an_error_and_the_next_job_still_runs() {
        let failed = run_in_fresh_context(&|| false, |_| -> u32 { panic!("a job that panics (expected in this test)") });
        assert!(matches!(failed, Err(SmtError::Solver(ref m)) if m.contains("panicked")), "{failed:?}");
        assert_eq!(run_in_fresh_context(&|| false, |_| 7).ok(), Some(Some(7)));
    }

    /// A job that ignores its stop (as libz3 sometimes ignores an
    /// interrupt) is given up on a second after the stop, and counted;
    /// the next job gets another thread.
    #[test]
    fn a_job_that_ignores_its_stop_is_given_up_on() {
        let before = abandoned_solver_threads();
        let (release, hold) = mpsc::channel::<()>();
        let start = Instant::now();
        let got = run_in_fresh_context(&|| true, move |_| {
            let _ = hold.recv_timeout(Duration::from_secs(30));
            1
        });
        assert_eq!(got.ok(), Some(None));
        assert!(start.elapsed() < Duration::from_secs(10), "{:?}", start.elapsed());
        assert!(abandoned_solver_threads() > before);
        let _ = release.send(());
        assert_eq!(run_in_fresh_context(&|| false, |_| 2).ok(), Some(Some(2)));
    }

    /// How a child process of [`exit_with_a_job_in_libz3_skips_the_destructors_and_keeps_the_status`]
    /// ends: with a job still running on a solver thread, or none.
    const EXIT_CHILD: &str = "PSYNC_SOLVER_THREADS_EXIT_CHILD";

    /// Run as a child: register an exit handler before any solver thread
    /// (as libz3's destructors are), start a job, and exit with status 3.
    fn exit_as_a_child(job_still_running: bool) -> ! {
        extern "C" fn say_destructors_ran() {
            let text = b"destructors ran\n";
            // SAFETY: writes a static buffer to stderr.
            unsafe { libc::write(2, text.as_ptr().cast(), text.len()) };
        }
        // SAFETY: registers a handler that only writes to stderr.
        unsafe { libc::atexit(say_destructors_ran) };
        if job_still_running {
            std::thread::spawn(|| run_in_fresh_context(&|| false, |_| std::thread::sleep(Duration::from_secs(30))));
            while BUSY.load(Ordering::SeqCst) == 0 {
                std::thread::sleep(Duration::from_millis(5));
            }
        } else {
            assert_eq!(run_in_fresh_context(&|| false, |_| 1).ok(), Some(Some(1)));
            // The thread prepares its next context after the job.
            while BUSY.load(Ordering::SeqCst) > 0 {
                std::thread::sleep(Duration::from_millis(5));
            }
        }
        std::process::exit(3)
    }

    /// While a job runs in libz3 the process ends with its own status and
    /// skips the exit handlers registered before the solver threads (among
    /// them libz3's static destructors, which would pull libz3's memory
    /// from under the job); with no job running they run.
    #[test]
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    fn exit_with_a_job_in_libz3_skips_the_destructors_and_keeps_the_status() {
        if let Ok(mode) = std::env::var(EXIT_CHILD) {
            exit_as_a_child(mode == "busy");
        }
        for (mode, destructors_run) in [("busy", false), ("idle", true)] {
            let out = std::process::Command::new(std::env::current_exe().expect("the test binary"))
                .args(["--exact", "smt::solver_threads::tests::exit_with_a_job_in_libz3_skips_the_destructors_and_keeps_the_status"])
                .args(["--nocapture", "--test-threads", "1"])
                .env(EXIT_CHILD, mode)
                .output()
                .expect("the child runs");
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(3), "{mode}: {stderr}");
            assert_eq!(stderr.contains("destructors ran"), destructors_run, "{mode}: {stderr}");
        }
    }
}
