//! The algorithm zoo: each spec file is compiled here against the `psync`
//! runtime (so rustc checks it) and read by `psync-verify check` (which proves
//! it for every number of processes).
#![warn(missing_docs)]

#[path = "last_voting.rs"]
pub mod last_voting;
#[path = "otr.rs"]
pub mod otr;
