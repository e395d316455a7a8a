//! A replicated lock manager (PSync's LockManager): clients send `acquire`
//! or `release` over UDP to any replica; the replica runs one consensus
//! instance (any `Consensus<i64>` algorithm, e.g. OTR or LastVoting) on the
//! next slot of the lock's history, applies the decided operations in slot
//! order, and answers `SUCCESS` or `FAILED` once its request was decided.
//!
//! Client protocol, one UDP datagram each way: `acquire [name]` or
//! `release [name]` (the name identifies the client; without one, its source
//! address does), answered by `SUCCESS`, `FAILED` or `ERROR: <why>`. At most
//! [`CLIENT_QUEUE`] requests wait at a replica; beyond that a request is
//! answered `ERROR: busy …` at once.
//!
//! **Durability** (with the node's `data_dir`): slots run durably (the node
//! journals each slot's state before its messages), and the lock table
//! with the decided slots above it is written to `lock_table/state` at the end of
//! every turn that changed it, before the turn's answers (`lock_store.rs`).
//! A replica restarted on its directory has the table it had, resumes the
//! slots it was voting in, and learns the others from its peers. An answer
//! sent was on disk first; a request whose answer was not sent is lost with
//! the replica (the client asks again: `acquire` by the holder succeeds
//! again, a second `release` fails). A replica whose node's log dropped a
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
        let (op, c) = ((v as u64) >> 48, (v as u64) & ID_MASK);
        match op {
            1 => Some(LockOp::Acquire(c)),
            2 => Some(LockOp::Release(c)),
            _ => None,
        }
    }
}

/// The 48-bit identity of a client name (FNV-1a).
pub fn client_id(name: &str) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ b as u64).wrapping_mul(0x100_0000_01b3)) & ID_MASK
}

/// Parses a client datagram; `from` names a client that gives no name.
pub fn parse_request(text: &str, from: SocketAddr) -> Result<LockOp, String> {
    let mut words = text.split_whitespace();
    let verb = words.next().unwrap_or("");
    let name = words.next().map(str::to_owned).unwrap_or_else(|| from.to_string());
    if words.next().is_some() {
        return Err("too many words: expected `acquire [name]` or `release [name]`".into());
    }
    match verb {
        "acquire" => Ok(LockOp::Acquire(client_id(&name))),
        "release" => Ok(LockOp::Release(client_id(&name))),
        _ => Err(format!("unknown command `{verb}`: expected `acquire [name]` or `release [name]`")),
    }
}

/// The replicated state: who holds the lock.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LockState {
    /// The holder's client id.
    pub owner: Option<u64>,
    /// Slots applied.
    pub slots: u64,
}

impl LockState {
    /// The state as a `STATE` message: the slots, then the owner (or
    /// `u64::MAX` for none).
    fn encode(&self) -> [u8; 16] {
        let mut b = [0u8; 16];
        b[..8].copy_from_slice(&self.slots.to_le_bytes());
        b[8..].copy_from_slice(&self.owner.unwrap_or(u64::MAX).to_le_bytes());
        b
    }

    /// A `STATE` message's state (`None` if malformed: wrong length, an
    /// owner beyond a client id).
    fn decode(b: &[u8]) -> Option<LockState> {
        let slots = u64::from_le_bytes(b.get(..8)?.try_into().ok()?);
        let owner = u64::from_le_bytes(b.get(8..16)?.try_into().ok()?);
        (b.len() == 16 && (owner == u64::MAX || owner <= ID_MASK))
            .then_some(LockState { owner: (owner != u64::MAX).then_some(owner), slots })
    }

    /// Applies one decided value; `true` if the operation succeeded.
    fn apply(&mut self, v: i64) -> bool {
        self.slots += 1;
        match LockOp::decode(v) {
            Some(LockOp::Acquire(c)) if self.owner.is_none_or(|o| o == c) => {
                self.owner = Some(c);
                true
            }
            Some(LockOp::Release(c)) if self.owner == Some(c) => {
                self.owner = None;
                true
            }
            _ => false,
        }
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
        let state = Arc::new(Mutex::new(saved.state));
        // The slots it was voting in resume at their saved round (the
        // value is the saved state's, not this one).
        let resume: Vec<u64> = node.recovery().map_or_else(Vec::new, |r| r.resumable.iter().copied().filter(|&s| s > saved.state.slots).collect());
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
        *self.state.lock().unwrap_or_else(|e| e.into_inner())
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
            Ok(op) => match tx.try_send((from, op.encode())) {
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
        let saved = Saved { state: *self.state.lock().unwrap_or_else(|e| e.into_inner()), decided: self.decided.clone() };
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
            let st = *self.state.lock().unwrap_or_else(|e| e.into_inner());
            let _ = self.node.send_user(peer, STATE, 0, &st.encode());
        }
    }

    /// A peer's state further on than this replica's: taken as if its
    /// slots had been applied here (peers are trusted, as in the log's
    /// snapshot transfer: authenticated, no Byzantine replica). The slots
    /// it covers are not voted in again: only slots above the applied one
    /// are started, and those running below it are stopped. A request
    /// waiting for a slot it covers is tried again in the next slot.
    fn install(&mut self, theirs: LockState) {
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if theirs.slots <= st.slots {
            return;
        }
        let from = st.slots;
        *st = theirs;
        drop(st);
        self.applied.store(theirs.slots, Ordering::Relaxed);
        self.decided = self.decided.split_off(&(theirs.slots + 1));
        self.dirty = true;
        for slot in from + 1..=theirs.slots.min(from + MAX_STOPPED) {
            self.node.stop_instance(slot);
        }
        if let Some(c) = &mut self.current
            && c.slot.is_some_and(|s| s <= theirs.slots)
        {
            c.slot = None;
        }
        tracing::info!(from, to = theirs.slots, "lock manager: installed a peer's state");
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

    #[test]
    fn states_round_trip_and_malformed_ones_are_refused() {
        for st in [LockState { owner: None, slots: 0 }, LockState { owner: Some(client_id("bob")), slots: 1 << 40 }] {
            assert_eq!(LockState::decode(&st.encode()), Some(st));
        }
        assert_eq!(LockState::decode(&[0; 15]), None);
        assert_eq!(LockState::decode(&[0; 17]), None);
        let mut beyond = LockState { owner: None, slots: 3 }.encode();
        beyond[8..].copy_from_slice(&(ID_MASK + 1).to_le_bytes());
        assert_eq!(LockState::decode(&beyond), None, "no client id has more than 48 bits");
    }

    #[test]
    fn ops_round_trip_and_apply() {
        let (a, b) = (client_id("alice"), client_id("bob"));
        assert_ne!(a, b);
        for op in [LockOp::Acquire(a), LockOp::Release(b)] {
            assert_eq!(LockOp::decode(op.encode()), Some(op));
        }
        assert_eq!(LockOp::decode(NOP), None);
        let mut s = LockState::default();
        assert!(s.apply(LockOp::Acquire(a).encode()));
        assert!(!s.apply(LockOp::Acquire(b).encode()));
        assert!(!s.apply(LockOp::Release(b).encode()));
        assert!(!s.apply(NOP) && s.owner == Some(a));
        assert!(s.apply(LockOp::Release(a).encode()));
        assert!(s.apply(LockOp::Acquire(b).encode()));
        assert_eq!((s.owner, s.slots), (Some(b), 6));
    }

    #[test]
    fn requests_parse_with_clear_errors() {
        let from: SocketAddr = "127.0.0.1:9".parse().unwrap();
        assert_eq!(parse_request("acquire alice", from), Ok(LockOp::Acquire(client_id("alice"))));
        assert_eq!(parse_request(" release  alice\n", from), Ok(LockOp::Release(client_id("alice"))));
        assert_eq!(parse_request("acquire", from), Ok(LockOp::Acquire(client_id("127.0.0.1:9"))));
        assert!(parse_request("steal alice", from).unwrap_err().contains("unknown command"));
        assert!(parse_request("acquire a b", from).unwrap_err().contains("too many"));
        assert!(parse_request("", from).is_err());
    }
}
