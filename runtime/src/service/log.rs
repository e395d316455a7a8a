//! A replicated log of 12-byte requests with batching (PSync's
//! BatchingClient): followers forward requests to the leader (replica 0),
//! the leader proposes batches with many slots in flight, one [`BatchLv`]
//! instance per slot, and every replica applies the decided batches in slot
//! order to a key-value map (4-byte key, 8-byte value).
//!
//! Followers join a slot when the leader announces it (a user message sent
//! just before the slot's first round message) or, failing that, on its first
//! round message; a follower that sees a later slot decided while an earlier
//! one is missing starts the missing slot itself and learns its decision from
//! the others' decision logs. There is no leader election: the leader is
//! replica 0, the coordinator of every slot's first phase.

use crate::dsl::{Consensus, ProcessId};
use crate::engine::{DefaultAction, DefaultHandler, Node, NodeError, Starter, UnknownMessage};
use crate::service::batch_lv::{Batch, BatchLv};
use crate::wire::Flag;
use bytes::{Bytes, BytesMut};
use rustc_hash::FxHashMap;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::future::Future;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};
use tokio::sync::oneshot;

/// Size of one request.
pub const REQUEST_LEN: usize = 12;
/// One request: a 4-byte key and an 8-byte value (little-endian).
pub type Request = [u8; REQUEST_LEN];

/// User flag of a follower's forwarded requests.
const FORWARD: u8 = 0x81;
/// User flag of the leader's announcement of a new slot.
const ANNOUNCE: u8 = 0x82;
/// Requests per forwarded message (stays under a UDP packet).
const FORWARD_CHUNK: usize = 4000;

/// Options of the replicated log.
#[derive(Clone, Debug)]
pub struct LogOptions {
    /// Most requests in one slot's batch.
    pub batch: usize,
    /// Most slots the leader runs at once.
    pub in_flight: usize,
    /// How often followers look for missing slots and re-forward requests
    /// that were not applied.
    pub tick: Duration,
    /// A forwarded request not applied after this long is forwarded again
    /// (at-least-once: a request may then be applied twice).
    pub resend: Duration,
    /// Requests waiting at a replica: submitted here and not applied yet, and
    /// at the leader, waiting for a slot. A submission beyond it fails; a
    /// forwarded message beyond it is dropped (its follower forwards again
    /// after `resend`).
    pub max_pending: usize,
}

impl Default for LogOptions {
    fn default() -> Self {
        LogOptions {
            batch: 2000,
            in_flight: 16,
            tick: Duration::from_millis(20),
            resend: Duration::from_millis(500),
            max_pending: 1 << 20,
        }
    }
}

/// What a replica applied so far.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Applied {
    /// Slots applied (1..=slots).
    pub slots: u64,
    /// Requests applied.
    pub requests: u64,
    /// FNV-1a hash of every applied request, in order: equal digests mean
    /// equal logs.
    pub digest: u64,
    /// The key-value map.
    pub kv: HashMap<u32, u64>,
}

impl Applied {
    fn apply(&mut self, r: &[u8]) {
        for &b in r {
            self.digest = (self.digest ^ b as u64).wrapping_mul(0x100_0000_01b3);
        }
        let key = u32::from_le_bytes([r[0], r[1], r[2], r[3]]);
        let mut v = [0u8; 8];
        v.copy_from_slice(&r[4..12]);
        self.kv.insert(key, u64::from_le_bytes(v));
        self.requests += 1;
    }
}

/// Requests submitted together, answered once all are applied here.
struct Group {
    remaining: usize,
    last_slot: u64,
    tx: Reply,
}

/// The answer to a submission: the last slot, or why it was refused.
type Reply = oneshot::Sender<Result<u64, String>>;

enum Event {
    Submit(Vec<Request>, Reply),
    Forwarded(Bytes),
    Done(u64, Option<Batch>),
}

/// The default handler of a log replica: forwarded requests and slot
/// announcements go to the service, unknown slots are joined.
pub struct LogHandler {
    leader: bool,
    applied: Arc<AtomicU64>,
    tx: UnboundedSender<Event>,
    /// Leader: requests waiting for a slot or in a forwarded message not yet
    /// taken in, and the most allowed.
    backlog: Arc<AtomicUsize>,
    max_pending: usize,
}

fn join(slot: u64, tx: &UnboundedSender<Event>) -> DefaultAction {
    let tx = tx.clone();
    DefaultAction::Start(Starter::new::<BatchLv>(Consensus::new(Bytes::new()), move |o| {
        let _ = tx.send(Event::Done(slot, o.into_value()));
    }))
}

impl DefaultHandler for LogHandler {
    fn on_unknown(&self, m: &UnknownMessage<'_>) -> DefaultAction {
        let fresh = m.instance > self.applied.load(Ordering::Relaxed);
        match m.flag {
            Flag::User(FORWARD) if self.leader => {
                let k = m.payload.len() / REQUEST_LEN;
                if self.backlog.fetch_add(k, Ordering::Relaxed) + k > self.max_pending {
                    self.backlog.fetch_sub(k, Ordering::Relaxed);
                    return DefaultAction::Drop;
                }
                // A copy: the requests must not keep their whole packet alive.
                let _ = self.tx.send(Event::Forwarded(Bytes::copy_from_slice(m.payload)));
                DefaultAction::Handled
            }
            Flag::User(ANNOUNCE) | Flag::Normal if !self.leader && fresh => join(m.instance, &self.tx),
            _ => DefaultAction::Drop,
        }
    }
}

/// One replica of the replicated log.
#[derive(Clone)]
pub struct ReplicatedLog {
    node: Node,
    tx: UnboundedSender<Event>,
    applied: Arc<Mutex<Applied>>,
}

impl ReplicatedLog {
    /// Starts replica `me`: `make_node` builds its node with the given
    /// default handler (e.g. `|h| Node::from_config(&cfg, me, h)`).
    pub async fn start<F, Fut>(me: ProcessId, opts: LogOptions, make_node: F) -> Result<ReplicatedLog, NodeError>
    where
        F: FnOnce(LogHandler) -> Fut,
        Fut: Future<Output = Result<Node, NodeError>>,
    {
        if opts.batch == 0 || opts.in_flight == 0 {
            return Err(NodeError::Invalid("the log needs batch >= 1 and in_flight >= 1".into()));
        }
        let (tx, rx) = unbounded_channel();
        let upto = Arc::new(AtomicU64::new(0));
        let leader = me.index() == 0;
        let backlog = Arc::new(AtomicUsize::new(0));
        let handler =
            LogHandler { leader, applied: upto.clone(), tx: tx.clone(), backlog: backlog.clone(), max_pending: opts.max_pending };
        let node = make_node(handler).await?;
        let applied = Arc::new(Mutex::new(Applied::default()));
        let svc = Service {
            node: node.clone(),
            opts,
            tx: tx.clone(),
            leader,
            upto,
            applied: applied.clone(),
            pending: VecDeque::new(),
            backlog,
            proposed: HashMap::new(),
            next_slot: 1,
            decided: BTreeMap::new(),
            waiters: FxHashMap::default(),
            groups: HashMap::new(),
            next_group: 0,
            forward: Vec::new(),
            gap_started: 0,
        };
        tokio::spawn(svc.run(rx));
        Ok(ReplicatedLog { node, tx, applied })
    }

    /// Submits `r`; resolves with its slot once this replica applied it.
    pub async fn submit(&self, r: Request) -> Result<u64, NodeError> {
        self.submit_many(vec![r]).await
    }

    /// Submits requests together (one message to the service instead of one
    /// per request); resolves with the last slot once this replica applied
    /// all of them. Requests must be distinct from those still pending.
    /// Fails when `max_pending` requests are waiting here.
    pub async fn submit_many(&self, rs: Vec<Request>) -> Result<u64, NodeError> {
        let down = || NodeError::Invalid("the log is shut down".into());
        if rs.is_empty() {
            return Ok(0);
        }
        let (tx, rx) = oneshot::channel();
        self.tx.send(Event::Submit(rs, tx)).map_err(|_| down())?;
        rx.await.map_err(|_| down())?.map_err(NodeError::Invalid)
    }

    /// A copy of what this replica applied.
    pub fn applied(&self) -> Applied {
        self.applied.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Requests applied so far (cheaper than [`ReplicatedLog::applied`]).
    pub fn requests_applied(&self) -> u64 {
        self.applied.lock().unwrap_or_else(|e| e.into_inner()).requests
    }

    /// The node underneath.
    pub fn node(&self) -> &Node {
        &self.node
    }
}

struct Service {
    node: Node,
    opts: LogOptions,
    tx: UnboundedSender<Event>,
    leader: bool,
    upto: Arc<AtomicU64>,
    applied: Arc<Mutex<Applied>>,
    /// Leader: requests waiting for a slot.
    pending: VecDeque<Request>,
    /// Leader: `pending` plus the forwarded requests on their way to it.
    backlog: Arc<AtomicUsize>,
    /// Leader: what it proposed in each running slot.
    proposed: HashMap<u64, Batch>,
    next_slot: u64,
    decided: BTreeMap<u64, Batch>,
    /// Submitted here, not applied yet: their group and the time of the last
    /// forward. Iterated (re-forwarding), so its hasher is not randomly
    /// seeded: a seeded simulation replays the same forwards.
    waiters: FxHashMap<Request, (u64, Instant)>,
    groups: HashMap<u64, Group>,
    next_group: u64,
    /// Follower: requests to forward at the end of this turn.
    forward: Vec<Request>,
    /// Follower: the last missing slot started to learn it.
    gap_started: u64,
}

impl Service {
    async fn run(mut self, mut rx: UnboundedReceiver<Event>) {
        let mut tick = tokio::time::interval(self.opts.tick);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            // Biased, so no random branch choice: a seeded simulation replays
            // the same run. The tick comes first; it cannot starve events.
            tokio::select! {
                biased;
                _ = tick.tick() => self.on_tick(),
                e = rx.recv() => match e {
                    Some(e) => {
                        self.on_event(e);
                        while let Ok(e) = rx.try_recv() {
                            self.on_event(e);
                        }
                    }
                    None => return,
                },
            }
            self.apply();
            self.propose();
            self.flush_forward();
        }
    }

    fn on_event(&mut self, e: Event) {
        match e {
            Event::Submit(rs, tx) => {
                let waiting = self.waiters.len().max(self.backlog.load(Ordering::Relaxed));
                if waiting + rs.len() > self.opts.max_pending {
                    let why = format!("{waiting} requests are waiting (max_pending = {}): retry later", self.opts.max_pending);
                    let _ = tx.send(Err(why));
                    return;
                }
                let g = self.next_group;
                self.next_group += 1;
                let now = Instant::now();
                let mut fresh = 0;
                for r in rs {
                    if let std::collections::hash_map::Entry::Vacant(e) = self.waiters.entry(r) {
                        e.insert((g, now));
                        fresh += 1;
                        if self.leader {
                            self.pending.push_back(r);
                            self.backlog.fetch_add(1, Ordering::Relaxed);
                        } else {
                            self.forward.push(r);
                        }
                    }
                }
                if fresh == 0 {
                    let _ = tx.send(Ok(self.upto.load(Ordering::Relaxed)));
                } else {
                    self.groups.insert(g, Group { remaining: fresh, last_slot: 0, tx });
                }
            }
            Event::Forwarded(b) => {
                self.pending.extend(b.chunks_exact(REQUEST_LEN).map(|c| {
                    let mut r = [0u8; REQUEST_LEN];
                    r.copy_from_slice(c);
                    r
                }));
            }
            Event::Done(slot, v) => {
                let mine = self.proposed.remove(&slot);
                match (&v, mine) {
                    // The leader's batch lost its slot (a later phase's
                    // coordinator chose another value): propose it again.
                    (Some(d), Some(p)) if *d != p => self.requeue(&p),
                    (None, Some(p)) => self.requeue(&p),
                    _ => {}
                }
                if let Some(d) = v {
                    self.decided.insert(slot, d);
                }
            }
        }
    }

    fn requeue(&mut self, b: &Batch) {
        self.backlog.fetch_add(b.len() / REQUEST_LEN, Ordering::Relaxed);
        for c in b.chunks_exact(REQUEST_LEN).rev() {
            let mut r = [0u8; REQUEST_LEN];
            r.copy_from_slice(c);
            self.pending.push_front(r);
        }
    }

    fn on_tick(&mut self) {
        if self.leader {
            return;
        }
        let upto = self.upto.load(Ordering::Relaxed);
        let missing = upto + 1;
        let gap = !self.decided.contains_key(&missing) && self.decided.keys().next_back().is_some_and(|&k| k > missing);
        if gap && self.gap_started != missing {
            self.gap_started = missing;
            let tx = self.tx.clone();
            self.node.start_instance::<BatchLv>(missing, Consensus::new(Bytes::new()), move |o| {
                if let Some(v) = o.into_value() {
                    let _ = tx.send(Event::Done(missing, Some(v)));
                }
            });
        }
        let now = Instant::now();
        for (r, (_, t)) in self.waiters.iter_mut() {
            if now.duration_since(*t) >= self.opts.resend {
                *t = now;
                self.forward.push(*r);
            }
        }
    }

    fn apply(&mut self) {
        let mut upto = self.upto.load(Ordering::Relaxed);
        if self.decided.first_key_value().is_none_or(|(&k, _)| k != upto + 1) {
            return;
        }
        let mut a = self.applied.lock().unwrap_or_else(|e| e.into_inner());
        while let Some(b) = self.decided.remove(&(upto + 1)) {
            upto += 1;
            for r in b.chunks_exact(REQUEST_LEN) {
                a.apply(r);
                if !self.waiters.is_empty() {
                    let mut k = [0u8; REQUEST_LEN];
                    k.copy_from_slice(r);
                    if let Some((g, _)) = self.waiters.remove(&k)
                        && let Some(grp) = self.groups.get_mut(&g)
                    {
                        grp.remaining -= 1;
                        grp.last_slot = upto;
                        if grp.remaining == 0
                            && let Some(grp) = self.groups.remove(&g)
                        {
                            let _ = grp.tx.send(Ok(grp.last_slot));
                        }
                    }
                }
            }
        }
        a.slots = upto;
        self.upto.store(upto, Ordering::Relaxed);
    }

    fn propose(&mut self) {
        while self.leader && !self.pending.is_empty() && self.proposed.len() < self.opts.in_flight {
            let k = self.pending.len().min(self.opts.batch);
            let mut b = BytesMut::with_capacity(k * REQUEST_LEN);
            for r in self.pending.drain(..k) {
                b.extend_from_slice(&r);
            }
            self.backlog.fetch_sub(k, Ordering::Relaxed);
            let batch = b.freeze();
            let slot = self.next_slot;
            self.next_slot += 1;
            self.proposed.insert(slot, batch.clone());
            // The announcement travels before the slot's first round message.
            let _ = self.node.broadcast_user(ANNOUNCE, slot, &[]);
            let tx = self.tx.clone();
            self.node.start_instance::<BatchLv>(slot, Consensus::new(batch), move |o| {
                let _ = tx.send(Event::Done(slot, o.into_value()));
            });
        }
    }

    fn flush_forward(&mut self) {
        if self.forward.is_empty() {
            return;
        }
        let leader = ProcessId::new(0);
        for chunk in self.forward.chunks(FORWARD_CHUNK) {
            let b: Vec<u8> = chunk.concat();
            let _ = self.node.send_user(leader, FORWARD, 0, &b);
        }
        self.forward.clear();
    }
}
