//! One event loop's part of the write-ahead log: records appended during a
//! loop turn are written and fsynced together by [`Journal::commit`] (group
//! commit), and the log is compacted into a fresh segment holding only the
//! live records once it has grown to twice their size.

use crate::durable::incarnation::sync_dir;
use crate::durable::record::Record;
use crate::engine::bounded::BoundedMap;
use bytes::{Bytes, BytesMut};
use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// The smallest log size that triggers a compaction.
const MIN_COMPACT_BYTES: u64 = 64 << 20;

/// What a compaction keeps: the latest state of every instance not yet
/// finished, the decisions of the decision log, the closed instances.
pub(crate) struct Live {
    pub states: HashMap<u64, Record>,
    pub decided: BoundedMap<Bytes>,
    pub closed: BoundedMap<()>,
}

impl Live {
    pub(crate) fn new(decision_log: usize, tombstones: usize) -> Live {
        Live { states: HashMap::new(), decided: BoundedMap::new(decision_log), closed: BoundedMap::new(tombstones) }
    }

    /// Applies one record, later records winning.
    pub(crate) fn apply(&mut self, r: Record) {
        match r {
            Record::State { id, .. } | Record::Joined { id, .. } => {
                self.states.insert(id, r);
            }
            Record::Decided { id, value } => {
                self.states.remove(&id);
                self.decided.insert(id, value);
            }
            Record::Closed { id } => {
                self.states.remove(&id);
                self.closed.insert(id, ());
            }
        }
    }

    fn put_all(&self, buf: &mut BytesMut) {
        for r in self.states.values() {
            r.put(buf);
        }
        for (id, value) in self.decided.iter() {
            Record::Decided { id, value: value.clone() }.put(buf);
        }
        for (id, ()) in self.closed.iter() {
            Record::Closed { id }.put(buf);
        }
    }
}

/// The name of segment `seq`: names sort in the order of their records.
pub(crate) fn segment_name(seq: u64) -> String {
    format!("wal-{seq:020}.log")
}

/// Whether `name` is a segment's, and its sequence number.
pub(crate) fn segment_seq(name: &str) -> Option<u64> {
    name.strip_prefix("wal-")?.strip_suffix(".log")?.parse().ok()
}

pub(crate) struct Journal {
    dir: PathBuf,
    seq: Arc<AtomicU64>,
    file: File,
    segments: Vec<PathBuf>,
    buf: BytesMut,
    written: u64,
    compact_at: u64,
    live: Live,
}

impl Journal {
    /// A journal whose first segment holds `live`, written and fsynced.
    pub(crate) fn create(dir: &Path, seq: Arc<AtomicU64>, live: Live) -> io::Result<Journal> {
        let mut j = Journal {
            dir: dir.to_path_buf(),
            seq,
            file: File::open(dir)?,
            segments: Vec::new(),
            buf: BytesMut::new(),
            written: 0,
            compact_at: MIN_COMPACT_BYTES,
            live,
        };
        j.compact()?;
        Ok(j)
    }

    /// The live records (as recovered, then as appended).
    pub(crate) fn live(&self) -> &Live {
        &self.live
    }

    /// Appends `r`; it is durable after the next [`Journal::commit`].
    pub(crate) fn append(&mut self, r: Record) {
        r.put(&mut self.buf);
        self.live.apply(r);
    }

    /// Writes and fsyncs what was appended since the last commit, then
    /// compacts if the log is twice its live size. Messages that depend on
    /// the records may be sent once this returns `Ok`.
    pub(crate) fn commit(&mut self) -> io::Result<bool> {
        if self.buf.is_empty() {
            return Ok(false);
        }
        self.file.write_all(&self.buf)?;
        self.file.sync_data()?;
        self.written += self.buf.len() as u64;
        self.buf.clear();
        if self.written >= self.compact_at {
            self.compact()?;
        }
        Ok(true)
    }

    /// Writes the live records to a new segment, fsyncs it, then removes
    /// the older segments.
    fn compact(&mut self) -> io::Result<()> {
        let mut b = BytesMut::new();
        self.live.put_all(&mut b);
        let path = self.dir.join(segment_name(self.seq.fetch_add(1, Ordering::Relaxed)));
        let mut f = OpenOptions::new().create_new(true).append(true).open(&path)?;
        f.write_all(&b)?;
        f.sync_data()?;
        sync_dir(&self.dir)?;
        for old in self.segments.drain(..) {
            std::fs::remove_file(old)?;
        }
        sync_dir(&self.dir)?;
        self.file = f;
        self.segments.push(path);
        self.written = b.len() as u64;
        self.compact_at = MIN_COMPACT_BYTES.max(2 * self.written);
        Ok(())
    }
}
