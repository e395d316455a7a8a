//! Interpreted against compiled: decisions per second of OTR and
//! LastVoting (the spec files `zoo/otr.rs` and
//! `zoo/last_voting.rs`) on 3 replicas over UDP loopback, each
//! replica on its own thread and single-threaded runtime (as `psync-verify
//! run --local` runs them), 20 instances in flight, 5 ms round timeout,
//! once compiled against `psync` and once interpreted by
//! `psync_encodings::interp::replica` (what `psync-verify run` hosts).
//!
//! `cargo bench --bench run` (`-- --seconds 5` to measure longer).

#[path = "../zoo/last_voting.rs"]
#[allow(dead_code, clippy::collapsible_if, clippy::manual_is_multiple_of)]
mod last_voting;
#[path = "../zoo/otr.rs"]
#[allow(dead_code, clippy::collapsible_if, clippy::manual_is_multiple_of)]
mod otr;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use psync::config::{Config, Options};
use psync::engine::{DropUnknown, Node};
use psync::prelude::*;
use psync_encodings::interp::local::Program;
use psync_encodings::interp::replica::{Hosted, Interpreted, InterpretedIo};
use psync_logic::Value;

const N: usize = 3;
const IN_FLIGHT: usize = 20;

/// How one instance is started on replica `i`: `(node, id, i)` → whether it decided.
type Start = Arc<dyn Fn(&Node, u64, usize) -> tokio::sync::oneshot::Receiver<bool> + Send + Sync>;

fn hosted(file: &str) -> Arc<Hosted> {
    let path = format!("{}/zoo/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).expect("the benchmark exists");
    let alg = psync_encodings::parse_spec(file, &text).map_err(|e| e.short()).expect("in the subset");
    let fns = psync_encodings::runtime_fns(file, &text, &alg).map_err(|e| e.short()).expect("decision and expected");
    Hosted::new(Program::new(alg, fns, Default::default()).expect("runnable on replicas"))
}

fn input(id: u64, i: usize) -> i64 {
    (id as i64 + i as i64) % 3
}

fn compiled<P: Process<Io = Consensus<i64>>>() -> Start {
    Arc::new(|node: &Node, id: u64, i: usize| {
        let (tx, rx) = tokio::sync::oneshot::channel();
        node.start_instance::<P>(id, Consensus::new(input(id, i)), move |o| {
            let _ = tx.send(o.value().is_some());
        });
        rx
    })
}

fn interpreted(h: Arc<Hosted>) -> Start {
    Arc::new(move |node: &Node, id: u64, i: usize| {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let io = InterpretedIo { hosted: h.clone(), input: [("initial".to_string(), Value::Int(input(id, i)))].into() };
        node.start_instance::<Interpreted>(id, io, move |o| {
            let _ = tx.send(o.value().is_some());
        });
        rx
    })
}

/// The replicas, each on its own thread and runtime, on ports from `port`.
fn replicas(port: u16) -> Vec<Node> {
    let cfg = Config::local(N, port, Options { timeout_ms: 5, ..Options::default() });
    (0..N)
        .map(|i| {
            let (tx, rx) = std::sync::mpsc::channel();
            let cfg = cfg.clone();
            std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
                rt.block_on(async move {
                    let node = Node::from_config(&cfg, ProcessId::new(i), DropUnknown).await.expect("node");
                    let _ = tx.send(node.clone());
                    std::future::pending::<()>().await
                });
            });
            rx.recv().expect("replica thread")
        })
        .collect()
}

/// Decisions per second of `start` over `secs` seconds.
fn measure(start: Start, port: u16, secs: f64) -> f64 {
    let nodes = replicas(port);
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let decided = rt.block_on(async {
        let next = Arc::new(AtomicU64::new(1));
        let done = Arc::new(AtomicU64::new(0));
        let until = Instant::now() + Duration::from_secs_f64(secs);
        let tasks: Vec<_> = (0..IN_FLIGHT)
            .map(|_| {
                let (nodes, next, done, start) = (nodes.clone(), next.clone(), done.clone(), start.clone());
                tokio::spawn(async move {
                    while Instant::now() < until {
                        let id = next.fetch_add(1, Ordering::Relaxed);
                        let rxs: Vec<_> = nodes.iter().enumerate().map(|(i, n)| start(n, id, i)).collect();
                        let mut all = true;
                        for rx in rxs {
                            all &= matches!(tokio::time::timeout(Duration::from_secs(5), rx).await, Ok(Ok(true)));
                        }
                        if all {
                            done.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                })
            })
            .collect();
        for t in tasks {
            let _ = t.await;
        }
        done.load(Ordering::Relaxed)
    });
    for n in &nodes {
        n.shutdown();
    }
    decided as f64 / secs
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mut secs = 3.0;
    while let Some(a) = args.next() {
        if a == "--seconds" {
            secs = args.next().and_then(|s| s.parse().ok()).unwrap_or(secs);
        }
    }
    println!("| algorithm | compiled decisions/s | interpreted decisions/s | compiled / interpreted |");
    println!("|-----------|----------------------|-------------------------|------------------------|");
    let rows: [(&str, Start, Start); 2] = [
        ("OTR", compiled::<otr::Otr>(), interpreted(hosted("otr.rs"))),
        ("LastVoting", compiled::<last_voting::LastVoting>(), interpreted(hosted("last_voting.rs"))),
    ];
    for (k, (name, c, i)) in rows.into_iter().enumerate() {
        let base = 26_000 + 20 * k as u16;
        let fc = measure(c, base, secs);
        let fi = measure(i, base + 10, secs);
        println!("| {name} | {fc:.0} | {fi:.0} | {:.1} |", fc / fi.max(1e-9));
    }
}
