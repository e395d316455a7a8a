//! Peer authentication: with a per-cluster key, every packet carries a
//! trailer authenticated by HMAC-SHA256 over the whole packet (message
//! headers, payloads and the trailer's own fields), and a per-sender replay
//! window rejects packets already seen or older than the window.
//!
//! Trailer (appended to the packet, big-endian): key id (8 bytes, the first
//! bytes of SHA-256 of the key: tells a foreign cluster from a forgery),
//! sender id (4), incarnation (8, the sender's start time in microseconds),
//! counter (8, per sender and destination, from 1), tag (32).

mod key;
mod seal;
mod window;

pub use key::{ClusterKey, KeyError, require_key_off_loopback};
pub use seal::{Rejection, Sealer, TRAILER_LEN, Verifier};
pub use window::{ReplayWindow, WINDOW};
