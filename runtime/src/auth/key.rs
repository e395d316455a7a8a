//! The cluster key: at least 32 random bytes, written in hex in the
//! configuration, never printed.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::net::SocketAddr;

/// The shortest key accepted, in bytes.
pub const MIN_KEY_BYTES: usize = 32;

/// A key could not be read from its hex text.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// Not an even number of hex digits.
    #[error("the cluster key must be hex digits (two per byte)")]
    NotHex,
    /// Fewer than [`MIN_KEY_BYTES`] bytes.
    #[error("the cluster key has {0} bytes; at least {MIN_KEY_BYTES} are needed (e.g. `openssl rand -hex 32`)")]
    TooShort(usize),
}

/// A per-cluster secret shared by every replica. Its `Debug` form hides it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ClusterKey {
    bytes: Vec<u8>,
}

impl ClusterKey {
    /// Reads a key from hex (at least 64 digits).
    pub fn from_hex(text: &str) -> Result<ClusterKey, KeyError> {
        let t = text.trim();
        if !t.len().is_multiple_of(2) || !t.bytes().all(|c| c.is_ascii_hexdigit()) {
            return Err(KeyError::NotHex);
        }
        let bytes: Vec<u8> = (0..t.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&t[i..i + 2], 16).map_err(|_| KeyError::NotHex))
            .collect::<Result<_, _>>()?;
        ClusterKey::from_bytes(bytes)
    }

    /// A key from raw bytes (at least [`MIN_KEY_BYTES`]).
    pub fn from_bytes(bytes: Vec<u8>) -> Result<ClusterKey, KeyError> {
        if bytes.len() < MIN_KEY_BYTES {
            return Err(KeyError::TooShort(bytes.len()));
        }
        Ok(ClusterKey { bytes })
    }

    /// The secret bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// A public fingerprint of the key, sent in every packet so that a
    /// packet of another cluster is told apart from a forgery.
    pub fn key_id(&self) -> [u8; 8] {
        let d = Sha256::new().chain_update(b"psync cluster key id\0").chain_update(&self.bytes).finalize();
        let mut id = [0u8; 8];
        id.copy_from_slice(&d[..8]);
        id
    }
}

impl std::fmt::Debug for ClusterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ClusterKey(<{} bytes hidden>)", self.bytes.len())
    }
}

impl TryFrom<String> for ClusterKey {
    type Error = KeyError;
    fn try_from(s: String) -> Result<Self, KeyError> {
        ClusterKey::from_hex(&s)
    }
}

impl From<ClusterKey> for String {
    fn from(k: ClusterKey) -> String {
        k.bytes.iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// Refuses to run unauthenticated off loopback: without a key, every
/// address must be a loopback address (tests and local runs).
pub fn require_key_off_loopback(addrs: &[SocketAddr], key: Option<&ClusterKey>) -> Result<(), String> {
    if key.is_some() {
        return Ok(());
    }
    match addrs.iter().find(|a| !a.ip().to_canonical().is_loopback()) {
        Some(a) => Err(format!(
            "replica address {a} is not a loopback address: set a cluster key (options.key, 64 hex digits, e.g. `openssl rand -hex 32`) \
             so that peers are authenticated; only loopback clusters may run without one"
        )),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_hides_and_checks_length() {
        let hex = "00".repeat(31) + "ff";
        let k = ClusterKey::from_hex(&hex).unwrap();
        assert_eq!(k.bytes()[31], 0xff);
        assert_eq!(String::from(k.clone()), hex);
        assert!(!format!("{k:?}").contains("ff"));
        assert_eq!(ClusterKey::from_hex("abc"), Err(KeyError::NotHex));
        assert_eq!(ClusterKey::from_hex("zz"), Err(KeyError::NotHex));
        assert_eq!(ClusterKey::from_hex("abcd"), Err(KeyError::TooShort(2)));
        assert_ne!(k.key_id(), ClusterKey::from_hex(&"11".repeat(32)).unwrap().key_id());
    }

    #[test]
    fn a_key_is_required_off_loopback() {
        let lo: SocketAddr = "127.0.0.1:1".parse().unwrap();
        let lo6: SocketAddr = "[::1]:1".parse().unwrap();
        let lan: SocketAddr = "10.0.0.2:1".parse().unwrap();
        assert!(require_key_off_loopback(&[lo, lo6], None).is_ok());
        let e = require_key_off_loopback(&[lo, lan], None).unwrap_err();
        assert!(e.contains("10.0.0.2:1") && e.contains("cluster key"), "{e}");
        let k = ClusterKey::from_hex(&"11".repeat(32)).unwrap();
        assert!(require_key_off_loopback(&[lan], Some(&k)).is_ok());
    }
}
