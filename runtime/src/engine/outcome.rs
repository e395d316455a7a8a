//! How an instance ended.

/// The end of an instance, as reported to whoever started it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome<O> {
    /// This replica decided `O`.
    Decided(O),
    /// Another replica's decision log told this replica the decision.
    Learned(O),
    /// An event round's `finish` returned false without a decision.
    Ended,
    /// Stopped by `stop_instance` or node shutdown.
    Stopped,
    /// Not started: the id is in use, the phase is empty, or the node is down.
    Rejected(String),
}

impl<O> Outcome<O> {
    /// The decision, decided or learned.
    pub fn value(&self) -> Option<&O> {
        match self {
            Outcome::Decided(v) | Outcome::Learned(v) => Some(v),
            _ => None,
        }
    }
    /// The decision, by value.
    pub fn into_value(self) -> Option<O> {
        match self {
            Outcome::Decided(v) | Outcome::Learned(v) => Some(v),
            _ => None,
        }
    }
}
