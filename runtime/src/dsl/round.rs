//! Rounds: closed rounds (send + update on a mailbox) and open event rounds,
//! and the type-erased form the simulator and the engine drive.

use crate::codec::{self, CodecError};
use crate::dsl::{Ctx, Mailbox, Message, Outbox, Process, ProcessId, Progress};
use bytes::Bytes;
use std::marker::PhantomData;

/// A closed round: every process sends, then updates its state from the
/// mailbox of what it received.
pub trait Round<P: Process>: 'static {
    /// The message type of this round.
    type Msg: Message;
    /// What `p` sends this round.
    fn send(p: &P, cx: &Ctx) -> Outbox<Self::Msg>;
    /// The state update on the messages received.
    fn update(p: &mut P, mbox: &Mailbox<Self::Msg>, cx: &Ctx);
    /// The number of messages after which the round ends without waiting for
    /// the deadline ("early move"). Default: `n`.
    fn expected(_p: &P, cx: &Ctx) -> usize {
        cx.n()
    }
    /// The progress condition at the start of the round. Default: the
    /// runtime's timeout, catch-up allowed.
    fn progress(_p: &P, cx: &Ctx) -> Progress {
        Progress::timeout(cx.timeout())
    }
}

/// An open round driven by events: `init`, `send`, one `receive` per
/// message, `finish`.
pub trait EventRound<P: Process>: 'static {
    /// The message type of this round.
    type Msg: Message;
    /// Called when the round starts; returns its progress condition.
    fn init(_p: &mut P, cx: &Ctx) -> Progress {
        Progress::timeout(cx.timeout())
    }
    /// What `p` sends this round.
    fn send(p: &mut P, cx: &Ctx) -> Outbox<Self::Msg>;
    /// One message; returns how the round should now proceed.
    fn receive(p: &mut P, from: ProcessId, msg: Self::Msg, cx: &Ctx) -> Progress;
    /// The round ended (`timed_out` when by deadline or catch-up); `false`
    /// ends the instance.
    fn finish(p: &mut P, timed_out: bool, cx: &Ctx) -> bool;
}

/// The encoded messages of one round, serialized once per distinct message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outgoing {
    /// Nothing to send.
    None,
    /// One payload for every other process (the copy for this process is
    /// kept typed and delivered with [`RoundRun::deliver_self`]).
    Broadcast(Bytes),
    /// Payloads for chosen other processes.
    To(Vec<(ProcessId, Bytes)>),
}

/// One round of a phase with its type erased: what the simulator and the
/// engine drive. Closed rounds are event rounds with a mailbox.
pub trait RoundRun<P>: Send {
    /// The round's name, for traces and logs.
    fn name(&self) -> &'static str;
    /// Starts the round (resets its mailbox).
    fn init(&mut self, p: &mut P, cx: &Ctx) -> Progress;
    /// Encodes what `p` sends; a message to itself is kept aside.
    fn send(&mut self, p: &mut P, cx: &Ctx) -> Result<Outgoing, CodecError>;
    /// Whether the last `send` kept a message for this process itself.
    fn has_self_message(&self) -> bool;
    /// Delivers the message `p` sent to itself, if any (no network).
    fn deliver_self(&mut self, p: &mut P, cx: &Ctx) -> Progress;
    /// Delivers an encoded message from `from`.
    fn receive(&mut self, p: &mut P, from: ProcessId, payload: &[u8], cx: &Ctx) -> Result<Progress, CodecError>;
    /// Ends the round; `false` ends the instance.
    fn finish(&mut self, p: &mut P, timed_out: bool, cx: &Ctx) -> bool;
}

fn short_name<T>() -> &'static str {
    let full = std::any::type_name::<T>();
    full.rsplit("::").next().unwrap_or(full)
}

fn encode_outbox<M: Message>(out: Outbox<M>, me: ProcessId, stash: &mut Option<M>) -> Result<Outgoing, CodecError> {
    Ok(match out {
        Outbox::None => Outgoing::None,
        Outbox::Broadcast(m) => {
            let b = codec::encode(&m)?;
            *stash = Some(m);
            Outgoing::Broadcast(b)
        }
        Outbox::To(v) => {
            // One message per destination, the first one listed: this is the
            // semantics the verifier encodes (and receivers drop duplicates).
            let mut to: Vec<(ProcessId, _)> = Vec::with_capacity(v.len());
            for (q, m) in v {
                if q == me {
                    if stash.is_none() {
                        *stash = Some(m);
                    }
                } else if !to.iter().any(|(seen, _)| *seen == q) {
                    to.push((q, codec::encode(&m)?));
                }
            }
            if to.is_empty() { Outgoing::None } else { Outgoing::To(to) }
        }
    })
}

struct ClosedRun<P, R: Round<P>>
where
    P: Process,
{
    mbox: Mailbox<R::Msg>,
    expected: usize,
    stash: Option<R::Msg>,
    _p: PhantomData<fn(P)>,
}

impl<P: Process, R: Round<P>> ClosedRun<P, R> {
    fn accept(&mut self, from: ProcessId, m: R::Msg) -> Progress {
        self.mbox.insert(from, m);
        if self.mbox.len() >= self.expected { Progress::go_ahead() } else { Progress::unchanged() }
    }
}

impl<P: Process, R: Round<P>> RoundRun<P> for ClosedRun<P, R> {
    fn name(&self) -> &'static str {
        short_name::<R>()
    }
    fn init(&mut self, p: &mut P, cx: &Ctx) -> Progress {
        self.mbox.clear(cx.n());
        self.stash = None;
        self.expected = R::expected(p, cx);
        if self.expected == 0 { Progress::go_ahead() } else { R::progress(p, cx) }
    }
    fn send(&mut self, p: &mut P, cx: &Ctx) -> Result<Outgoing, CodecError> {
        encode_outbox(R::send(p, cx), cx.id(), &mut self.stash)
    }
    fn has_self_message(&self) -> bool {
        self.stash.is_some()
    }
    fn deliver_self(&mut self, _p: &mut P, cx: &Ctx) -> Progress {
        match self.stash.take() {
            Some(m) => self.accept(cx.id(), m),
            None => Progress::unchanged(),
        }
    }
    fn receive(&mut self, _p: &mut P, from: ProcessId, payload: &[u8], cx: &Ctx) -> Result<Progress, CodecError> {
        let m = codec::decode_for_run::<R::Msg>(payload, cx.n())?;
        Ok(self.accept(from, m))
    }
    fn finish(&mut self, p: &mut P, _timed_out: bool, cx: &Ctx) -> bool {
        R::update(p, &self.mbox, cx);
        true
    }
}

struct EventRun<P: Process, E: EventRound<P>> {
    stash: Option<E::Msg>,
    _p: PhantomData<fn(P)>,
}

impl<P: Process, E: EventRound<P>> RoundRun<P> for EventRun<P, E> {
    fn name(&self) -> &'static str {
        short_name::<E>()
    }
    fn init(&mut self, p: &mut P, cx: &Ctx) -> Progress {
        self.stash = None;
        E::init(p, cx)
    }
    fn send(&mut self, p: &mut P, cx: &Ctx) -> Result<Outgoing, CodecError> {
        encode_outbox(E::send(p, cx), cx.id(), &mut self.stash)
    }
    fn has_self_message(&self) -> bool {
        self.stash.is_some()
    }
    fn deliver_self(&mut self, p: &mut P, cx: &Ctx) -> Progress {
        match self.stash.take() {
            Some(m) => E::receive(p, cx.id(), m, cx),
            None => Progress::unchanged(),
        }
    }
    fn receive(&mut self, p: &mut P, from: ProcessId, payload: &[u8], cx: &Ctx) -> Result<Progress, CodecError> {
        Ok(E::receive(p, from, codec::decode_for_run::<E::Msg>(payload, cx.n())?, cx))
    }
    fn finish(&mut self, p: &mut P, timed_out: bool, cx: &Ctx) -> bool {
        E::finish(p, timed_out, cx)
    }
}

/// Builds a fresh executor of one round.
type MakeRun<P> = fn() -> Box<dyn RoundRun<P>>;

/// The rounds of one phase, run cyclically. Build it with [`crate::phase!`]
/// for closed rounds, or with [`Phase::round`] / [`Phase::event_round`].
pub struct Phase<P> {
    rounds: Vec<(&'static str, MakeRun<P>)>,
}

impl<P: Process> Default for Phase<P> {
    fn default() -> Self {
        Phase::new()
    }
}

impl<P: Process> Phase<P> {
    /// A phase with no rounds yet.
    pub fn new() -> Phase<P> {
        Phase { rounds: Vec::new() }
    }
    /// Appends the closed round `R`.
    pub fn round<R: Round<P>>(mut self) -> Phase<P> {
        fn make<P: Process, R: Round<P>>() -> Box<dyn RoundRun<P>> {
            Box::new(ClosedRun::<P, R> { mbox: Mailbox::default(), expected: 0, stash: None, _p: PhantomData })
        }
        self.rounds.push((short_name::<R>(), make::<P, R>));
        self
    }
    /// Appends the event round `E`.
    pub fn event_round<E: EventRound<P>>(mut self) -> Phase<P> {
        fn make<P: Process, E: EventRound<P>>() -> Box<dyn RoundRun<P>> {
            Box::new(EventRun::<P, E> { stash: None, _p: PhantomData })
        }
        self.rounds.push((short_name::<E>(), make::<P, E>));
        self
    }
    /// Number of rounds per phase.
    pub fn len(&self) -> usize {
        self.rounds.len()
    }
    /// Whether the phase has no round (such a process cannot run).
    pub fn is_empty(&self) -> bool {
        self.rounds.is_empty()
    }
    /// The rounds' names, in order.
    pub fn names(&self) -> Vec<&'static str> {
        self.rounds.iter().map(|r| r.0).collect()
    }
    /// Fresh executors, one per round.
    pub fn instantiate(&self) -> Vec<Box<dyn RoundRun<P>>> {
        self.rounds.iter().map(|r| (r.1)()).collect()
    }
}

/// Builds the [`Phase`] of closed rounds `phase![RoundA, RoundB, ..]`: global
/// round `r` runs `rounds[r mod k]`.
#[macro_export]
macro_rules! phase {
    ($($r:ty),* $(,)?) => { $crate::dsl::Phase::new()$(.round::<$r>())* };
}
