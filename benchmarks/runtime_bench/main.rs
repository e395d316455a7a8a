//! Runtime throughput: decisions per second of 3 replicas on loopback (UDP
//! or TCP), with k instances in flight, for OTR and LastVoting; and batched
//! requests per second (LastVoting deciding batches of 12-byte requests).
//!
//! `cargo run --release -p psync-benchmarks --bin runtime-bench -- --protocol udp --in-flight 20`

mod batch;
/// LastVoting with "early move" (`expected`) overrides: rounds end as soon as
/// the messages that matter arrived, instead of at the deadline.
#[path = "../../runtime/tests/algos/last_voting.rs"]
#[allow(dead_code)]
mod lv_early;

use lv_early::LastVoting;
use psync_benchmarks::otr::Otr;
use clap::Parser;
use psync::config::{Config, Options, Protocol};
use psync::engine::{DropUnknown, Node};
use psync::prelude::*;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

#[derive(Parser, Debug)]
struct Args {
    /// udp | tcp | memory
    #[arg(long, default_value = "udp")]
    protocol: String,
    /// otr (benchmarks/otr.rs) | lv (early-move LastVoting) | lv-spec (benchmarks/last_voting.rs) | batch
    #[arg(long, default_value = "lv")]
    algorithm: String,
    /// Instances in flight.
    #[arg(long, default_value_t = 20)]
    in_flight: usize,
    /// Seconds to measure.
    #[arg(long, default_value_t = 3.0)]
    seconds: f64,
    /// Round timeout in ms.
    #[arg(long, default_value_t = 5)]
    timeout_ms: u64,
    /// Requests per batch (algorithm batch).
    #[arg(long, default_value_t = 2000)]
    batch: usize,
    /// First port.
    #[arg(long, default_value_t = 24_000)]
    port: u16,
}

async fn nodes(args: &Args, n: usize) -> Vec<Node> {
    let proto = match args.protocol.as_str() {
        "udp" => Protocol::Udp,
        "tcp" => Protocol::Tcp,
        "memory" => Protocol::Memory,
        p => panic!("unknown protocol {p}"),
    };
    let opts = Options { protocol: proto, timeout_ms: args.timeout_ms, ..Options::default() };
    if proto == Protocol::Memory {
        let net = psync::transport::MemNetwork::new(n, 0);
        return (0..n).map(|i| Node::builder(ProcessId::new(i), n, opts.clone()).memory(&net).unwrap()).collect();
    }
    let cfg = Config::local(n, args.port, opts);
    let mut v = Vec::new();
    for i in 0..n {
        v.push(Node::from_config(&cfg, ProcessId::new(i), DropUnknown).await.expect("bind"));
    }
    v
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args = Args::parse();
    let n = 3;
    let nodes = nodes(&args, n).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    let next = Arc::new(AtomicU64::new(1));
    let done = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs_f64(args.seconds);
    let start = Instant::now();
    let mut hs = Vec::new();
    for _ in 0..args.in_flight {
        let (nodes, next, done, failed) = (nodes.clone(), next.clone(), done.clone(), failed.clone());
        let algorithm = args.algorithm.clone();
        let batch = args.batch;
        hs.push(tokio::spawn(async move {
            while Instant::now() < deadline {
                let id = next.fetch_add(1, Ordering::Relaxed);
                let ok = match algorithm.as_str() {
                    "otr" => run::<Otr>(&nodes, id, |i| Consensus::new((id as i64 + i as i64) % 3)).await,
                    "lv-spec" => {
                        run::<psync_benchmarks::last_voting::LastVoting>(&nodes, id, |i| Consensus::new((id as i64 + i as i64) % 3)).await
                    }
                    "lv" => run::<LastVoting>(&nodes, id, |i| Consensus::new((id as i64 + i as i64) % 3)).await,
                    "batch" => run::<batch::BatchLv>(&nodes, id, |i| Consensus::new(batch::requests(id, i, batch))).await,
                    a => panic!("unknown algorithm {a}"),
                };
                if ok { done.fetch_add(1, Ordering::Relaxed) } else { failed.fetch_add(1, Ordering::Relaxed) };
            }
        }));
    }
    for h in hs {
        h.await.unwrap();
    }
    let secs = start.elapsed().as_secs_f64();
    let d = done.load(Ordering::Relaxed);
    let s = nodes[0].stats();
    let per_req = if args.algorithm == "batch" { args.batch as f64 } else { 1.0 };
    println!(
        "protocol={} algorithm={} n={n} in_flight={} timeout_ms={} decisions={d} failed={} secs={secs:.2} decisions_per_s={:.0} requests_per_s={:.0} timeouts={} catch_ups={} msgs_per_packet={:.1}",
        args.protocol,
        args.algorithm,
        args.in_flight,
        args.timeout_ms,
        failed.load(Ordering::Relaxed),
        d as f64 / secs,
        d as f64 * per_req / secs,
        s.timeouts,
        s.catch_ups,
        s.msgs_sent as f64 / s.packets_sent.max(1) as f64,
    );
    for n in &nodes {
        n.shutdown();
    }
}

/// Runs instance `id` on every node; true when all agree.
async fn run<P: Process>(nodes: &[Node], id: u64, io: impl Fn(usize) -> P::Io) -> bool
where
    <P::Io as ProcessIo>::Output: PartialEq,
{
    // Start on every replica first, then wait (a lazy `propose` future would
    // start each replica only when awaited).
    let futs: Vec<_> = nodes
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let (tx, rx) = tokio::sync::oneshot::channel();
            n.start_instance::<P>(id, io(i), move |o| {
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
