//! The types spec files compile against: processes, rounds, mailboxes,
//! worlds and specs.

mod ctx;
pub mod domain;
mod mailbox;
mod outbox;
mod params;
mod process;
mod process_id;
mod real;
mod progress;
mod round;
mod spec;
mod world;

pub use ctx::Ctx;
pub use domain::ActiveValue;
pub use mailbox::Mailbox;
pub use outbox::Outbox;
pub use params::Params;
pub use process::{Consensus, Message, Process, ProcessIo};
pub use process_id::{MAX_DECODED_IDS, ProcSet, ProcessId};
pub use real::Real;
pub(crate) use process_id::with_run_size;
pub use progress::{Progress, Wait};
pub use round::{EventRound, Outgoing, Phase, Round, RoundRun};
pub use spec::Spec;
pub use world::{World, eventually, implies};
pub(crate) use world::safety_view;
