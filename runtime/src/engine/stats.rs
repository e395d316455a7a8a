//! Counters of what a node did and what it dropped.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

macro_rules! stats {
    ($($f:ident: $doc:literal),* $(,)?) => {
        /// Live counters, shared by a node's event loops and transports.
        #[derive(Debug, Default)]
        pub struct Stats { $(#[doc = $doc] pub $f: AtomicU64,)* }
        /// A copy of the counters at one moment.
        #[derive(Clone, Debug, Default, PartialEq, Eq)]
        pub struct StatsSnapshot { $(#[doc = $doc] pub $f: u64,)* }
        impl Stats {
            /// Reads every counter.
            pub fn snapshot(&self) -> StatsSnapshot {
                StatsSnapshot { $($f: self.$f.load(Relaxed),)* }
            }
        }
    };
}

stats! {
    packets_sent: "Packets handed to the transport.",
    msgs_sent: "Messages sent (a batched packet holds several).",
    packets_received: "Packets received.",
    msgs_received: "Messages decoded.",
    malformed: "Packets or messages that failed to decode (header or payload).",
    unknown_sender: "Messages whose sender id is not a replica (or is this node).",
    wrong_epoch: "Messages of another configuration epoch.",
    foreign_cluster: "Packets sealed with another cluster's key, or not sealed, where a key is set; dropped.",
    forged: "Packets whose authentication tag is wrong, or whose messages name another sender than the sealed one; dropped.",
    replayed: "Authentic packets already received or older than the sender's replay window; dropped.",
    wrong_source: "UDP packets whose source address is not the configured address of the sender they claim; dropped.",
    late: "Messages of past rounds, dropped.",
    duplicates: "Second messages of a sender in one round, dropped.",
    buffered: "Future-round messages buffered.",
    buffer_full: "Future-round messages dropped because the buffer was full (max_buffered or max_buffered_bytes).",
    inbound_full: "Received messages dropped because their event loop's queue was full (inbound_queue_bytes).",
    send_queue_full: "Packets dropped because a TCP peer's send queue was full (send_queue_bytes): a slow or unreachable peer.",
    connections_refused: "Incoming TCP connections closed on accept because max_connections were open.",
    instance_limit: "Instances not started because max_instances were running (local starts rejected, lazy starts dropped).",
    lazy_limit: "Lazily started instances stopped to make room for a newer one of the same sender (max_lazy_per_sender), or lazy starts refused (a limit of 0).",
    too_far: "Messages more than max_round_ahead rounds ahead, dropped.",
    catch_ups: "Catch-ups (jumps to a higher round).",
    timeouts: "Rounds ended by their deadline.",
    rounds: "Rounds completed.",
    decisions: "Instances that decided locally.",
    learned: "Instances that learned a decision from another replica's log.",
    log_answers: "Decision-log answers sent.",
    unknown_dropped: "Messages of unknown instances dropped by the default handler.",
    lazy_starts: "Instances started by the default handler.",
    stale: "Messages of stopped or ended instances, dropped (tombstones).",
    send_errors: "Packets the transport could not send (a socket error, or over TCP a packet larger than max_frame).",
    forgotten: "Instances this replica only learns (it votes in none): it may have taken part in them before a restart and has no state for them.",
    wal_syncs: "Write-ahead log commits (one fsync per event-loop turn that journaled something).",
}

impl Stats {
    pub(crate) fn add(c: &AtomicU64, k: u64) {
        c.fetch_add(k, Relaxed);
    }
    pub(crate) fn inc(c: &AtomicU64) {
        c.fetch_add(1, Relaxed);
    }
}
