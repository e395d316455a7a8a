//! What a process sends in a round.

use crate::dsl::ProcessId;

/// The messages a process sends in one round: nothing, one message to
/// everyone (itself included), or messages to chosen processes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outbox<M> {
    /// Send nothing.
    None,
    /// Send `M` to every process, this one included.
    Broadcast(M),
    /// Send each message to its process.
    To(Vec<(ProcessId, M)>),
}

impl<M> Outbox<M> {
    /// Send `m` to every process, this one included.
    pub fn broadcast(m: M) -> Outbox<M> {
        Outbox::Broadcast(m)
    }
    /// Send `m` to `p` only.
    pub fn to(p: ProcessId, m: M) -> Outbox<M> {
        Outbox::To(vec![(p, m)])
    }
    /// Send nothing.
    pub fn none() -> Outbox<M> {
        Outbox::None
    }
    /// Also send `m` to `p`, unless `p` already gets a message: a process
    /// sends at most one message per destination and round, and the first one
    /// listed wins (the verifier encodes exactly this). A broadcast is left as
    /// it is: it already reaches `p`.
    pub fn and(self, p: ProcessId, m: M) -> Outbox<M>
    where
        M: Clone,
    {
        match self {
            Outbox::None => Outbox::to(p, m),
            Outbox::To(mut v) => {
                if !v.iter().any(|(q, _)| *q == p) {
                    v.push((p, m));
                }
                Outbox::To(v)
            }
            // A broadcast already reaches `p`; a second message for the same
            // round would be dropped by the receiver as a duplicate.
            b @ Outbox::Broadcast(_) => b,
        }
    }
    /// Whether nothing is sent.
    pub fn is_none(&self) -> bool {
        matches!(self, Outbox::None) || matches!(self, Outbox::To(v) if v.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_destination_gets_the_first_message_listed() {
        let (a, b) = (ProcessId::new(0), ProcessId::new(1));
        let out = Outbox::to(a, 1).and(b, 2).and(a, 3);
        assert_eq!(out, Outbox::To(vec![(a, 1), (b, 2)]));
        assert_eq!(Outbox::broadcast(7).and(a, 8), Outbox::Broadcast(7));
        assert_eq!(Outbox::none().and(b, 9), Outbox::To(vec![(b, 9)]));
    }
}
