//! The compact wire encoding of round messages and decisions (postcard).

use bytes::Bytes;
use serde::{Serialize, de::DeserializeOwned};

/// A message or decision could not be encoded or decoded.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum CodecError {
    /// Serialization failed.
    #[error("cannot encode {what}: {reason}")]
    Encode {
        /// The Rust type being encoded.
        what: &'static str,
        /// The serializer's message.
        reason: String,
    },
    /// The bytes are not a valid value of the expected type.
    #[error("malformed {what} payload ({len} bytes): {reason}")]
    Decode {
        /// The Rust type expected.
        what: &'static str,
        /// The payload length.
        len: usize,
        /// The deserializer's message.
        reason: String,
    },
}

/// Encodes `m` once, for every destination. The bytes own an allocation of
/// their own length (a decision kept in the log costs what it weighs).
pub fn encode<M: Serialize>(m: &M) -> Result<Bytes, CodecError> {
    postcard::to_allocvec(m)
        .map(|mut v| {
            v.shrink_to_fit();
            Bytes::from(v)
        })
        .map_err(|e| CodecError::Encode { what: std::any::type_name::<M>(), reason: e.to_string() })
}

/// Decodes a whole payload; trailing bytes are an error. Never panics. A
/// process set may name ids below [`crate::dsl::MAX_DECODED_IDS`] only; use
/// [`decode_for_run`] when the number of processes is known.
pub fn decode<M: DeserializeOwned>(b: &[u8]) -> Result<M, CodecError> {
    let err = |reason: String| CodecError::Decode { what: std::any::type_name::<M>(), len: b.len(), reason };
    match postcard::take_from_bytes::<M>(b) {
        Ok((m, [])) => Ok(m),
        Ok((_, rest)) => Err(err(format!("{} trailing bytes", rest.len()))),
        Err(e) => Err(err(e.to_string())),
    }
}

/// Decodes a payload of a run of `n` processes: as [`decode`], and every
/// process id in it (alone or in a set) must be in `0..n`.
pub fn decode_for_run<M: DeserializeOwned>(b: &[u8], n: usize) -> Result<M, CodecError> {
    crate::dsl::with_run_size(n, || decode(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_garbage() {
        let b = encode(&(5i64, vec![1u8, 2, 3])).unwrap();
        assert_eq!(decode::<(i64, Vec<u8>)>(&b).unwrap(), (5, vec![1, 2, 3]));
        assert!(decode::<(i64, Vec<u8>)>(&b[..2]).is_err());
        let mut long = b.to_vec();
        long.push(0);
        assert!(decode::<(i64, Vec<u8>)>(&long).is_err());
        // A huge claimed length must fail cleanly, not allocate or panic.
        assert!(decode::<Vec<u64>>(&[0xff, 0xff, 0xff, 0xff, 0x0f]).is_err());
        let mut x: u64 = 0x9e3779b97f4a7c15;
        for len in 0..200usize {
            let junk: Vec<u8> = (0..len)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    x as u8
                })
                .collect();
            let _ = decode::<(String, Vec<i64>, Option<bool>)>(&junk);
        }
    }

    #[test]
    fn ids_out_of_the_run_are_rejected_before_any_allocation() {
        use crate::dsl::{ProcSet, ProcessId};
        let set: ProcSet = [0, 2].into_iter().map(ProcessId::new).collect();
        let b = encode(&set).unwrap();
        assert_eq!(decode_for_run::<ProcSet>(&b, 3).unwrap(), set);
        assert!(decode_for_run::<ProcSet>(&b, 2).is_err(), "id 2 in a run of 2");
        // One id near u32::MAX: a bit set holding it would take 512 MiB.
        let huge = encode(&(1u32, u32::MAX - 1)).unwrap();
        let mut seq = vec![2u8];
        seq.extend_from_slice(&huge);
        assert!(decode::<ProcSet>(&seq).is_err());
        assert!(decode_for_run::<ProcSet>(&seq, 5).is_err());
        assert!(decode_for_run::<(ProcessId, i64)>(&encode(&(ProcessId::new(7), 1i64)).unwrap(), 4).is_err());
        assert_eq!(encode(&vec![1u8; 1000]).unwrap().len(), 1002);
    }
}
