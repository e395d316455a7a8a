//! Opening a data directory at a node's start: the incarnation is bumped,
//! every segment is read (a torn or corrupt tail is truncated), the live
//! records are split among the event loops and each loop's share is
//! written to a fresh segment before the old ones are removed.

use crate::durable::incarnation::{Incarnation, Meta, sync_dir};
use crate::durable::journal::{Journal, Live, segment_seq};
use crate::durable::record::{self, Record};
use bytes::Bytes;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

/// What a node found in its data directory at start.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recovery {
    /// This start's incarnation.
    pub incarnation: Incarnation,
    /// Whether the directory held an earlier incarnation (this is a
    /// restart, not the directory's first start).
    pub restarted: bool,
    /// Set when the replica lost its state (its data directory existed
    /// without it): it then only learns the instances it has no state for.
    pub amnesic_since: Option<Incarnation>,
    /// Instances whose state was recovered: starting them again with
    /// `Node::start_durable` (or letting the default handler start them
    /// with `Starter::durable`) resumes them at their saved round.
    pub resumable: Vec<u64>,
    /// Instances that were running with a state that cannot be saved
    /// (started with `Starter::new`): this replica only learns them.
    pub unresumable: Vec<u64>,
    /// Decisions recovered into the decision log.
    pub decisions: usize,
    /// Bytes of torn or corrupt segment tails truncated.
    pub truncated_bytes: u64,
    /// The highest instance whose decision or stop the log dropped to stay
    /// within `decision_log`, `decision_log_bytes` and `tombstones`. An
    /// instance at or below it that is neither resumable nor among the
    /// recovered decisions may have run here: an application whose
    /// instance ids grow (a log's slots) must not vote in it again unless
    /// it kept that instance's outcome itself.
    pub forgotten_upto: Option<u64>,
}

/// The opened data directory: one journal per event loop.
pub(crate) struct Opened {
    pub recovery: Recovery,
    pub journals: Vec<Journal>,
    /// The lock on the directory, held while any event loop runs.
    pub lock: Arc<std::fs::File>,
}

/// Locks `dir` for this process: two nodes on one data directory would
/// interleave their logs.
fn lock(dir: &Path) -> io::Result<std::fs::File> {
    let f = std::fs::OpenOptions::new().create(true).truncate(false).write(true).open(dir.join("lock"))?;
    f.try_lock().map_err(|e| match e {
        std::fs::TryLockError::WouldBlock => io::Error::new(io::ErrorKind::WouldBlock, "in use by another running node"),
        std::fs::TryLockError::Error(e) => e,
    })?;
    Ok(f)
}

fn segments(dir: &Path) -> io::Result<Vec<(u64, PathBuf)>> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir)? {
        let e = e?;
        if let Some(seq) = e.file_name().to_str().and_then(segment_seq) {
            out.push((seq, e.path()));
        }
    }
    out.sort();
    Ok(out)
}

/// Reads the segments in order, truncating torn tails; returns the live
/// records and the bytes truncated.
fn replay(segs: &[(u64, PathBuf)], limits: super::Limits) -> io::Result<(Live, u64)> {
    let mut live = Live::new(limits);
    let mut truncated = 0;
    for (_, path) in segs {
        let file = Bytes::from(std::fs::read(path)?);
        let (records, valid) = record::read_all(&file);
        if valid < file.len() {
            tracing::warn!(segment = %path.display(), bytes = file.len() - valid, "truncating a torn or corrupt log tail");
            truncated += (file.len() - valid) as u64;
            let f = std::fs::OpenOptions::new().write(true).open(path)?;
            f.set_len(valid as u64)?;
            f.sync_all()?;
        }
        for r in records {
            live.apply(r);
        }
    }
    Ok((live, truncated))
}

/// Opens (or creates) `dir` for `workers` event loops.
pub(crate) fn open(dir: &Path, workers: usize, limits: super::Limits) -> io::Result<Opened> {
    let existed = dir.exists();
    std::fs::create_dir_all(dir)?;
    if !existed && let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        // The new directory's entry must survive a power loss, or the
        // replica would later find no directory and start as a new one.
        sync_dir(parent)?;
    }
    let lock = Arc::new(lock(dir)?);
    let meta = Meta::read(dir)?;
    let incarnation = meta.map_or_else(Incarnation::from_clock, |m| m.incarnation.next());
    let amnesic_since = match meta {
        Some(m) => m.amnesic_since,
        // A directory that exists without an incarnation file lost its
        // state (or was never this replica's): it cannot tell which
        // instances it took part in.
        None if existed => Some(incarnation),
        None => None,
    };
    if meta.is_none() && existed {
        tracing::warn!(dir = %dir.display(), "data directory without state: this replica only learns the instances it has no state for");
    }
    Meta { incarnation, amnesic_since }.write(dir)?;
    let old = segments(dir)?;
    let (live, truncated_bytes) = replay(&old, limits)?;
    let mut shares: Vec<Live> = (0..workers).map(|_| Live::new(limits)).collect();
    let mut recovery = Recovery { incarnation, restarted: meta.is_some(), amnesic_since, resumable: Vec::new(),
        unresumable: Vec::new(),
        decisions: 0,
        truncated_bytes,
        forgotten_upto: live.forgotten(),
    };
    let share = |id: u64| (id % workers as u64) as usize;
    for (id, value) in live.decided.iter() {
        recovery.decisions += 1;
        shares[share(id)].apply(Record::Decided { id, value: value.clone() });
    }
    for (id, ()) in live.closed.iter() {
        shares[share(id)].apply(Record::Closed { id });
    }
    if let Some(id) = recovery.forgotten_upto {
        // Each loop's journal keeps the mark through its compactions.
        shares.iter_mut().for_each(|s| s.apply(Record::Forgotten { id }));
    }
    for (id, r) in live.states {
        match r {
            Record::State { .. } => recovery.resumable.push(id),
            _ => recovery.unresumable.push(id),
        }
        shares[share(id)].apply(r);
    }
    recovery.resumable.sort_unstable();
    recovery.unresumable.sort_unstable();
    let seq = Arc::new(AtomicU64::new(old.last().map_or(0, |(s, _)| s + 1)));
    let journals = shares.into_iter().map(|l| Journal::create(dir, seq.clone(), l)).collect::<io::Result<Vec<_>>>()?;
    for (_, path) in &old {
        std::fs::remove_file(path)?;
    }
    sync_dir(dir)?;
    Ok(Opened { recovery, journals, lock })
}
