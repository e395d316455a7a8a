//! `run --local N`: `N` replicas in this process, each on its own thread
//! and single-threaded tokio runtime (a node's socket reader and event loop
//! then wake each other without crossing threads, as in separate
//! processes), and a driver on the main thread keeping `--in-flight`
//! instances running until `--instances` have ended. A replica that hears
//! of an instance before the driver started it there joins it with its own
//! input, as a cluster replica's default handler does.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use psync::config::{Config, Options, Protocol, Replica};
use psync::dsl::ProcessId;
use psync::engine::{DefaultAction, Node, Outcome, Starter, UnknownMessage};
use psync::wire::Flag;
use psync_logic::Value;
use psync::transport::MemNetwork;
use psync_encodings::interp::replica::{Hosted, Interpreted, InterpretedIo};

use super::inputs::Inputs;
use super::{Ending, InstanceReport};
use crate::cli::RunArgs;
use crate::simulate::SimInputError;

/// `n` replicas on 127.0.0.1 with the `--set` overrides: on ports from
/// `--port`, or on ports the system reports free.
pub fn config(n: usize, args: &RunArgs) -> Result<Config, SimInputError> {
    if n == 0 || n > 64 {
        return Err(format!("--local {n} is outside 1..=64").into());
    }
    let mut cfg = Config::local(n, args.port.unwrap_or(0), Options { timeout_ms: 100, ..Options::default() });
    cfg.apply_overrides(&args.overrides).map_err(|e| format!("--set: {e}"))?;
    if args.port.is_none() && cfg.options.protocol != Protocol::Memory {
        let ports = free_ports(n, cfg.options.protocol).map_err(|e| format!("cannot find {n} free loopback ports: {e}"))?;
        cfg.replicas = ports.into_iter().enumerate().map(|(i, port)| Replica { id: i as u32, address: "127.0.0.1".into(), port }).collect();
    }
    cfg.validate().map_err(|e| format!("--set: {e}"))?;
    Ok(cfg)
}

/// Ports the system hands out for `n` sockets bound at once (released
/// before the replicas bind them).
fn free_ports(n: usize, protocol: Protocol) -> std::io::Result<Vec<u16>> {
    if protocol == Protocol::Tcp {
        let ls = (0..n).map(|_| std::net::TcpListener::bind("127.0.0.1:0")).collect::<Result<Vec<_>, _>>()?;
        ls.iter().map(|l| l.local_addr().map(|a| a.port())).collect()
    } else {
        let ss = (0..n).map(|_| std::net::UdpSocket::bind("127.0.0.1:0")).collect::<Result<Vec<_>, _>>()?;
        ss.iter().map(|s| s.local_addr().map(|a| a.port())).collect()
    }
}

/// Per replica, the instances it joins when another replica's message
/// comes first, each with this replica's input (its default handler): a
/// round message is never dropped for arriving before the driver started
/// its instance here.
type Joins = Arc<Mutex<HashMap<u64, Starter>>>;

/// A replica's thread: its node, and the signal that ends it.
struct ReplicaThread {
    node: Node,
    joins: Joins,
    stop: tokio::sync::oneshot::Sender<()>,
    thread: std::thread::JoinHandle<()>,
}

/// Starts replica `i` on a thread of its own.
fn start_replica(cfg: &Config, net: &MemNetwork, i: usize) -> Result<ReplicaThread, String> {
    let (node_tx, node_rx) = std::sync::mpsc::channel();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let (cfg, net) = (cfg.clone(), net.clone());
    let joins: Joins = Arc::default();
    let table = joins.clone();
    let handler = move |m: &UnknownMessage<'_>| match table.lock().unwrap_or_else(|e| e.into_inner()).remove(&m.instance) {
        Some(s) if m.flag == Flag::Normal => DefaultAction::Start(s),
        _ => DefaultAction::Drop,
    };
    let thread = std::thread::Builder::new()
        .name(format!("replica-{i}"))
        .spawn(move || {
            let rt = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
                Ok(rt) => rt,
                Err(e) => {
                    let _ = node_tx.send(Err(format!("replica {i}: cannot start a runtime: {e}")));
                    return;
                }
            };
            rt.block_on(async move {
                let me = ProcessId::new(i);
                let node = if cfg.options.protocol == Protocol::Memory {
                    Node::builder(me, cfg.n(), cfg.options.clone()).handler(handler).memory(&net)
                } else {
                    Node::from_config(&cfg, me, handler).await
                };
                match node {
                    Ok(node) => {
                        let _ = node_tx.send(Ok(node));
                        let _ = stopped.await;
                    }
                    Err(e) => {
                        let _ = node_tx.send(Err(format!("replica {i}: {e}")));
                    }
                }
            });
        })
        .map_err(|e| format!("replica {i}: cannot start a thread: {e}"))?;
    let node = node_rx.recv().map_err(|_| format!("replica {i}: its thread ended"))??;
    Ok(ReplicaThread { node, joins, stop, thread })
}

/// Runs instance `id` on every replica: each proposes its input; an
/// instance not ended by `deadline` is stopped.
async fn instance(replicas: &[(Node, Joins)], hosted: &Arc<Hosted>, inputs: &Inputs, id: u64, deadline: Duration) -> InstanceReport {
    let io = |i: usize| InterpretedIo { hosted: hosted.clone(), input: inputs.state(id, i) };
    let mut waits = Vec::with_capacity(replicas.len());
    let mut reports = Vec::with_capacity(replicas.len());
    for (i, (_, joins)) in replicas.iter().enumerate() {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let tx = Arc::new(Mutex::new(Some(tx)));
        // Joined or started, whichever comes second is rejected; the other reports.
        let report = move |o: Outcome<Value>| {
            if !matches!(o, Outcome::Rejected(_))
                && let Some(t) = tx.lock().unwrap_or_else(|e| e.into_inner()).take()
            {
                let _ = t.send(o);
            }
        };
        joins.lock().unwrap_or_else(|e| e.into_inner()).insert(id, Starter::new::<Interpreted>(io(i), report.clone()));
        reports.push(report);
        waits.push(rx);
    }
    for (i, ((node, _), report)) in replicas.iter().zip(reports).enumerate() {
        node.start_instance::<Interpreted>(id, io(i), report);
    }
    let mut out = Vec::with_capacity(replicas.len());
    let until = tokio::time::Instant::now() + deadline;
    for (i, rx) in waits.into_iter().enumerate() {
        let ending = match tokio::time::timeout_at(until, rx).await {
            Ok(Ok(o)) => Ending::from_outcome(o),
            _ => {
                replicas[i].0.stop_instance(id);
                Ending::Stopped
            }
        };
        replicas[i].1.lock().unwrap_or_else(|e| e.into_inner()).remove(&id);
        out.push((i, inputs.value(id, i), ending));
    }
    InstanceReport { id, replicas: out }
}

/// Runs instances `1..=--instances` on `cfg`'s replicas; returns them by id
/// and the time they took.
pub fn run(args: &RunArgs, cfg: &Config, hosted: &Arc<Hosted>, inputs: &Arc<Inputs>) -> Result<(Vec<InstanceReport>, Duration), SimInputError> {
    if args.in_flight == 0 {
        return Err("--in-flight must be at least 1".to_string().into());
    }
    let net = MemNetwork::new(cfg.n(), args.seed);
    let mut replicas = Vec::with_capacity(cfg.n());
    for i in 0..cfg.n() {
        match start_replica(cfg, &net, i) {
            Ok(r) => replicas.push(r),
            Err(e) => {
                stop(replicas);
                return Err(e.into());
            }
        }
    }
    let nodes: Vec<(Node, Joins)> = replicas.iter().map(|r| (r.node.clone(), r.joins.clone())).collect();
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| format!("cannot start a runtime: {e}"))?;
    let deadline = Duration::from_secs_f64(args.deadline.max(0.0));
    let total = args.instances;
    let start = Instant::now();
    let mut reports = rt.block_on(async {
        let next = Arc::new(AtomicU64::new(1));
        let mut tasks = Vec::new();
        for _ in 0..args.in_flight.min(total.max(1) as usize) {
            let (nodes, next, hosted, inputs) = (nodes.clone(), next.clone(), hosted.clone(), inputs.clone());
            tasks.push(tokio::spawn(async move {
                let mut done = Vec::new();
                loop {
                    let id = next.fetch_add(1, Ordering::Relaxed);
                    if id > total {
                        return done;
                    }
                    done.push(instance(&nodes, &hosted, &inputs, id, deadline).await);
                }
            }));
        }
        let mut all = Vec::new();
        for t in tasks {
            all.extend(t.await.unwrap_or_default());
        }
        all
    });
    let elapsed = start.elapsed();
    drop(nodes);
    stop(replicas);
    reports.sort_by_key(|r| r.id);
    Ok((reports, elapsed))
}

/// Shuts the replicas down and waits for their threads.
fn stop(replicas: Vec<ReplicaThread>) {
    for r in replicas {
        r.node.shutdown();
        let _ = r.stop.send(());
        let _ = r.thread.join();
    }
}
