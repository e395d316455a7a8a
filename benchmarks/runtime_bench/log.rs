//! Requests per second through the replicated log: clients at every replica
//! submit 12-byte puts, as requests of the replica's own client session
//! (32 bytes each in a batch; followers forward them to the leader),
//! the leader proposes batches of up to `--batch` with `--in-flight` slots
//! running. A request counts once the replica it was submitted to applied it.

use crate::{Args, make_node, replicas};
use psync::config::Config;
use psync::service::{LogOptions, ReplicatedLog, Request};
use psync::transport::MemNetwork;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Requests a client task submits at once.
const CHUNK: usize = 256;

pub async fn bench(args: &Args, cfg: Config, net: MemNetwork) -> Result<String, String> {
    let opts = LogOptions { batch: args.batch, in_flight: args.in_flight, ..LogOptions::default() };
    let logs = replicas(args, move |i| {
        let (cfg, net, opts) = (cfg.clone(), net.clone(), opts.clone());
        async move {
            ReplicatedLog::start(psync::dsl::ProcessId::new(i), opts, |h| async move { make_node(&cfg, &net, i, h).await })
                .await
                .expect("log replica")
        }
    })
    .await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    let applied = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs_f64(args.seconds);
    let start = Instant::now();
    // Enough outstanding requests to fill every slot in flight.
    let tasks = (2 * args.batch * args.in_flight / CHUNK).clamp(3, 4096);
    let mut hs = Vec::new();
    for t in 0..tasks {
        let (log, applied) = (logs[t % logs.len()].clone(), applied.clone());
        hs.push(tokio::spawn(async move {
            let mut seq = 0u64;
            while Instant::now() < deadline {
                let reqs: Vec<Request> = (0..CHUNK)
                    .map(|_| {
                        seq += 1;
                        let mut r = [0u8; 12];
                        r[..4].copy_from_slice(&(t as u32).to_le_bytes());
                        r[4..].copy_from_slice(&seq.to_le_bytes());
                        r
                    })
                    .collect();
                if log.submit_many(reqs).await.is_ok() {
                    applied.fetch_add(CHUNK as u64, Ordering::Relaxed);
                }
            }
        }));
    }
    for h in hs {
        let _ = tokio::time::timeout(Duration::from_secs(10), h).await;
    }
    let secs = start.elapsed().as_secs_f64();
    let a = applied.load(Ordering::Relaxed);
    let lead = logs[0].applied();
    let s = logs[0].node().stats();
    for l in &logs {
        l.node().shutdown();
    }
    Ok(format!(
        "protocol={} algorithm=log n={} batch={} in_flight={} timeout_ms={} threads={} requests={a} secs={secs:.2} requests_per_s={:.0} slots={} requests_per_slot={:.0} timeouts={}",
        args.protocol,
        crate::N,
        args.batch,
        args.in_flight,
        args.timeout_ms,
        args.threads,
        a as f64 / secs,
        lead.slots,
        lead.requests as f64 / lead.slots.max(1) as f64,
        s.timeouts,
    ))
}
