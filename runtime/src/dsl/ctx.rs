//! The context a process sees while running a round.

use crate::dsl::{Params, ProcessId};
use std::sync::Arc;
use std::time::Duration;

/// What a process knows about where it is: its id, the number of processes,
/// the global round and the shape of the phase.
#[derive(Clone, Debug)]
pub struct Ctx {
    id: ProcessId,
    n: usize,
    round: u64,
    phase_len: usize,
    timeout: Duration,
    params: Arc<Params>,
}

impl Ctx {
    /// A context for process `id` of `n`, at global round `round`, with
    /// `phase_len` rounds per phase (at least 1).
    pub fn new(id: ProcessId, n: usize, round: u64, phase_len: usize) -> Ctx {
        Ctx { id, n, round, phase_len: phase_len.max(1), timeout: Duration::from_millis(10), params: Arc::default() }
    }

    /// The same context with the run's parameter values.
    pub fn with_params(mut self, params: Arc<Params>) -> Ctx {
        self.params = params;
        self
    }

    /// The value of the algorithm's parameter `name` (declared in
    /// `Process::PARAMS`).
    ///
    /// # Panics
    /// If the run gave `name` no value (the simulator checks the
    /// declared parameters before it starts).
    pub fn param(&self, name: &str) -> i64 {
        self.params.value(name)
    }

    /// The same context with the default round timeout set (runtime only).
    pub fn with_timeout(mut self, timeout: Duration) -> Ctx {
        self.timeout = timeout;
        self
    }

    /// Number of processes.
    pub fn n(&self) -> usize {
        self.n
    }

    /// This process.
    pub fn id(&self) -> ProcessId {
        self.id
    }

    /// The global round number `r` (0-based).
    pub fn round(&self) -> u64 {
        self.round
    }

    /// The phase number: `r / rounds per phase`.
    pub fn phase(&self) -> u64 {
        self.round / self.phase_len as u64
    }

    /// The round's index inside its phase: `r mod rounds per phase`.
    pub fn round_in_phase(&self) -> usize {
        (self.round % self.phase_len as u64) as usize
    }

    /// The coordinator of the current phase: process `phase mod n`.
    pub fn coord(&self) -> ProcessId {
        ProcessId::new((self.phase() % self.n.max(1) as u64) as usize)
    }

    /// The default round timeout configured for the runtime.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    pub(crate) fn set_timeout(&mut self, t: Duration) {
        self.timeout = t;
    }

    pub(crate) fn set_round(&mut self, r: u64) {
        self.round = r;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phase_and_coordinator() {
        let cx = Ctx::new(ProcessId::new(1), 3, 9, 4);
        assert_eq!(cx.phase(), 2);
        assert_eq!(cx.round_in_phase(), 1);
        assert_eq!(cx.coord(), ProcessId::new(2));
        let cx = Ctx::new(ProcessId::new(0), 3, 13, 4);
        assert_eq!(cx.coord(), ProcessId::new(0));
        let cx = cx.with_params(Arc::new(Params::new().with("f", 2)));
        assert_eq!(cx.param("f"), 2);
    }
}
