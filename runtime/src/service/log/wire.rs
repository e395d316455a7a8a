//! The log's own messages between replicas, sent under user flags on
//! instance 0 (no slot runs there): forwarded requests, slot announcements
//! (on the slot's instance), status heartbeats and snapshot transfer.
//! Decoders accept any bytes: malformed messages are dropped.

use bytes::Bytes;

/// A follower's requests, forwarded to the leader (`ENTRY_LEN` bytes each).
pub(super) const FORWARD: u8 = 0x81;
/// The leader's announcement of a new slot (on the slot's instance).
pub(super) const ANNOUNCE: u8 = 0x82;
/// A replica's view, applied slot and log tail, every tick.
pub(super) const STATUS: u8 = 0x83;
/// A request for (chunks of) a snapshot.
pub(super) const SNAPSHOT_REQUEST: u8 = 0x84;
/// One chunk of a snapshot.
pub(super) const SNAPSHOT_CHUNK: u8 = 0x85;

/// The largest slot or view a message may name: far beyond any run, and
/// far enough from `u64::MAX` that slot arithmetic cannot overflow.
pub(super) const MAX_SLOT: u64 = 1 << 62;

fn u64_at(b: &[u8], i: usize) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(i..i + 8)?.try_into().ok()?))
}

fn u32_at(b: &[u8], i: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(i..i + 4)?.try_into().ok()?))
}

/// What a replica tells the others every tick.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Status {
    /// Its view (the leader of view `v` is replica `v mod n`).
    pub view: u64,
    /// Slots it applied.
    pub applied: u64,
    /// The highest slot it started, joined or saw decided.
    pub tail: u64,
}

impl Status {
    pub fn encode(&self) -> Vec<u8> {
        [self.view, self.applied, self.tail].iter().flat_map(|x| x.to_le_bytes()).collect()
    }

    pub fn decode(b: &[u8]) -> Option<Status> {
        let st = Status { view: u64_at(b, 0)?, applied: u64_at(b, 8)?, tail: u64_at(b, 16)? };
        (b.len() == 24 && st.view.max(st.applied).max(st.tail) <= MAX_SLOT).then_some(st)
    }
}

/// A request for the sender's snapshot: `slot == 0` for its latest, or the
/// given chunks (all of them when empty) of the snapshot at `slot`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct SnapshotRequest {
    pub slot: u64,
    pub chunks: Vec<u32>,
}

/// Most chunks one request names (the request stays under a packet).
pub(super) const MAX_NAMED_CHUNKS: usize = 8192;

impl SnapshotRequest {
    pub fn encode(&self) -> Vec<u8> {
        let mut b = self.slot.to_le_bytes().to_vec();
        for c in self.chunks.iter().take(MAX_NAMED_CHUNKS) {
            b.extend_from_slice(&c.to_le_bytes());
        }
        b
    }

    pub fn decode(b: &[u8]) -> Option<SnapshotRequest> {
        let slot = u64_at(b, 0)?;
        let rest = &b[8..];
        if !rest.len().is_multiple_of(4) || rest.len() / 4 > MAX_NAMED_CHUNKS {
            return None;
        }
        Some(SnapshotRequest { slot, chunks: rest.chunks_exact(4).filter_map(|c| u32_at(c, 0)).collect() })
    }
}

/// Chunk `index` of `count` of the snapshot taken after applying `slot`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct SnapshotChunk {
    pub slot: u64,
    pub index: u32,
    pub count: u32,
    pub data: Bytes,
}

impl SnapshotChunk {
    pub fn encode(&self) -> Vec<u8> {
        let mut b = Vec::with_capacity(16 + self.data.len());
        b.extend_from_slice(&self.slot.to_le_bytes());
        b.extend_from_slice(&self.index.to_le_bytes());
        b.extend_from_slice(&self.count.to_le_bytes());
        b.extend_from_slice(&self.data);
        b
    }

    pub fn decode(b: &Bytes) -> Option<SnapshotChunk> {
        let (slot, index, count) = (u64_at(b, 0)?, u32_at(b, 8)?, u32_at(b, 12)?);
        (index < count && slot <= MAX_SLOT).then(|| SnapshotChunk { slot, index, count, data: b.slice(16..) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_round_trip_and_malformed_ones_are_refused() {
        let s = Status { view: 3, applied: 9, tail: 12 };
        assert_eq!(Status::decode(&s.encode()), Some(s));
        assert_eq!(Status::decode(&[0; 23]), None);
        assert_eq!(Status::decode(&Status { tail: MAX_SLOT + 1, ..s }.encode()), None, "no slot near u64::MAX");
        let r = SnapshotRequest { slot: 5, chunks: vec![1, 7] };
        assert_eq!(SnapshotRequest::decode(&r.encode()), Some(r));
        assert_eq!(SnapshotRequest::decode(&[0; 10]), None);
        let c = SnapshotChunk { slot: 5, index: 1, count: 2, data: Bytes::from_static(b"abc") };
        assert_eq!(SnapshotChunk::decode(&Bytes::from(c.encode())), Some(c));
        let bad = SnapshotChunk { slot: 5, index: 2, count: 2, data: Bytes::new() };
        assert_eq!(SnapshotChunk::decode(&Bytes::from(bad.encode())), None, "index within count");
    }
}
