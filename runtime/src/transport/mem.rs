//! The in-memory network: packets go straight to the receiver's event loops,
//! with seeded loss, duplication and isolated (crashed) nodes.

use crate::dsl::ProcessId;
use crate::transport::{Inbound, Transport};
use bytes::Bytes;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::sync::{Arc, Mutex};

/// Faults of the in-memory network.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct MemFaults {
    /// Probability that a packet is lost.
    pub loss: f64,
    /// Probability that a delivered packet is delivered twice.
    pub duplicate: f64,
}

struct Inner {
    endpoints: Vec<Option<Inbound>>,
    down: Vec<bool>,
    faults: MemFaults,
    rng: StdRng,
}

/// An in-process network of `n` nodes.
#[derive(Clone)]
pub struct MemNetwork {
    inner: Arc<Mutex<Inner>>,
}

impl MemNetwork {
    /// A network of `n` nodes; faults are drawn from `seed`.
    pub fn new(n: usize, seed: u64) -> MemNetwork {
        MemNetwork {
            inner: Arc::new(Mutex::new(Inner {
                endpoints: vec![None; n],
                down: vec![false; n],
                faults: MemFaults::default(),
                rng: StdRng::seed_from_u64(seed),
            })),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Number of nodes.
    pub fn n(&self) -> usize {
        self.lock().endpoints.len()
    }

    /// Sets loss and duplication.
    pub fn set_faults(&self, f: MemFaults) {
        self.lock().faults = f;
    }

    /// Isolates `p` (as if crashed) or reconnects it.
    pub fn set_down(&self, p: ProcessId, down: bool) {
        if let Some(d) = self.lock().down.get_mut(p.index()) {
            *d = down;
        }
    }

    /// Delivers raw bytes to `to` as if from the network (tests: garbage).
    pub fn inject(&self, to: ProcessId, packet: Bytes) {
        let ep = self.lock().endpoints.get(to.index()).cloned().flatten();
        if let Some(ep) = ep {
            ep.deliver(packet);
        }
    }

    pub(crate) fn attach(&self, me: ProcessId, inbound: Inbound) -> MemTransport {
        if let Some(slot) = self.lock().endpoints.get_mut(me.index()) {
            *slot = Some(inbound);
        }
        MemTransport { me, net: self.clone() }
    }
}

/// One node's side of a [`MemNetwork`].
pub struct MemTransport {
    me: ProcessId,
    net: MemNetwork,
}

impl Transport for MemTransport {
    fn send(&self, to: ProcessId, packet: Bytes) -> bool {
        let (ep, copies) = {
            let mut g = self.net.lock();
            let Some(ep) = g.endpoints.get(to.index()).cloned() else { return false };
            if g.down[self.me.index()] || g.down[to.index()] {
                return true;
            }
            let f = g.faults;
            let lost = f.loss > 0.0 && g.rng.random_bool(f.loss.clamp(0.0, 1.0));
            let dup = f.duplicate > 0.0 && g.rng.random_bool(f.duplicate.clamp(0.0, 1.0));
            (ep, if lost { 0 } else if dup { 2 } else { 1 })
        };
        if let Some(ep) = ep {
            for _ in 0..copies {
                ep.deliver(packet.clone());
            }
        }
        true
    }

    fn close(&self) {
        if let Some(slot) = self.net.lock().endpoints.get_mut(self.me.index()) {
            *slot = None;
        }
    }
}
