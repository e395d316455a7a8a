//! The log service's state on disk, in `log/` under the node's data
//! directory: `snapshot` (the applied state at some slot, written whole,
//! atomically) and `journal` (every batch this replica saw decided above
//! that slot, appended during a service turn and fsynced once at its end,
//! before the turn's replies and messages). Recovery reads the snapshot
//! and replays the journal's batches in slot order; a torn or corrupt
//! journal tail (each record carries a CRC-32) is truncated.
//!
//! The journal is replaced by a fresh one (holding the decided batches not
//! yet applied) whenever a snapshot is written: when it outgrows
//! `max(snapshot_bytes, 2 × the last snapshot)`, so writing snapshots costs
//! at most about as much as the journal, and when a snapshot transferred
//! from a peer is installed.

use super::state::Applied;
use crate::durable::record::{frames, put_frame};
use crate::service::batch_lv::Batch;
use bytes::{BufMut, Bytes, BytesMut};
use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

const SNAPSHOT: &str = "snapshot";
const JOURNAL: &str = "journal";

/// What a replica found on disk at start.
pub(super) struct Recovered {
    /// The applied state: the snapshot with the journal's batches applied
    /// in slot order up to the first missing slot.
    pub applied: Applied,
    /// Batches decided above it (after a missing slot).
    pub decided: BTreeMap<u64, Batch>,
    /// Bytes of a torn or corrupt journal tail truncated.
    pub truncated_bytes: u64,
}

/// What a replica starts from: its files (with a data directory), the
/// state found in them, and its fence when it is known at start (see
/// `Service::fence`).
pub(super) struct Start {
    pub store: Option<Store>,
    pub recovered: Option<Recovered>,
    pub fence: Option<u64>,
}

/// The service's files and what is appended but not yet written.
pub(super) struct Store {
    dir: PathBuf,
    journal: File,
    buf: BytesMut,
    journal_bytes: u64,
    snapshot_bytes: u64,
    min_snapshot_bytes: u64,
}

/// Appends `body` as one framed record (the write-ahead log's framing).
pub(in crate::service) fn put_record(buf: &mut BytesMut, body: &[u8]) {
    put_frame(buf, |b| b.put_slice(body));
}

/// A journal record: the slot and its batch.
fn put_decided(buf: &mut BytesMut, slot: u64, batch: &[u8]) {
    let mut body = Vec::with_capacity(8 + batch.len());
    body.extend_from_slice(&slot.to_le_bytes());
    body.extend_from_slice(batch);
    put_record(buf, &body);
}

pub(in crate::service) fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Writes `bytes` to `dir/name` atomically: a temporary file, fsync,
/// rename, fsync of the directory.
pub(in crate::service) fn replace(dir: &Path, name: &str, bytes: &[u8]) -> io::Result<File> {
    let tmp = dir.join(format!("{name}.tmp"));
    let mut f = File::create(&tmp)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    std::fs::rename(&tmp, dir.join(name))?;
    sync_dir(dir)?;
    Ok(f)
}

fn invalid(path: &Path, what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, format!("{}: {what}", path.display()))
}

impl Store {
    /// Opens (or creates) `dir`; `None` as the recovered state when it
    /// holds none (a new replica, or one whose files were lost).
    pub(super) fn open(dir: &Path, min_snapshot_bytes: u64) -> io::Result<(Store, Option<Recovered>)> {
        std::fs::create_dir_all(dir)?;
        if let Some(parent) = dir.parent() {
            sync_dir(parent)?;
        }
        let snap_path = dir.join(SNAPSHOT);
        let snapshot = match std::fs::read(&snap_path) {
            Ok(b) => {
                let b = Bytes::from(b);
                let (recs, valid) = frames(&b);
                match recs.as_slice() {
                    [one] if valid == b.len() => Some((Applied::decode(one).map_err(|e| invalid(&snap_path, &e.to_string()))?, b.len() as u64)),
                    _ => return Err(invalid(&snap_path, "corrupt snapshot (it is written whole and renamed into place)")),
                }
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => return Err(e),
        };
        let journal_path = dir.join(JOURNAL);
        let (entries, truncated_bytes, journal_bytes) = match std::fs::read(&journal_path) {
            Ok(b) => {
                let b = Bytes::from(b);
                let (recs, valid) = frames(&b);
                let truncated = (b.len() - valid) as u64;
                if truncated > 0 {
                    tracing::warn!(journal = %journal_path.display(), bytes = truncated, "truncating a torn or corrupt journal tail");
                    let f = OpenOptions::new().write(true).open(&journal_path)?;
                    f.set_len(valid as u64)?;
                    f.sync_all()?;
                }
                (recs, truncated, valid as u64)
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => (Vec::new(), 0, 0),
            Err(e) => return Err(e),
        };
        let found = snapshot.is_some() || !entries.is_empty();
        let (mut applied, snapshot_bytes) = snapshot.unwrap_or_default();
        let mut decided = BTreeMap::new();
        for e in entries {
            let Some(slot) = e.get(..8).and_then(|s| s.try_into().ok()).map(u64::from_le_bytes) else { continue };
            if slot > applied.slots {
                decided.insert(slot, e.slice(8..));
            }
        }
        while let Some(b) = decided.remove(&(applied.slots + 1)) {
            let slot = applied.slots + 1;
            for r in super::ClientRequest::all(&b) {
                applied.apply(slot, &r);
            }
            applied.slots = slot;
        }
        let journal = OpenOptions::new().create(true).append(true).open(&journal_path)?;
        sync_dir(dir)?;
        let store = Store { dir: dir.to_path_buf(), journal, buf: BytesMut::new(), journal_bytes, snapshot_bytes, min_snapshot_bytes };
        Ok((store, found.then_some(Recovered { applied, decided, truncated_bytes })))
    }

    /// Journals the batch decided in `slot`; durable after the next
    /// [`Store::commit`].
    pub(super) fn decided(&mut self, slot: u64, batch: &[u8]) {
        put_decided(&mut self.buf, slot, batch);
    }

    /// Writes and fsyncs what was journaled since the last commit (group
    /// commit: one fsync per service turn); true when something was written.
    pub(super) fn commit(&mut self) -> io::Result<bool> {
        if self.buf.is_empty() {
            return Ok(false);
        }
        self.journal.write_all(&self.buf)?;
        self.journal.sync_data()?;
        self.journal_bytes += self.buf.len() as u64;
        self.buf.clear();
        Ok(true)
    }

    /// Whether the journal grew enough for a snapshot.
    pub(super) fn wants_snapshot(&self) -> bool {
        self.journal_bytes >= self.min_snapshot_bytes.max(2 * self.snapshot_bytes)
    }

    /// Writes `applied` as the snapshot and starts a fresh journal holding
    /// the batches of `pending` (decided above it), both fsynced.
    pub(super) fn snapshot<'a>(&mut self, applied: &Applied, pending: impl Iterator<Item = (&'a u64, &'a Batch)>) -> io::Result<()> {
        let state = applied.encode().map_err(|e| io::Error::other(e.to_string()))?;
        let mut snap = BytesMut::new();
        put_record(&mut snap, &state);
        // The snapshot first: a crash before the new journal is in place
        // leaves the old journal, whose batches at or below the snapshot's
        // slot are skipped at recovery and whose others are still there.
        replace(&self.dir, SNAPSHOT, &snap)?;
        let mut j = BytesMut::new();
        for (slot, b) in pending.filter(|(s, _)| **s > applied.slots) {
            put_decided(&mut j, *slot, b);
        }
        // What this turn journaled is applied (in the snapshot) or pending.
        self.buf.clear();
        drop(replace(&self.dir, JOURNAL, &j)?);
        self.journal = OpenOptions::new().append(true).open(self.dir.join(JOURNAL))?;
        self.journal_bytes = j.len() as u64;
        self.snapshot_bytes = snap.len() as u64;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::log::ClientRequest;

    fn batch(slot: u64) -> Batch {
        let mut b = BytesMut::new();
        ClientRequest::new(7, slot, ClientRequest::op(slot as u32 % 3, slot)).put(&mut b);
        b.freeze()
    }

    fn dir() -> tempfile::TempDir {
        let shm = Path::new("/dev/shm");
        if shm.is_dir() { tempfile::tempdir_in(shm) } else { tempfile::tempdir() }.unwrap()
    }

    /// The state `slots` decided batches give, applied in order.
    fn expected(slots: u64) -> Applied {
        let mut a = Applied::default();
        for s in 1..=slots {
            for r in ClientRequest::all(&batch(s)) {
                a.apply(s, &r);
            }
            a.slots = s;
        }
        a
    }

    #[test]
    fn recovery_replays_the_snapshot_and_the_journal_and_truncates_a_torn_tail() {
        let d = dir();
        let (mut st, rec) = Store::open(d.path(), 200).unwrap();
        assert!(rec.is_none(), "a new directory holds no state");
        let mut applied = Applied::default();
        let mut snapshots = 0;
        // Slot 12 is decided early (out of order): it waits for 11.
        st.decided(12, &batch(12));
        let mut pending = BTreeMap::from([(12, batch(12))]);
        for s in 1..=10 {
            st.decided(s, &batch(s));
            for r in ClientRequest::all(&batch(s)) {
                applied.apply(s, &r);
            }
            applied.slots = s;
            if st.wants_snapshot() {
                st.snapshot(&applied, pending.iter()).unwrap();
                snapshots += 1;
            } else {
                st.commit().unwrap();
            }
        }
        assert!(snapshots >= 1, "the journal outgrew 200 bytes");
        st.decided(11, &batch(11));
        pending.insert(11, batch(11));
        st.commit().unwrap();
        drop(st);
        let (_, rec) = Store::open(d.path(), 200).unwrap();
        let rec = rec.unwrap();
        assert_eq!(rec.applied, expected(12), "snapshot, then 11 and 12 from the journal");
        assert!(rec.decided.is_empty());
        // A torn append: half of slot 13's record.
        let mut tail = BytesMut::new();
        put_decided(&mut tail, 13, &batch(13));
        let mut f = OpenOptions::new().append(true).open(d.path().join(JOURNAL)).unwrap();
        f.write_all(&tail[..tail.len() / 2]).unwrap();
        drop(f);
        let (_, rec) = Store::open(d.path(), 200).unwrap();
        let rec = rec.unwrap();
        assert_eq!(rec.truncated_bytes, (tail.len() / 2) as u64);
        assert_eq!(rec.applied, expected(12));
        let (_, rec) = Store::open(d.path(), 200).unwrap();
        assert_eq!(rec.unwrap().truncated_bytes, 0, "truncated on disk");
    }

    #[test]
    fn a_corrupt_snapshot_is_an_error_not_an_empty_state() {
        let d = dir();
        let (mut st, _) = Store::open(d.path(), 0).unwrap();
        st.snapshot(&expected(3), std::iter::empty()).unwrap();
        drop(st);
        let path = d.path().join(SNAPSHOT);
        let mut b = std::fs::read(&path).unwrap();
        let last = b.len() - 1;
        b[last] ^= 1;
        std::fs::write(&path, b).unwrap();
        let e = Store::open(d.path(), 0).err().expect("refused");
        assert!(e.to_string().contains("corrupt snapshot"), "{e}");
    }
}
