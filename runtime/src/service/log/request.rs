//! Client requests as the log orders them: the operation with its client id
//! and sequence number, 32 bytes in a batch.

use bytes::BytesMut;

/// Size of one operation.
pub const REQUEST_LEN: usize = 12;
/// One operation: a 4-byte key and an 8-byte value (little-endian), a put.
pub type Request = [u8; REQUEST_LEN];

/// Size of one client request in a batch: client, sequence number, the
/// distance back to the acknowledged sequence number, the operation.
pub const ENTRY_LEN: usize = 8 + 8 + 4 + REQUEST_LEN;

/// A request of one client: `(client, seq)` names it, so that a retry or a
/// duplicated message is applied once (its copies get the stored reply).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ClientRequest {
    /// The client's session, as the log assigned it at registration.
    pub client: u64,
    /// The request's sequence number, unique for its client, from 1 (0 is
    /// a registration).
    pub seq: u64,
    /// Every request of this client below `acked` got its reply: the log
    /// forgets their replies and applies none of them again. At most `seq`
    /// (a client with one request at a time sends `acked = seq`); the log
    /// keeps the replies of `acked..=seq`, so it stays within `seq - 2^32`.
    pub acked: u64,
    /// The operation.
    pub op: Request,
}

impl ClientRequest {
    /// The registration of a new session (sequence number 0; the log
    /// answers with the session's id). `nonce` tells the registrations
    /// waiting at one replica apart; it is not the session's id.
    pub fn registration(nonce: u64) -> ClientRequest {
        ClientRequest { client: nonce, seq: 0, acked: 0, op: [0; REQUEST_LEN] }
    }

    /// Whether this is a registration ([`ClientRequest::registration`]).
    pub fn is_registration(&self) -> bool {
        self.seq == 0
    }

    /// Request `seq` of a client with one request at a time.
    pub fn new(client: u64, seq: u64, op: Request) -> ClientRequest {
        ClientRequest { client, seq, acked: seq, op }
    }

    /// The operation that writes `value` at `key`.
    pub fn op(key: u32, value: u64) -> Request {
        let mut r = [0u8; REQUEST_LEN];
        r[..4].copy_from_slice(&key.to_le_bytes());
        r[4..].copy_from_slice(&value.to_le_bytes());
        r
    }

    /// The key the operation writes.
    pub fn key(&self) -> u32 {
        u32::from_le_bytes([self.op[0], self.op[1], self.op[2], self.op[3]])
    }

    /// The value the operation writes.
    pub fn value(&self) -> u64 {
        let mut v = [0u8; 8];
        v.copy_from_slice(&self.op[4..12]);
        u64::from_le_bytes(v)
    }

    /// The request as it travels in a batch.
    pub fn to_bytes(&self) -> [u8; ENTRY_LEN] {
        let window = self.seq - self.acked.min(self.seq);
        let mut b = [0u8; ENTRY_LEN];
        b[..8].copy_from_slice(&self.client.to_le_bytes());
        b[8..16].copy_from_slice(&self.seq.to_le_bytes());
        b[16..20].copy_from_slice(&u32::try_from(window).unwrap_or(u32::MAX).to_le_bytes());
        b[20..].copy_from_slice(&self.op);
        b
    }

    /// Appends the request to a batch.
    pub(crate) fn put(&self, b: &mut BytesMut) {
        b.extend_from_slice(&self.to_bytes());
    }

    /// Decodes one request; `c` is `ENTRY_LEN` bytes (any content is a
    /// request).
    pub(crate) fn from_bytes(c: &[u8]) -> ClientRequest {
        let u64_at = |i: usize| u64::from_le_bytes(c[i..i + 8].try_into().unwrap_or_default());
        let (client, seq) = (u64_at(0), u64_at(8));
        let window = u32::from_le_bytes(c[16..20].try_into().unwrap_or_default());
        let mut op = [0u8; REQUEST_LEN];
        op.copy_from_slice(&c[20..ENTRY_LEN]);
        ClientRequest { client, seq, acked: seq - u64::from(window).min(seq), op }
    }

    /// The requests of a batch (a trailing partial request is ignored).
    pub(crate) fn all(b: &[u8]) -> impl Iterator<Item = ClientRequest> + '_ {
        b.chunks_exact(ENTRY_LEN).map(ClientRequest::from_bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_round_trip_and_the_window_saturates() {
        let r = ClientRequest { client: u64::MAX, seq: 1 << 40, acked: 3, op: ClientRequest::op(9, 77) };
        let back = ClientRequest::from_bytes(&r.to_bytes());
        assert_eq!((back.client, back.seq, back.key(), back.value()), (u64::MAX, 1 << 40, 9, 77));
        // A window beyond 2^32 keeps more replies, never fewer.
        assert_eq!(back.acked, (1 << 40) - u64::from(u32::MAX));
        let r = ClientRequest { acked: 5, ..ClientRequest::new(1, 2, [0; 12]) };
        assert_eq!(ClientRequest::from_bytes(&r.to_bytes()).acked, 2, "acked is at most seq");
    }
}
