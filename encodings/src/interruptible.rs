//! A back end whose calls can all be stopped from outside.
//!
//! [`crate::check_vc`] races the proof of a VC against a bounded
//! counterexample search; once the search has a confirmed model, the proof
//! is pointless. The proof's solver calls each watch a cancellation token of
//! their own (one per `check_sat`, shared by its strategies), which the
//! caller does not see; this wrapper remembers the tokens of the calls in
//! flight, so that [`Interruptible::stop`] cancels them, and answers every
//! later call at once with a timeout (being stopped is running out of time,
//! never a verdict).

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use psync_logic::smt::{Backend, Cancel, ScriptAnswer, SmtError, SmtQuery, SolverResult};

/// `inner`, with a switch that stops its calls.
pub(crate) struct Interruptible<'a> {
    inner: &'a dyn Backend,
    /// Whether [`Interruptible::stop`] was called, and the tokens of the
    /// calls in flight (by call number), under one lock so that no call
    /// starts unseen after a stop.
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    stopped: bool,
    next: u64,
    running: Vec<(u64, Cancel)>,
}

impl<'a> Interruptible<'a> {
    /// `inner`, not stopped.
    pub(crate) fn new(inner: &'a dyn Backend) -> Interruptible<'a> {
        Interruptible { inner, state: Mutex::new(State::default()) }
    }

    /// Cancel every call in flight and answer every later one with a timeout.
    pub(crate) fn stop(&self) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.stopped = true;
        state.running.iter().for_each(|(_, c)| c.cancel());
    }

    /// Has [`Interruptible::stop`] been called?
    pub(crate) fn is_stopped(&self) -> bool {
        self.state.lock().unwrap_or_else(PoisonError::into_inner).stopped
    }

    /// Run `call` watching `cancel`, or answer `stopped` without running it.
    fn watched<T>(&self, cancel: &Cancel, stopped: T, call: impl FnOnce() -> T) -> T {
        let id = {
            let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
            if state.stopped {
                return stopped;
            }
            state.next += 1;
            let id = state.next;
            state.running.push((id, cancel.clone()));
            id
        };
        let out = call();
        self.state.lock().unwrap_or_else(PoisonError::into_inner).running.retain(|(k, _)| *k != id);
        out
    }
}

impl Backend for Interruptible<'_> {
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn check_cancellable(&self, q: &SmtQuery, timeout: Duration, cancel: &Cancel) -> Result<SolverResult, SmtError> {
        self.watched(cancel, Ok(SolverResult::Timeout), || self.inner.check_cancellable(q, timeout, cancel))
    }

    fn check_unsat(&self, q: &SmtQuery, timeout: Duration, cancel: &Cancel) -> Result<bool, SmtError> {
        self.watched(cancel, Ok(false), || self.inner.check_unsat(q, timeout, cancel))
    }

    fn unsat_core(&self, q: &SmtQuery, timeout: Duration, cancel: &Cancel) -> Result<Option<Vec<usize>>, SmtError> {
        self.watched(cancel, Ok(None), || self.inner.unsat_core(q, timeout, cancel))
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

    #[test]
    fn a_stopped_back_end_answers_timeout_and_a_live_one_decides() {
        let z3 = Z3InProcess::new();
        let b = Interruptible::new(&z3);
        let x = Fun::constant("x", Sort::Int).app(Vec::new());
        let q = SmtQuery::new(vec![Term::Op(Op::Lt, vec![x.clone(), x])]);
        assert_eq!(b.check(&q, Duration::from_secs(5)).expect("solver"), SolverResult::Unsat);
        b.stop();
        assert!(b.is_stopped());
        assert_eq!(b.check(&q, Duration::from_secs(5)).expect("solver"), SolverResult::Timeout);
    }
}
