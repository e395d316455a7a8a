//! Outgoing messages, batched per destination and flushed once per event-loop
//! turn (or earlier when a packet would exceed `max_packet`).

use crate::auth::{Sealer, TRAILER_LEN};
use crate::dsl::ProcessId;
use crate::engine::Stats;
use crate::transport::Transport;
use crate::wire::{self, Flag, HEADER_LEN, Header};
use bytes::BytesMut;
use std::sync::Arc;

pub(crate) struct Outbound {
    me: ProcessId,
    epoch: u32,
    max_packet: usize,
    sealer: Option<Arc<Sealer>>,
    bufs: Vec<BytesMut>,
    counts: Vec<u64>,
    transport: Arc<dyn Transport>,
    stats: Arc<Stats>,
    /// Packets completed before the end of the turn, held until `flush`
    /// (with a write-ahead log, nothing leaves before the turn is durable).
    held: Option<Vec<(usize, bytes::Bytes)>>,
}

impl Outbound {
    /// With a `sealer`, every packet gets its authenticated trailer, within
    /// `max_packet`.
    pub(crate) fn new(
        me: ProcessId,
        n: usize,
        epoch: u32,
        max_packet: usize,
        sealer: Option<Arc<Sealer>>,
        transport: Arc<dyn Transport>,
        stats: Arc<Stats>,
    ) -> Outbound {
        let max_packet = if sealer.is_some() { max_packet.saturating_sub(TRAILER_LEN) } else { max_packet };
        Outbound { me, epoch, max_packet, sealer, bufs: vec![BytesMut::new(); n], counts: vec![0; n], transport, stats, held: None }
    }

    /// Holds every packet until the next `flush`.
    pub(crate) fn hold_until_flush(&mut self) {
        self.held = Some(Vec::new());
    }

    pub(crate) fn n(&self) -> usize {
        self.bufs.len()
    }

    /// Queues one message for `to` (never this node).
    pub(crate) fn push(&mut self, to: ProcessId, flag: Flag, instance: u64, round: u64, payload: &[u8]) {
        let i = to.index();
        if to == self.me || i >= self.bufs.len() {
            return;
        }
        if !self.bufs[i].is_empty() && self.bufs[i].len() + HEADER_LEN + payload.len() > self.max_packet {
            self.flush_one(i, false);
        }
        let h = Header { flag, epoch: self.epoch, sender: self.me.as_u32(), instance, round };
        wire::put_msg(&mut self.bufs[i], &h, payload);
        self.counts[i] += 1;
    }

    /// Queues `payload` for every other process: encoded once, copied per
    /// destination buffer.
    pub(crate) fn broadcast(&mut self, flag: Flag, instance: u64, round: u64, payload: &[u8]) {
        for q in 0..self.bufs.len() {
            self.push(ProcessId::new(q), flag, instance, round, payload);
        }
    }

    fn flush_one(&mut self, i: usize, now: bool) {
        if self.bufs[i].is_empty() {
            return;
        }
        if let Some(s) = &self.sealer {
            s.seal(i, &mut self.bufs[i]);
        }
        let packet = self.bufs[i].split().freeze();
        if let Some(held) = self.held.as_mut().filter(|_| !now) {
            held.push((i, packet));
            return;
        }
        self.send(i, packet);
    }

    fn send(&mut self, i: usize, packet: bytes::Bytes) {
        Stats::inc(&self.stats.packets_sent);
        Stats::add(&self.stats.msgs_sent, std::mem::take(&mut self.counts[i]));
        if !self.transport.send(ProcessId::new(i), packet) {
            Stats::inc(&self.stats.send_errors);
        }
    }

    /// Sends every pending packet.
    pub(crate) fn flush(&mut self) {
        let held = self.held.as_mut().map(std::mem::take).unwrap_or_default();
        for (i, packet) in held {
            self.send(i, packet);
        }
        for i in 0..self.bufs.len() {
            self.flush_one(i, true);
        }
    }
}
