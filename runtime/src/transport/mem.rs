//! The in-memory network: packets go to the receiver's event loops, with
//! seeded loss, duplication and delays (so reordering), cut links
//! (partitions) and isolated (crashed) nodes. Every random choice comes from
//! one seeded generator, drawn in send order: on a single-threaded runtime
//! with paused time (see `runtime/tests/deterministic.rs`) a seed replays
//! the same run.

use crate::dsl::ProcessId;
use crate::transport::mem_queue::{DelayQueue, InFlight};
use crate::transport::{Inbound, Transport};
use bytes::Bytes;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rustc_hash::FxHasher;
use std::hash::Hasher;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;
use tokio::time::Instant;

/// Faults of the in-memory network.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct MemFaults {
    /// Probability that a packet is lost.
    pub loss: f64,
    /// Probability that a delivered packet is delivered twice.
    pub duplicate: f64,
}

/// What the network did with the packets handed to it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MemCounters {
    /// Packets handed to the network.
    pub sent: u64,
    /// Lost to the loss probability.
    pub lost: u64,
    /// Dropped because the sender or receiver was down (isolated or not
    /// attached) when sent or when due.
    pub down: u64,
    /// Dropped on a cut link.
    pub cut: u64,
    /// Extra copies made by duplication.
    pub duplicated: u64,
    /// Handed to a receiver.
    pub delivered: u64,
    /// Delivered after a packet sent later on the same link.
    pub reordered: u64,
    /// A hash chained over every delivery (time since the network was
    /// created, sender, receiver, bytes), in delivery order: two runs with
    /// equal fingerprints delivered the same packets at the same times.
    pub fingerprint: u64,
}

struct Endpoint {
    generation: u64,
    inbound: Inbound,
}

struct Inner {
    endpoints: Vec<Option<Endpoint>>,
    next_generation: u64,
    down: Vec<bool>,
    /// Directed links, `from * n + to`: true when cut.
    cut: Vec<bool>,
    faults: MemFaults,
    delay: (Duration, Duration),
    rng: StdRng,
    queue: Option<DelayQueue>,
    seq: u64,
    /// Per directed link: the latest send order delivered.
    last_delivered: Vec<u64>,
    created: Instant,
    counters: MemCounters,
}

impl Inner {
    fn n(&self) -> usize {
        self.endpoints.len()
    }
}

/// An in-process network of `n` nodes.
#[derive(Clone)]
pub struct MemNetwork {
    inner: Arc<Mutex<Inner>>,
}

/// The fingerprint after delivering `packet` at `t` (ns since creation).
fn chain(prev: u64, t: u64, from: usize, to: usize, packet: &[u8]) -> u64 {
    let mut h = FxHasher::default();
    h.write_u64(prev);
    h.write_u64(t);
    h.write_usize(from);
    h.write_usize(to);
    h.write(packet);
    h.finish()
}

impl MemNetwork {
    /// A network of `n` nodes; faults are drawn from `seed`.
    pub fn new(n: usize, seed: u64) -> MemNetwork {
        MemNetwork {
            inner: Arc::new(Mutex::new(Inner {
                endpoints: (0..n).map(|_| None).collect(),
                next_generation: 0,
                down: vec![false; n],
                cut: vec![false; n * n],
                faults: MemFaults::default(),
                delay: (Duration::ZERO, Duration::ZERO),
                rng: StdRng::seed_from_u64(seed),
                queue: None,
                seq: 0,
                last_delivered: vec![0; n * n],
                created: Instant::now(),
                counters: MemCounters::default(),
            })),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Number of nodes.
    pub fn n(&self) -> usize {
        self.lock().n()
    }

    /// Sets loss and duplication.
    pub fn set_faults(&self, f: MemFaults) {
        self.lock().faults = f;
    }

    /// Delays every packet by a duration drawn uniformly from `min..=max`
    /// (whole milliseconds, the tokio timer's resolution), so packets
    /// overtake each other. `max` zero (the default) delivers at once,
    /// inside the sender's call.
    pub fn set_delay(&self, min: Duration, max: Duration) {
        self.lock().delay = (min.min(max), max);
    }

    /// Isolates `p` (as if crashed) or reconnects it.
    pub fn set_down(&self, p: ProcessId, down: bool) {
        if let Some(d) = self.lock().down.get_mut(p.index()) {
            *d = down;
        }
    }

    /// Cuts (`up == false`) or restores both directions of the link between
    /// `a` and `b`. Packets are checked when sent: those already in flight
    /// still arrive.
    pub fn set_link(&self, a: ProcessId, b: ProcessId, up: bool) {
        let mut g = self.lock();
        let n = g.n();
        if a.index() < n && b.index() < n {
            g.cut[a.index() * n + b.index()] = !up;
            g.cut[b.index() * n + a.index()] = !up;
        }
    }

    /// Restores every link.
    pub fn heal_links(&self) {
        self.lock().cut.fill(false);
    }

    /// The counters so far.
    pub fn counters(&self) -> MemCounters {
        self.lock().counters
    }

    /// Delivers raw bytes to `to` as if from the network (tests: garbage).
    pub fn inject(&self, to: ProcessId, packet: Bytes) {
        let ep = self.lock().endpoints.get(to.index()).and_then(|e| e.as_ref().map(|e| e.inbound.clone()));
        if let Some(ep) = ep {
            ep.deliver(packet);
        }
    }

    pub(crate) fn attach(&self, me: ProcessId, inbound: Inbound) -> MemTransport {
        let mut g = self.lock();
        let generation = g.next_generation;
        g.next_generation += 1;
        if let Some(slot) = g.endpoints.get_mut(me.index()) {
            *slot = Some(Endpoint { generation, inbound });
        }
        MemTransport { me, generation, net: self.clone() }
    }

    /// Hands `p` to its receiver if it is attached and up, counting it.
    fn arrive(&self, p: InFlight) {
        let ep = {
            let mut g = self.lock();
            let n = g.n();
            let ep = match (&g.endpoints[p.to], g.down[p.to]) {
                (Some(e), false) => e.inbound.clone(),
                _ => {
                    g.counters.down += 1;
                    return;
                }
            };
            let link = p.from * n + p.to;
            if p.seq < g.last_delivered[link] {
                g.counters.reordered += 1;
            }
            g.last_delivered[link] = g.last_delivered[link].max(p.seq);
            g.counters.delivered += 1;
            let t = Instant::now().saturating_duration_since(g.created).as_nanos() as u64;
            g.counters.fingerprint = chain(g.counters.fingerprint, t, p.from, p.to, &p.packet);
            ep
        };
        ep.deliver(p.packet);
    }

    /// The network's side of a send: faults, then delivery now or queued.
    fn send_from(&self, from: usize, to: usize, packet: Bytes) -> bool {
        let mut now_due = Vec::new();
        {
            let mut g = self.lock();
            let n = g.n();
            if to >= n {
                return false;
            }
            g.counters.sent += 1;
            if g.down[from] || g.down[to] {
                g.counters.down += 1;
                return true;
            }
            if g.cut[from * n + to] {
                g.counters.cut += 1;
                return true;
            }
            let f = g.faults;
            if f.loss > 0.0 && g.rng.random_bool(f.loss.clamp(0.0, 1.0)) {
                g.counters.lost += 1;
                return true;
            }
            let dup = f.duplicate > 0.0 && g.rng.random_bool(f.duplicate.clamp(0.0, 1.0));
            g.counters.duplicated += u64::from(dup);
            for _ in 0..1 + usize::from(dup) {
                g.seq += 1;
                let (min, max) = g.delay;
                let ms = if max.is_zero() { None } else { Some(g.rng.random_range(min.as_millis()..=max.as_millis())) };
                let p = InFlight { at: Instant::now(), seq: g.seq, from, to, packet: packet.clone() };
                match ms {
                    Some(ms) if tokio::runtime::Handle::try_current().is_ok() => {
                        let p = InFlight { at: p.at + Duration::from_millis(ms as u64), ..p };
                        let weak = Arc::downgrade(&self.inner);
                        let q = g.queue.get_or_insert_with(|| DelayQueue::spawn(move |p| deliver_weak(&weak, p)));
                        if !q.push(p) {
                            g.counters.down += 1;
                        }
                    }
                    _ => now_due.push(p),
                }
            }
        }
        for p in now_due {
            self.arrive(p);
        }
        true
    }
}

fn deliver_weak(net: &Weak<Mutex<Inner>>, p: InFlight) {
    if let Some(inner) = net.upgrade() {
        MemNetwork { inner }.arrive(p);
    }
}

/// One node's side of a [`MemNetwork`].
pub struct MemTransport {
    me: ProcessId,
    /// Distinguishes this attachment from a later one of the same replica
    /// (a restart), so closing this one never detaches its successor.
    generation: u64,
    net: MemNetwork,
}

impl Transport for MemTransport {
    fn send(&self, to: ProcessId, packet: Bytes) -> bool {
        self.net.send_from(self.me.index(), to.index(), packet)
    }

    fn close(&self) {
        let mut g = self.net.lock();
        if let Some(slot) = g.endpoints.get_mut(self.me.index())
            && slot.as_ref().is_some_and(|e| e.generation == self.generation)
        {
            *slot = None;
        }
    }
}
