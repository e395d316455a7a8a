//! Replicated services built on the engine, after PSync's example
//! applications: a lock manager (one consensus instance per request) and a
//! replicated log of 12-byte requests with batching.

pub mod batch_lv;
pub mod lock;
mod lock_store;
pub mod log;

pub use batch_lv::{Batch, BatchLv};
pub use lock::{LastRequest, LockOp, LockRequest, LockServer, LockState};
pub use log::{Applied, ApplyEvent, ApplyHook, ClientRequest, LogOptions, LogStats, MAX_SESSIONS, ReplicatedLog, Reply, Request};
