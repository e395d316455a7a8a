//! The default handler: what to do with a message of an instance this node
//! does not run (and has no decision for).

use crate::dsl::{Process, ProcessId, ProcessIo};
use crate::codec;
use crate::engine::instance::{Instance, InstanceDyn, Persist};
use crate::engine::{Outcome, StartFn};
use crate::wire::Flag;
use bytes::Bytes;
use serde::{Serialize, de::DeserializeOwned};

/// A message of an unknown instance.
#[derive(Debug)]
pub struct UnknownMessage<'a> {
    /// Its instance.
    pub instance: u64,
    /// Its round.
    pub round: u64,
    /// Its sender.
    pub from: ProcessId,
    /// Its flag (`Normal` or an application `User` flag).
    pub flag: Flag,
    /// Its payload.
    pub payload: &'a Bytes,
}

/// How to start an instance of algorithm `P` (used by the default handler to
/// join an instance lazily).
pub struct Starter(pub(crate) StartFn);

impl Starter {
    /// Starts `P` from `io`; `done` receives the outcome.
    pub fn new<P: Process>(io: P::Io, done: impl FnOnce(Outcome<<P::Io as ProcessIo>::Output>) + Send + 'static) -> Starter {
        Starter(Box::new(move |id, me, n, opts| match Instance::<P>::new(id, &io, me, n, opts, Box::new(done)) {
            Ok(i) => Some(Box::new(i) as Box<dyn InstanceDyn>),
            Err((reason, done)) => {
                done(Outcome::Rejected(reason));
                None
            }
        }))
    }

    /// Starts `P` from `io`, its state saved in the write-ahead log (with
    /// a data directory) so that a restarted replica resumes it; `done`
    /// receives the outcome.
    pub fn durable<P: Process + Serialize + DeserializeOwned>(
        io: P::Io,
        done: impl FnOnce(Outcome<<P::Io as ProcessIo>::Output>) + Send + 'static,
    ) -> Starter {
        Starter(Box::new(move |id, me, n, opts| match Instance::<P>::new(id, &io, me, n, opts, Box::new(done)) {
            Ok(i) => Some(Box::new(i.persisted(Persist { encode: codec::encode::<P>, decode: codec::decode::<P> })) as Box<dyn InstanceDyn>),
            Err((reason, done)) => {
                done(Outcome::Rejected(reason));
                None
            }
        }))
    }
}

/// The answer of a default handler.
pub enum DefaultAction {
    /// Drop the message (counted in `unknown_dropped`).
    Drop,
    /// The handler consumed the message itself (e.g. an application message
    /// under a user flag); nothing is counted.
    Handled,
    /// Start the instance, then deliver the message to it.
    Start(Starter),
}

/// Decides about messages of unknown instances. It runs on the event loop
/// that owns the instance (never on a socket reader): keep it short.
pub trait DefaultHandler: Send + Sync + 'static {
    /// The action for `msg`.
    fn on_unknown(&self, msg: &UnknownMessage<'_>) -> DefaultAction;
}

impl<F> DefaultHandler for F
where
    F: Fn(&UnknownMessage<'_>) -> DefaultAction + Send + Sync + 'static,
{
    fn on_unknown(&self, msg: &UnknownMessage<'_>) -> DefaultAction {
        self(msg)
    }
}

/// The handler that drops everything.
pub struct DropUnknown;
impl DefaultHandler for DropUnknown {
    fn on_unknown(&self, _msg: &UnknownMessage<'_>) -> DefaultAction {
        DefaultAction::Drop
    }
}
