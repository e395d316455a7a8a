//! Leadership by views: the leader of view `v` is replica `v mod n`. Every
//! replica sends its status (view, applied slot, tail) every tick; a
//! follower whose leader fell silent for `election_timeout` moves to the
//! next view if it hears a majority (an isolated replica does not, so it
//! does not drag the others to a new view when it comes back); a replica
//! that hears of a higher view adopts it. A leader proposes once a majority
//! reported its view, above every slot they know of.

use super::service::Service;
use super::wire::{STATUS, Status};
use crate::dsl::ProcessId;
use std::sync::atomic::Ordering;
use tokio::time::Instant;

/// A peer's last status and when it came.
#[derive(Clone, Copy, Debug)]
struct Heard {
    status: Status,
    at: Instant,
}

pub(super) struct Election {
    pub view: u64,
    /// When this replica entered `view`.
    entered: Instant,
    /// When the leader of `view` was last heard.
    leader_heard: Instant,
    /// The leader of `view` (this replica) heard a majority in it.
    established: bool,
    peers: Vec<Option<Heard>>,
}

impl Election {
    pub fn new(n: usize, now: Instant) -> Election {
        Election { view: 0, entered: now, leader_heard: now, established: false, peers: vec![None; n] }
    }

    /// The leader of the current view.
    pub fn leader(&self, n: usize) -> ProcessId {
        ProcessId::new((self.view % n.max(1) as u64) as usize)
    }
}

impl Service {
    /// Whether this replica is the leader of its view (established or not).
    pub(super) fn leads_view(&self) -> bool {
        self.election.leader(self.n) == self.me
    }

    /// Whether this replica leads and may propose.
    pub(super) fn leading(&self) -> bool {
        self.leads_view() && self.election.established
    }

    fn majority(&self) -> usize {
        self.n / 2 + 1
    }

    /// Peers heard within `election_timeout`.
    fn live(&self, now: Instant) -> impl Iterator<Item = (usize, &Status)> {
        self.heard_within(now, self.opts.election_timeout)
    }

    fn heard_within(&self, now: Instant, t: std::time::Duration) -> impl Iterator<Item = (usize, &Status)> {
        self.election.peers.iter().enumerate().filter_map(move |(i, h)| h.as_ref().filter(|h| now.duration_since(h.at) < t).map(|h| (i, &h.status)))
    }

    /// The slowest applied slot among this replica and the live peers.
    pub(super) fn slowest_applied(&self) -> u64 {
        self.live(Instant::now()).map(|(_, s)| s.applied).fold(self.upto(), u64::min)
    }

    /// The live peer that applied the most, and how much.
    pub(super) fn best_peer(&self) -> Option<(ProcessId, u64)> {
        self.live(Instant::now()).max_by_key(|(i, s)| (s.applied, std::cmp::Reverse(*i))).map(|(i, s)| (ProcessId::new(i), s.applied))
    }

    pub(super) fn on_status(&mut self, from: ProcessId, b: &[u8]) {
        let Some(st) = Status::decode(b) else { return };
        let now = Instant::now();
        if let Some(h) = self.election.peers.get_mut(from.index()) {
            *h = Some(Heard { status: st, at: now });
        } else {
            return;
        }
        self.tail = self.tail.max(st.tail);
        if st.view > self.election.view {
            self.enter_view(st.view);
        }
        if st.view == self.election.view && from == self.election.leader(self.n) {
            self.election.leader_heard = now;
        }
    }

    fn enter_view(&mut self, view: u64) {
        let now = Instant::now();
        self.election.view = view;
        self.election.entered = now;
        self.election.leader_heard = now;
        self.election.established = false;
        if !self.leads_view() {
            self.step_down();
        }
        self.broadcast_status();
    }

    fn broadcast_status(&mut self) {
        let st = Status { view: self.election.view, applied: self.upto(), tail: self.tail };
        let _ = self.node.broadcast_user(STATUS, 0, &st.encode());
    }

    pub(super) fn election_tick(&mut self) {
        let now = Instant::now();
        // The leader's silence counts only while a majority is heard (within
        // half the timeout: a replica cut off just after its leader's last
        // status, the others' last ones still arriving, does not count
        // them), so a replica that comes back waits a whole timeout for it.
        let connected = self.heard_within(now, self.opts.election_timeout / 2).count() + 1 >= self.majority();
        if !connected {
            self.election.leader_heard = now;
        } else if !self.leads_view() && now.duration_since(self.election.leader_heard) >= self.opts.election_timeout {
            self.stats().elections += 1;
            self.enter_view(self.election.view + 1);
        }
        if self.fence.is_none() && self.live(now).count() + 1 >= self.majority() {
            // Every live status came after this replica started.
            let fence = self.tail;
            self.fence = Some(fence);
            self.sh.vote_above.store(fence, Ordering::Relaxed);
            self.stats().fence = Some(fence);
        }
        if self.leads_view() && !self.election.established && self.fence.is_some() {
            let (view, entered) = (self.election.view, self.election.entered);
            let in_view = self
                .election
                .peers
                .iter()
                .flatten()
                .filter(|h| h.status.view == view && h.at >= entered && now.duration_since(h.at) < self.opts.election_timeout)
                .count();
            if in_view + 1 >= self.majority() {
                self.establish();
            }
        }
        self.broadcast_status();
        let (view, leading) = (self.election.view, self.leading());
        let mut s = self.stats();
        s.view = view;
        s.leading = leading;
        if !leading {
            s.lead_from = 0;
        }
    }

    /// Takes the lead: proposals continue above every slot a majority knows
    /// of, and the slots below that (and above the fence) this replica has
    /// no decision for are started (empty) so that an old leader's
    /// unfinished slots end.
    fn establish(&mut self) {
        self.election.established = true;
        let upto = self.upto();
        self.next_slot = self.next_slot.max(self.tail + 1).max(upto + 1).max(self.fence.map_or(0, |f| f.saturating_add(1)));
        self.stats().lead_from = self.next_slot;
        self.requeue_waiters();
        let end = self.next_slot.min(upto.saturating_add(self.opts.window) + 1);
        let fence = self.fence.unwrap_or(u64::MAX);
        for slot in upto.max(fence) + 1..end {
            if !self.running.contains(&slot) && !self.is_decided(slot) {
                self.start_slot(slot, bytes::Bytes::new());
            }
        }
    }
}
