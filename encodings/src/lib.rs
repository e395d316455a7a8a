//! psync-encodings turns a spec file into verification conditions: it parses
//! the Rust spec (a precise subset, see `SPEC_LANGUAGE.md`) into the algorithm
//! IR, builds the round transition relations with the mailbox as a set
//! comprehension, emits the VCs of the PSync proof scheme as CL formulas, and
//! decodes solver models into readable counterexamples; [`concrete`] reads
//! concrete runs as models of the same symbols.
#![warn(missing_docs)]

pub mod cex;
pub mod check;
pub mod concrete;
pub mod distinct;
pub mod explain;
pub mod faults;
pub mod frontend;
pub mod hints;
pub mod interp;
mod interruptible;
pub mod ir;
pub mod terms;
pub mod vacuity;
pub mod vc;

pub use frontend::{MAX_NESTING, MAX_TERM_DEPTH, RuntimeFns, SpecError, load_spec, parse_spec, runtime_fns};
pub use cex::{Counterexample, decode};
pub use check::{Outcome, Verdict, VerdictKind, check_vc};
pub use vacuity::Vacuity;
pub use hints::{HintFile, HintFileError, NO_HINTS, PartHint, VcHints};
pub use ir::Algorithm;
pub use vc::{Vc, VcKind, generate_vcs};
