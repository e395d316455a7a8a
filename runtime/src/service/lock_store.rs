//! The lock manager's state on disk, in `lock_table/state` under the node's data
//! directory: the lock table (its owner, the slots applied and the clients'
//! last requests) and the
//! slots decided above them, written whole and atomically (temporary file,
//! fsync, rename, fsync of the directory) at the end of every service turn
//! that changed them, before the turn's answers. One framed record with a
//! CRC-32; a file that does not check is an error, never an empty table.

use super::lock::LockState;
use super::log::store::{put_record, replace, sync_dir};
use crate::durable::record::frames;
use bytes::{Buf, BufMut, Bytes, BytesMut};
use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

const STATE: &str = "state";

/// What a lock replica keeps: its table and the decided slots above it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct Saved {
    pub state: LockState,
    pub decided: BTreeMap<u64, i64>,
}

impl Saved {
    /// The state's length, the state ([`LockState::encode`]), then the
    /// decided slots and their values.
    fn encode(&self) -> Vec<u8> {
        let state = self.state.encode();
        let mut b = Vec::with_capacity(8 + state.len() + 16 * self.decided.len());
        b.put_u64_le(state.len() as u64);
        b.put_slice(&state);
        for (slot, v) in &self.decided {
            b.put_u64_le(*slot);
            b.put_i64_le(*v);
        }
        b
    }

    fn decode(mut b: Bytes) -> Option<Saved> {
        let len = usize::try_from(b.try_get_u64_le().ok()?).ok()?;
        if b.len() < len || !(b.len() - len).is_multiple_of(16) {
            return None;
        }
        let state = LockState::decode(&b.split_to(len))?;
        let mut decided = BTreeMap::new();
        while b.has_remaining() {
            decided.insert(b.get_u64_le(), b.get_i64_le());
        }
        Some(Saved { state, decided })
    }
}

/// The lock manager's directory.
pub(super) struct LockStore {
    dir: PathBuf,
}

impl LockStore {
    /// Opens (or creates) `dir`; the saved state, `None` when there is none.
    pub(super) fn open(dir: &Path) -> io::Result<(LockStore, Option<Saved>)> {
        std::fs::create_dir_all(dir)?;
        if let Some(parent) = dir.parent() {
            sync_dir(parent)?;
        }
        let path = dir.join(STATE);
        let saved = match std::fs::read(&path) {
            Ok(b) => {
                let b = Bytes::from(b);
                let (recs, valid) = frames(&b);
                match recs.as_slice() {
                    [one] if valid == b.len() => Some(Saved::decode(one.clone()).ok_or_else(|| corrupt(&path))?),
                    _ => return Err(corrupt(&path)),
                }
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => return Err(e),
        };
        Ok((LockStore { dir: dir.to_path_buf() }, saved))
    }

    /// Writes `saved` in place of the previous state, durably.
    pub(super) fn save(&self, saved: &Saved) -> io::Result<()> {
        let mut b = BytesMut::new();
        put_record(&mut b, &saved.encode());
        replace(&self.dir, STATE, &b).map(drop)
    }
}

fn corrupt(path: &Path) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, format!("{}: corrupt lock state (it is written whole and renamed into place)", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::lock::LastRequest;

    #[test]
    fn the_state_round_trips_and_a_corrupt_file_is_an_error() {
        let d = tempfile::tempdir().unwrap();
        let (st, saved) = LockStore::open(d.path()).unwrap();
        assert_eq!(saved, None, "a new directory holds no state");
        let last = BTreeMap::from([(42, LastRequest { id: 3, release: false, ok: true, slot: 6 })]);
        let s = Saved { state: LockState { owner: Some(42), slots: 7, last }, decided: BTreeMap::from([(9, -3), (12, 5)]) };
        st.save(&s).unwrap();
        let free = Saved { state: LockState { owner: None, slots: 8, last: BTreeMap::new() }, decided: BTreeMap::new() };
        assert_eq!(LockStore::open(d.path()).unwrap().1, Some(s));
        st.save(&free).unwrap();
        assert_eq!(LockStore::open(d.path()).unwrap().1, Some(free));
        let path = d.path().join(STATE);
        let mut b = std::fs::read(&path).unwrap();
        let last = b.len() - 1;
        b[last] ^= 1;
        std::fs::write(&path, b).unwrap();
        let e = LockStore::open(d.path()).err().expect("refused");
        assert!(e.to_string().contains("corrupt lock state"), "{e}");
    }
}
