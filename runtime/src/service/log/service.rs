//! The service task of one log replica: client submissions, forwarding,
//! the leader's proposals, applying decided slots in order and catching up.
//! Leadership is in `election.rs`, snapshot transfer in `snapshot.rs`.

use super::election::Election;
use super::snapshot::Snapshots;
use super::store::{Start, Store};
use super::wire::{ANNOUNCE, FORWARD, SNAPSHOT_CHUNK, SNAPSHOT_REQUEST, STATUS};
use super::{ApplyEvent, Applied, ClientReply, ClientRequest, ENTRY_LEN, Effect, Event, LogOptions, LogStats, Reply, Request, SlotReply};
use crate::dsl::{Consensus, ProcessId};
use crate::engine::Node;
use crate::service::batch_lv::{Batch, BatchLv};
use bytes::{Bytes, BytesMut};
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};
use tokio::time::Instant;

/// Most bytes of requests in one batch (a slot's value travels in one
/// packet, `max_packet` = 60 000 by default).
const MAX_BATCH_BYTES: usize = 48_000;
/// Requests per forwarded message (stays under a packet).
const FORWARD_CHUNK: usize = 1500;

/// What the service shares with its handle and its default handler.
pub(super) struct Shared {
    /// Slots applied.
    pub upto: Arc<AtomicU64>,
    /// Requests waiting for a slot at this replica, or forwarded to it and
    /// not yet taken in.
    pub backlog: Arc<AtomicUsize>,
    /// Bytes of status and snapshot messages not yet taken in.
    pub peer_bytes: Arc<AtomicUsize>,
    /// The fence once known (`u64::MAX` before): the default handler joins
    /// only slots above it.
    pub vote_above: Arc<AtomicU64>,
    pub applied: Arc<Mutex<Applied>>,
    pub stats: Arc<Mutex<LogStats>>,
}

/// Who waits for a request.
enum Notify {
    Client(ClientReply),
    Group(u64),
    /// The registration of this replica's own session.
    OwnSession,
}

/// A request submitted here and not applied yet.
struct Waiter {
    req: ClientRequest,
    /// When it was last forwarded or queued.
    sent: Instant,
    notify: Vec<Notify>,
}

/// This replica's own requests submitted together.
struct Group {
    remaining: usize,
    last_slot: u64,
    tx: SlotReply,
}

pub(super) struct Service {
    pub(super) node: Node,
    pub(super) me: ProcessId,
    pub(super) n: usize,
    pub(super) opts: LogOptions,
    tx: UnboundedSender<Event>,
    pub(super) sh: Shared,
    /// This replica's own client session (`submit`, `submit_many`), once
    /// registered; its submissions wait in `unregistered` until then.
    session: Option<u64>,
    unregistered: Vec<(Vec<Request>, SlotReply)>,
    next_seq: u64,
    /// Registrations started here (their nonces tell them apart).
    registrations: u64,
    /// Submitted here, not applied yet, by `(client, seq)` (ordered: a
    /// seeded simulation replays the same re-forwards).
    waiters: BTreeMap<(u64, u64), Waiter>,
    groups: HashMap<u64, Group>,
    next_group: u64,
    /// Requests to forward to the leader at the end of this turn.
    forward: Vec<ClientRequest>,
    /// Leader: requests waiting for a slot.
    pending: VecDeque<ClientRequest>,
    /// Leader: what it proposed in each running slot.
    proposed: HashMap<u64, Batch>,
    pub(super) next_slot: u64,
    /// Decided slots above the applied one.
    pub(super) decided: BTreeMap<u64, Batch>,
    /// Slots with an instance running here.
    pub(super) running: BTreeSet<u64>,
    /// The highest slot this replica started, joined, saw decided or heard
    /// of in a status.
    pub(super) tail: u64,
    /// When the applied slot last moved.
    pub(super) progress_at: Instant,
    /// It votes only in slots above it, and learns those up to it by
    /// snapshot: on a restart with the node's data directory, the slot it
    /// recovered; otherwise the highest slot a majority reported (in
    /// statuses received since it started), `None` until a majority is
    /// heard.
    pub(super) fence: Option<u64>,
    pub(super) election: Election,
    pub(super) snapshots: Snapshots,
    /// The state on disk (with a data directory).
    pub(super) store: Option<Store>,
    /// Replies of this turn's applied requests: sent once the turn's
    /// journal is on disk.
    replies: Vec<(Notify, Result<Reply, String>)>,
}

/// The nonce of registration `k` of replica `me`: distinct from every
/// other replica's (`me` in bits 48–62, `k` below). A registration of an
/// earlier incarnation with the same nonce, applied after a restart,
/// answers the new one: its own requester is gone, so the session still
/// has one client.
fn nonce(me: ProcessId, k: u64) -> u64 {
    (1 << 63) | (((me.index() as u64) & 0x7fff) << 48) | (k & ((1 << 48) - 1))
}

impl Service {
    pub(super) fn new(
        node: Node,
        me: ProcessId,
        opts: LogOptions,
        tx: UnboundedSender<Event>,
        sh: Shared,
        start: Start,
    ) -> Service {
        let Start { store, recovered, fence } = start;
        let n = node.n();
        let now = Instant::now();
        let mut svc = Service {
            session: None,
            unregistered: Vec::new(),
            registrations: 0,
            node,
            me,
            n,
            opts,
            tx,
            sh,
            next_seq: 1,
            waiters: BTreeMap::new(),
            groups: HashMap::new(),
            next_group: 0,
            forward: Vec::new(),
            pending: VecDeque::new(),
            proposed: HashMap::new(),
            next_slot: 1,
            decided: BTreeMap::new(),
            running: BTreeSet::new(),
            tail: 0,
            progress_at: now,
            fence: None,
            election: Election::new(n, now),
            snapshots: Snapshots::default(),
            store,
            replies: Vec::new(),
        };
        if let Some(r) = recovered {
            if r.truncated_bytes > 0 {
                tracing::warn!(bytes = r.truncated_bytes, "log service: a torn journal tail was truncated");
            }
            let upto = r.applied.slots;
            svc.decided = r.decided;
            svc.tail = svc.decided.keys().next_back().copied().unwrap_or(0).max(upto);
            svc.next_slot = upto + 1;
        }
        svc.fence = fence;
        svc
    }

    /// Starts again the slots above the applied one whose state the node
    /// recovered: they resume where they were.
    fn resume(&mut self) {
        let upto = self.upto();
        let slots: Vec<u64> = match self.node.recovery() {
            // Known at start only on a restart on the node's directory.
            Some(r) if let Some(fence) = self.fence => r
                .resumable
                .iter()
                .copied()
                .filter(|&s| s > upto.max(fence) && s <= super::wire::MAX_SLOT && !self.decided.contains_key(&s))
                .collect(),
            _ => Vec::new(),
        };
        for slot in slots {
            self.start_slot(slot, Bytes::new());
        }
    }

    /// Makes the turn's journal durable (or writes a snapshot), then sends
    /// the replies that depend on it; false when the disk failed (the
    /// replica then stops: it cannot answer without its state on disk).
    fn commit(&mut self) -> bool {
        if let Some(store) = &mut self.store {
            let res = if store.wants_snapshot() {
                let a = self.sh.applied.lock().unwrap_or_else(|e| e.into_inner());
                store.snapshot(&a, self.decided.iter()).map(|()| 2)
            } else {
                store.commit().map(u8::from)
            };
            match res {
                Ok(0) => {}
                Ok(1) => self.stats().journal_syncs += 1,
                Ok(_) => self.stats().snapshots_written += 1,
                Err(e) => {
                    tracing::error!("log service: its state cannot be written ({e}); this replica stops");
                    self.replies.clear();
                    self.node.shutdown();
                    return false;
                }
            }
        }
        for (who, res) in std::mem::take(&mut self.replies) {
            self.notify(who, res);
        }
        true
    }

    pub(super) async fn run(mut self, mut rx: UnboundedReceiver<Event>) {
        let mut tick = tokio::time::interval(self.opts.tick);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        self.resume();
        loop {
            // Biased, so no random branch choice: a seeded simulation replays
            // the same run. The tick comes first; it cannot starve events.
            tokio::select! {
                biased;
                _ = tick.tick() => self.on_tick(),
                e = rx.recv() => match e {
                    Some(Event::Shutdown) | None => return,
                    Some(e) => {
                        self.on_event(e);
                        while let Ok(e) = rx.try_recv() {
                            if matches!(e, Event::Shutdown) {
                                return;
                            }
                            self.on_event(e);
                        }
                    }
                },
            }
            self.apply();
            if !self.commit() {
                return;
            }
            self.propose();
            self.flush_forward();
        }
    }

    pub(super) fn is_decided(&self, slot: u64) -> bool {
        self.decided.contains_key(&slot)
    }

    pub(super) fn upto(&self) -> u64 {
        self.sh.upto.load(Ordering::Relaxed)
    }

    pub(super) fn stats(&self) -> std::sync::MutexGuard<'_, LogStats> {
        self.sh.stats.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn on_event(&mut self, e: Event) {
        match e {
            Event::Submit(rs, tx) => self.submit_own(rs, tx),
            Event::SubmitClient(r, tx) => {
                if let Err(why) = self.room_for(1) {
                    let _ = tx.send(Err(why));
                    return;
                }
                self.enqueue(r, Notify::Client(tx));
            }
            Event::Register(tx) => {
                if let Err(why) = self.room_for(1) {
                    let _ = tx.send(Err(why));
                    return;
                }
                self.register(Notify::Client(tx));
            }
            Event::Forwarded(from, b) => {
                let k = b.len() / ENTRY_LEN;
                if self.leads_view() {
                    self.pending.extend(ClientRequest::all(&b));
                } else {
                    self.sh.backlog.fetch_sub(k, Ordering::Relaxed);
                    // Not the leader (any more): pass them on, unless back
                    // to where they came from (their follower sends again).
                    if self.election.leader(self.n) != from {
                        self.forward.extend(ClientRequest::all(&b));
                    }
                }
            }
            Event::Peer(from, flag, b) => {
                self.sh.peer_bytes.fetch_sub(b.len(), Ordering::Relaxed);
                match flag {
                    STATUS => self.on_status(from, &b),
                    SNAPSHOT_REQUEST => self.serve_snapshot(from, &b),
                    SNAPSHOT_CHUNK => self.on_chunk(from, &b),
                    _ => {}
                }
            }
            Event::Joined(slot) => {
                self.running.insert(slot);
                self.tail = self.tail.max(slot);
            }
            Event::Shutdown => {}
            Event::Done(slot, v) => {
                self.running.remove(&slot);
                let mine = self.proposed.remove(&slot);
                match (&v, mine) {
                    // The leader's batch lost its slot (a later phase's
                    // coordinator chose another value): propose it again.
                    (Some(d), Some(p)) if *d != p => self.requeue(&p),
                    (None, Some(p)) => self.requeue(&p),
                    _ => {}
                }
                if let Some(d) = v
                    && slot > self.upto()
                {
                    if let Some(store) = &mut self.store
                        && !self.decided.contains_key(&slot)
                    {
                        store.decided(slot, &d);
                    }
                    self.tail = self.tail.max(slot);
                    self.decided.insert(slot, d);
                }
            }
        }
    }

    fn room_for(&self, k: usize) -> Result<(), String> {
        let queued: usize = self.unregistered.iter().map(|(rs, _)| rs.len()).sum();
        let waiting = self.waiters.len().max(self.sh.backlog.load(Ordering::Relaxed)) + queued;
        if waiting + k > self.opts.max_pending {
            return Err(format!("{waiting} requests are waiting (max_pending = {}): retry later", self.opts.max_pending));
        }
        Ok(())
    }

    /// This replica's own requests: the next sequence numbers of its session,
    /// acknowledging up to its oldest request still waiting.
    fn submit_own(&mut self, rs: Vec<Request>, tx: SlotReply) {
        if let Err(why) = self.room_for(rs.len()) {
            let _ = tx.send(Err(why));
            return;
        }
        let Some(s) = self.session else {
            if self.unregistered.is_empty() {
                self.register(Notify::OwnSession);
            }
            self.unregistered.push((rs, tx));
            return;
        };
        let acked = self.waiters.range((s, 0)..=(s, u64::MAX)).next().map_or(self.next_seq, |((_, q), _)| *q);
        let g = self.next_group;
        self.next_group += 1;
        self.groups.insert(g, Group { remaining: rs.len(), last_slot: 0, tx });
        for op in rs {
            let r = ClientRequest { client: s, seq: self.next_seq, acked, op };
            self.next_seq += 1;
            // A new sequence number of this session: not applied yet.
            self.wait_for(r, Notify::Group(g));
        }
    }

    /// Registers a new session for `who`.
    fn register(&mut self, who: Notify) {
        self.registrations += 1;
        let r = ClientRequest::registration(nonce(self.me, self.registrations));
        self.wait_for(r, who);
    }

    /// Answers `r` at once if it was applied (or is stale), else waits for
    /// it (with the copies submitted before) and sends it on its way.
    fn enqueue(&mut self, r: ClientRequest, who: Notify) {
        let known = self.sh.applied.lock().unwrap_or_else(|e| e.into_inner()).lookup(r.client, r.seq);
        if let Some(e) = known {
            self.notify(who, e.reply(&r));
            return;
        }
        self.wait_for(r, who);
    }

    fn wait_for(&mut self, r: ClientRequest, who: Notify) {
        if let Some(w) = self.waiters.get_mut(&(r.client, r.seq)) {
            w.notify.push(who);
            return;
        }
        self.waiters.insert((r.client, r.seq), Waiter { req: r, sent: Instant::now(), notify: vec![who] });
        self.route(r);
    }

    /// To the leader's queue if this replica leads its view, else to the
    /// leader.
    fn route(&mut self, r: ClientRequest) {
        if self.leads_view() {
            self.pending.push_back(r);
            self.sh.backlog.fetch_add(1, Ordering::Relaxed);
        } else {
            self.forward.push(r);
        }
    }

    fn notify(&mut self, who: Notify, res: Result<Reply, String>) {
        match who {
            Notify::Client(tx) => {
                let _ = tx.send(res);
            }
            Notify::OwnSession => {
                let waiting = std::mem::take(&mut self.unregistered);
                match res {
                    Ok(reply) => {
                        self.session = Some(reply.session);
                        self.next_seq = 1;
                        for (rs, tx) in waiting {
                            self.submit_own(rs, tx);
                        }
                    }
                    Err(why) => {
                        for (_, tx) in waiting {
                            let _ = tx.send(Err(why.clone()));
                        }
                    }
                }
            }
            Notify::Group(g) => match res {
                Ok(reply) => {
                    if let Some(grp) = self.groups.get_mut(&g) {
                        grp.remaining -= 1;
                        grp.last_slot = grp.last_slot.max(reply.slot);
                        if grp.remaining == 0
                            && let Some(grp) = self.groups.remove(&g)
                        {
                            let _ = grp.tx.send(Ok(grp.last_slot));
                        }
                    }
                }
                Err(why) => {
                    if let Some(grp) = self.groups.remove(&g) {
                        let _ = grp.tx.send(Err(why));
                    }
                }
            },
        }
    }

    /// Answers every waiter the state already answers (after a snapshot).
    pub(super) fn answer_waiters(&mut self) {
        let answered: Vec<_> = {
            let a = self.sh.applied.lock().unwrap_or_else(|e| e.into_inner());
            self.waiters.iter().filter_map(|(k, w)| a.lookup(k.0, k.1).map(|e| (*k, e.reply(&w.req)))).collect()
        };
        for (k, res) in answered {
            if let Some(w) = self.waiters.remove(&k) {
                for who in w.notify {
                    self.notify(who, res.clone());
                }
            }
        }
    }

    fn requeue(&mut self, b: &Batch) {
        let rs: Vec<_> = ClientRequest::all(b).collect();
        if self.leads_view() {
            self.sh.backlog.fetch_add(rs.len(), Ordering::Relaxed);
            for r in rs.into_iter().rev() {
                self.pending.push_front(r);
            }
        } else {
            self.forward.extend(rs);
        }
    }

    /// Queues every request waiting here (a new leader's: some may have
    /// been forwarded to the old one).
    pub(super) fn requeue_waiters(&mut self) {
        let now = Instant::now();
        let rs: Vec<ClientRequest> = self
            .waiters
            .values_mut()
            .map(|w| {
                w.sent = now;
                w.req
            })
            .collect();
        for r in rs {
            self.route(r);
        }
    }

    /// Moves the leader's queue to the new leader.
    pub(super) fn step_down(&mut self) {
        self.sh.backlog.fetch_sub(self.pending.len(), Ordering::Relaxed);
        self.forward.extend(self.pending.drain(..));
    }

    fn on_tick(&mut self) {
        self.election_tick();
        self.catch_up();
        self.snapshot_tick();
        // A leader's own requests are in its queue or its slots (a slot that
        // goes to another batch gives them back): sending them again would
        // only grow its queue.
        if self.leads_view() {
            return;
        }
        let now = Instant::now();
        let due: Vec<ClientRequest> = self
            .waiters
            .values_mut()
            .filter(|w| now.duration_since(w.sent) >= self.opts.resend)
            .map(|w| {
                w.sent = now;
                w.req
            })
            .collect();
        for r in due {
            self.route(r);
        }
    }

    /// Starts instance `slot` here with `batch` (empty: only to learn or
    /// finish the slot).
    pub(super) fn start_slot(&mut self, slot: u64, batch: Batch) {
        self.running.insert(slot);
        self.tail = self.tail.max(slot);
        let tx = self.tx.clone();
        // Durably: with a data directory, the node journals the slot's
        // state before each round's messages, so a restarted replica
        // resumes its vote instead of casting another.
        self.node.start_durable::<BatchLv>(slot, Consensus::new(batch), move |o| {
            let _ = tx.send(Event::Done(slot, o.into_value()));
        });
    }

    /// Starts the missing slots above the fence that some replica applied or
    /// this one saw decided (a few at a time), so that their decisions are
    /// learned from the others' decision logs; asks for a snapshot when that
    /// cannot work (slots up to the fence, or further behind than the
    /// decision log, or no progress for `election_timeout`).
    fn catch_up(&mut self) {
        let Some(fence) = self.fence else { return };
        let upto = self.upto();
        if let Some((peer, ahead)) = self.best_peer()
            && ahead > upto
        {
            let below_fence = upto < fence;
            let far = ahead - upto > self.node.options().decision_log as u64;
            let stuck = Instant::now().duration_since(self.progress_at) >= self.opts.election_timeout;
            if below_fence || far || stuck {
                self.fetch_snapshot(peer);
            }
        }
        let known = self.best_peer().map_or(0, |p| p.1).max(self.decided.keys().next_back().copied().unwrap_or(0));
        let top = known.min(upto + self.opts.in_flight.max(16) as u64);
        for slot in upto.max(fence) + 1..=top {
            if !self.decided.contains_key(&slot) && !self.running.contains(&slot) {
                self.start_slot(slot, Bytes::new());
            }
        }
    }

    fn apply(&mut self) {
        let mut upto = self.upto();
        // Decisions a snapshot covered.
        if self.decided.first_key_value().is_some_and(|(&k, _)| k <= upto) {
            self.decided = self.decided.split_off(&(upto + 1));
        }
        if self.decided.first_key_value().is_none_or(|(&k, _)| k != upto + 1) {
            return;
        }
        let applied = self.sh.applied.clone();
        let mut a = applied.lock().unwrap_or_else(|e| e.into_inner());
        let mut seen = Vec::new();
        while let Some(b) = self.decided.remove(&(upto + 1)) {
            upto += 1;
            let rs: Vec<ClientRequest> = ClientRequest::all(&b).collect();
            for r in &rs {
                let e = a.apply(upto, r);
                // Its own session evicted: the next submission registers anew.
                if e == Effect::Expired && self.session == Some(r.client) {
                    self.session = None;
                }
                if !self.waiters.is_empty()
                    && let Some(w) = self.waiters.remove(&(r.client, r.seq))
                {
                    for who in w.notify {
                        self.replies.push((who, e.reply(r)));
                    }
                }
            }
            if self.opts.on_apply.is_some() {
                seen.push((upto, rs));
            }
        }
        a.slots = upto;
        drop(a);
        self.sh.upto.store(upto, Ordering::Relaxed);
        self.progress_at = Instant::now();
        if let Some(h) = &self.opts.on_apply {
            for (slot, rs) in &seen {
                (h.0)(&ApplyEvent::Slot { slot: *slot, requests: rs });
            }
        }
    }

    /// The leader fills slots from its queue, within `in_flight` and the
    /// window past the slowest live replica.
    fn propose(&mut self) {
        if !self.leading() {
            return;
        }
        self.next_slot = self.next_slot.max(self.upto() + 1);
        let limit = self.slowest_applied().saturating_add(self.opts.window);
        let per_batch = self.opts.batch.clamp(1, MAX_BATCH_BYTES / ENTRY_LEN);
        while !self.pending.is_empty() && self.proposed.len() < self.opts.in_flight && self.next_slot <= limit {
            let mut b = BytesMut::with_capacity(per_batch.min(self.pending.len()) * ENTRY_LEN);
            let mut taken = 0;
            {
                let a = self.sh.applied.lock().unwrap_or_else(|e| e.into_inner());
                while b.len() < per_batch * ENTRY_LEN
                    && let Some(r) = self.pending.pop_front()
                {
                    taken += 1;
                    // A copy of an applied request needs no slot.
                    if a.lookup(r.client, r.seq).is_none() {
                        r.put(&mut b);
                    }
                }
            }
            self.sh.backlog.fetch_sub(taken, Ordering::Relaxed);
            if b.is_empty() {
                continue;
            }
            let batch = b.freeze();
            let slot = self.next_slot;
            self.next_slot += 1;
            self.stats().proposed += (batch.len() / ENTRY_LEN) as u64;
            self.proposed.insert(slot, batch.clone());
            // The announcement travels before the slot's first round message.
            let _ = self.node.broadcast_user(ANNOUNCE, slot, &[]);
            self.start_slot(slot, batch);
        }
    }

    fn flush_forward(&mut self) {
        if self.forward.is_empty() {
            return;
        }
        let leader = self.election.leader(self.n);
        if leader == self.me {
            self.sh.backlog.fetch_add(self.forward.len(), Ordering::Relaxed);
            self.pending.extend(self.forward.drain(..));
            return;
        }
        for chunk in self.forward.chunks(FORWARD_CHUNK) {
            let b: Vec<u8> = chunk.iter().flat_map(|r| r.to_bytes()).collect();
            let _ = self.node.send_user(leader, FORWARD, 0, &b);
        }
        self.forward.clear();
    }
}
