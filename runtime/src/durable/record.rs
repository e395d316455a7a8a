//! The records of the write-ahead log and their framing: each record is
//! `[body length: u32 LE][crc32 of the body: u32 LE][body]`, the body being
//! `[kind: u8][instance: u64 LE][round: u64 LE][data]`. A reader stops at
//! the first record whose length runs past the end of the file, whose
//! checksum does not match or whose kind is unknown: that is the torn tail
//! of an append interrupted by a crash (or a corruption), never a panic.

use bytes::{BufMut, Bytes, BytesMut};

/// Bytes of framing before a body.
const FRAME_LEN: usize = 8;
/// Bytes of a body before its data.
const BODY_HEAD: usize = 17;

/// One entry of the log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Record {
    /// The state of a running instance at the start of `round`, before
    /// any message of that round was sent.
    State { id: u64, round: u64, state: Bytes },
    /// A running instance whose state cannot be saved (its process type is
    /// not serializable): it can never be resumed, only learned.
    Joined { id: u64, round: u64 },
    /// The instance's decision, as kept in the decision log.
    Decided { id: u64, value: Bytes },
    /// The instance was stopped or ended without a decision.
    Closed { id: u64 },
    /// The log dropped the end (decision or stop) of instances up to `id`
    /// to stay within its decision log and tombstones (see
    /// `Recovery::forgotten_upto`).
    Forgotten { id: u64 },
}

impl Record {
    /// Appends the framed record to `buf`.
    pub(crate) fn put(&self, buf: &mut BytesMut) {
        let (kind, id, round, data): (u8, u64, u64, &[u8]) = match self {
            Record::State { id, round, state } => (1, *id, *round, state),
            Record::Joined { id, round } => (2, *id, *round, &[]),
            Record::Decided { id, value } => (3, *id, 0, value),
            Record::Closed { id } => (4, *id, 0, &[]),
            Record::Forgotten { id } => (5, *id, 0, &[]),
        };
        buf.reserve(FRAME_LEN + BODY_HEAD + data.len());
        put_frame(buf, |b| {
            b.put_u8(kind);
            b.put_u64_le(id);
            b.put_u64_le(round);
            b.put_slice(data);
        });
    }

    fn parse(body: &Bytes) -> Option<Record> {
        if body.len() < BODY_HEAD {
            return None;
        }
        let id = u64::from_le_bytes(body[1..9].try_into().ok()?);
        let round = u64::from_le_bytes(body[9..17].try_into().ok()?);
        let data = body.slice(BODY_HEAD..);
        Some(match body[0] {
            1 => Record::State { id, round, state: data },
            2 if data.is_empty() => Record::Joined { id, round },
            3 => Record::Decided { id, value: data },
            4 if data.is_empty() => Record::Closed { id },
            5 if data.is_empty() => Record::Forgotten { id },
            _ => return None,
        })
    }
}

/// The records of one segment file, and the length of its valid prefix
/// (shorter than the file when the tail is torn or corrupt).
pub(crate) fn read_all(file: &Bytes) -> (Vec<Record>, usize) {
    let mut out = Vec::new();
    let mut at = 0;
    for body in frames(file).0 {
        let Some(r) = Record::parse(&body) else { break };
        out.push(r);
        at += FRAME_LEN + body.len();
    }
    (out, at)
}

/// Appends a frame to `buf`: its length and checksum, then the body that
/// `body` writes.
pub(crate) fn put_frame(buf: &mut BytesMut, body: impl FnOnce(&mut BytesMut)) {
    let start = buf.len();
    buf.put_u64_le(0);
    body(buf);
    let len = u32::try_from(buf.len() - start - FRAME_LEN).unwrap_or(u32::MAX);
    let crc = crc32fast::hash(&buf[start + FRAME_LEN..]);
    buf[start..start + 4].copy_from_slice(&len.to_le_bytes());
    buf[start + 4..start + FRAME_LEN].copy_from_slice(&crc.to_le_bytes());
}

/// The bodies of the frames of `file`, and the length of its valid prefix:
/// up to the first frame that runs past the end or fails its checksum.
pub(crate) fn frames(file: &Bytes) -> (Vec<Bytes>, usize) {
    let mut out = Vec::new();
    let mut at = 0;
    while file.len() - at >= FRAME_LEN {
        let len = u32::from_le_bytes([file[at], file[at + 1], file[at + 2], file[at + 3]]) as usize;
        let crc = u32::from_le_bytes([file[at + 4], file[at + 5], file[at + 6], file[at + 7]]);
        let Some(end) = (at + FRAME_LEN).checked_add(len).filter(|&e| e <= file.len()) else { break };
        let body = file.slice(at + FRAME_LEN..end);
        if crc32fast::hash(&body) != crc {
            break;
        }
        out.push(body);
        at = end;
    }
    (out, at)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<Record> {
        vec![
            Record::State { id: 7, round: 3, state: Bytes::from_static(b"xyz") },
            Record::Joined { id: 8, round: 0 },
            Record::Decided { id: 7, value: Bytes::from_static(b"v") },
            Record::Closed { id: 9 },
        ]
    }

    #[test]
    fn round_trip() {
        let mut b = BytesMut::new();
        for r in sample() {
            r.put(&mut b);
        }
        let file = b.freeze();
        assert_eq!(read_all(&file), (sample(), file.len()));
    }

    #[test]
    fn every_truncation_and_every_flipped_byte_keeps_a_valid_prefix() {
        let mut b = BytesMut::new();
        let mut ends = Vec::new();
        for r in sample() {
            r.put(&mut b);
            ends.push(b.len());
        }
        let whole = b.freeze();
        for cut in 0..whole.len() {
            let (recs, valid) = read_all(&whole.slice(..cut));
            let k = ends.iter().filter(|&&e| e <= cut).count();
            assert_eq!(recs, sample()[..k], "cut at {cut}");
            assert_eq!(valid, if k == 0 { 0 } else { ends[k - 1] });
        }
        for i in 0..whole.len() {
            let mut bad = whole.to_vec();
            bad[i] ^= 0x41;
            let (recs, valid) = read_all(&Bytes::from(bad));
            let first_bad = ends.iter().position(|&e| e > i).unwrap_or(ends.len());
            assert_eq!(recs, sample()[..first_bad], "flip at {i}");
            assert!(valid <= i, "flip at {i}: the corrupt record is not in the valid prefix");
        }
    }
}
