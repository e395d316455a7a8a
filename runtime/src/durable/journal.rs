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
/// finished, the decisions of the decision log, the closed instances, and
/// the highest instance whose end it dropped.
pub(crate) struct Live {
    pub states: HashMap<u64, Record>,
    pub decided: BoundedMap<Bytes>,
    pub closed: BoundedMap<()>,
    /// From `Forgotten` records (ends dropped before the last compaction).
    forgotten: Option<u64>,
}

impl Live {
    /// Keeps what the event loop's decision log and tombstones keep: the
    /// `limits` of [`super::Limits`].
    pub(crate) fn new(limits: super::Limits) -> Live {
        Live {
            states: HashMap::new(),
            decided: BoundedMap::new(limits.decision_log, limits.decision_log_bytes),
            closed: BoundedMap::new(limits.tombstones, usize::MAX),
            forgotten: None,
        }
    }

    /// The highest instance whose decision or stop was dropped (by this
    /// map's bounds, or before the compaction that wrote its segment).
    pub(crate) fn forgotten(&self) -> Option<u64> {
        [self.forgotten, self.decided.max_dropped(), self.closed.max_dropped()].into_iter().flatten().max()
    }

    /// Applies one record, later records winning.
    pub(crate) fn apply(&mut self, r: Record) {
        match r {
            Record::State { id, .. } | Record::Joined { id, .. } => {
                self.states.insert(id, r);
            }
            Record::Decided { id, value } => {
                self.states.remove(&id);
                let size = value.len();
                self.decided.insert(id, value, size);
            }
            Record::Closed { id } => {
                self.states.remove(&id);
                self.closed.insert(id, (), 0);
            }
            Record::Forgotten { id } => self.forgotten = Some(self.forgotten.map_or(id, |f| f.max(id))),
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
        if let Some(id) = self.forgotten() {
            Record::Forgotten { id }.put(buf);
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
    min_compact: u64,
    live: Live,
}

impl Journal {
    /// A journal whose first segment holds `live`, written and fsynced.
    pub(crate) fn create(dir: &Path, seq: Arc<AtomicU64>, live: Live) -> io::Result<Journal> {
        Journal::with_threshold(dir, seq, live, MIN_COMPACT_BYTES)
    }

    /// The same, compacting from `min_compact` bytes on.
    fn with_threshold(dir: &Path, seq: Arc<AtomicU64>, live: Live, min_compact: u64) -> io::Result<Journal> {
        let mut j = Journal {
            dir: dir.to_path_buf(),
            seq,
            file: File::open(dir)?,
            segments: Vec::new(),
            buf: BytesMut::new(),
            written: 0,
            compact_at: min_compact,
            min_compact,
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
        self.compact_at = self.min_compact.max(2 * self.written);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::durable::record::read_all;

    fn files(dir: &Path) -> Vec<PathBuf> {
        let mut v: Vec<PathBuf> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
        v.sort();
        v
    }

    #[test]
    fn the_log_stays_bounded_and_keeps_exactly_the_live_records() {
        // tmpfs when there is one: 600 fsyncs on a disk take seconds.
        let shm = Path::new("/dev/shm");
        let dir = if shm.is_dir() { tempfile::tempdir_in(shm) } else { tempfile::tempdir() }.unwrap();
        let mut j = Journal::with_threshold(dir.path(), Arc::new(AtomicU64::new(0)), Live::new(crate::durable::Limits { decision_log: 3, decision_log_bytes: usize::MAX, tombstones: 2 }), 2048).unwrap();
        let state = |round: u64| Bytes::from(vec![round as u8; 40]);
        for round in 0..600u64 {
            // Instance 1 runs for ever; instances 10.. each run two rounds and end.
            j.append(Record::State { id: 1, round, state: state(round) });
            let id = 10 + round / 2;
            j.append(Record::State { id, round: round % 2, state: state(round) });
            if round % 2 == 1 {
                j.append(if id % 3 == 0 { Record::Closed { id } } else { Record::Decided { id, value: Bytes::from(vec![1; 8]) } });
            }
            j.commit().unwrap();
            let size: u64 = files(dir.path()).iter().map(|f| std::fs::metadata(f).unwrap().len()).sum();
            assert!(size <= 2 * 2048 + 200, "round {round}: {size} bytes on disk");
        }
        let fs = files(dir.path());
        assert_eq!(fs.len(), 1, "older segments are removed: {fs:?}");
        let (records, valid) = read_all(&Bytes::from(std::fs::read(&fs[0]).unwrap()));
        let mut replayed = Live::new(crate::durable::Limits { decision_log: 3, decision_log_bytes: usize::MAX, tombstones: 2 });
        for r in records {
            replayed.apply(r);
        }
        assert_eq!(valid as u64, std::fs::metadata(&fs[0]).unwrap().len());
        assert_eq!(replayed.states.get(&1), Some(&Record::State { id: 1, round: 599, state: state(599) }));
        assert_eq!(replayed.states.len(), 1, "finished instances leave no state");
        let decided: Vec<u64> = replayed.decided.iter().map(|(id, _)| id).collect();
        let closed: Vec<u64> = replayed.closed.iter().map(|(id, _)| id).collect();
        assert_eq!((decided, closed), (vec![305, 307, 308], vec![306, 309]), "the most recent decisions and tombstones");
        assert_eq!(replayed.forgotten(), Some(304), "the newest end dropped (304's decision), across compactions");
    }
}
