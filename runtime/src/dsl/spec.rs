//! The specification of an algorithm: predicates over a [`World`].

use crate::dsl::{Process, World};

/// Invariants, liveness conditions, the HO safety assumption and the
/// properties of an algorithm, as ordinary Rust predicates over a world.
/// The simulator evaluates them on concrete runs; the verifier reads them.
pub trait Spec: Process {
    /// Phase invariants; the first one is the main (inductive) safety
    /// invariant the simulator checks after every round.
    fn invariants(w: &World<Self>) -> Vec<bool>;
    /// `[round k of the phase][invariant j]`: invariants after round `k`.
    fn round_invariants(_w: &World<Self>) -> Vec<Vec<bool>> {
        vec![]
    }
    /// Per-round communication conditions that guarantee progress.
    fn liveness(_w: &World<Self>) -> Vec<bool> {
        vec![]
    }
    /// What the parameters (`Process::PARAMS`) and `n` must satisfy, e.g.
    /// `w.n() as i64 > 2 * w.param("f")`: every VC assumes them, and the
    /// simulator refuses to run with values that falsify them.
    fn assumptions(_w: &World<Self>) -> Vec<bool> {
        vec![]
    }
    /// The assumption on heard-of sets, required of every round.
    fn safety(_w: &World<Self>) -> bool {
        true
    }
    /// Named properties that must hold after every round.
    fn properties(w: &World<Self>) -> Vec<(&'static str, bool)>;
}
