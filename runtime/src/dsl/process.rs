//! Processes, their IO, and the messages they exchange.

use crate::dsl::{Ctx, Phase};
use serde::{Serialize, de::DeserializeOwned};
use std::fmt::Debug;

/// What can travel on the wire: every round message and every decision.
pub trait Message: Clone + Debug + Send + Serialize + DeserializeOwned + 'static {}
impl<T: Clone + Debug + Send + Serialize + DeserializeOwned + 'static> Message for T {}

/// The IO of an algorithm: the input a process starts from, and the type of
/// the output (decision) it may produce.
pub trait ProcessIo: Send + 'static {
    /// The decision type, sent in decision-log answers.
    type Output: Message + PartialEq;
}

/// The IO of consensus algorithms: the initial value; the decision is a `V`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Consensus<V> {
    /// The value this process proposes.
    pub initial: V,
}

impl<V> Consensus<V> {
    /// Proposes `initial`.
    pub fn new(initial: V) -> Consensus<V> {
        Consensus { initial }
    }
}

impl<V: Message + PartialEq> ProcessIo for Consensus<V> {
    type Output = V;
}

/// A process of a Heard-Of algorithm: its local state, how it starts, and
/// the rounds of one phase.
pub trait Process: Clone + Debug + Send + 'static {
    /// The input/output of the algorithm.
    type Io: ProcessIo;
    /// The names of the algorithm's integer parameters (`&["f"]`): rigid
    /// values given for a whole run, read with `cx.param("f")` and
    /// `w.param("f")`, constrained by `Spec::assumptions`. Default: none.
    const PARAMS: &'static [&'static str] = &[];
    /// Whether the algorithm tolerates value faults (Biely et al. 2007): a
    /// message from a sender in [`World::aho`](crate::World::aho) carries an
    /// arbitrary payload, and the spec reads `w.aho(p)` / `w.sho(p)`.
    /// Default: `false` (a heard message is the message sent).
    const VALUE_FAULTS: bool = false;
    /// The initial state.
    fn init(io: &Self::Io, cx: &Ctx) -> Self;
    /// The rounds of one phase, run cyclically: global round `r` runs
    /// `rounds[r mod k]`.
    fn phase() -> Phase<Self>;
    /// The decision, once taken. The runtime ends an instance at the end of
    /// the round in which this becomes `Some`, reports it, and keeps it in the
    /// decision log. Default: never decides (the instance runs until stopped
    /// or until an event round's `finish` returns `false`).
    fn decision(&self) -> Option<<Self::Io as ProcessIo>::Output> {
        None
    }
}
