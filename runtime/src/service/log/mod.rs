//! A replicated log of client requests with batching (PSync's
//! BatchingClient) applied to a key-value map (4-byte key, 8-byte value):
//! followers forward requests to the leader, the leader proposes batches with
//! many slots in flight, one [`BatchLv`] instance per slot, and every replica
//! applies the decided batches in slot order.
//!
//! * **Leadership** rotates by view: the leader of view `v` is replica
//!   `v mod n`. A replica that hears no status from its view's leader for
//!   `election_timeout`, while it hears a majority, moves to the next view;
//!   a replica that hears of a higher view adopts it. A leader proposes only
//!   once a majority reported its view, from above the highest slot they
//!   started, joined or saw decided (`wire::Status::tail`), and it first
//!   restarts the slots below that it has no decision for, so that an old
//!   leader's unfinished slots are decided. Slot safety does not depend on
//!   leadership: two leaders proposing in one slot run one consensus.
//! * **Durability** (with the node's `data_dir`): slots run durably (the
//!   node journals each slot's state before its messages), and the service
//!   journals every decided batch in `log/` under the data directory,
//!   fsynced once per service turn before the turn's replies, with a
//!   snapshot of the applied state now and then (`store.rs`). A replica
//!   restarted with its directory recovers the snapshot and the batches
//!   after it, resumes the slots it was voting in, and votes in every slot
//!   above its recovered applied slot (its node has the state of each one
//!   it voted in, or its decision), unless the node's log dropped the
//!   decision of a slot above it before the service journaled it (the
//!   node's `Recovery::forgotten_upto`, when the service lags more than
//!   `decision_log` decisions behind its node): then it votes only above
//!   that slot and learns the ones below by snapshot.
//! * **Starting without state** (no data directory, or the first start of
//!   a new one): a replica cannot tell a first start from a restart,
//!   in which it would vote again with a fresh state in slots it voted in
//!   before (LastVoting's safety needs a voter to remember). So it votes
//!   only in slots above its *fence*, the highest slot a majority reports
//!   after it started, and learns the slots up to the fence by snapshot.
//! * **Catch-up**: a replica learns missing slots from the others' decision
//!   logs (by starting them), and asks the most advanced peer for a
//!   snapshot (the map, the dedup table and the slot) when it is further
//!   behind than the engine's `decision_log` or learns nothing for
//!   `election_timeout`.
//! * **Backpressure**: the leader runs at most `in_flight` slots and proposes
//!   no slot beyond `window` past the slowest applied slot among the
//!   replicas it heard from within `election_timeout`. Instances of slots
//!   applied by a snapshot are stopped.
//! * **Exactly once**: requests carry `(client, seq)`; the dedup table is
//!   part of the state machine (and of snapshots), and a copy of an applied
//!   request gets its stored reply without taking effect again.

mod election;
mod request;
mod service;
mod snapshot;
mod state;
pub(super) mod store;
mod wire;

pub use request::{ClientRequest, ENTRY_LEN, REQUEST_LEN, Request};
pub use state::{Applied, Effect, MAX_SESSIONS, Reply, Session};

use crate::dsl::{Consensus, ProcessId};
use crate::engine::{DefaultAction, DefaultHandler, Node, NodeError, Starter, UnknownMessage};
use crate::service::batch_lv::{Batch, BatchLv};
use crate::wire::Flag;
use bytes::Bytes;
use std::fmt;
use std::future::Future;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};
use tokio::sync::oneshot;

/// What a replica applied, as its [`LogOptions::on_apply`] hook sees it.
#[derive(Debug)]
pub enum ApplyEvent<'a> {
    /// The batch decided in `slot`, applied in order (duplicates included:
    /// the dedup table decides what takes effect).
    Slot {
        /// The slot.
        slot: u64,
        /// Its requests.
        requests: &'a [ClientRequest],
    },
    /// A snapshot replaced the state: slots up to `slot` are applied.
    Snapshot {
        /// The snapshot's slot.
        slot: u64,
    },
}

/// A function called on the service's task after each applied slot or
/// installed snapshot (keep it short). With a data directory it may run
/// before the slot's journal entry is fsynced (at the end of the same
/// service turn); replies wait for the fsync.
#[derive(Clone)]
pub struct ApplyHook(pub Arc<dyn Fn(&ApplyEvent<'_>) + Send + Sync>);

impl fmt::Debug for ApplyHook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApplyHook")
    }
}

/// Options of the replicated log.
#[derive(Clone, Debug)]
pub struct LogOptions {
    /// Most requests in one slot's batch (also at most 48 000 bytes of them).
    pub batch: usize,
    /// Most slots the leader runs at once.
    pub in_flight: usize,
    /// How often replicas send their status, look for missing slots and
    /// re-forward requests that were not applied.
    pub tick: Duration,
    /// A forwarded request not applied after this long is forwarded again
    /// (to the leader of the replica's view then); copies are applied once.
    pub resend: Duration,
    /// Requests waiting at a replica: submitted here and not applied yet, and
    /// at the leader, waiting for a slot. A submission beyond it fails; a
    /// forwarded message beyond it is dropped (its follower forwards again
    /// after `resend`).
    pub max_pending: usize,
    /// A follower that hears nothing from its leader for this long moves to
    /// the next view; a peer not heard for this long does not hold back the
    /// leader (`window`).
    pub election_timeout: Duration,
    /// Most slots the leader proposes beyond the slowest applied slot among
    /// the replicas it hears from.
    pub window: u64,
    /// Called after each applied slot and installed snapshot.
    pub on_apply: Option<ApplyHook>,
    /// With a data directory: the journal size (bytes) from which the
    /// applied state is written as a snapshot on disk and the journal
    /// started again (it also waits for twice the last snapshot's size).
    pub snapshot_bytes: u64,
}

impl Default for LogOptions {
    fn default() -> Self {
        LogOptions {
            batch: 2000,
            in_flight: 16,
            tick: Duration::from_millis(20),
            resend: Duration::from_millis(500),
            max_pending: 1 << 20,
            election_timeout: Duration::from_millis(500),
            window: 4096,
            on_apply: None,
            snapshot_bytes: 64 << 20,
        }
    }
}

/// Counters of one log replica.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LogStats {
    /// Its view.
    pub view: u64,
    /// Whether it leads its view (a majority reported the view).
    pub leading: bool,
    /// Views it moved to on its own (its leader fell silent).
    pub elections: u64,
    /// Leader: the first slot of its leadership (above every slot a
    /// majority knew of when it took the lead); 0 when not leading.
    pub lead_from: u64,
    /// Snapshots it installed.
    pub snapshots_installed: u64,
    /// Snapshot chunks it sent.
    pub chunks_served: u64,
    /// Instances it stopped because a snapshot applied their slots.
    pub instances_stopped: u64,
    /// Requests it submitted to a leader's slots (first proposals and
    /// proposals again after a slot went to another batch).
    pub proposed: u64,
    /// Slots applied from its data directory at start.
    pub recovered: u64,
    /// It votes only in slots above this one and learns those up to it
    /// (`None` until a majority was heard, or at start on a restart).
    pub fence: Option<u64>,
    /// Fsyncs of its journal (one per service turn that journaled).
    pub journal_syncs: u64,
    /// Snapshots it wrote to its data directory.
    pub snapshots_written: u64,
}

/// The answer to a submission of this replica's own requests: the last
/// slot, or why it was refused.
type SlotReply = oneshot::Sender<Result<u64, String>>;
/// The answer to a client's request.
type ClientReply = oneshot::Sender<Result<Reply, String>>;

pub(super) enum Event {
    Submit(Vec<Request>, SlotReply),
    SubmitClient(ClientRequest, ClientReply),
    /// Register a new client session.
    Register(ClientReply),
    Forwarded(ProcessId, Bytes),
    Peer(ProcessId, u8, Bytes),
    Joined(u64),
    Done(u64, Option<Batch>),
    /// Stop the service (its node is shut down).
    Shutdown,
}

/// Most bytes of status and snapshot messages waiting for the service.
const MAX_PEER_BYTES: usize = 16 << 20;

/// The default handler of a log replica: forwarded requests, status and
/// snapshot messages go to the service, announced slots above the applied
/// one are joined.
pub struct LogHandler {
    applied: Arc<AtomicU64>,
    tx: UnboundedSender<Event>,
    /// Requests waiting for a slot or in a forwarded message not yet taken
    /// in, and the most allowed.
    backlog: Arc<AtomicUsize>,
    max_pending: usize,
    /// Bytes of peer messages not yet taken in.
    peer_bytes: Arc<AtomicUsize>,
    /// Slots this replica may vote in are above this one (see
    /// `Service::fence`).
    vote_above: Arc<AtomicU64>,
}

fn join(slot: u64, tx: &UnboundedSender<Event>) -> DefaultAction {
    let _ = tx.send(Event::Joined(slot));
    let tx = tx.clone();
    DefaultAction::Start(Starter::durable::<BatchLv>(Consensus::new(Bytes::new()), move |o| {
        let _ = tx.send(Event::Done(slot, o.into_value()));
    }))
}

impl DefaultHandler for LogHandler {
    fn on_unknown(&self, m: &UnknownMessage<'_>) -> DefaultAction {
        let fresh = m.instance > self.applied.load(Ordering::Relaxed) && m.instance > self.vote_above.load(Ordering::Relaxed);
        match m.flag {
            Flag::User(wire::FORWARD) => {
                let k = m.payload.len() / ENTRY_LEN;
                if self.backlog.fetch_add(k, Ordering::Relaxed) + k > self.max_pending {
                    self.backlog.fetch_sub(k, Ordering::Relaxed);
                    return DefaultAction::Drop;
                }
                // A copy: the requests must not keep their whole packet alive.
                let _ = self.tx.send(Event::Forwarded(m.from, Bytes::copy_from_slice(m.payload)));
                DefaultAction::Handled
            }
            Flag::User(f @ (wire::STATUS | wire::SNAPSHOT_REQUEST | wire::SNAPSHOT_CHUNK)) => {
                let k = m.payload.len();
                if self.peer_bytes.fetch_add(k, Ordering::Relaxed) + k > MAX_PEER_BYTES {
                    self.peer_bytes.fetch_sub(k, Ordering::Relaxed);
                    return DefaultAction::Drop;
                }
                let _ = self.tx.send(Event::Peer(m.from, f, Bytes::copy_from_slice(m.payload)));
                DefaultAction::Handled
            }
            Flag::User(wire::ANNOUNCE) | Flag::Normal if fresh && m.instance <= wire::MAX_SLOT => join(m.instance, &self.tx),
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
    stats: Arc<Mutex<LogStats>>,
}

impl ReplicatedLog {
    /// Starts replica `me`: `make_node` builds its node with the given
    /// default handler (e.g. `|h| Node::from_config(&cfg, me, h)`).
    pub async fn start<F, Fut>(me: ProcessId, opts: LogOptions, make_node: F) -> Result<ReplicatedLog, NodeError>
    where
        F: FnOnce(LogHandler) -> Fut,
        Fut: Future<Output = Result<Node, NodeError>>,
    {
        if opts.batch == 0 || opts.in_flight == 0 || opts.window == 0 {
            return Err(NodeError::Invalid("the log needs batch >= 1, in_flight >= 1 and window >= 1".into()));
        }
        let (tx, rx) = unbounded_channel();
        let upto = Arc::new(AtomicU64::new(0));
        let backlog = Arc::new(AtomicUsize::new(0));
        let peer_bytes = Arc::new(AtomicUsize::new(0));
        let vote_above = Arc::new(AtomicU64::new(u64::MAX));
        let handler = LogHandler {
            vote_above: vote_above.clone(),
            applied: upto.clone(),
            tx: tx.clone(),
            backlog: backlog.clone(),
            max_pending: opts.max_pending,
            peer_bytes: peer_bytes.clone(),
        };
        let node = make_node(handler).await?;
        let (store, recovered) = match &node.options().data_dir {
            Some(dir) => {
                let dir = dir.join("log");
                let (s, r) = store::Store::open(&dir, opts.snapshot_bytes).map_err(|e| {
                    node.shutdown();
                    NodeError::Invalid(format!("log state in {}: {e}", dir.display()))
                })?;
                (Some(s), r)
            }
            None => (None, None),
        };
        let mut stats = LogStats::default();
        let applied = recovered.as_ref().map_or_else(Applied::default, |r| r.applied.clone());
        // A restart on the node's own directory: every slot this replica
        // voted in above what it applied has its state or its decision in
        // the node's log, or was dropped from it (`forgotten_upto`: the
        // service had not journaled that decision yet), so it votes in
        // every slot above both and learns the others (see `Service::fence`).
        let fence = node.recovery().filter(|r| r.restarted).map(|r| applied.slots.max(r.forgotten_upto.unwrap_or(0)));
        upto.store(applied.slots, Ordering::Relaxed);
        stats.recovered = applied.slots;
        if let Some(f) = fence {
            vote_above.store(f, Ordering::Relaxed);
            stats.fence = Some(f);
        }
        let applied = Arc::new(Mutex::new(applied));
        let stats = Arc::new(Mutex::new(stats));
        let shared = service::Shared { upto, backlog, peer_bytes, vote_above, applied: applied.clone(), stats: stats.clone() };
        let svc = service::Service::new(node.clone(), me, opts, tx.clone(), shared, store::Start { store, recovered, fence });
        tokio::spawn(svc.run(rx));
        Ok(ReplicatedLog { node, tx, applied, stats })
    }

    /// Submits `r` as a request of this replica's own client session;
    /// resolves with its slot once this replica applied it.
    pub async fn submit(&self, r: Request) -> Result<u64, NodeError> {
        self.submit_many(vec![r]).await
    }

    /// Submits requests together, as requests of this replica's own client
    /// session (one message to the service instead of one per request);
    /// resolves with the last slot once this replica applied all of them.
    /// Fails when `max_pending` requests are waiting here.
    pub async fn submit_many(&self, rs: Vec<Request>) -> Result<u64, NodeError> {
        if rs.is_empty() {
            return Ok(0);
        }
        let (tx, rx) = oneshot::channel();
        self.tx.send(Event::Submit(rs, tx)).map_err(|_| down())?;
        rx.await.map_err(|_| down())?.map_err(NodeError::Invalid)
    }

    /// Registers a new client session; resolves with its id (for
    /// [`ClientRequest::client`]) once this replica applied the
    /// registration. A registration retried after a timeout may create a
    /// second session; the log keeps the [`MAX_SESSIONS`] most recently
    /// used ones, so the unused one is evicted in time.
    pub async fn register(&self) -> Result<u64, NodeError> {
        let (tx, rx) = oneshot::channel();
        self.tx.send(Event::Register(tx)).map_err(|_| down())?;
        Ok(rx.await.map_err(|_| down())?.map_err(NodeError::Invalid)?.session)
    }

    /// Submits a client's request, of a session from
    /// [`ReplicatedLog::register`]; resolves with its reply once this
    /// replica applied it (or an earlier copy of it). Submitting it again,
    /// here or at another replica, after a timeout is safe: it takes effect
    /// once. Fails when `max_pending` requests are waiting here, when the
    /// client acknowledged `seq` already (its reply is forgotten), or when
    /// its session is not registered or was evicted (the request is not
    /// applied; register again).
    pub async fn submit_request(&self, r: ClientRequest) -> Result<Reply, NodeError> {
        if r.is_registration() {
            return Err(NodeError::Invalid("sequence numbers start at 1 (0 is a registration: `register`)".into()));
        }
        let (tx, rx) = oneshot::channel();
        self.tx.send(Event::SubmitClient(r, tx)).map_err(|_| down())?;
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

    /// This replica's counters.
    pub fn stats(&self) -> LogStats {
        self.stats.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Stops this replica: its service (which then writes nothing more to
    /// the data directory) and its node. Pending submissions fail.
    pub fn shutdown(&self) {
        let _ = self.tx.send(Event::Shutdown);
        self.node.shutdown();
    }

    /// The node underneath.
    pub fn node(&self) -> &Node {
        &self.node
    }
}

fn down() -> NodeError {
    NodeError::Invalid("the log is shut down".into())
}
