//! State transfer: a replica too far behind for the decision logs asks a
//! peer for its applied state (the map, the dedup table and the slot), sent
//! in chunks under a packet; missing chunks are asked for again. The server
//! keeps its latest snapshot's chunks so that those requests name a stable
//! snapshot.

use super::service::Service;
use super::state::Applied;
use super::wire::{SNAPSHOT_CHUNK, SNAPSHOT_REQUEST, SnapshotChunk, SnapshotRequest};
use super::ApplyEvent;
use crate::dsl::ProcessId;
use bytes::{Bytes, BytesMut};
use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use tokio::time::Instant;

/// Bytes of snapshot in one chunk.
const CHUNK_BYTES: usize = 32 * 1024;

/// A snapshot being received.
struct Fetch {
    peer: ProcessId,
    /// Its slot (0 until the first chunk says).
    slot: u64,
    count: u32,
    chunks: BTreeMap<u32, Bytes>,
    asked: Instant,
    heard: Instant,
}

#[derive(Default)]
pub(super) struct Snapshots {
    /// This replica's latest snapshot served: its slot and chunks.
    cache: Option<(u64, Vec<Bytes>)>,
    fetch: Option<Fetch>,
}

impl Service {
    /// Asks `peer` for its snapshot, unless a transfer is under way.
    pub(super) fn fetch_snapshot(&mut self, peer: ProcessId) {
        if self.snapshots.fetch.is_some() {
            return;
        }
        let now = Instant::now();
        self.snapshots.fetch = Some(Fetch { peer, slot: 0, count: 0, chunks: BTreeMap::new(), asked: now, heard: now });
        let req = SnapshotRequest { slot: 0, chunks: Vec::new() };
        let _ = self.node.send_user(peer, SNAPSHOT_REQUEST, 0, &req.encode());
    }

    pub(super) fn serve_snapshot(&mut self, from: ProcessId, b: &[u8]) {
        let Some(req) = SnapshotRequest::decode(b) else { return };
        let upto = self.upto();
        let current = self.snapshots.cache.as_ref().map(|c| c.0);
        if current != Some(upto) && (req.slot == 0 || current != Some(req.slot)) {
            let bytes = {
                let a = self.sh.applied.lock().unwrap_or_else(|e| e.into_inner());
                a.encode()
            };
            let Ok(bytes) = bytes else { return };
            let chunks: Vec<Bytes> = bytes.chunks(CHUNK_BYTES).map(Bytes::copy_from_slice).collect();
            self.snapshots.cache = Some((upto, chunks));
        }
        let Some((slot, chunks)) = &self.snapshots.cache else { return };
        let count = chunks.len() as u32;
        let wanted: Vec<u32> =
            if req.slot == *slot && !req.chunks.is_empty() { req.chunks.into_iter().filter(|&i| i < count).collect() } else { (0..count).collect() };
        for i in &wanted {
            let c = SnapshotChunk { slot: *slot, index: *i, count, data: chunks[*i as usize].clone() };
            let _ = self.node.send_user(from, SNAPSHOT_CHUNK, 0, &c.encode());
        }
        self.stats().chunks_served += wanted.len() as u64;
    }

    pub(super) fn on_chunk(&mut self, from: ProcessId, b: &Bytes) {
        let Some(c) = SnapshotChunk::decode(b) else { return };
        let upto = self.upto();
        let Some(f) = self.snapshots.fetch.as_mut() else { return };
        if from != f.peer || c.slot <= upto || c.slot < f.slot {
            return;
        }
        if c.slot > f.slot || c.count != f.count {
            (f.slot, f.count) = (c.slot, c.count);
            f.chunks.clear();
        }
        f.chunks.insert(c.index, c.data);
        f.heard = Instant::now();
        if f.chunks.len() < f.count as usize {
            return;
        }
        let Some(f) = self.snapshots.fetch.take() else { return };
        let mut whole = BytesMut::new();
        for d in f.chunks.values() {
            whole.extend_from_slice(d);
        }
        match Applied::decode(&whole) {
            Ok(state) if state.slots == f.slot => self.install(state),
            Ok(_) => tracing::warn!("snapshot from {from}: its state is not at the slot it named"),
            Err(e) => tracing::warn!("snapshot from {from}: {e}"),
        }
    }

    /// Asks again for missing chunks; gives up on a silent peer (the next
    /// catch-up asks the most advanced one again).
    pub(super) fn snapshot_tick(&mut self) {
        let (upto, now) = (self.upto(), Instant::now());
        let Some(f) = self.snapshots.fetch.as_mut() else { return };
        if (f.slot != 0 && f.slot <= upto) || now.duration_since(f.heard) >= self.opts.election_timeout {
            self.snapshots.fetch = None;
            return;
        }
        if now.duration_since(f.asked) < 2 * self.opts.tick {
            return;
        }
        f.asked = now;
        let chunks = if f.slot == 0 { Vec::new() } else { (0..f.count).filter(|i| !f.chunks.contains_key(i)).collect() };
        let req = SnapshotRequest { slot: f.slot, chunks };
        let peer = f.peer;
        let _ = self.node.send_user(peer, SNAPSHOT_REQUEST, 0, &req.encode());
    }

    /// Replaces the state by a snapshot ahead of it: stops the instances of
    /// the slots it covers and answers the requests it applied.
    fn install(&mut self, state: Applied) {
        let slot = state.slots;
        if slot <= self.upto() {
            return;
        }
        // On disk before it counts: the replies and statuses that follow
        // depend on it.
        if let Some(store) = &mut self.store {
            if let Err(e) = store.snapshot(&state, self.decided.range(slot + 1..)) {
                tracing::error!("log service: a snapshot from a peer cannot be written ({e}); it is not installed");
                return;
            }
            self.stats().snapshots_written += 1;
        }
        *self.sh.applied.lock().unwrap_or_else(|e| e.into_inner()) = state;
        self.sh.upto.store(slot, Ordering::Relaxed);
        self.progress_at = Instant::now();
        self.tail = self.tail.max(slot);
        self.next_slot = self.next_slot.max(slot + 1);
        let covered: Vec<u64> = self.running.range(..=slot).copied().collect();
        for s in &covered {
            self.running.remove(s);
            self.node.stop_instance(*s);
        }
        self.answer_waiters();
        {
            let mut st = self.stats();
            st.snapshots_installed += 1;
            st.instances_stopped += covered.len() as u64;
        }
        if let Some(h) = &self.opts.on_apply {
            (h.0)(&ApplyEvent::Snapshot { slot });
        }
    }
}
