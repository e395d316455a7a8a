//! A node: one replica's runtime, its event loops and its transport.

use crate::auth::{Sealer, Verifier, require_key_off_loopback};
use crate::config::{Config, ConfigError, Options, Protocol};
use crate::dsl::{Process, ProcessId, ProcessIo};
use crate::durable::{self, Incarnation, LoopLog, Recovery};
use crate::engine::budget::ByteBudget;
use crate::engine::handler::{DefaultHandler, DropUnknown, Starter};
use crate::engine::outbound::Outbound;
use crate::engine::shard::{Shard, ShardMsg};
use crate::engine::{Outcome, Stats, StatsSnapshot};
use crate::transport::{Inbound, MemNetwork, TcpTransport, Transport, UdpTransport};
use bytes::Bytes;
use serde::{Serialize, de::DeserializeOwned};
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, error::SendError, unbounded_channel};

/// A node could not start.
#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    /// Binding or connecting failed.
    #[error("network: {0}")]
    Io(#[from] std::io::Error),
    /// The configuration is invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// Anything else, explained.
    #[error("{0}")]
    Invalid(String),
}

/// Configures a node before choosing its transport.
pub struct NodeBuilder {
    me: ProcessId,
    n: usize,
    opts: Options,
    handler: Arc<dyn DefaultHandler>,
}

struct Parts {
    inbound: Inbound,
    txs: Vec<UnboundedSender<ShardMsg>>,
    rxs: Vec<UnboundedReceiver<ShardMsg>>,
    budgets: Vec<ByteBudget>,
    stats: Arc<Stats>,
    wal: Option<(Recovery, Vec<LoopLog>)>,
}

impl NodeBuilder {
    /// The handler for messages of unknown instances (default: drop).
    pub fn handler(mut self, h: impl DefaultHandler) -> NodeBuilder {
        self.handler = Arc::new(h);
        self
    }

    fn check(&self) -> Result<(), NodeError> {
        self.opts.validate()?;
        if self.me.index() >= self.n {
            return Err(NodeError::Invalid(format!("replica id {} is not in 0..{}", self.me.index(), self.n)));
        }
        if self.opts.f >= self.n {
            return Err(NodeError::Invalid(format!("f = {} must be smaller than n = {}", self.opts.f, self.n)));
        }
        Ok(())
    }

    fn parts(&self) -> Result<Parts, NodeError> {
        let wal = match &self.opts.data_dir {
            Some(dir) => Some(
                durable::open(dir, self.opts.workers, durable::Limits {
                    decision_log: self.opts.decision_log,
                    decision_log_bytes: self.opts.decision_log_bytes,
                    tombstones: self.opts.tombstones,
                })
                    .map_err(|e| NodeError::Invalid(format!("data directory {}: {e}", dir.display())))?,
            ),
            None => None,
        };
        let stats = Arc::new(Stats::default());
        let (txs, rxs): (Vec<_>, Vec<_>) = (0..self.opts.workers).map(|_| unbounded_channel()).unzip();
        let budgets: Vec<_> = (0..self.opts.workers).map(|_| ByteBudget::new(self.opts.inbound_queue_bytes)).collect();
        let verifier = self.opts.key.as_ref().map(|k| Verifier::new(k, self.me.as_u32(), self.n));
        let inbound = Inbound::new(self.me, self.n, self.opts.epoch, verifier, txs.clone(), budgets.clone(), stats.clone());
        Ok(Parts { inbound, txs, rxs, budgets, stats, wal })
    }

    fn finish(self, parts: Parts, transport: Arc<dyn Transport>) -> Node {
        let Parts { txs, rxs, budgets, stats, wal, .. } = parts;
        let (recovery, mut logs) = match wal {
            Some((r, logs)) => (Some(r), logs.into_iter().map(Some).collect()),
            None => (None, Vec::new()),
        };
        let incarnation = recovery.as_ref().map_or_else(Incarnation::from_clock, |r| r.incarnation);
        let sealer = self.opts.key.as_ref().map(|k| Arc::new(Sealer::new(k, self.me.as_u32(), self.n, incarnation)));
        for (k, (rx, budget)) in rxs.into_iter().zip(budgets).enumerate() {
            let (e, mp) = (self.opts.epoch, self.opts.max_packet);
            let mut out = Outbound::new(self.me, self.n, e, mp, sealer.clone(), transport.clone(), stats.clone());
            let wal = logs.get_mut(k).and_then(Option::take);
            if wal.is_some() {
                out.hold_until_flush();
            }
            let shard = Shard::new(self.me, self.opts.clone(), stats.clone(), rx, out, self.handler.clone(), wal, budget);
            tokio::spawn(shard.run());
        }
        let inner = NodeInner { me: self.me, n: self.n, opts: self.opts, shards: txs, stats, transport, incarnation, recovery };
        Node { inner: Arc::new(inner) }
    }

    /// Starts on the in-memory network `net` (inside a tokio runtime).
    pub fn memory(self, net: &MemNetwork) -> Result<Node, NodeError> {
        self.check()?;
        if net.n() != self.n {
            return Err(NodeError::Invalid(format!("network has {} nodes, expected {}", net.n(), self.n)));
        }
        let parts = self.parts()?;
        let t = net.attach(self.me, parts.inbound.clone());
        Ok(self.finish(parts, Arc::new(t)))
    }

    /// Starts on UDP, bound to `addrs[me]`. Refused without a cluster key
    /// unless every address is a loopback address.
    pub async fn udp(self, addrs: Vec<SocketAddr>) -> Result<Node, NodeError> {
        self.check()?;
        require_key_off_loopback(&addrs, self.opts.key.as_ref()).map_err(NodeError::Invalid)?;
        let parts = self.parts()?;
        let t = UdpTransport::bind(self.me, addrs, parts.inbound.clone()).await?;
        Ok(self.finish(parts, Arc::new(t)))
    }

    /// Starts on TCP, listening on `addrs[me]`. Refused without a cluster
    /// key unless every address is a loopback address.
    pub async fn tcp(self, addrs: Vec<SocketAddr>) -> Result<Node, NodeError> {
        self.check()?;
        require_key_off_loopback(&addrs, self.opts.key.as_ref()).map_err(NodeError::Invalid)?;
        let parts = self.parts()?;
        let t = TcpTransport::bind(self.me, addrs, parts.inbound.clone(), &self.opts, parts.stats.clone()).await?;
        Ok(self.finish(parts, Arc::new(t)))
    }
}

struct NodeInner {
    me: ProcessId,
    n: usize,
    opts: Options,
    shards: Vec<UnboundedSender<ShardMsg>>,
    stats: Arc<Stats>,
    transport: Arc<dyn Transport>,
    incarnation: Incarnation,
    recovery: Option<Recovery>,
}

impl Drop for NodeInner {
    fn drop(&mut self) {
        for s in &self.shards {
            let _ = s.send(ShardMsg::Shutdown);
        }
        self.transport.close();
    }
}

/// One replica's runtime. Cheap to clone; the last clone dropped shuts it
/// down (as does [`Node::shutdown`]).
#[derive(Clone)]
pub struct Node {
    inner: Arc<NodeInner>,
}

impl Node {
    /// A builder for replica `me` of `n`.
    pub fn builder(me: ProcessId, n: usize, opts: Options) -> NodeBuilder {
        NodeBuilder { me, n, opts, handler: Arc::new(DropUnknown) }
    }

    /// Starts replica `me` of `cfg` with the configured UDP or TCP transport.
    pub async fn from_config(cfg: &Config, me: ProcessId, handler: impl DefaultHandler) -> Result<Node, NodeError> {
        cfg.validate()?;
        let b = Node::builder(me, cfg.n(), cfg.options.clone()).handler(handler);
        match cfg.options.protocol {
            Protocol::Udp => b.udp(cfg.addresses()?).await,
            Protocol::Tcp => b.tcp(cfg.addresses()?).await,
            Protocol::Memory => Err(NodeError::Invalid("protocol memory needs a MemNetwork: use Node::builder(..).memory(..)".into())),
        }
    }

    /// This replica.
    pub fn id(&self) -> ProcessId {
        self.inner.me
    }
    /// Number of replicas.
    pub fn n(&self) -> usize {
        self.inner.n
    }
    /// The options in force.
    pub fn options(&self) -> &Options {
        &self.inner.opts
    }
    /// The counters.
    pub fn stats(&self) -> StatsSnapshot {
        self.inner.stats.snapshot()
    }
    /// This run's incarnation (persisted and bumped at every start with a
    /// data directory; the clock otherwise).
    pub fn incarnation(&self) -> Incarnation {
        self.inner.incarnation
    }
    /// What was recovered from the data directory, if there is one.
    pub fn recovery(&self) -> Option<&Recovery> {
        self.inner.recovery.as_ref()
    }

    fn shard(&self, id: u64) -> &UnboundedSender<ShardMsg> {
        &self.inner.shards[(id % self.inner.shards.len() as u64) as usize]
    }

    /// Starts instance `id` of `P` from `io`; `done` receives the outcome
    /// (on the event loop: keep it short).
    pub fn start_instance<P: Process>(&self, id: u64, io: P::Io, done: impl FnOnce(Outcome<<P::Io as ProcessIo>::Output>) + Send + 'static) {
        let s = Starter::new::<P>(io, done);
        if let Err(SendError(ShardMsg::Start(id, make))) = self.shard(id).send(ShardMsg::Start(id, s.0))
            && let Some(inst) = make(id, self.inner.me, self.inner.n, &self.inner.opts)
        {
            inst.reject("the node is shut down".into());
        }
    }

    /// Starts instance `id` of `P`, its state saved in the write-ahead log
    /// (with a data directory): after a restart, starting `id` again
    /// resumes it where it was (see [`crate::durable`]). Without a data
    /// directory, the same as [`Node::start_instance`].
    pub fn start_durable<P: Process + Serialize + DeserializeOwned>(
        &self,
        id: u64,
        io: P::Io,
        done: impl FnOnce(Outcome<<P::Io as ProcessIo>::Output>) + Send + 'static,
    ) {
        let s = Starter::durable::<P>(io, done);
        if let Err(SendError(ShardMsg::Start(id, make))) = self.shard(id).send(ShardMsg::Start(id, s.0))
            && let Some(inst) = make(id, self.inner.me, self.inner.n, &self.inner.opts)
        {
            inst.reject("the node is shut down".into());
        }
    }

    /// Starts instance `id` of `P` durably (see [`Node::start_durable`])
    /// and waits for its outcome.
    pub async fn propose_durable<P: Process + Serialize + DeserializeOwned>(&self, id: u64, io: P::Io) -> Outcome<<P::Io as ProcessIo>::Output> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.start_durable::<P>(id, io, move |o| {
            let _ = tx.send(o);
        });
        rx.await.unwrap_or(Outcome::Stopped)
    }

    /// Starts instance `id` of `P` and waits for its outcome.
    pub async fn propose<P: Process>(&self, id: u64, io: P::Io) -> Outcome<<P::Io as ProcessIo>::Output> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.start_instance::<P>(id, io, move |o| {
            let _ = tx.send(o);
        });
        rx.await.unwrap_or(Outcome::Stopped)
    }

    /// Stops instance `id` (its outcome becomes `Stopped`), even if it waits
    /// without a deadline.
    pub fn stop_instance(&self, id: u64) {
        let _ = self.shard(id).send(ShardMsg::Stop(id));
    }

    /// Sends an application message with user flag `flag` (`0x80..=0xff`)
    /// to `to`, tagged with `instance` (which need not be running anywhere).
    /// It goes through the event loop of `instance`, after whatever that loop
    /// was asked to do before: a message sent just before
    /// [`Node::start_instance`] of the same id reaches each peer before the
    /// instance's first round message. The receiver's default handler sees
    /// it unless the instance runs there (running instances ignore user
    /// flags). Sending to this node itself is an error: handle it locally.
    pub fn send_user(&self, to: ProcessId, flag: u8, instance: u64, payload: &[u8]) -> Result<(), NodeError> {
        if flag < 0x80 {
            return Err(NodeError::Invalid(format!("user flag {flag:#04x} is not in 0x80..=0xff")));
        }
        if to == self.inner.me || to.index() >= self.inner.n {
            return Err(NodeError::Invalid(format!("cannot send a user message to {to} (this node is {}, n = {})", self.inner.me, self.inner.n)));
        }
        let m = ShardMsg::User { to: Some(to), flag, instance, payload: Bytes::copy_from_slice(payload) };
        self.shard(instance).send(m).map_err(|_| NodeError::Invalid("the node is shut down".into()))
    }

    /// Sends an application message to every other replica (see
    /// [`Node::send_user`]).
    pub fn broadcast_user(&self, flag: u8, instance: u64, payload: &[u8]) -> Result<(), NodeError> {
        if flag < 0x80 {
            return Err(NodeError::Invalid(format!("user flag {flag:#04x} is not in 0x80..=0xff")));
        }
        let m = ShardMsg::User { to: None, flag, instance, payload: Bytes::copy_from_slice(payload) };
        self.shard(instance).send(m).map_err(|_| NodeError::Invalid("the node is shut down".into()))
    }

    /// Stops every instance and the transport.
    pub fn shutdown(&self) {
        for s in &self.inner.shards {
            let _ = s.send(ShardMsg::Shutdown);
        }
        self.inner.transport.close();
    }
}
