//! An interpreted spec as a process the `psync` round engine hosts: the
//! engine's rounds, timers, catch-up, decision log and transports run it as
//! they run a compiled spec, with [`Program`] computing each round.
//!
//! The engine runs one round per engine phase ([`InterpretedRound`], an
//! event round); the spec's round `r mod K` is chosen from the global round
//! number, and the coordinator (`phase mod n`) from the spec's `K`. A
//! message is a [`Program::send`] view, a `Vec<Value>` in the engine's
//! encoding. The round ends as a compiled round does: once `expected`
//! messages arrived (the spec's `Round::expected`, `n` by default), at the
//! deadline, or by catch-up. An error of the interpreter (an overflow, a
//! mailbox query no value satisfies) ends the instance (`Outcome::Ended`)
//! and is kept in [`Hosted::error`].

use std::fmt;
use std::sync::{Arc, OnceLock};

use psync::dsl::{Ctx, EventRound, Phase, Process, ProcessId, ProcessIo, Progress};
use psync::prelude::Outbox;
use psync_logic::Value;

use super::InterpError;
use super::local::Program;
use crate::concrete::State;

/// A [`Program`] shared by the instances of a node, with the first error
/// any of them met.
#[derive(Debug)]
pub struct Hosted {
    program: Program,
    first_error: OnceLock<InterpError>,
}

impl Hosted {
    /// Hosts `program`.
    pub fn new(program: Program) -> Arc<Hosted> {
        Arc::new(Hosted { program, first_error: OnceLock::new() })
    }
    /// The program.
    pub fn program(&self) -> &Program {
        &self.program
    }
    /// The first error an instance met, if any.
    pub fn error(&self) -> Option<&InterpError> {
        self.first_error.get()
    }
    fn fail(&self, e: InterpError) {
        tracing::warn!("interpreted spec: {e}");
        let _ = self.first_error.set(e);
    }
}

/// The input of an interpreted instance: the program and this process's
/// input values (by input name without `io.`, e.g. `initial`).
pub struct InterpretedIo {
    /// The program.
    pub hosted: Arc<Hosted>,
    /// The inputs.
    pub input: State,
}

impl ProcessIo for InterpretedIo {
    type Output = Value;
}

/// One process of an interpreted spec.
#[derive(Clone)]
pub struct Interpreted {
    hosted: Arc<Hosted>,
    state: State,
    /// The messages of the current round.
    received: Vec<(u32, Vec<Value>)>,
    expected: usize,
    decided: Option<Value>,
    /// An interpreter error ended this instance.
    halted: bool,
}

impl fmt::Debug for Interpreted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Interpreted").field("state", &self.state).field("decided", &self.decided).field("halted", &self.halted).finish()
    }
}

impl Interpreted {
    fn halt(&mut self, e: InterpError) {
        self.hosted.fail(e);
        self.halted = true;
    }
    fn me(cx: &Ctx) -> u32 {
        cx.id().as_u32()
    }
    fn n(cx: &Ctx) -> u32 {
        cx.n() as u32
    }
    /// The current state (for tests and traces).
    pub fn state(&self) -> &State {
        &self.state
    }
}

impl Process for Interpreted {
    type Io = InterpretedIo;

    fn init(io: &InterpretedIo, cx: &Ctx) -> Self {
        let mut p = Interpreted { hosted: io.hosted.clone(), state: State::new(), received: Vec::new(), expected: 0, decided: None, halted: false };
        match io.hosted.program.init(Self::me(cx), cx.n(), &io.input) {
            Ok(s) => p.state = s,
            Err(e) => p.halt(e),
        }
        p
    }

    fn phase() -> Phase<Self> {
        Phase::new().event_round::<InterpretedRound>()
    }

    fn decision(&self) -> Option<Value> {
        self.decided.clone()
    }
}

/// Every round of an interpreted spec, the spec's round chosen by number.
pub struct InterpretedRound;

impl EventRound<Interpreted> for InterpretedRound {
    type Msg = Vec<Value>;

    fn init(p: &mut Interpreted, cx: &Ctx) -> Progress {
        p.received.clear();
        if p.halted {
            return Progress::go_ahead();
        }
        match p.hosted.program.expected(cx.round(), Interpreted::me(cx), Interpreted::n(cx), &p.state) {
            Ok(0) => Progress::go_ahead(),
            Ok(e) => {
                p.expected = e;
                Progress::timeout(cx.timeout())
            }
            Err(e) => {
                p.halt(e);
                Progress::go_ahead()
            }
        }
    }

    fn send(p: &mut Interpreted, cx: &Ctx) -> Outbox<Vec<Value>> {
        if p.halted {
            return Outbox::none();
        }
        match p.hosted.program.send(cx.round(), Interpreted::me(cx), Interpreted::n(cx), &p.state) {
            Ok((dests, _)) if dests.is_empty() => Outbox::none(),
            Ok((dests, view)) if dests.len() == cx.n() => Outbox::broadcast(view),
            Ok((dests, view)) => Outbox::To(dests.into_iter().map(|d| (ProcessId::new(d as usize), view.clone())).collect()),
            Err(e) => {
                p.halt(e);
                Outbox::none()
            }
        }
    }

    fn receive(p: &mut Interpreted, from: ProcessId, msg: Vec<Value>, _cx: &Ctx) -> Progress {
        p.received.push((from.as_u32(), msg));
        if p.received.len() >= p.expected { Progress::go_ahead() } else { Progress::unchanged() }
    }

    fn finish(p: &mut Interpreted, _timed_out: bool, cx: &Ctx) -> bool {
        if p.halted {
            return false;
        }
        let (round, me, n) = (cx.round(), Interpreted::me(cx), Interpreted::n(cx));
        let program = &p.hosted.program;
        let next = program.update(round, me, n, &p.state, &p.received).and_then(|s| Ok((program.decision(me, n, &s)?, s)));
        match next {
            Ok((decided, s)) => {
                p.state = s;
                p.decided = decided;
                true
            }
            Err(e) => {
                p.halt(e);
                false
            }
        }
    }
}
