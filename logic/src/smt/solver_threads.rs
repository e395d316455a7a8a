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
//! A job gets a context created for it and deleted after it, so no answer
//! depends on an earlier query (a reused context with `(reset)` would be
//! 5 ms faster, but it keeps libz3's term table, and with it the term ids
//! its heuristics order by).

use std::ptr::NonNull;
use std::sync::{Mutex, PoisonError, mpsc};

use crate::smt::SmtError;

/// A unit of work for a solver thread.
type Job = Box<dyn FnOnce() + Send>;

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

impl FreshContext {
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

/// Run `job` with a fresh libz3 context on a solver thread, and wait for
/// its result. A job that panics ends its thread and is an error here.
pub(crate) fn run_in_fresh_context<R: Send + 'static>(
    job: impl FnOnce(&FreshContext) -> R + Send + 'static,
) -> Result<R, SmtError> {
    let (answer, result) = mpsc::sync_channel(1);
    let mut job: Job = Box::new(move || {
        let out = FreshContext::new().map(|ctx| job(&ctx));
        let _ = answer.send(out);
    });
    loop {
        let parked = PARKED.lock().unwrap_or_else(PoisonError::into_inner).pop();
        let thread = match parked {
            Some(thread) => thread,
            None => spawn()?,
        };
        match thread.send(job) {
            Ok(()) => {
                let out = result.recv().map_err(|_| SmtError::Solver("a solver thread panicked".into()))?;
                park(thread);
                return out;
            }
            // That thread has ended (it cannot, short of a panic); the job
            // comes back unrun: try the next one.
            Err(mpsc::SendError(unrun)) => job = unrun,
        }
    }
}

/// Start a solver thread; the sender of its job queue.
fn spawn() -> Result<mpsc::Sender<Job>, SmtError> {
    let (jobs, queue) = mpsc::channel::<Job>();
    std::thread::Builder::new()
        .name("psync-z3".into())
        .stack_size(STACK)
        .spawn(move || {
            for job in queue {
                job();
            }
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
