//! The future-round buffer of one instance: messages of rounds it has not
//! reached yet, within a count and a byte budget. Payloads are copied out of
//! their packet, so a buffered message costs its own bytes and never pins a
//! whole packet or TCP frame.

use crate::dsl::ProcessId;
use crate::engine::bounded::ENTRY_OVERHEAD;
use bytes::Bytes;

/// Why a message was not buffered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Refused {
    /// The sender already has a message buffered for that round.
    Duplicate,
    /// The count or byte budget is spent.
    Full,
}

#[derive(Default)]
pub(crate) struct FutureBuffer {
    entries: Vec<(u64, ProcessId, Bytes)>,
    bytes: usize,
}

impl FutureBuffer {
    pub(crate) fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Buffers a copy of `payload` for `round` from `from` if at most
    /// `max_count` messages and `max_bytes` bytes (payloads and per-entry
    /// overhead) are then buffered.
    pub(crate) fn push(&mut self, round: u64, from: ProcessId, payload: &[u8], max_count: usize, max_bytes: usize) -> Result<(), Refused> {
        if self.entries.iter().any(|(r, q, _)| *r == round && *q == from) {
            return Err(Refused::Duplicate);
        }
        let cost = payload.len().saturating_add(ENTRY_OVERHEAD);
        if self.entries.len() >= max_count || self.bytes.saturating_add(cost) > max_bytes {
            return Err(Refused::Full);
        }
        self.entries.push((round, from, Bytes::copy_from_slice(payload)));
        self.bytes += cost;
        Ok(())
    }

    /// Removes the messages of rounds up to `round`; returns those of
    /// `round` itself (older ones can no longer be delivered).
    pub(crate) fn take_round(&mut self, round: u64) -> Vec<(ProcessId, Bytes)> {
        let mut mine = Vec::new();
        let mut freed = 0;
        self.entries.retain(|(r, q, b)| {
            if *r > round {
                return true;
            }
            freed += b.len() + ENTRY_OVERHEAD;
            if *r == round {
                mine.push((*q, b.clone()));
            }
            false
        });
        self.bytes -= freed;
        mine
    }

    /// Bytes buffered (payloads and overhead).
    #[cfg(test)]
    pub(crate) fn bytes(&self) -> usize {
        self.bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_by_count_and_bytes_and_copied_out_of_the_packet() {
        let p = |i| ProcessId::new(i);
        let mut f = FutureBuffer::default();
        let packet = Bytes::from(vec![7u8; 60_000]);
        f.push(3, p(1), &packet[..10], 100, 1100).unwrap();
        assert_eq!(f.push(3, p(1), b"x", 100, 1100), Err(Refused::Duplicate));
        assert_eq!(f.bytes(), 10 + ENTRY_OVERHEAD, "ten bytes buffered, not the 60 000-byte packet");
        f.push(4, p(1), &[1; 800], 100, 1100).unwrap();
        assert_eq!(f.push(5, p(1), &[1; 200], 100, 1100), Err(Refused::Full), "over the byte budget");
        assert_eq!(f.push(5, p(2), b"", 2, 1100), Err(Refused::Full), "over the count");
        f.push(2, p(2), b"old", 100, 1100).unwrap();
        let mine = f.take_round(3);
        assert_eq!(mine, vec![(p(1), Bytes::from_static(&[7; 10]))]);
        assert_eq!(f.bytes(), 800 + ENTRY_OVERHEAD, "round 2 is dropped, round 4 kept");
        assert!(!f.is_empty());
        assert_eq!(f.take_round(4).len(), 1);
        assert!(f.is_empty() && f.bytes() == 0);
    }
}
