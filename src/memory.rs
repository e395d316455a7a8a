//! The memory budget of a check: a solver call running while the process
//! holds more than the budget is stopped, and answers `unknown` with the
//! reason "memory budget", so the VC it belongs to ends undecided and the
//! other VCs go on.
//!
//! libz3 allocates outside Rust's allocator, so the process's resident
//! size (`/proc/self/statm`) is what is watched: one thread polls it while
//! calls are in flight and cancels them once it is over the budget. The
//! reduction does not run inside a solver call; its size is bounded by the
//! reduction's own budgets (`ReduceConfig`).

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use psync_logic::smt::{Backend, Cancel, ScriptAnswer, SmtError, SmtQuery, SolverResult};

/// How often the resident size is read while calls are in flight.
const POLL: Duration = Duration::from_millis(10);

/// The process's resident size in bytes, if the platform tells it.
fn resident_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    // SAFETY: sysconf has no preconditions.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    Some(pages * u64::try_from(page).ok()?)
}

/// The calls in flight and whether the budget was exceeded during each.
#[derive(Default)]
struct Calls {
    next: u64,
    running: Vec<(u64, Cancel, Arc<Mutex<bool>>)>,
    watching: bool,
}

/// `inner`, with its calls stopped when the process exceeds `budget` bytes.
pub struct MemoryBudget<'a> {
    inner: &'a dyn Backend,
    budget: u64,
    calls: Arc<Mutex<Calls>>,
}

impl<'a> MemoryBudget<'a> {
    /// `inner` within `budget` bytes of resident memory.
    pub fn new(inner: &'a dyn Backend, budget: u64) -> MemoryBudget<'a> {
        MemoryBudget { inner, budget, calls: Arc::default() }
    }

    fn over_budget(&self) -> Option<u64> {
        resident_bytes().filter(|&r| r > self.budget)
    }

    fn reason(&self, resident: u64) -> String {
        format!(
            "memory budget: the process held {:.1} GB, over the budget of {:.1} GB (--memory)",
            resident as f64 / 1e9,
            self.budget as f64 / 1e9
        )
    }

    /// Run `call` (which watches `cancel`) unless the process is over the
    /// budget already; `Err(reason)` when it is, or went over during the call.
    fn guarded<T>(&self, cancel: &Cancel, call: impl FnOnce() -> T) -> Result<T, String> {
        if let Some(r) = self.over_budget() {
            return Err(self.reason(r));
        }
        let exceeded = Arc::new(Mutex::new(false));
        let id = {
            let mut calls = self.calls.lock().unwrap_or_else(PoisonError::into_inner);
            calls.next += 1;
            let id = calls.next;
            calls.running.push((id, cancel.clone(), exceeded.clone()));
            if !calls.watching {
                calls.watching = true;
                self.watch();
            }
            id
        };
        let out = call();
        self.calls.lock().unwrap_or_else(PoisonError::into_inner).running.retain(|(k, _, _)| *k != id);
        if *exceeded.lock().unwrap_or_else(PoisonError::into_inner) {
            return Err(self.reason(resident_bytes().unwrap_or(self.budget).max(self.budget)));
        }
        Ok(out)
    }

    /// Poll the resident size while calls are in flight; over the budget,
    /// mark and cancel every one of them.
    fn watch(&self) {
        let (calls, budget) = (self.calls.clone(), self.budget);
        std::thread::spawn(move || {
            loop {
                std::thread::sleep(POLL);
                let mut state = calls.lock().unwrap_or_else(PoisonError::into_inner);
                if state.running.is_empty() {
                    state.watching = false;
                    return;
                }
                if resident_bytes().is_some_and(|r| r > budget) {
                    for (_, cancel, exceeded) in &state.running {
                        *exceeded.lock().unwrap_or_else(PoisonError::into_inner) = true;
                        cancel.cancel();
                    }
                }
            }
        });
    }
}

impl Backend for MemoryBudget<'_> {
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn check_cancellable(&self, q: &SmtQuery, timeout: Duration, cancel: &Cancel) -> Result<SolverResult, SmtError> {
        self.guarded(cancel, || self.inner.check_cancellable(q, timeout, cancel)).unwrap_or_else(|why| Ok(SolverResult::Unknown(why)))
    }

    fn check_unsat(&self, q: &SmtQuery, timeout: Duration, cancel: &Cancel) -> Result<bool, SmtError> {
        self.guarded(cancel, || self.inner.check_unsat(q, timeout, cancel)).unwrap_or(Ok(false))
    }

    fn unsat_core(&self, q: &SmtQuery, timeout: Duration, cancel: &Cancel) -> Result<Option<Vec<usize>>, SmtError> {
        self.guarded(cancel, || self.inner.unsat_core(q, timeout, cancel)).unwrap_or(Ok(None))
    }

    fn check_script(&self, script: &str, timeout: Duration) -> Result<Vec<ScriptAnswer>, SmtError> {
        self.inner.check_script(script, timeout)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use psync_logic::smt::Z3InProcess;
    use psync_logic::{Fun, Op, Sort, Term};

    fn query() -> SmtQuery {
        let x = Fun::constant("x", Sort::Int).app(Vec::new());
        SmtQuery::new(vec![Term::Op(Op::Lt, vec![x.clone(), x])])
    }

    #[test]
    fn the_resident_size_is_read() {
        assert!(resident_bytes().is_some_and(|r| r > 0));
    }

    #[test]
    fn over_the_budget_a_call_is_unknown_within_it_the_answer_stands() {
        let z3 = Z3InProcess::new();
        let tight = MemoryBudget::new(&z3, 1);
        match tight.check(&query(), Duration::from_secs(5)).expect("no solver error") {
            SolverResult::Unknown(why) => assert!(why.starts_with("memory budget"), "{why}"),
            other => panic!("expected unknown (memory budget), got {other:?}"),
        }
        assert!(!tight.check_unsat(&query(), Duration::from_secs(5), &Cancel::new()).expect("no solver error"));
        let ample = MemoryBudget::new(&z3, u64::MAX);
        assert_eq!(ample.check(&query(), Duration::from_secs(5)).expect("no solver error"), SolverResult::Unsat);
    }
}
