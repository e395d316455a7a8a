//! Decisions per second: every replica starts every instance; k client
//! tasks keep k instances in flight.

use crate::Args;
use bytes::Bytes;
use psync::engine::Node;
use psync::prelude::*;
use psync::service::BatchLv;
use psync_benchmarks::last_voting::LastVoting;
use psync_benchmarks::otr::Otr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// `k` requests of 12 bytes, distinct per instance and replica.
fn requests(id: u64, replica: usize, k: usize) -> Bytes {
    let mut b = Vec::with_capacity(12 * k);
    for j in 0..k as u32 {
        b.extend_from_slice(&id.to_le_bytes());
        b.extend_from_slice(&(j ^ ((replica as u32) << 24)).to_le_bytes());
    }
    b.into()
}

pub async fn bench(args: &Args, nodes: Vec<Node>) -> Result<String, String> {
    tokio::time::sleep(Duration::from_millis(100)).await;
    let next = Arc::new(AtomicU64::new(1));
    let done = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs_f64(args.seconds);
    let start = Instant::now();
    let mut hs = Vec::new();
    for _ in 0..args.in_flight {
        let (nodes, next, done, failed) = (nodes.clone(), next.clone(), done.clone(), failed.clone());
        let (algorithm, batch) = (args.algorithm.clone(), args.batch);
        hs.push(tokio::spawn(async move {
            while Instant::now() < deadline {
                let id = next.fetch_add(1, Ordering::Relaxed);
                let v = move |i: usize| Consensus::new((id as i64 + i as i64) % 3);
                let ok = match algorithm.as_str() {
                    "otr" => run::<Otr>(&nodes, id, v).await,
                    "lv" => run::<LastVoting>(&nodes, id, v).await,
                    _ => run::<BatchLv>(&nodes, id, |i| Consensus::new(requests(id, i, batch))).await,
                };
                if ok { done.fetch_add(1, Ordering::Relaxed) } else { failed.fetch_add(1, Ordering::Relaxed) };
            }
        }));
    }
    for h in hs {
        h.await.map_err(|e| e.to_string())?;
    }
    let secs = start.elapsed().as_secs_f64();
    let d = done.load(Ordering::Relaxed);
    let s = nodes[0].stats();
    let per_req = if args.algorithm == "batch" { args.batch as f64 } else { 1.0 };
    let auth = if nodes[0].options().key.is_some() { "on" } else { "off" };
    let durable = nodes[0].options().data_dir.as_ref().map_or("off".into(), |d| d.display().to_string());
    for n in &nodes {
        n.shutdown();
    }
    Ok(format!(
        "protocol={} algorithm={} n={} in_flight={} timeout_ms={} threads={} decisions={d} failed={} secs={secs:.2} decisions_per_s={:.0} requests_per_s={:.0} timeouts={} catch_ups={} msgs_per_packet={:.1} auth={auth} auth_drops={} packets_per_decision={:.2} data_dir={durable} fsyncs_per_decision={:.2}",
        args.protocol,
        args.algorithm,
        crate::N,
        args.in_flight,
        args.timeout_ms,
        args.threads,
        failed.load(Ordering::Relaxed),
        d as f64 / secs,
        d as f64 * per_req / secs,
        s.timeouts,
        s.catch_ups,
        s.msgs_sent as f64 / s.packets_sent.max(1) as f64,
        s.forged + s.replayed + s.foreign_cluster + s.wrong_source,
        s.packets_sent as f64 / d.max(1) as f64,
        s.wal_syncs as f64 / d.max(1) as f64,
    ))
}

/// Runs instance `id` on every node; true when all agree.
async fn run<P: Process + Serialize + serde::de::DeserializeOwned>(nodes: &[Node], id: u64, io: impl Fn(usize) -> P::Io) -> bool
where
    <P::Io as ProcessIo>::Output: PartialEq,
{
    // Start on every replica first, then wait.
    let futs: Vec<_> = nodes
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let (tx, rx) = tokio::sync::oneshot::channel();
            n.start_durable::<P>(id, io(i), move |o| {
                let _ = tx.send(o);
            });
            rx
        })
        .collect();
    let mut vals = Vec::new();
    for f in futs {
        match tokio::time::timeout(Duration::from_secs(5), f).await {
            Ok(o) => vals.push(o.ok().and_then(|o| o.into_value())),
            Err(_) => return false,
        }
    }
    vals.iter().all(|v| v.is_some() && *v == vals[0])
}
