//! Helpers for engine tests: clusters of nodes on one runtime.
#![allow(dead_code)]
use psync::config::Options;
use psync::engine::{DefaultAction, Node, Starter, UnknownMessage};
use psync::prelude::*;
use psync::transport::MemNetwork;
use std::time::Duration;

pub fn opts(timeout_ms: u64) -> Options {
    Options { timeout_ms, ..Options::default() }
}

/// Joins an unknown instance lazily, proposing `value`.
pub fn join_with<P: Process<Io = Consensus<i64>>>(value: i64) -> impl Fn(&UnknownMessage<'_>) -> DefaultAction + Send + Sync {
    move |_m: &UnknownMessage<'_>| DefaultAction::Start(Starter::new::<P>(Consensus::new(value), |_| {}))
}

pub fn mem_cluster(n: usize, seed: u64, o: &Options) -> (MemNetwork, Vec<Node>) {
    let net = MemNetwork::new(n, seed);
    let nodes = (0..n).map(|i| Node::builder(ProcessId::new(i), n, o.clone()).memory(&net).unwrap()).collect();
    (net, nodes)
}

/// Runs instance `id` of `P` on `nodes` (value of node i: `vals[i]`).
pub async fn run_instance<P>(nodes: &[Node], id: u64, vals: &[i64]) -> Vec<Option<i64>>
where
    P: Process<Io = Consensus<i64>>,
{
    let futs: Vec<_> = nodes
        .iter()
        .zip(vals)
        .map(|(n, &v)| {
            let n = n.clone();
            tokio::spawn(async move { n.propose::<P>(id, Consensus::new(v)).await.into_value() })
        })
        .collect();
    let mut out = Vec::new();
    for f in futs {
        out.push(tokio::time::timeout(Duration::from_secs(20), f).await.ok().and_then(|r| r.ok()).flatten());
    }
    out
}

pub fn agree(ds: &[Option<i64>]) -> bool {
    let v: Vec<i64> = ds.iter().flatten().copied().collect();
    v.windows(2).all(|w| w[0] == w[1])
}

/// Polls `f` every 10 ms (virtual) for at most `limit`.
pub async fn eventually(limit: Duration, f: impl Fn() -> bool) -> bool {
    let end = tokio::time::Instant::now() + limit;
    while tokio::time::Instant::now() < end {
        if f() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    f()
}
