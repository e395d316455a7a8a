//! OTR and LastVoting, written once against the DSL: simulated and run natively.
#![allow(dead_code)]
// Written like the spec files, in the subset `psync-verify` reads, so the
// lints whose rewrites leave that subset are off (see benchmarks/lib.rs).
#[allow(clippy::collapsible_if)]
pub mod last_voting;
pub mod otr;
