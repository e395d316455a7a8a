//! Runtime throughput: decisions per second of 3 replicas on loopback (UDP,
//! TCP or in memory), with k instances in flight, for OTR and LastVoting;
//! batched requests per second, either as bare consensus on batches or
//! through the replicated log service (followers forward, the leader
//! batches).
//!
//! `cargo run --release -p psync-benchmarks --bin runtime-bench -- --protocol udp --in-flight 20`
//! (add `--set key=$(openssl rand -hex 32)` to authenticate every packet)
//!
//! `--data-dir DIR` makes every replica durable (`DIR/replica-i`);
//! `benchmarks/runtime_bench/durability.sh` prints decisions/s with
//! durability off and on (local disk, /dev/shm), with and without a key.
//!
//! `--threads 0` (default) gives every replica its own OS thread and
//! single-threaded tokio runtime, as separate processes would have; the
//! load generator runs on the main thread. `--threads k` runs everything
//! on one shared runtime with k workers.

mod consensus;
mod log;

use clap::Parser;
use psync::config::{Config, Options, Protocol};
use psync::engine::{DropUnknown, Node, NodeError};
use psync::prelude::*;
use std::future::Future;

#[derive(Parser, Debug, Clone)]
pub struct Args {
    /// udp | tcp | memory
    #[arg(long, default_value = "udp")]
    pub protocol: String,
    /// otr (zoo/otr.rs) | lv (zoo/last_voting.rs) | batch
    /// (LastVoting on batches, every replica proposes) | log (the
    /// replicated log service)
    #[arg(long, default_value = "lv")]
    pub algorithm: String,
    /// Instances in flight.
    #[arg(long, default_value_t = 20)]
    pub in_flight: usize,
    /// Seconds to measure.
    #[arg(long, default_value_t = 3.0)]
    pub seconds: f64,
    /// Round timeout in ms.
    #[arg(long, default_value_t = 5)]
    pub timeout_ms: u64,
    /// Requests per batch (algorithms batch and log).
    #[arg(long, default_value_t = 2000)]
    pub batch: usize,
    /// Worker threads: 0 = one single-threaded runtime per replica; k = one
    /// shared runtime with k workers.
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// First port.
    #[arg(long, default_value_t = 24_000)]
    pub port: u16,
    /// More option overrides, `key=value`.
    #[arg(long = "set")]
    pub overrides: Vec<String>,
    /// Durability: replica i keeps its write-ahead log in DIR/replica-i
    /// (emptied first). Without it nothing is persisted.
    #[arg(long)]
    pub data_dir: Option<std::path::PathBuf>,
}

pub const N: usize = 3;

fn config(args: &Args) -> Result<Config, String> {
    let mut cfg = Config::local(N, args.port, Options { timeout_ms: args.timeout_ms, ..Options::default() });
    let mut o = vec![format!("protocol={}", args.protocol)];
    o.extend(args.overrides.iter().cloned());
    cfg.apply_overrides(&o).map_err(|e| e.to_string())?;
    if let Some(base) = &args.data_dir {
        for i in 0..N {
            let d = base.join(format!("replica-{i}"));
            if d.exists() {
                std::fs::remove_dir_all(&d).map_err(|e| format!("{}: {e}", d.display()))?;
            }
        }
        cfg.options.data_dir = Some(base.clone());
    }
    Ok(cfg)
}

/// Builds replica `i`'s node with `handler` on the configured transport.
pub async fn make_node(cfg: &Config, net: &psync::transport::MemNetwork, i: usize, handler: impl psync::engine::DefaultHandler) -> Result<Node, NodeError> {
    let mut cfg = cfg.clone();
    if let Some(base) = &cfg.options.data_dir {
        cfg.options.data_dir = Some(base.join(format!("replica-{i}")));
    }
    let cfg = &cfg;
    if cfg.options.protocol == Protocol::Memory {
        Node::builder(ProcessId::new(i), N, cfg.options.clone()).handler(handler).memory(net)
    } else {
        Node::from_config(cfg, ProcessId::new(i), handler).await
    }
}

/// Starts the N replicas as `make(i)` returns them, each on its own thread
/// and runtime (`threads == 0`) or on the current runtime.
pub async fn replicas<T, F, Fut>(args: &Args, make: F) -> Vec<T>
where
    T: Send + 'static,
    F: Fn(usize) -> Fut + Send + Sync + Clone + 'static,
    Fut: Future<Output = T> + 'static,
{
    let mut out = Vec::new();
    for i in 0..N {
        if args.threads == 0 {
            let (tx, rx) = tokio::sync::oneshot::channel();
            let make = make.clone();
            std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
                rt.block_on(async move {
                    let _ = tx.send(make(i).await);
                    // Serve until the process exits.
                    std::future::pending::<()>().await
                });
            });
            out.push(rx.await.expect("replica thread"));
        } else {
            out.push(make(i).await);
        }
    }
    out
}

fn main() {
    let args = Args::parse();
    let cfg = config(&args).unwrap_or_else(|e| {
        eprintln!("error: {e}");
        std::process::exit(2)
    });
    let rt = if args.threads <= 1 {
        tokio::runtime::Builder::new_current_thread().enable_all().build()
    } else {
        tokio::runtime::Builder::new_multi_thread().worker_threads(args.threads).enable_all().build()
    };
    let net = psync::transport::MemNetwork::new(N, 0);
    let report = rt.expect("tokio runtime").block_on(async move {
        match args.algorithm.as_str() {
            "log" => log::bench(&args, cfg, net).await,
            "otr" | "lv" | "batch" => {
                let nodes = replicas(&args, move |i| {
                    let (cfg, net) = (cfg.clone(), net.clone());
                    async move { make_node(&cfg, &net, i, DropUnknown).await.expect("node") }
                })
                .await;
                consensus::bench(&args, nodes).await
            }
            a => Err(format!("unknown algorithm {a}")),
        }
    });
    match report {
        Ok(line) => println!("{line}"),
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1)
        }
    }
}
