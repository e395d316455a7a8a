//! The packet format: a packet is one or more messages, each a 32-byte
//! header followed by its payload.
//!
//! Header (big-endian): magic `"PS"` (2 bytes), version (1), flag (1),
//! configuration epoch (4), sender id (4), instance (8), round (8), payload
//! length (4). Decoding never panics: a malformed message ends the packet and
//! is reported as an error.

use bytes::{Buf, BufMut, Bytes, BytesMut};

/// The magic bytes that open every message.
pub const MAGIC: u16 = 0x5053;
/// The wire version.
pub const VERSION: u8 = 1;
/// Size of a message header.
pub const HEADER_LEN: usize = 32;

/// What a message carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Flag {
    /// A round message of an instance.
    Normal,
    /// The decision of a finished instance (answer from the decision log).
    Decision,
    /// A keep-alive or probe; ignored by instances.
    Dummy,
    /// An application-defined flag (`0x80..=0xff`), handed to the default
    /// handler.
    User(u8),
}

impl Flag {
    fn to_u8(self) -> u8 {
        match self {
            Flag::Normal => 0,
            Flag::Decision => 1,
            Flag::Dummy => 2,
            Flag::User(x) => x | 0x80,
        }
    }
    fn from_u8(x: u8) -> Option<Flag> {
        match x {
            0 => Some(Flag::Normal),
            1 => Some(Flag::Decision),
            2 => Some(Flag::Dummy),
            0x80..=0xff => Some(Flag::User(x)),
            _ => None,
        }
    }
}

/// A message header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    /// What the message carries.
    pub flag: Flag,
    /// The configuration epoch of the sender.
    pub epoch: u32,
    /// The sender's process id.
    pub sender: u32,
    /// The instance.
    pub instance: u64,
    /// The round.
    pub round: u64,
}

/// A decoded message: header and payload (a slice of the packet, no copy).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WireMsg {
    /// Its header.
    pub header: Header,
    /// Its payload.
    pub payload: Bytes,
}

/// Why a packet could not be decoded.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    /// Fewer bytes than a header.
    #[error("truncated header ({0} bytes)")]
    Truncated(usize),
    /// The magic bytes or version do not match: not a psync packet.
    #[error("foreign packet (magic {magic:#06x}, version {version})")]
    Foreign {
        /// The magic found.
        magic: u16,
        /// The version found.
        version: u8,
    },
    /// An unknown flag value.
    #[error("unknown flag {0}")]
    BadFlag(u8),
    /// The payload length goes past the end of the packet.
    #[error("payload of {claimed} bytes but only {left} left")]
    BadLength {
        /// The claimed length.
        claimed: u32,
        /// The bytes left.
        left: usize,
    },
}

/// Appends one message to `buf`.
pub fn put_msg(buf: &mut BytesMut, h: &Header, payload: &[u8]) {
    buf.reserve(HEADER_LEN + payload.len());
    buf.put_u16(MAGIC);
    buf.put_u8(VERSION);
    buf.put_u8(h.flag.to_u8());
    buf.put_u32(h.epoch);
    buf.put_u32(h.sender);
    buf.put_u64(h.instance);
    buf.put_u64(h.round);
    buf.put_u32(u32::try_from(payload.len()).unwrap_or(u32::MAX));
    buf.put_slice(payload);
}

/// Iterates over the messages of a packet; stops after the first error.
pub struct Messages {
    rest: Bytes,
    failed: bool,
}

/// Splits `packet` into its messages.
pub fn messages(packet: Bytes) -> Messages {
    Messages { rest: packet, failed: false }
}

impl Iterator for Messages {
    type Item = Result<WireMsg, WireError>;
    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.rest.is_empty() {
            return None;
        }
        let r = decode_one(&mut self.rest);
        if r.is_err() {
            self.failed = true;
        }
        Some(r)
    }
}

fn decode_one(b: &mut Bytes) -> Result<WireMsg, WireError> {
    if b.len() < HEADER_LEN {
        return Err(WireError::Truncated(b.len()));
    }
    let magic = u16::from_be_bytes([b[0], b[1]]);
    if magic != MAGIC || b[2] != VERSION {
        return Err(WireError::Foreign { magic, version: b[2] });
    }
    let flag = Flag::from_u8(b[3]).ok_or(WireError::BadFlag(b[3]))?;
    let mut h = &b[4..HEADER_LEN];
    let epoch = h.get_u32();
    let sender = h.get_u32();
    let instance = h.get_u64();
    let round = h.get_u64();
    let len = h.get_u32();
    let left = b.len() - HEADER_LEN;
    if len as usize > left {
        return Err(WireError::BadLength { claimed: len, left });
    }
    b.advance(HEADER_LEN);
    let payload = b.split_to(len as usize);
    Ok(WireMsg { header: Header { flag, epoch, sender, instance, round }, payload })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(i: u64) -> Header {
        Header { flag: Flag::Normal, epoch: 3, sender: 2, instance: i, round: u64::MAX - i }
    }

    #[test]
    fn packs_and_unpacks_several_messages() {
        let mut b = BytesMut::new();
        put_msg(&mut b, &h(1), b"abc");
        put_msg(&mut b, &Header { flag: Flag::User(0x85), ..h(2) }, b"");
        let v: Vec<_> = messages(b.freeze()).collect::<Result<_, _>>().unwrap();
        assert_eq!(v.len(), 2);
        assert_eq!(v[0].header, h(1));
        assert_eq!(&v[0].payload[..], b"abc");
        assert_eq!(v[1].header.flag, Flag::User(0x85));
    }

    #[test]
    fn malformed_and_foreign_packets_are_errors_not_panics() {
        let mut b = BytesMut::new();
        put_msg(&mut b, &h(1), b"abcdef");
        let good = b.freeze();
        for cut in 0..good.len() {
            let v: Vec<_> = messages(good.slice(..cut)).collect();
            assert!(cut == 0 || v.last().unwrap().is_err(), "cut at {cut}");
        }
        let mut foreign = good.to_vec();
        foreign[0] = b'G';
        assert!(matches!(messages(Bytes::from(foreign)).next(), Some(Err(WireError::Foreign { .. }))));
        let mut bad_flag = good.to_vec();
        bad_flag[3] = 9;
        assert_eq!(messages(Bytes::from(bad_flag)).next(), Some(Err(WireError::BadFlag(9))));
        let mut x: u32 = 12345;
        for len in 0..300 {
            let junk: Vec<u8> = (0..len)
                .map(|i| {
                    x = x.wrapping_mul(1664525).wrapping_add(1013904223);
                    if i < 3 { good[i] } else { (x >> 24) as u8 }
                })
                .collect();
            let _ = messages(Bytes::from(junk)).count();
        }
    }
}
