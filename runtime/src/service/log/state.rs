//! The replicated state machine: the key-value map and the dedup table of
//! client sessions, applied slot by slot. It is what a snapshot carries.

use crate::codec::{self, CodecError};
use crate::service::log::request::ClientRequest;
use bytes::Bytes;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The answer to a client request, kept in the dedup table so that a
/// duplicate gets the same answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reply {
    /// The slot in which the request took effect.
    pub slot: u64,
    /// The key's value just before the request wrote it.
    pub previous: Option<u64>,
}

/// One client's entry in the dedup table.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    /// Every request of this client below this sequence number was answered
    /// (as the client said): such a request is not applied again.
    pub acked: u64,
    /// The replies of the applied requests from `acked` on.
    pub replies: BTreeMap<u64, Reply>,
}

/// What applying one request did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    /// Applied now.
    Fresh(Reply),
    /// Applied before: the stored reply, nothing changed.
    Duplicate(Reply),
    /// Older than what its client acknowledged: not applied, no reply kept.
    Stale,
}

impl Effect {
    /// The reply, or why there is none.
    pub fn reply(self, r: &ClientRequest) -> Result<Reply, String> {
        match self {
            Effect::Fresh(x) | Effect::Duplicate(x) => Ok(x),
            Effect::Stale => Err(format!(
                "request {} of client {} is older than the client acknowledged: it was answered and is not applied again",
                r.seq, r.client
            )),
        }
    }
}

/// What a replica applied so far: the replicated state machine.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Applied {
    /// Slots applied (1..=slots).
    pub slots: u64,
    /// Requests that took effect (duplicates and stale requests not counted).
    pub requests: u64,
    /// FNV-1a hash of every request of every applied slot, in order
    /// (duplicates included): equal digests at equal `slots` mean equal logs.
    pub digest: u64,
    /// The key-value map.
    pub kv: BTreeMap<u32, u64>,
    /// The dedup table: per client, what it acknowledged and the replies it
    /// may still ask for again.
    pub sessions: BTreeMap<u64, Session>,
}

impl Applied {
    /// Applies `r`, decided in `slot`.
    pub(crate) fn apply(&mut self, slot: u64, r: &ClientRequest) -> Effect {
        for b in r.to_bytes() {
            self.digest = (self.digest ^ b as u64).wrapping_mul(0x100_0000_01b3);
        }
        if let Some(e) = self.lookup(r.client, r.seq) {
            return e;
        }
        let s = self.sessions.entry(r.client).or_default();
        let acked = r.acked.min(r.seq);
        if acked > s.acked {
            s.acked = acked;
            while s.replies.first_key_value().is_some_and(|(&q, _)| q < acked) {
                s.replies.pop_first();
            }
        }
        let previous = self.kv.insert(r.key(), r.value());
        let reply = Reply { slot, previous };
        s.replies.insert(r.seq, reply);
        self.requests += 1;
        Effect::Fresh(reply)
    }

    /// What applying request `seq` of `client` again would do, if it was
    /// applied or is stale; `None` if it would take effect.
    pub fn lookup(&self, client: u64, seq: u64) -> Option<Effect> {
        let s = self.sessions.get(&client)?;
        if seq < s.acked {
            return Some(Effect::Stale);
        }
        s.replies.get(&seq).map(|r| Effect::Duplicate(*r))
    }

    /// The state as a snapshot's bytes.
    pub(crate) fn encode(&self) -> Result<Bytes, CodecError> {
        codec::encode(self)
    }

    /// A snapshot's state.
    pub(crate) fn decode(b: &[u8]) -> Result<Applied, CodecError> {
        codec::decode(b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn put(client: u64, seq: u64, acked: u64, key: u32, value: u64) -> ClientRequest {
        ClientRequest { client, seq, acked, op: ClientRequest::op(key, value) }
    }

    #[test]
    fn a_duplicate_gets_the_stored_reply_and_changes_nothing() {
        let mut a = Applied::default();
        let first = a.apply(1, &put(7, 1, 1, 3, 100));
        assert_eq!(first, Effect::Fresh(Reply { slot: 1, previous: None }));
        // The client does not acknowledge 1 yet: its reply stays.
        assert_eq!(a.apply(2, &put(7, 2, 1, 3, 200)), Effect::Fresh(Reply { slot: 2, previous: Some(100) }));
        assert_eq!(a.apply(3, &put(7, 1, 1, 3, 100)), Effect::Duplicate(Reply { slot: 1, previous: None }));
        assert_eq!(a.kv[&3], 200, "the late duplicate did not overwrite the newer value");
        assert_eq!(a.requests, 2);
        // Acknowledging 2 forgets the reply of 1: a later copy of 1 is stale.
        a.apply(4, &put(7, 3, 3, 4, 1));
        assert_eq!(a.apply(5, &put(7, 1, 1, 3, 100)), Effect::Stale);
        assert_eq!(a.kv[&3], 200);
        assert_eq!(a.sessions[&7].replies.keys().copied().collect::<Vec<_>>(), vec![3]);
    }

    #[test]
    fn a_snapshot_round_trips() {
        let mut a = Applied::default();
        for i in 0..50 {
            a.apply(i / 5 + 1, &put(i % 3, i, i.saturating_sub(2), (i % 7) as u32, i));
        }
        a.slots = 10;
        let b = Applied::decode(&a.encode().unwrap()).unwrap();
        assert_eq!(a, b);
        assert!(Applied::decode(b"\xff\xff").is_err());
    }
}
