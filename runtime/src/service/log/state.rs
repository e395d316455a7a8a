//! The replicated state machine: the key-value map and the dedup table of
//! client sessions, applied slot by slot. It is what a snapshot carries.
//!
//! Exactly-once with bounded memory (the scheme of Raft's client sessions,
//! Ongaro's thesis §6.3): a client first registers a session, a request
//! the log orders with sequence number 0, and gets its id from the log, so
//! ids are never reused. The table holds at most [`MAX_SESSIONS`]; a
//! registration beyond that evicts the least recently used session. A
//! request of a session the table does not hold (evicted, or never
//! registered) is refused, not applied: without its session the log could
//! not tell a late copy of an applied request from a new one.

use crate::codec::{self, CodecError};
use crate::service::log::request::ClientRequest;
use bytes::Bytes;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Sessions the dedup table holds; a registration beyond them evicts the
/// least recently used one. Part of the replicated state machine, so the
/// same on every replica.
pub const MAX_SESSIONS: usize = 1 << 16;

/// The answer to a client request, kept in the dedup table so that a
/// duplicate gets the same answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reply {
    /// The slot in which the request took effect.
    pub slot: u64,
    /// The key's value just before the request wrote it (`None` for a
    /// registration).
    pub previous: Option<u64>,
    /// The client's session: for a registration, the new one.
    pub session: u64,
}

/// One client's entry in the dedup table.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    /// Every request of this client below this sequence number was answered
    /// (as the client said): such a request is not applied again.
    pub acked: u64,
    /// The replies of the applied requests from `acked` on.
    pub replies: BTreeMap<u64, Reply>,
    /// The last slot in which a request of this session took effect (or it
    /// was registered): the least recent is evicted first.
    pub last_slot: u64,
}

/// What applying one request did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    /// Applied now (a registration: the session created).
    Fresh(Reply),
    /// Applied before: the stored reply, nothing changed.
    Duplicate(Reply),
    /// Older than what its client acknowledged: not applied, no reply kept.
    Stale,
    /// Its session is not in the table (evicted, or never registered): not
    /// applied.
    Expired,
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
            Effect::Expired => Err(format!(
                "session {} is not registered or has expired (the log keeps the {MAX_SESSIONS} most recently used): \
                 request {} is not applied; register a new session",
                r.client, r.seq
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
    /// The dedup table: per session, what its client acknowledged and the
    /// replies it may still ask for again.
    pub sessions: BTreeMap<u64, Session>,
    /// The id the next registration gets (ids start at 1).
    pub next_session: u64,
}

impl Applied {
    /// Applies `r`, decided in `slot`.
    pub(crate) fn apply(&mut self, slot: u64, r: &ClientRequest) -> Effect {
        self.apply_within(slot, r, MAX_SESSIONS)
    }

    /// [`Applied::apply`] with a table of at most `limit` sessions.
    fn apply_within(&mut self, slot: u64, r: &ClientRequest, limit: usize) -> Effect {
        for b in r.to_bytes() {
            self.digest = (self.digest ^ b as u64).wrapping_mul(0x100_0000_01b3);
        }
        if r.is_registration() {
            return Effect::Fresh(self.register(slot, limit));
        }
        if let Some(e) = self.lookup(r.client, r.seq) {
            return e;
        }
        let Some(s) = self.sessions.get_mut(&r.client) else { return Effect::Expired };
        let acked = r.acked.min(r.seq);
        if acked > s.acked {
            s.acked = acked;
            while s.replies.first_key_value().is_some_and(|(&q, _)| q < acked) {
                s.replies.pop_first();
            }
        }
        let previous = self.kv.insert(r.key(), r.value());
        let reply = Reply { slot, previous, session: r.client };
        s.replies.insert(r.seq, reply);
        s.last_slot = slot;
        self.requests += 1;
        Effect::Fresh(reply)
    }

    /// A new session, registered in `slot`, evicting the least recently
    /// used ones beyond `limit - 1` (ties: the oldest id).
    fn register(&mut self, slot: u64, limit: usize) -> Reply {
        while self.sessions.len() >= limit.max(1) {
            let lru = self.sessions.iter().min_by_key(|(id, s)| (s.last_slot, **id)).map(|(id, _)| *id);
            match lru {
                Some(id) => self.sessions.remove(&id),
                None => break,
            };
        }
        let id = self.next_session.max(1);
        self.next_session = id + 1;
        self.sessions.insert(id, Session { last_slot: slot, ..Session::default() });
        Reply { slot, previous: None, session: id }
    }

    /// What applying request `seq` of `client` again would do, if it was
    /// applied or is stale; `None` if it would take effect.
    /// A registration, or a request of a session this replica does not
    /// hold, is `None`: whether it takes effect is decided where the log
    /// orders it.
    pub fn lookup(&self, client: u64, seq: u64) -> Option<Effect> {
        if seq == 0 {
            return None;
        }
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

    fn register(a: &mut Applied, slot: u64) -> u64 {
        match a.apply(slot, &ClientRequest::registration(99)) {
            Effect::Fresh(r) => r.session,
            other => panic!("registration: {other:?}"),
        }
    }

    #[test]
    fn a_duplicate_gets_the_stored_reply_and_changes_nothing() {
        let mut a = Applied::default();
        let c = register(&mut a, 1);
        let first = a.apply(1, &put(c, 1, 1, 3, 100));
        assert_eq!(first, Effect::Fresh(Reply { slot: 1, previous: None, session: c }));
        // The client does not acknowledge 1 yet: its reply stays.
        assert_eq!(a.apply(2, &put(c, 2, 1, 3, 200)), Effect::Fresh(Reply { slot: 2, previous: Some(100), session: c }));
        assert_eq!(a.apply(3, &put(c, 1, 1, 3, 100)), Effect::Duplicate(Reply { slot: 1, previous: None, session: c }));
        assert_eq!(a.kv[&3], 200, "the late duplicate did not overwrite the newer value");
        assert_eq!(a.requests, 2);
        // Acknowledging 2 forgets the reply of 1: a later copy of 1 is stale.
        a.apply(4, &put(c, 3, 3, 4, 1));
        assert_eq!(a.apply(5, &put(c, 1, 1, 3, 100)), Effect::Stale);
        assert_eq!(a.kv[&3], 200);
        assert_eq!(a.sessions[&c].replies.keys().copied().collect::<Vec<_>>(), vec![3]);
    }

    #[test]
    fn registrations_get_fresh_ids_and_unregistered_sessions_are_refused() {
        let mut a = Applied::default();
        let (x, y) = (register(&mut a, 1), register(&mut a, 1));
        assert_ne!(x, y);
        assert_eq!(a.apply(2, &put(y + 1, 1, 1, 3, 100)), Effect::Expired, "never registered");
        assert_eq!(a.requests, 0);
        assert!(!a.kv.contains_key(&3));
        assert_eq!(a.lookup(y + 1, 1), None, "a replica behind may not know the session yet");
    }

    /// A churn of clients keeps the table at its limit; the least recently
    /// used session goes, and a late copy of its applied request is refused
    /// instead of being applied a second time.
    #[test]
    fn the_least_recently_used_session_is_evicted_and_its_late_copies_refused() {
        let mut a = Applied::default();
        let limit = 3;
        let old = match a.apply_within(1, &ClientRequest::registration(1), limit) {
            Effect::Fresh(r) => r.session,
            e => panic!("{e:?}"),
        };
        assert!(matches!(a.apply_within(2, &put(old, 1, 1, 7, 100), limit), Effect::Fresh(_)));
        let mut recent = Vec::new();
        for slot in 3..40 {
            match a.apply_within(slot, &ClientRequest::registration(slot), limit) {
                Effect::Fresh(r) => recent.push(r.session),
                e => panic!("{e:?}"),
            }
            // The newest session stays in use.
            a.apply_within(slot, &put(recent[0], slot, slot, 8, slot), limit);
            assert!(a.sessions.len() <= limit, "{} sessions", a.sessions.len());
        }
        assert!(a.sessions.contains_key(&recent[0]), "the session in use is kept");
        assert!(!a.sessions.contains_key(&old));
        a.kv.insert(7, 500);
        assert_eq!(a.apply_within(40, &put(old, 1, 1, 7, 100), limit), Effect::Expired);
        assert_eq!(a.kv[&7], 500, "the late copy was not applied again");
    }

    #[test]
    fn a_snapshot_round_trips() {
        let mut a = Applied::default();
        let ids: Vec<u64> = (0..3).map(|_| register(&mut a, 1)).collect();
        for i in 0..50 {
            a.apply(i / 5 + 1, &put(ids[(i % 3) as usize], i + 1, (i + 1).saturating_sub(2), (i % 7) as u32, i));
        }
        a.slots = 10;
        let b = Applied::decode(&a.encode().unwrap()).unwrap();
        assert_eq!(a, b);
        assert!(Applied::decode(b"\xff\xff").is_err());
    }
}
