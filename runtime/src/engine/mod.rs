//! The round engine: nodes hosting many instances of many algorithms on a
//! few event loops, with deadlines, catch-up, bounded buffers, a decision
//! log and a default handler.

pub(crate) mod bounded;
pub(crate) mod budget;
mod future;
mod handler;
mod instance;
mod lazy;
mod node;
mod outbound;
mod outcome;
mod rto;
pub(crate) mod shard;
mod stats;

pub use handler::{DefaultAction, DefaultHandler, DropUnknown, Starter, UnknownMessage};
pub use node::{Node, NodeBuilder, NodeError};
pub use outcome::Outcome;
pub use stats::{Stats, StatsSnapshot};

use crate::config::Options;
use crate::dsl::ProcessId;

/// Builds an instance on its event loop: `(id, me, n, options)`.
pub(crate) type StartFn = Box<dyn FnOnce(u64, ProcessId, usize, &Options) -> Option<Box<dyn instance::InstanceDyn>> + Send>;
