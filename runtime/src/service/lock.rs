//! A replicated lock manager (PSync's LockManager): clients send `acquire`
//! or `release` over UDP to any replica; the replica runs one consensus
//! instance (any `Consensus<i64>` algorithm, e.g. OTR or LastVoting) on the
//! next slot of the lock's history, applies the decided operations in slot
//! order, and answers `SUCCESS` or `FAILED` once its request was decided.
//!
//! Client protocol, one UDP datagram each way: `acquire [name [id]]` or
//! `release [name [id]]` (the name identifies the client; without one, its
//! source address does), answered by `SUCCESS`, `FAILED` or
//! `ERROR: <why>`. At most [`CLIENT_QUEUE`] requests wait at a replica;
//! beyond that a request is answered `ERROR: busy …` at once.
//!
//! **Request ids** (`1..=`[`MAX_REQUEST_ID`]) make a retry safe: the lock
//! table remembers each client's last request with an id and its answer,
//! and a request decided again with the same id (a retry after a lost
//! answer, to the same replica or another) is answered as the first time
//! and not applied again. A client gives each new request the next id (a
//! counter that wraps) and a retry the same one; only its last request is
//! remembered. The table remembers the [`MAX_CLIENTS`] clients with the most
//! recent requests; a client idle while that many others made requests is
//! forgotten, and its retry is applied again. A request without an id is
//! applied each time it is decided: a repeated `acquire` by the holder
//! succeeds, a repeated `release` fails.
//!
//! **Durability** (with the node's `data_dir`): slots run durably (the node
//! journals each slot's state before its messages), and the lock table
//! with the decided slots above it is written to `lock_table/state` at the end of
//! every turn that changed it, before the turn's answers (`lock_store.rs`).
//! A replica restarted on its directory has the table it had, resumes the
//! slots it was voting in, and learns the others from its peers. An answer
//! sent was on disk first; a request whose answer was not sent is lost with
//! the replica, or was decided: the client asks again, with the same id. A
//! replica whose node's log dropped a
//! decision above the saved table (more than `decision_log` decisions in
//! one turn) refuses to start rather than vote again in that slot.
//!
//! **Catching up.** Gaps are filled from the others' decision logs (a
//! replica starts the missing slot with a no-op and learns its decision).
//! A replica further behind than those logs gets the state instead: a
//! replica that receives round messages for a slot it applied, whose
//! decision its node no longer holds, sends the sender its [`LockState`]
//! (user flag `STATE` on instance 0, at most once per peer and tick), and
//! the sender installs it when it is further on than its own.

use super::lock_store::{LockStore, Saved};
use crate::dsl::{Consensus, Process, ProcessId};
use crate::engine::{DefaultAction, DefaultHandler, Node, NodeError, Starter, UnknownMessage};
use crate::wire::Flag;
use std::collections::BTreeMap;
use std::future::Future;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::marker::PhantomData;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::UdpSocket;
use tokio::sync::mpsc::error::TrySendError;
use tokio::sync::mpsc::{Receiver, Sender, UnboundedReceiver, UnboundedSender, channel, unbounded_channel};

/// User flag of the announcement of a slot with its proposed value.
const ANNOUNCE: u8 = 0x83;
/// User flag of a replica's lock state, sent (on instance 0) to a peer
/// whose round messages are for a slot it applied long ago.
const STATE: u8 = 0x84;
/// Slots below an installed state whose instances are stopped (those a
/// replica behind could have started: it starts one slot at a time).
const MAX_STOPPED: u64 = 64;
/// Slots tried for one request before answering `FAILED`.
const MAX_TRIES: u32 = 64;
/// Client requests waiting at a replica; more are answered `ERROR: busy`.
pub const CLIENT_QUEUE: usize = 1024;
/// No operation: what a replica proposes for a slot it joins unannounced.
const NOP: i64 = 0;
const ID_MASK: u64 = (1 << 48) - 1;
/// The largest request id (ids have 13 bits, in bits 50..63 of a value,
/// so that values stay non-negative; 0 is "no id").
pub const MAX_REQUEST_ID: u16 = (1 << 13) - 1;
/// Clients whose last request the lock table remembers (the least recently
/// active one is forgotten first); a `STATE` message holds them all in
/// `16 + 16 × MAX_CLIENTS` bytes, within one packet.
pub const MAX_CLIENTS: usize = 1024;

/// A lock operation of a client.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LockOp {
    /// Take the lock (succeeds if free or already held by this client).
    Acquire(u64),
    /// Give the lock back (succeeds if held by this client).
    Release(u64),
}

impl LockOp {
    /// The consensus value: the operation in bits 48..50, the client in 0..48.
    pub fn encode(self) -> i64 {
        match self {
            LockOp::Acquire(c) => ((1u64 << 48) | (c & ID_MASK)) as i64,
            LockOp::Release(c) => ((2u64 << 48) | (c & ID_MASK)) as i64,
        }
    }
    /// The operation of a decided value (`None`: no operation).
    pub fn decode(v: i64) -> Option<LockOp> {
        let (op, c) = (((v as u64) >> 48) & 3, (v as u64) & ID_MASK);
        match op {
            1 => Some(LockOp::Acquire(c)),
            2 => Some(LockOp::Release(c)),
            _ => None,
        }
    }

    /// The client's id.
    pub fn client(self) -> u64 {
        match self {
            LockOp::Acquire(c) | LockOp::Release(c) => c,
        }
    }
}

/// A client's request: an operation and its request id (0: none).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LockRequest {
    /// What the client asks for.
    pub op: LockOp,
    /// The request id, `0..=MAX_REQUEST_ID` (0: no id, never deduplicated).
    pub id: u16,
}

impl LockRequest {
    /// The consensus value: [`LockOp::encode`] with the id in bits 50..63.
    pub fn encode(self) -> i64 {
        self.op.encode() | (i64::from(self.id & MAX_REQUEST_ID) << 50)
    }

    /// The request of a decided value (`None`: no operation).
    pub fn decode(v: i64) -> Option<LockRequest> {
        let id = (v as u64) >> 50;
        let op = LockOp::decode(v)?;
        (id <= u64::from(MAX_REQUEST_ID)).then_some(LockRequest { op, id: id as u16 })
    }
}

/// The 48-bit identity of a client name (FNV-1a).
pub fn client_id(name: &str) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ b as u64).wrapping_mul(0x100_0000_01b3)) & ID_MASK
}

const USAGE: &str = "expected `acquire [name [id]]` or `release [name [id]]`";

/// Parses a client datagram; `from` names a client that gives no name.
pub fn parse_request(text: &str, from: SocketAddr) -> Result<LockRequest, String> {
    let mut words = text.split_whitespace();
    let verb = words.next().unwrap_or("");
    let name = words.next().map(str::to_owned).unwrap_or_else(|| from.to_string());
    let id = match words.next() {
        None => 0,
        Some(w) => match w.parse::<u16>() {
            Ok(id) if (1..=MAX_REQUEST_ID).contains(&id) => id,
            _ => return Err(format!("request id `{w}` is not in 1..={MAX_REQUEST_ID}")),
        },
    };
    if words.next().is_some() {
        return Err(format!("too many words: {USAGE}"));
    }
    let op = match verb {
        "acquire" => LockOp::Acquire(client_id(&name)),
        "release" => LockOp::Release(client_id(&name)),
        _ => return Err(format!("unknown command `{verb}`: {USAGE}")),
    };
    Ok(LockRequest { op, id })
}

/// A client's last request with an id, as the lock table remembers it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LastRequest {
    /// The request's id (never 0).
    pub id: u16,
    /// Whether it was a `release`.
    pub release: bool,
    /// Its answer.
    pub ok: bool,
    /// The slot it was applied in.
    pub slot: u64,
}

/// The replicated state: who holds the lock, and each client's last
/// request with an id.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LockState {
    /// The holder's client id.
    pub owner: Option<u64>,
    /// Slots applied.
    pub slots: u64,
    /// By client id: its last request with an id (at most [`MAX_CLIENTS`]).
    pub last: BTreeMap<u64, LastRequest>,
}

impl LockState {
    /// The state as bytes (a `STATE` message, and the saved table): the
    /// slots, the owner (or `u64::MAX` for none), then per remembered
    /// client the word `client | id << 48 | release << 61 | ok << 62` and
    /// the slot.
    pub(super) fn encode(&self) -> Vec<u8> {
        let mut b = Vec::with_capacity(16 + 16 * self.last.len());
        b.extend_from_slice(&self.slots.to_le_bytes());
        b.extend_from_slice(&self.owner.unwrap_or(u64::MAX).to_le_bytes());
        for (c, r) in &self.last {
            let word = c | u64::from(r.id) << 48 | u64::from(r.release) << 61 | u64::from(r.ok) << 62;
            b.extend_from_slice(&word.to_le_bytes());
            b.extend_from_slice(&r.slot.to_le_bytes());
        }
        b
    }

    /// The state of [`LockState::encode`]'s bytes (`None` if malformed: a
    /// length that is no whole number of entries, an owner beyond a client
    /// id, an entry without an id or with bits no entry has, more than
    /// [`MAX_CLIENTS`] entries).
    pub(super) fn decode(b: &[u8]) -> Option<LockState> {
        let word = |k: usize| Some(u64::from_le_bytes(b.get(k..k + 8)?.try_into().ok()?));
        let (slots, owner) = (word(0)?, word(8)?);
        let entries = b.len().checked_sub(16)?;
        if !entries.is_multiple_of(16) || entries / 16 > MAX_CLIENTS || (owner != u64::MAX && owner > ID_MASK) {
            return None;
        }
        let mut last = BTreeMap::new();
        for k in (16..b.len()).step_by(16) {
            let (w, slot) = (word(k)?, word(k + 8)?);
            let id = ((w >> 48) & u64::from(MAX_REQUEST_ID)) as u16;
            if id == 0 || w >> 63 != 0 {
                return None;
            }
            last.insert(w & ID_MASK, LastRequest { id, release: w >> 61 & 1 == 1, ok: w >> 62 & 1 == 1, slot });
        }
        Some(LockState { owner: (owner != u64::MAX).then_some(owner), slots, last })
    }

    /// Applies one decided value; `true` if the operation succeeded. A
    /// request its client made last, by id, is not applied again: it gets
    /// the answer it got.
    fn apply(&mut self, v: i64) -> bool {
        self.slots += 1;
        let Some(LockRequest { op, id }) = LockRequest::decode(v) else { return false };
        let release = matches!(op, LockOp::Release(_));
        if let Some(r) = self.last.get(&op.client())
            && id != 0
            && (r.id, r.release) == (id, release)
        {
            return r.ok;
        }
        let ok = match op {
            LockOp::Acquire(c) if self.owner.is_none_or(|o| o == c) => {
                self.owner = Some(c);
                true
            }
            LockOp::Release(c) if self.owner == Some(c) => {
                self.owner = None;
                true
            }
            _ => false,
        };
        if id != 0 {
            self.last.insert(op.client(), LastRequest { id, release, ok, slot: self.slots });
            if self.last.len() > MAX_CLIENTS
                && let Some((&idle, _)) = self.last.iter().min_by_key(|(c, r)| (r.slot, **c))
            {
                self.last.remove(&idle);
            }
        }
        ok
    }
}

enum Event {
    Done(u64, Option<i64>),
    Tick,
    /// A peer runs a slot this replica applied: it is behind.
    Behind(ProcessId),
    /// A peer's lock state ([`LockState::encode`]).
    State(LockState),
}

/// The default handler of a lock replica: joins announced slots with the
/// announced value, unannounced ones with a no-op.
pub struct LockHandler<P> {
    applied: Arc<AtomicU64>,
    tx: UnboundedSender<Event>,
    _p: PhantomData<fn(P)>,
}

impl<P: Process<Io = Consensus<i64>> + Serialize + DeserializeOwned> DefaultHandler for LockHandler<P> {
    fn on_unknown(&self, m: &UnknownMessage<'_>) -> DefaultAction {
        if m.flag == Flag::User(STATE) && m.instance == 0 {
            if let Some(st) = LockState::decode(m.payload) {
                let _ = self.tx.send(Event::State(st));
            }
            return DefaultAction::Handled;
        }
        if m.instance <= self.applied.load(Ordering::Relaxed) {
            // Its decision is no longer in the node's log (else the node
            // would have answered with it): the sender may never learn it
            // from a slot, so it gets this replica's state.
            if m.flag == Flag::Normal && m.instance > 0 {
                let _ = self.tx.send(Event::Behind(m.from));
            }
            return DefaultAction::Drop;
        }
        let value = match m.flag {
            Flag::User(ANNOUNCE) => match <[u8; 8]>::try_from(&m.payload[..]) {
                Ok(b) => i64::from_le_bytes(b),
                Err(_) => return DefaultAction::Drop,
            },
            Flag::Normal => NOP,
            _ => return DefaultAction::Drop,
        };
        let (tx, slot) = (self.tx.clone(), m.instance);
        DefaultAction::Start(Starter::durable::<P>(Consensus::new(value), move |o| {
            let _ = tx.send(Event::Done(slot, o.into_value()));
        }))
    }
}

/// One replica of the lock manager.
pub struct LockServer {
    node: Node,
    client_addr: SocketAddr,
    state: Arc<Mutex<LockState>>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl LockServer {
    /// Starts a replica running `P`, answering clients on `client_addr`
    /// (port 0: any). `make_node` builds its node with the given handler
    /// (e.g. `|h| Node::from_config(&cfg, me, h)`); with the node's
    /// `data_dir` the replica is durable (see the module's documentation).
    pub async fn start<P, F, Fut>(client_addr: SocketAddr, make_node: F) -> Result<LockServer, NodeError>
    where
        P: Process<Io = Consensus<i64>> + Serialize + DeserializeOwned,
        F: FnOnce(LockHandler<P>) -> Fut,
        Fut: Future<Output = Result<Node, NodeError>>,
    {
        let socket = Arc::new(UdpSocket::bind(client_addr).await?);
        let client_addr = socket.local_addr()?;
        let (tx, rx) = unbounded_channel();
        let applied = Arc::new(AtomicU64::new(0));
        let node = make_node(LockHandler { applied: applied.clone(), tx: tx.clone(), _p: PhantomData }).await?;
        let (store, saved) = open_store(&node).inspect_err(|_| node.shutdown())?;
        applied.store(saved.state.slots, Ordering::Relaxed);
        let saved_slots = saved.state.slots;
        let state = Arc::new(Mutex::new(saved.state));
        // The slots it was voting in resume at their saved round (the
        // value is the saved state's, not this one).
        let resume: Vec<u64> = node.recovery().map_or_else(Vec::new, |r| r.resumable.iter().copied().filter(|&s| s > saved_slots).collect());
        for slot in resume {
            let tx = tx.clone();
            node.start_durable::<P>(slot, Consensus::new(NOP), move |o| {
                let _ = tx.send(Event::Done(slot, o.into_value()));
            });
        }
        let (client_tx, client_rx) = channel(CLIENT_QUEUE);
        let reader = tokio::spawn(read_clients(socket.clone(), client_tx));
        let ticker = {
            let tx = tx.clone();
            tokio::spawn(async move {
                let mut t = tokio::time::interval(Duration::from_millis(50));
                while tx.send(Event::Tick).is_ok() {
                    t.tick().await;
                }
            })
        };
        let svc = Service::<P> {
            node: node.clone(),
            socket,
            tx,
            applied,
            state: state.clone(),
            decided: saved.decided,
            store,
            dirty: false,
            current: None,
            gap_started: 0,
            ticks: 0,
            sent_state: BTreeMap::new(),
            _p: PhantomData,
        };
        let main = tokio::spawn(svc.run(rx, client_rx));
        Ok(LockServer { node, client_addr, state, tasks: vec![reader, ticker, main] })
    }

    /// Where clients send their requests.
    pub fn client_addr(&self) -> SocketAddr {
        self.client_addr
    }

    /// The lock state this replica applied.
    pub fn state(&self) -> LockState {
        self.state.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The node underneath.
    pub fn node(&self) -> &Node {
        &self.node
    }

    /// Stops the replica.
    pub fn shutdown(&self) {
        self.tasks.iter().for_each(|t| t.abort());
        self.node.shutdown();
    }
}

/// The lock's saved state (empty without a data directory or on its first
/// start), refused when the node's log dropped a decision above it that it
/// does not hold.
fn open_store(node: &Node) -> Result<(Option<LockStore>, Saved), NodeError> {
    let Some(dir) = &node.options().data_dir else { return Ok((None, Saved::default())) };
    let dir = dir.join("lock_table");
    let (store, saved) = LockStore::open(&dir).map_err(|e| NodeError::Invalid(format!("lock state in {}: {e}", dir.display())))?;
    let saved = saved.unwrap_or_default();
    if let Some(f) = node.recovery().and_then(|r| r.forgotten_upto)
        && let Some(lost) = (saved.state.slots + 1..=f).find(|s| !saved.decided.contains_key(s))
    {
        return Err(NodeError::Invalid(format!(
            "lock state in {}: it ends at slot {} but the node's log dropped the decisions up to slot {f} \
             (slot {lost} among them): this replica may have voted there and cannot tell; \
             start it on an empty directory to rejoin as a replica without state",
            dir.display(),
            saved.state.slots
        )));
    }
    Ok((Some(store), saved))
}

async fn read_clients(socket: Arc<UdpSocket>, tx: Sender<(SocketAddr, i64)>) {
    let mut buf = vec![0u8; 1500];
    loop {
        let Ok((len, from)) = socket.recv_from(&mut buf).await else { continue };
        let parsed = std::str::from_utf8(&buf[..len]).map_err(|_| "not UTF-8".to_string()).and_then(|t| parse_request(t, from));
        match parsed {
            Ok(request) => match tx.try_send((from, request.encode())) {
                Ok(()) => {}
                Err(TrySendError::Full(_)) => {
                    let busy = format!("ERROR: busy: {CLIENT_QUEUE} requests are waiting, retry later");
                    let _ = socket.send_to(busy.as_bytes(), from).await;
                }
                Err(TrySendError::Closed(_)) => return,
            },
            Err(e) => {
                let _ = socket.send_to(format!("ERROR: {e}").as_bytes(), from).await;
            }
        }
    }
}

struct Current {
    client: SocketAddr,
    value: i64,
    slot: Option<u64>,
    tries: u32,
}

struct Service<P> {
    node: Node,
    socket: Arc<UdpSocket>,
    tx: UnboundedSender<Event>,
    applied: Arc<AtomicU64>,
    state: Arc<Mutex<LockState>>,
    decided: BTreeMap<u64, i64>,
    /// The state on disk (with a data directory), and whether this turn
    /// changed what it holds.
    store: Option<LockStore>,
    dirty: bool,
    current: Option<Current>,
    gap_started: u64,
    /// Ticks so far, and the tick of the state last sent to each peer
    /// behind: one `STATE` per peer and tick, however many of its messages
    /// arrive (a lost one is sent again at a later tick).
    ticks: u64,
    sent_state: BTreeMap<ProcessId, u64>,
    _p: PhantomData<fn(P)>,
}

impl<P: Process<Io = Consensus<i64>> + Serialize + DeserializeOwned> Service<P> {
    /// Serves one client request at a time; the others wait in `clients`
    /// (bounded), which is read only while no request is in progress.
    async fn run(mut self, mut rx: UnboundedReceiver<Event>, mut clients: Receiver<(SocketAddr, i64)>) {
        loop {
            tokio::select! {
                e = rx.recv() => match e {
                    Some(Event::Done(slot, Some(v))) => {
                        if slot > self.applied.load(Ordering::Relaxed) && self.decided.insert(slot, v).is_none() {
                            self.dirty = true;
                        }
                    }
                    Some(Event::Done(..)) => {}
                    Some(Event::Tick) => {
                        self.ticks += 1;
                        self.fill_gap();
                    }
                    Some(Event::Behind(peer)) => self.send_state(peer),
                    Some(Event::State(st)) => self.install(st),
                    None => return,
                },
                c = clients.recv(), if self.current.is_none() => match c {
                    Some((client, value)) => self.current = Some(Current { client, value, slot: None, tries: 0 }),
                    None => return,
                },
            }
            let replies = self.apply();
            if !self.save() {
                return;
            }
            for (to, ok) in replies {
                let _ = self.socket.send_to(if ok { b"SUCCESS" as &[u8] } else { b"FAILED" }, to).await;
            }
            self.next_request(&mut clients);
        }
    }

    /// Writes the turn's changes before its answers; false when the disk
    /// failed (the replica then stops: it cannot answer without its state
    /// on disk).
    fn save(&mut self) -> bool {
        let Some(store) = &self.store else { return true };
        if !std::mem::take(&mut self.dirty) {
            return true;
        }
        let saved = Saved { state: self.state.lock().unwrap_or_else(|e| e.into_inner()).clone(), decided: self.decided.clone() };
        if let Err(e) = store.save(&saved) {
            tracing::error!("lock manager: its state cannot be written ({e}); this replica stops");
            self.node.shutdown();
            return false;
        }
        true
    }

    /// Sends this replica's state to `peer`, once per tick.
    fn send_state(&mut self, peer: ProcessId) {
        if self.sent_state.insert(peer, self.ticks) != Some(self.ticks) {
            let st = self.state.lock().unwrap_or_else(|e| e.into_inner()).encode();
            let _ = self.node.send_user(peer, STATE, 0, &st);
        }
    }

    /// A peer's state further on than this replica's: taken as if its
    /// slots had been applied here (peers are trusted, as in the log's
    /// snapshot transfer: authenticated, no Byzantine replica). The slots
    /// it covers are not voted in again: only slots above the applied one
    /// are started, and those running below it are stopped. A request
    /// waiting for a slot it covers is tried again in the next slot (if the
    /// covered slot applied it, a request with an id is answered as then).
    fn install(&mut self, theirs: LockState) {
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if theirs.slots <= st.slots {
            return;
        }
        let (from, to) = (st.slots, theirs.slots);
        *st = theirs;
        drop(st);
        self.applied.store(to, Ordering::Relaxed);
        self.decided = self.decided.split_off(&(to + 1));
        self.dirty = true;
        for slot in from + 1..=to.min(from + MAX_STOPPED) {
            self.node.stop_instance(slot);
        }
        if let Some(c) = &mut self.current
            && c.slot.is_some_and(|s| s <= to)
        {
            c.slot = None;
        }
        tracing::info!(from, to, "lock manager: installed a peer's state");
    }

    /// Applies the decided prefix; returns the answers due.
    fn apply(&mut self) -> Vec<(SocketAddr, bool)> {
        let mut replies = Vec::new();
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        while let Some(v) = self.decided.remove(&(st.slots + 1)) {
            self.dirty = true;
            let ok = st.apply(v);
            if let Some(c) = &mut self.current
                && c.slot == Some(st.slots)
            {
                if v == c.value {
                    replies.push((c.client, ok));
                    self.current = None;
                } else {
                    c.slot = None; // another request took the slot: try the next one
                }
            }
        }
        self.applied.store(st.slots, Ordering::Relaxed);
        replies
    }

    fn next_request(&mut self, clients: &mut Receiver<(SocketAddr, i64)>) {
        if self.current.is_none()
            && let Ok((client, value)) = clients.try_recv()
        {
            self.current = Some(Current { client, value, slot: None, tries: 0 });
        }
        let upto = self.applied.load(Ordering::Relaxed);
        let Some(c) = &mut self.current else { return };
        if c.slot.is_some_and(|s| s > upto) {
            return; // waiting for its slot's decision
        }
        if c.tries >= MAX_TRIES {
            let to = c.client;
            self.current = None;
            let s = self.socket.clone();
            tokio::spawn(async move {
                let _ = s.send_to(b"FAILED", to).await;
            });
            return self.next_request(clients);
        }
        let slot = upto + 1;
        c.slot = Some(slot);
        c.tries += 1;
        let _ = self.node.broadcast_user(ANNOUNCE, slot, &c.value.to_le_bytes());
        let tx = self.tx.clone();
        self.node.start_durable::<P>(slot, Consensus::new(c.value), move |o| {
            let _ = tx.send(Event::Done(slot, o.into_value()));
        });
    }

    /// A later slot is decided but the next one is not: start it with a no-op
    /// to learn its decision from the others (or to help decide it).
    fn fill_gap(&mut self) {
        let missing = self.applied.load(Ordering::Relaxed) + 1;
        let gap = self.decided.keys().next_back().is_some_and(|&k| k > missing);
        if gap && self.gap_started != missing {
            self.gap_started = missing;
            let tx = self.tx.clone();
            self.node.start_durable::<P>(missing, Consensus::new(NOP), move |o| {
                let _ = tx.send(Event::Done(missing, o.into_value()));
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(op: LockOp, id: u16) -> i64 {
        LockRequest { op, id }.encode()
    }

    #[test]
    fn states_round_trip_and_malformed_ones_are_refused() {
        let bob = client_id("bob");
        let last = BTreeMap::from([
            (bob, LastRequest { id: MAX_REQUEST_ID, release: true, ok: false, slot: 9 }),
            (client_id("alice"), LastRequest { id: 1, release: false, ok: true, slot: 2 }),
        ]);
        let states = [
            LockState { owner: None, slots: 0, last: BTreeMap::new() },
            LockState { owner: Some(bob), slots: 1 << 40, last },
        ];
        for st in states {
            assert_eq!(LockState::decode(&st.encode()), Some(st));
        }
        assert_eq!(LockState::decode(&[0; 15]), None);
        assert_eq!(LockState::decode(&[0; 17]), None);
        let free = LockState { owner: None, slots: 3, last: BTreeMap::new() };
        let mut beyond = free.encode();
        beyond[8..].copy_from_slice(&(ID_MASK + 1).to_le_bytes());
        assert_eq!(LockState::decode(&beyond), None, "no client id has more than 48 bits");
        let mut no_id = free.encode();
        no_id.extend_from_slice(&[0; 16]);
        assert_eq!(LockState::decode(&no_id), None, "a remembered request has an id");
        let mut too_many = free.encode();
        for c in 0..=MAX_CLIENTS as u64 {
            too_many.extend_from_slice(&(c | 1 << 48).to_le_bytes());
            too_many.extend_from_slice(&[0; 8]);
        }
        assert_eq!(LockState::decode(&too_many), None, "at most MAX_CLIENTS clients");
    }

    #[test]
    fn ops_round_trip_and_apply() {
        let (a, b) = (client_id("alice"), client_id("bob"));
        assert_ne!(a, b);
        for op in [LockOp::Acquire(a), LockOp::Release(b)] {
            assert_eq!(LockOp::decode(op.encode()), Some(op));
            for id in [0, 1, MAX_REQUEST_ID] {
                let r = LockRequest { op, id };
                assert!(r.encode() > 0, "values stay positive");
                assert_eq!(LockRequest::decode(r.encode()), Some(r));
                assert_eq!(LockOp::decode(r.encode()), Some(op));
            }
        }
        assert_eq!(LockOp::decode(NOP), None);
        assert_eq!(LockRequest::decode(-1), None);
        let mut s = LockState::default();
        assert!(s.apply(LockOp::Acquire(a).encode()));
        assert!(!s.apply(LockOp::Acquire(b).encode()));
        assert!(!s.apply(LockOp::Release(b).encode()));
        assert!(!s.apply(NOP) && s.owner == Some(a));
        assert!(s.apply(LockOp::Release(a).encode()));
        assert!(s.apply(LockOp::Acquire(b).encode()));
        assert_eq!((s.owner, s.slots), (Some(b), 6));
        assert!(s.last.is_empty(), "requests without an id are not remembered");
    }

    /// A release decided twice (a retry after a lost answer) is answered
    /// `SUCCESS` twice and applied once: the lock someone else took in
    /// between stays theirs. Without an id, the retry fails.
    #[test]
    fn a_retried_request_with_an_id_is_applied_once() {
        let (a, b) = (client_id("alice"), client_id("bob"));
        let mut s = LockState::default();
        assert!(s.apply(req(LockOp::Acquire(a), 1)));
        assert!(s.apply(req(LockOp::Release(a), 2)));
        assert!(s.apply(req(LockOp::Acquire(b), 1)));
        assert!(s.apply(req(LockOp::Release(a), 2)), "the retry gets the first answer");
        assert_eq!(s.owner, Some(b), "and is not applied again");
        assert!(!s.apply(req(LockOp::Release(a), 3)), "a new request is applied");
        assert!(!s.apply(LockOp::Release(a).encode()), "as is one without an id");
        assert!(!s.apply(req(LockOp::Acquire(a), 3)), "the same id with another operation is a new request");
        assert_eq!((s.owner, s.slots), (Some(b), 7));
    }

    /// The table keeps the `MAX_CLIENTS` most recently active clients: the
    /// least recent is forgotten, and its retry is applied again.
    #[test]
    fn the_least_recently_active_client_is_forgotten_first() {
        let mut s = LockState::default();
        assert!(s.apply(req(LockOp::Acquire(0), 1)));
        assert!(s.apply(req(LockOp::Release(0), 2)));
        for c in 1..=MAX_CLIENTS as u64 {
            assert!(!s.apply(req(LockOp::Release(c), 1)));
        }
        assert_eq!(s.last.len(), MAX_CLIENTS);
        assert!(!s.last.contains_key(&0), "client 0 was the least recently active");
        assert!(!s.apply(req(LockOp::Release(0), 2)), "its retry is a new request: the lock is free");
    }

    #[test]
    fn requests_parse_with_clear_errors() {
        let from: SocketAddr = "127.0.0.1:9".parse().unwrap();
        let alice = client_id("alice");
        assert_eq!(parse_request("acquire alice", from), Ok(LockRequest { op: LockOp::Acquire(alice), id: 0 }));
        assert_eq!(parse_request(" release  alice 17\n", from), Ok(LockRequest { op: LockOp::Release(alice), id: 17 }));
        assert_eq!(parse_request("acquire", from), Ok(LockRequest { op: LockOp::Acquire(client_id("127.0.0.1:9")), id: 0 }));
        assert!(parse_request("steal alice", from).unwrap_err().contains("unknown command"));
        assert!(parse_request("acquire a 1 b", from).unwrap_err().contains("too many"));
        assert!(parse_request("acquire a 0", from).unwrap_err().contains("not in 1..=8191"));
        assert!(parse_request("acquire a 8192", from).unwrap_err().contains("not in 1..=8191"));
        assert!(parse_request("acquire a x", from).unwrap_err().contains("request id"));
        assert!(parse_request("", from).is_err());
    }
}
