//! Sealing outgoing packets (appending the authenticated trailer) and
//! opening incoming ones (checking key id, tag and replay window).

use crate::auth::{ClusterKey, ReplayWindow};
use crate::durable::Incarnation;
use bytes::{BufMut, Bytes, BytesMut};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

type HmacSha256 = Hmac<Sha256>;

const TAG_LEN: usize = 32;
/// Bytes the trailer adds to every packet.
pub const TRAILER_LEN: usize = 8 + 4 + 8 + 8 + TAG_LEN;

fn keyed_mac(key: &ClusterKey) -> HmacSha256 {
    // HMAC takes keys of any length: this cannot fail.
    <HmacSha256 as Mac>::new_from_slice(key.bytes()).unwrap_or_else(|_| unreachable!("HMAC accepts every key length"))
}

/// Seals the packets of one node: shared by its event loops.
pub struct Sealer {
    mac: HmacSha256,
    key_id: [u8; 8],
    sender: u32,
    incarnation: u64,
    counters: Vec<AtomicU64>,
}

impl Sealer {
    /// Seals the packets of `sender` (of `n` replicas) in `incarnation`,
    /// which must exceed that of any earlier run of the sender (its start
    /// time in microseconds does).
    pub fn new(key: &ClusterKey, sender: u32, n: usize, incarnation: Incarnation) -> Sealer {
        Sealer { mac: keyed_mac(key), key_id: key.key_id(), sender, incarnation: incarnation.0, counters: (0..n).map(|_| AtomicU64::new(0)).collect() }
    }

    /// Appends the trailer to `packet`, bound for replica `to`.
    pub fn seal(&self, to: usize, packet: &mut BytesMut) {
        let counter = self.counters.get(to).map_or(0, |c| c.fetch_add(1, Relaxed) + 1);
        packet.reserve(TRAILER_LEN);
        packet.put_slice(&self.key_id);
        packet.put_u32(self.sender);
        packet.put_u64(self.incarnation);
        packet.put_u64(counter);
        let tag = self.mac.clone().chain_update(&packet[..]).finalize().into_bytes();
        packet.put_slice(&tag);
    }
}

/// Why an incoming packet was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rejection {
    /// Too short to carry a trailer: not sealed.
    Short,
    /// Sealed with another cluster's key (or not sealed at all).
    ForeignCluster,
    /// Right key id, wrong tag: altered or forged.
    Forged,
    /// The claimed sender is not a peer replica.
    UnknownSender,
    /// Already received, or older than the sender's replay window.
    Replayed,
}

/// Checks the packets arriving at one node.
pub struct Verifier {
    mac: HmacSha256,
    key_id: [u8; 8],
    me: u32,
    windows: Vec<Mutex<ReplayWindow>>,
}

impl Verifier {
    /// Checks packets for replica `me` of `n`.
    pub fn new(key: &ClusterKey, me: u32, n: usize) -> Verifier {
        Verifier { mac: keyed_mac(key), key_id: key.key_id(), me, windows: (0..n).map(|_| Mutex::default()).collect() }
    }

    /// Verifies `packet`; on success returns the authenticated sender and
    /// the packet's messages (the trailer removed).
    pub fn open(&self, mut packet: Bytes) -> Result<(u32, Bytes), Rejection> {
        if packet.len() < TRAILER_LEN {
            return Err(Rejection::Short);
        }
        let body_len = packet.len() - TRAILER_LEN;
        let t = &packet[body_len..];
        if t[..8] != self.key_id {
            return Err(Rejection::ForeignCluster);
        }
        let be64 = |b: &[u8]| u64::from_be_bytes(b.try_into().unwrap_or([0; 8]));
        let sender = u32::from_be_bytes(t[8..12].try_into().unwrap_or([0; 4]));
        let (incarnation, counter) = (be64(&t[12..20]), be64(&t[20..28]));
        let tagged = packet.len() - TAG_LEN;
        self.mac.clone().chain_update(&packet[..tagged]).verify_slice(&packet[tagged..]).map_err(|_| Rejection::Forged)?;
        if sender == self.me {
            return Err(Rejection::UnknownSender);
        }
        let Some(w) = self.windows.get(sender as usize) else { return Err(Rejection::UnknownSender) };
        if !w.lock().unwrap_or_else(|e| e.into_inner()).accept(incarnation, counter) {
            return Err(Rejection::Replayed);
        }
        packet.truncate(body_len);
        Ok((sender, packet))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(b: u8) -> ClusterKey {
        ClusterKey::from_bytes(vec![b; 32]).unwrap()
    }

    fn sealed(s: &Sealer, to: usize, body: &[u8]) -> Bytes {
        let mut b = BytesMut::from(body);
        s.seal(to, &mut b);
        b.freeze()
    }

    #[test]
    fn opens_what_was_sealed_once_and_nothing_else() {
        let s = Sealer::new(&key(1), 2, 3, Incarnation(77));
        let v = Verifier::new(&key(1), 0, 3);
        let p = sealed(&s, 0, b"hello");
        assert_eq!(v.open(p.clone()), Ok((2, Bytes::from_static(b"hello"))));
        assert_eq!(v.open(p.clone()), Err(Rejection::Replayed));
        let mut bad = p.to_vec();
        bad[1] ^= 1;
        assert_eq!(v.open(Bytes::from(bad)), Err(Rejection::Forged));
        let foreign = Sealer::new(&key(9), 2, 3, Incarnation(77));
        assert_eq!(v.open(sealed(&foreign, 0, b"hello")), Err(Rejection::ForeignCluster));
        assert_eq!(v.open(Bytes::from_static(b"short")), Err(Rejection::Short));
        let me = Sealer::new(&key(1), 0, 3, Incarnation(77));
        assert_eq!(v.open(sealed(&me, 0, b"x")), Err(Rejection::UnknownSender));
        let outsider = Sealer::new(&key(1), 7, 3, Incarnation(77));
        assert_eq!(v.open(sealed(&outsider, 0, b"x")), Err(Rejection::UnknownSender));
        assert_eq!(v.open(sealed(&s, 0, b"next")), Ok((2, Bytes::from_static(b"next"))));
    }

    #[test]
    fn a_forged_counter_does_not_move_the_window() {
        let s = Sealer::new(&key(1), 1, 2, Incarnation(5));
        let v = Verifier::new(&key(1), 0, 2);
        let p = sealed(&s, 0, b"m");
        let mut bumped = p.to_vec();
        let c = bumped.len() - TAG_LEN - 1;
        bumped[c] = 0xff;
        assert_eq!(v.open(Bytes::from(bumped)), Err(Rejection::Forged));
        assert!(v.open(p).is_ok());
    }
}
