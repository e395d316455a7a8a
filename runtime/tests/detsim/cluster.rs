//! Replicas on one seeded in-memory network, crashed and restarted by a
//! [`Plan`]. A replica's node is built by the cluster's `start` hook, at
//! the beginning (incarnation 0) and at every restart (1, 2, …): the hook is
//! where a durable replica would reopen its store and recover; without one
//! a restarted replica comes back empty, and the workload decides what it may
//! join (see `consensus.rs`: only instances started after the restart).

use crate::detsim::plan::{Fault, Plan};
use psync::engine::Node;
use psync::prelude::ProcessId;
use psync::transport::{MemFaults, MemNetwork};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;

/// Builds replica `me`'s node for its `incarnation`.
pub type StartHook = Box<dyn FnMut(ProcessId, u32, &MemNetwork) -> Node + Send>;

/// The replicas and their network.
pub struct Cluster {
    pub net: MemNetwork,
    nodes: Vec<Option<Node>>,
    incarnation: Vec<u32>,
    start: StartHook,
}

impl Cluster {
    /// Starts incarnation 0 of each of the plan's replicas on `net`, with the
    /// plan's loss, duplication and delays.
    pub fn new(net: MemNetwork, plan: &Plan, mut start: StartHook) -> Cluster {
        net.set_faults(MemFaults { loss: plan.loss, duplicate: plan.duplicate });
        let ms = Duration::from_millis;
        net.set_delay(ms(plan.delay_ms.0), ms(plan.delay_ms.1));
        let nodes = (0..plan.n).map(|i| Some(start(ProcessId::new(i), 0, &net))).collect();
        Cluster { net, nodes, incarnation: vec![0; plan.n], start }
    }

    /// The plan's network faults without replicas to crash (the plan has no
    /// crashes): for services that start their nodes themselves.
    pub fn network_only(net: MemNetwork, plan: &Plan) -> Cluster {
        assert!(plan.events.iter().all(|(_, f)| !matches!(f, Fault::Crash(_) | Fault::Restart(_))), "a plan with crashes needs replicas");
        Cluster::new(net, &Plan { n: 0, ..plan.clone() }, Box::new(|_, _, _| unreachable!("no replicas")))
    }

    /// Replica `i`'s running node (none while crashed).
    pub fn node(&self, i: usize) -> Option<Node> {
        self.nodes[i].clone()
    }

    /// Replica `i`'s current incarnation.
    pub fn incarnation(&self, i: usize) -> u32 {
        self.incarnation[i]
    }

    /// Whether replica `i` runs.
    pub fn is_up(&self, i: usize) -> bool {
        self.nodes[i].is_some()
    }

    fn apply(&mut self, f: &Fault) {
        let p = ProcessId::new;
        match f {
            Fault::Cut(a, b) => self.net.set_link(p(*a), p(*b), false),
            Fault::Restore(a, b) => self.net.set_link(p(*a), p(*b), true),
            Fault::Split(side) => {
                for a in 0..side.len() {
                    for b in 0..side.len() {
                        if side[a] && !side[b] {
                            self.net.set_link(p(a), p(b), false);
                        }
                    }
                }
            }
            Fault::Crash(i) => {
                if let Some(node) = self.nodes[*i].take() {
                    node.shutdown();
                }
            }
            Fault::Restart(i) => {
                if self.nodes[*i].is_none() {
                    self.incarnation[*i] += 1;
                    let inc = self.incarnation[*i];
                    self.nodes[*i] = Some((self.start)(p(*i), inc, &self.net));
                }
            }
        }
    }

    fn heal(&mut self, plan: &Plan) {
        self.net.heal_links();
        self.net.set_faults(MemFaults::default());
        let ms = Duration::from_millis;
        self.net.set_delay(ms(plan.healed_delay_ms.0), ms(plan.healed_delay_ms.1));
    }

    /// Shuts every node down.
    pub fn shutdown(&mut self) {
        for n in self.nodes.iter_mut().filter_map(Option::take) {
            n.shutdown();
        }
    }
}

/// Applies the plan's faults at their times (from `t0`), then heals.
pub async fn play(cluster: Arc<Mutex<Cluster>>, plan: Plan, t0: Instant) {
    let lock = || cluster.lock().unwrap_or_else(|e| e.into_inner());
    let mut healed = false;
    for (t, f) in &plan.events {
        if !healed && *t >= plan.heal_at {
            tokio::time::sleep_until(t0 + plan.heal_at).await;
            lock().heal(&plan);
            healed = true;
        }
        tokio::time::sleep_until(t0 + *t).await;
        lock().apply(f);
    }
    if !healed {
        tokio::time::sleep_until(t0 + plan.heal_at).await;
        lock().heal(&plan);
    }
}
