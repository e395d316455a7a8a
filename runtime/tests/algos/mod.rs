//! OTR and LastVoting: the spec files `psync-verify` proves
//! (`zoo/`), simulated and run natively here.
#![allow(dead_code)]
// Spec files keep to the subset the verifier reads (see benchmarks/lib.rs).
#[path = "../../../zoo/last_voting.rs"]
#[allow(clippy::collapsible_if, clippy::manual_is_multiple_of)]
pub mod last_voting;
#[path = "../../../zoo/otr.rs"]
#[allow(clippy::collapsible_if, clippy::manual_is_multiple_of)]
pub mod otr;
