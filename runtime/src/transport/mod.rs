//! Transports move packets between replicas: UDP, TCP (length-prefixed
//! frames, reconnecting) and an in-memory network with seeded faults
//! (loss, duplication, delays, partitions, crashes).
//! Every transport hands received packets to an [`Inbound`], which checks
//! their authentication when the cluster has a key (see [`crate::auth`]),
//! decodes them, drops what is malformed, forged, replayed, of another
//! cluster or epoch, from an unknown sender or (UDP) from an address that
//! is not the claimed sender's (counting each), and routes the rest to the
//! event loops, within each loop's inbound byte budget (what does not fit
//! is dropped and counted).

mod mem;
mod mem_queue;
mod tcp;
mod udp;

pub use mem::{MemCounters, MemFaults, MemNetwork, MemTransport};
pub use tcp::TcpTransport;
pub use udp::UdpTransport;

use crate::auth::{Rejection, Verifier};
use crate::dsl::ProcessId;
use crate::engine::Stats;
use crate::engine::budget::ByteBudget;
use crate::engine::shard::ShardMsg;
use crate::wire::{self, WireMsg};
use bytes::Bytes;
use std::sync::Arc;
use tokio::sync::mpsc::UnboundedSender;

/// Sends packets to replicas.
pub trait Transport: Send + Sync + 'static {
    /// Sends `packet` to `to`; `false` if it could not be handed over
    /// (counted as a send error; the round model tolerates the loss).
    fn send(&self, to: ProcessId, packet: Bytes) -> bool;
    /// Stops the transport's tasks.
    fn close(&self) {}
}

/// Where a packet came from, as far as its transport can tell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Source {
    /// No address to check (memory, TCP streams).
    Unchecked,
    /// A UDP datagram, with the replica whose configured address it came
    /// from (`None`: no replica's).
    Udp(Option<u32>),
}

/// The receiving side of a node: authenticates, validates and routes
/// packets.
#[derive(Clone)]
pub struct Inbound {
    inner: Arc<InboundInner>,
}

struct InboundInner {
    me: u32,
    n: u32,
    epoch: u32,
    verifier: Option<Verifier>,
    shards: Vec<UnboundedSender<ShardMsg>>,
    /// Per event loop: the bytes its queue may hold.
    budgets: Vec<ByteBudget>,
    stats: Arc<Stats>,
}

/// What one queued batch costs beyond its packet and decoded headers.
const BATCH_OVERHEAD: usize = 64;

impl Inbound {
    pub(crate) fn new(
        me: ProcessId,
        n: usize,
        epoch: u32,
        verifier: Option<Verifier>,
        shards: Vec<UnboundedSender<ShardMsg>>,
        budgets: Vec<ByteBudget>,
        stats: Arc<Stats>,
    ) -> Inbound {
        let inner = InboundInner { me: me.as_u32(), n: n as u32, epoch, verifier, shards, budgets, stats };
        Inbound { inner: Arc::new(inner) }
    }

    /// Decodes `packet` and hands its valid messages to the event loops.
    /// Never panics, whatever the bytes.
    pub fn deliver(&self, packet: Bytes) {
        self.receive(packet, Source::Unchecked);
    }

    /// Opens a sealed packet (when the node has a key); `Err` after counting
    /// why it was refused.
    fn open(&self, packet: Bytes) -> Result<(Option<u32>, Bytes), ()> {
        let s = &*self.inner;
        let Some(v) = &s.verifier else { return Ok((None, packet)) };
        v.open(packet).map(|(q, body)| (Some(q), body)).map_err(|r| {
            let st = &s.stats;
            Stats::inc(match r {
                Rejection::Short | Rejection::ForeignCluster => &st.foreign_cluster,
                Rejection::Forged => &st.forged,
                Rejection::UnknownSender => &st.unknown_sender,
                Rejection::Replayed => &st.replayed,
            })
        })
    }

    pub(crate) fn receive(&self, packet: Bytes, source: Source) {
        let s = &*self.inner;
        Stats::inc(&s.stats.packets_received);
        let Ok((sealed_by, body)) = self.open(packet) else { return };
        if let (Source::Udp(from), Some(q)) = (source, sealed_by)
            && from != Some(q)
        {
            Stats::inc(&s.stats.wrong_source);
            return;
        }
        let k = s.shards.len();
        // Each batch keeps the whole packet alive until its event loop has
        // taken it in: charge the packet to every batch.
        let packet_len = body.len();
        let mut per: Vec<Vec<WireMsg>> = (0..k).map(|_| Vec::new()).collect();
        for m in wire::messages(body) {
            match m {
                Err(_) => Stats::inc(&s.stats.malformed),
                Ok(w) if sealed_by.is_some_and(|q| q != w.header.sender) => Stats::inc(&s.stats.forged),
                Ok(w) if w.header.sender >= s.n || w.header.sender == s.me => Stats::inc(&s.stats.unknown_sender),
                Ok(w) if matches!(source, Source::Udp(from) if from != Some(w.header.sender)) => {
                    Stats::inc(&s.stats.wrong_source)
                }
                Ok(w) if w.header.epoch != s.epoch => Stats::inc(&s.stats.wrong_epoch),
                Ok(w) => {
                    Stats::inc(&s.stats.msgs_received);
                    per[(w.header.instance % k as u64) as usize].push(w);
                }
            }
        }
        for (i, msgs) in per.into_iter().enumerate() {
            if msgs.is_empty() {
                continue;
            }
            let cost = packet_len + msgs.len() * std::mem::size_of::<WireMsg>() + BATCH_OVERHEAD;
            if !s.budgets[i].try_take(cost) {
                Stats::add(&s.stats.inbound_full, msgs.len() as u64);
                continue;
            }
            if s.shards[i].send(ShardMsg::Net { msgs, cost }).is_err() {
                s.budgets[i].release(cost);
            }
        }
    }
}
