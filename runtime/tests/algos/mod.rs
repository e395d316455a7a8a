//! OTR and LastVoting, written once against the DSL: simulated and run natively.
#![allow(dead_code)]
pub mod last_voting;
pub mod otr;
