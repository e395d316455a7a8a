//! Durability: a write-ahead log per replica, recovery at restart, and the
//! incarnation that keeps a replica that lost its state out of the
//! instances it may have forgotten.
//!
//! With the option `data_dir`, each event loop appends, during a turn, the
//! state of every instance that began a round (the process state and the
//! round number, before any message of that round is sent), the decisions
//! it took or learned and the instances it stopped; at the end of the turn
//! it writes them and fsyncs once (group commit; the loop waits for the
//! fsync, and what arrives meanwhile joins the next turn) and only then
//! sends the turn's packets and reports the turn's outcomes. So every
//! message a peer received, and every decision an application saw,
//! follows from a state on disk. Without `data_dir` nothing is written
//! and a restarted replica starts empty.
//!
//! At restart ([`Recovery`]) the replica bumps its [`Incarnation`], reads
//! its log (a torn or corrupt tail, detected by the records' CRC-32, is
//! truncated), fills its decision log and tombstones, and keeps the saved
//! state of each unfinished instance: starting that instance again (by the
//! application with `Node::start_durable`, or lazily by the default
//! handler with `Starter::durable`) resumes it at its saved round, sending
//! that round's messages again (peers drop the duplicates). An instance
//! whose process state is not serializable (started with `Starter::new`)
//! is journaled without its state and, after a restart, only learned. A
//! replica whose data directory exists without its incarnation file has
//! lost its state: it votes in no instance it has no state for, for the
//! life of that directory. Such an instance (counted in `forgotten`) runs
//! as a learner: it sends no round message, only asks the others for the
//! decision (a `Dummy` message, answered from their decision logs) once
//! per timeout (at least 100 ms), and ends when it learns it or is
//! stopped.
//!
//! What this assumes: a round's `init` and `send` are functions of the
//! process state (true of closed rounds), so a resumed round sends what
//! the crashed one may have sent; fsync (`fdatasync`) reaches the disk.

mod incarnation;
mod journal;
mod open;
pub(crate) mod record;

pub use incarnation::Incarnation;
pub use open::Recovery;

use bytes::Bytes;
use journal::Journal;
use record::Record;
use std::collections::HashMap;
use std::io;
use std::path::Path;

/// The saved state of an instance at the start of a round.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Snapshot {
    pub round: u64,
    /// `None` when the process state cannot be serialized.
    pub state: Option<Bytes>,
}

/// What an event loop may do with an instance it is asked to start.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Admission {
    /// Start it from its initial state.
    Fresh,
    /// Resume it from a recovered state.
    Resume(Snapshot),
    /// Only learn its decision: this replica may have voted in it and has
    /// no state, so it must not vote again (the reason, for the logs).
    Learn(String),
}

/// One event loop's durability: its journal and what it recovered.
pub(crate) struct LoopLog {
    journal: Journal,
    recovered: HashMap<u64, Snapshot>,
    amnesic_since: Option<Incarnation>,
    _lock: std::sync::Arc<std::fs::File>,
}

/// Opens `dir` for `workers` event loops.
/// How much of the finished instances a journal keeps live: as much as the
/// event loop's decision log and tombstones (`Options`).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Limits {
    pub decision_log: usize,
    pub decision_log_bytes: usize,
    pub tombstones: usize,
}

pub(crate) fn open(dir: &Path, workers: usize, limits: Limits) -> io::Result<(Recovery, Vec<LoopLog>)> {
    let o = open::open(dir, workers, limits)?;
    let amnesic_since = o.recovery.amnesic_since;
    let lock = o.lock;
    let loops = o
        .journals
        .into_iter()
        .map(|journal| {
            let recovered = journal
                .live()
                .states
                .values()
                .filter_map(|r| match r {
                    Record::State { id, round, state } => Some((*id, Snapshot { round: *round, state: Some(state.clone()) })),
                    Record::Joined { id, round } => Some((*id, Snapshot { round: *round, state: None })),
                    _ => None,
                })
                .collect();
            LoopLog { journal, recovered, amnesic_since, _lock: lock.clone() }
        })
        .collect();
    Ok((o.recovery, loops))
}

impl LoopLog {
    /// The recovered decisions, oldest first.
    pub(crate) fn decisions(&self) -> impl Iterator<Item = (u64, &Bytes)> {
        self.journal.live().decided.iter()
    }

    /// The recovered closed instances, oldest first.
    pub(crate) fn closed(&self) -> impl Iterator<Item = u64> + '_ {
        self.journal.live().closed.iter().map(|(id, ())| id)
    }

    /// Whether instance `id` may start here, and from what.
    pub(crate) fn admit(&self, id: u64) -> Admission {
        match self.recovered.get(&id) {
            Some(s @ Snapshot { state: Some(_), .. }) => Admission::Resume(s.clone()),
            Some(Snapshot { round, state: None }) => Admission::Learn(format!(
                "instance {id} ran here before the restart (round {round}) with a state that cannot be saved: \
                 this replica does not take part in it again (start it with Starter::durable to resume such instances)"
            )),
            None => match self.amnesic_since {
                Some(inc) => Admission::Learn(format!(
                    "this replica lost its state (incarnation {inc}) and has none for instance {id}: \
                     it does not take part in instances it may have forgotten"
                )),
                None => Admission::Fresh,
            },
        }
    }

    /// Instance `id` resumed from its recovered state.
    pub(crate) fn resumed(&mut self, id: u64) {
        self.recovered.remove(&id);
    }

    /// Journals the state of `id` at the start of a round.
    pub(crate) fn state(&mut self, id: u64, s: Snapshot) {
        self.journal.append(match s.state {
            Some(state) => Record::State { id, round: s.round, state },
            None => Record::Joined { id, round: s.round },
        });
    }

    /// Journals the end of `id`: its decision, or that it was closed.
    pub(crate) fn finished(&mut self, id: u64, decision: Option<&Bytes>) {
        self.journal.append(match decision {
            Some(v) => Record::Decided { id, value: v.clone() },
            None => Record::Closed { id },
        });
    }

    /// Makes the turn's records durable (see [`Journal::commit`]); true
    /// when something was written.
    pub(crate) fn commit(&mut self) -> io::Result<bool> {
        self.journal.commit()
    }
}
