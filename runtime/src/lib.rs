//! `psync` runs Heard-Of round algorithms: it provides the DSL types that spec
//! files compile against, a deterministic lockstep simulator that checks a
//! spec's invariants on seeded runs, and a round engine that runs the same
//! rounds on real replicas over UDP, TCP or an in-memory network.
#![warn(missing_docs)]

pub mod auth;
pub mod codec;
pub mod config;
pub mod dsl;
pub mod durable;
pub mod engine;
pub mod service;
pub mod sim;
pub mod transport;
pub mod wire;

pub use dsl::*;
pub use serde;

/// Everything a spec file needs: `use psync::prelude::*;`.
pub mod prelude {
    pub use crate::dsl::{
        ActiveValue, Consensus, Ctx, EventRound, Mailbox, Message, Outbox, Params, Phase, ProcSet, Process,
        ProcessId, ProcessIo, Progress, Real, Round, Spec, World, eventually, implies,
    };
    pub use crate::phase;
    pub use serde::{Deserialize, Serialize};
}
