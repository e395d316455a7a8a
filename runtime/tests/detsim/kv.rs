//! Client histories of the replicated KV log (`psync::service::ReplicatedLog`)
//! on the real engine under a seeded fault plan, checked for
//! linearizability key by key.
//!
//! Clients call puts and gets on the replica they are attached to; every put
//! writes a value never written before. Each client is a session of the log
//! (`ClientRequest`: client id, sequence number, one request at a time). A
//! get orders itself in the log: it submits a barrier request (a key no put
//! uses) and, once its replica has applied the barrier, reads the key from
//! that replica's map, so it sees every put that completed before it was
//! called. Times are event numbers taken on the runtime's one thread
//! (invoke just before the submit, return right after it resolved), so
//! real-time order is exact. A client that waited `OP_TIMEOUT` gives up: the
//! operation stays without a return (it may or may not take effect) and the
//! client goes on.
//!
//! The plan has no crashes (a restarted log replica would vote again with a
//! fresh state) but duplicates packets (unless `DETSIM_KV_NO_DUPLICATE` is
//! set), and followers forward a request again after `RESEND` (or
//! `DETSIM_KV_RESEND_MS`): every copy of a request must take effect once,
//! or a late copy of a put overwrites a newer value, which the check reports.

use crate::detsim::cluster::{Cluster, play};
use crate::detsim::linearizability::{Op, Register, RegisterOp, is_linearizable};
use crate::detsim::plan::Plan;
use crate::detsim::{paused_runtime, rng_for};
use psync::config::Options;
use psync::engine::Node;
use psync::prelude::ProcessId;
use psync::service::{Applied, ClientRequest, LogOptions, ReplicatedLog};
use psync::transport::{MemCounters, MemNetwork};
use rand::Rng;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;

const REPLICAS: usize = 3;
const CLIENTS: usize = 4;
const OPS_PER_CLIENT: u64 = 8;
const KEYS: u32 = 2;
/// The key of get barriers: no put uses it.
const BARRIER_KEY: u32 = u32::MAX;
const OP_TIMEOUT: Duration = Duration::from_secs(2);

/// One operation as a client saw it.
#[derive(Clone, Debug)]
pub struct Record {
    pub client: usize,
    pub key: u32,
    pub op: Op<RegisterOp, Option<u64>>,
}

/// The result of one seeded run.
pub struct KvRun {
    pub seed: u64,
    pub plan: Plan,
    pub history: Vec<Record>,
    /// Keys whose history is not linearizable, and log disagreements.
    pub violations: Vec<String>,
    pub counters: MemCounters,
    pub elapsed: Duration,
}

impl KvRun {
    /// Operations that returned.
    pub fn completed(&self) -> usize {
        self.history.iter().filter(|r| r.op.ret.is_some()).count()
    }
}

impl fmt::Display for KvRun {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "seed {}: {} of {} operations returned in {:?}", self.seed, self.completed(), self.history.len(), self.elapsed)?;
        writeln!(f, "plan: {:?}", self.plan)?;
        writeln!(f, "network: {:?}", self.counters)?;
        for r in &self.history {
            let ret = r.op.ret.map_or("never".to_string(), |t| t.to_string());
            writeln!(f, "  client {} key {} [{}, {}] {:?} -> {:?}", r.client, r.key, r.op.call, ret, r.op.input, r.op.output)?;
        }
        for v in &self.violations {
            writeln!(f, "VIOLATION: {v}")?;
        }
        Ok(())
    }
}

/// How long a follower waits before forwarding a request again.
const RESEND: Duration = Duration::from_millis(100);

fn resend() -> Duration {
    let ms = std::env::var("DETSIM_KV_RESEND_MS").ok().and_then(|v| v.parse().ok());
    ms.map_or(RESEND, Duration::from_millis)
}

/// Runs `seed` on a fresh single-threaded runtime with paused time.
pub fn run(seed: u64) -> KvRun {
    paused_runtime().block_on(run_async(seed))
}

/// Starts the log replicas on `net`.
async fn start_replicas(net: &MemNetwork) -> Vec<ReplicatedLog> {
    let opts = Options { timeout_ms: 10, ..Options::default() };
    let log_opts = LogOptions { batch: 4, in_flight: 2, tick: Duration::from_millis(20), resend: resend(), ..LogOptions::default() };
    let mut logs = Vec::new();
    for i in 0..REPLICAS {
        let (net, opts) = (net.clone(), opts.clone());
        let me = ProcessId::new(i);
        let log = ReplicatedLog::start(me, log_opts.clone(), move |h| async move {
            Node::builder(me, REPLICAS, opts).handler(h).memory(&net)
        })
        .await
        .expect("a log replica");
        logs.push(log);
    }
    logs
}

/// What the clients share: the event clock, the barrier counter and the
/// history.
#[derive(Clone, Default)]
struct Shared {
    clock: Arc<AtomicU64>,
    barriers: Arc<AtomicU64>,
    history: Arc<Mutex<Vec<Record>>>,
}

impl Shared {
    fn tick(&self) -> u64 {
        self.clock.fetch_add(1, Ordering::Relaxed)
    }
}

/// Client `c`: `OPS_PER_CLIENT` random operations on `log`, one at a time.
async fn client(c: usize, log: ReplicatedLog, seed: u64, sh: Shared) {
    let mut rng = rng_for(seed, 10 + c as u64);
    for j in 0..OPS_PER_CLIENT {
        tokio::time::sleep(Duration::from_millis(rng.random_range(0..30))).await;
        let key = rng.random_range(0..KEYS);
        let put = rng.random_bool(0.5);
        let (input, op) = if put {
            let v = ((c as u64 + 1) << 32) | j;
            (RegisterOp::Put(v), ClientRequest::op(key, v))
        } else {
            (RegisterOp::Get, ClientRequest::op(BARRIER_KEY, sh.barriers.fetch_add(1, Ordering::Relaxed)))
        };
        let req = ClientRequest::new(c as u64 + 1, j + 1, op);
        let call = sh.tick();
        let out = tokio::time::timeout(OP_TIMEOUT, log.submit_request(req)).await;
        let (ret, output) = match out {
            Ok(Ok(_)) if put => (Some(sh.tick()), Some(None)),
            // No await between the barrier's return and the read.
            Ok(Ok(_)) => {
                let read = log.applied().kv.get(&key).copied();
                (Some(sh.tick()), Some(read))
            }
            _ => (None, None),
        };
        let op = Op { call, ret, input, output };
        sh.history.lock().unwrap_or_else(|e| e.into_inner()).push(Record { client: c, key, op });
    }
}

/// Keys whose history is not linearizable, and replicas that applied as
/// many slots as another with other contents.
fn check(history: &[Record], applied: &[Applied]) -> Vec<String> {
    let mut violations = Vec::new();
    let mut by_key: BTreeMap<u32, Vec<Op<RegisterOp, Option<u64>>>> = BTreeMap::new();
    for r in history {
        by_key.entry(r.key).or_default().push(r.op.clone());
    }
    for (k, ops) in &by_key {
        if !is_linearizable(&Register, ops) {
            violations.push(format!("key {k}: the history of its {} operations is not linearizable", ops.len()));
        }
    }
    for (i, a) in applied.iter().enumerate() {
        for b in &applied[i + 1..] {
            if a.slots == b.slots && a.digest != b.digest {
                violations.push(format!("two replicas applied {} slots with different contents", a.slots));
            }
        }
    }
    violations
}

async fn run_async(seed: u64) -> KvRun {
    let mut plan = Plan::draw(seed, REPLICAS, 0);
    if std::env::var("DETSIM_KV_NO_DUPLICATE").is_ok() {
        plan.duplicate = 0.0;
    }
    let net = MemNetwork::new(REPLICAS, seed);
    let t0 = Instant::now();
    let cluster = Arc::new(Mutex::new(Cluster::network_only(net.clone(), &plan)));
    let faults = tokio::spawn(play(cluster, plan.clone(), t0));
    let logs = start_replicas(&net).await;
    let sh = Shared::default();
    let clients: Vec<_> = (0..CLIENTS).map(|c| tokio::spawn(client(c, logs[c % REPLICAS].clone(), seed, sh.clone()))).collect();
    for c in clients {
        c.await.expect("a client");
    }
    faults.abort();
    let elapsed = Instant::now() - t0;
    let applied: Vec<_> = logs.iter().map(|l| l.applied()).collect();
    for l in &logs {
        l.node().shutdown();
    }
    let mut history = std::mem::take(&mut *sh.history.lock().unwrap_or_else(|e| e.into_inner()));
    history.sort_by_key(|r| r.op.call);
    let violations = check(&history, &applied);
    KvRun { seed, plan, history, violations, counters: net.counters(), elapsed }
}
