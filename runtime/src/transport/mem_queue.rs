//! Packets in flight on the in-memory network: each waits until its
//! delivery time in one queue served by one task, so packets due at the
//! same instant leave in the order they were sent and a run on paused tokio
//! time delivers them identically every time.

use bytes::Bytes;
use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};
use tokio::time::Instant;

/// One packet on its way.
pub(crate) struct InFlight {
    pub at: Instant,
    /// Send order on the whole network: ties on `at` go by it.
    pub seq: u64,
    pub from: usize,
    pub to: usize,
    pub packet: Bytes,
}

impl PartialEq for InFlight {
    fn eq(&self, o: &Self) -> bool {
        (self.at, self.seq) == (o.at, o.seq)
    }
}
impl Eq for InFlight {}
impl PartialOrd for InFlight {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for InFlight {
    fn cmp(&self, o: &Self) -> Ordering {
        (self.at, self.seq).cmp(&(o.at, o.seq))
    }
}

/// The sending side of the queue; the serving task ends when it is dropped
/// and nothing is left in flight.
pub(crate) struct DelayQueue {
    tx: UnboundedSender<InFlight>,
}

impl DelayQueue {
    /// Spawns the serving task (inside a tokio runtime); `deliver` is called
    /// for each packet at its time.
    pub(crate) fn spawn(deliver: impl FnMut(InFlight) + Send + 'static) -> DelayQueue {
        let (tx, rx) = unbounded_channel();
        tokio::spawn(serve(rx, deliver));
        DelayQueue { tx }
    }

    /// Queues `p`; false when the serving task is gone (its runtime ended).
    pub(crate) fn push(&self, p: InFlight) -> bool {
        self.tx.send(p).is_ok()
    }
}

async fn serve(mut rx: UnboundedReceiver<InFlight>, mut deliver: impl FnMut(InFlight)) {
    let mut heap: BinaryHeap<Reverse<InFlight>> = BinaryHeap::new();
    let mut open = true;
    loop {
        let next = heap.peek().map(|Reverse(p)| p.at);
        if !open && next.is_none() {
            return;
        }
        tokio::select! {
            biased;
            m = rx.recv(), if open => match m {
                Some(p) => heap.push(Reverse(p)),
                None => open = false,
            },
            _ = tokio::time::sleep_until(next.unwrap_or_else(Instant::now)), if next.is_some() => {
                let now = Instant::now();
                while heap.peek().is_some_and(|Reverse(p)| p.at <= now) {
                    if let Some(Reverse(p)) = heap.pop() {
                        deliver(p);
                    }
                }
            }
        }
    }
}
