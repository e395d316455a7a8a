//! Transports move packets between replicas: UDP, TCP (length-prefixed
//! frames, reconnecting) and an in-memory network with seeded faults.
//! Every transport hands received packets to an [`Inbound`], which decodes
//! them, drops what is malformed, foreign, of another epoch or from an
//! unknown sender (counting each), and routes the rest to the event loops.

mod mem;
mod tcp;
mod udp;

pub use mem::{MemFaults, MemNetwork, MemTransport};
pub use tcp::TcpTransport;
pub use udp::UdpTransport;

use crate::dsl::ProcessId;
use crate::engine::Stats;
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

/// The receiving side of a node: validates and routes packets.
#[derive(Clone)]
pub struct Inbound {
    inner: Arc<InboundInner>,
}

struct InboundInner {
    me: u32,
    n: u32,
    epoch: u32,
    shards: Vec<UnboundedSender<ShardMsg>>,
    stats: Arc<Stats>,
}

impl Inbound {
    pub(crate) fn new(me: ProcessId, n: usize, epoch: u32, shards: Vec<UnboundedSender<ShardMsg>>, stats: Arc<Stats>) -> Inbound {
        Inbound { inner: Arc::new(InboundInner { me: me.as_u32(), n: n as u32, epoch, shards, stats }) }
    }

    /// Decodes `packet` and hands its valid messages to the event loops.
    /// Never panics, whatever the bytes.
    pub fn deliver(&self, packet: Bytes) {
        let s = &*self.inner;
        Stats::inc(&s.stats.packets_received);
        let k = s.shards.len();
        let mut per: Vec<Vec<WireMsg>> = (0..k).map(|_| Vec::new()).collect();
        for m in wire::messages(packet) {
            match m {
                Err(_) => Stats::inc(&s.stats.malformed),
                Ok(w) if w.header.sender >= s.n || w.header.sender == s.me => Stats::inc(&s.stats.unknown_sender),
                Ok(w) if w.header.epoch != s.epoch => Stats::inc(&s.stats.wrong_epoch),
                Ok(w) => {
                    Stats::inc(&s.stats.msgs_received);
                    per[(w.header.instance % k as u64) as usize].push(w);
                }
            }
        }
        for (i, v) in per.into_iter().enumerate() {
            if !v.is_empty() {
                let _ = s.shards[i].send(ShardMsg::Net(v));
            }
        }
    }
}
