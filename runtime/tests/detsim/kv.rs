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
//! The plan duplicates packets (unless `DETSIM_KV_NO_DUPLICATE` is set),
//! and followers forward a request again after `RESEND` (or
//! `DETSIM_KV_RESEND_MS`): every copy of a request must take effect once,
//! or a late copy of a put overwrites a newer value, which the check
//! reports. [`run`] has no crashes (a log replica restarted without its
//! state votes only above its fence, see `psync::service::log`);
//! [`run_durable`] gives each replica a data directory and crashes up to
//! two of them, each restarted with its directory (by the plan, or at the
//! heal): a restarted replica must lose no applied request and apply none
//! twice, or the histories show it.

use crate::detsim::cluster::{Cluster, play};
use crate::detsim::linearizability::{Op, Register, RegisterOp, is_linearizable};
use crate::detsim::plan::Plan;
use crate::detsim::{paused_runtime, rng_for};
use psync::config::Options;
use psync::engine::Node;
use psync::prelude::ProcessId;
use psync::service::{Applied, ClientRequest, LogOptions, ReplicatedLog};
use crate::detsim::plan::Fault;
use psync::transport::{MemCounters, MemNetwork};
use std::path::{Path, PathBuf};
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
    paused_runtime().block_on(run_async(seed, None))
}

/// Runs `seed` with durable replicas, crashed and restarted with their
/// data directories (on tmpfs when there is one: fsyncs cost real time).
pub fn run_durable(seed: u64) -> KvRun {
    let shm = Path::new("/dev/shm");
    let base = if shm.is_dir() { tempfile::tempdir_in(shm) } else { tempfile::tempdir() }.expect("a temporary directory");
    paused_runtime().block_on(run_async(seed, Some(base.path())))
}

/// Starts log replica `i` on `net`, with its data directory under `base`
/// if there is one (retrying while the previous node on it shuts down).
async fn start_replica(net: &MemNetwork, i: usize, base: Option<&Path>) -> ReplicatedLog {
    let dir: Option<PathBuf> = base.map(|b| b.join(format!("r{i}")));
    let opts = Options { timeout_ms: 10, data_dir: dir, ..Options::default() };
    // Small snapshots on disk, so that restarts recover through them too.
    let log_opts =
        LogOptions { batch: 4, in_flight: 2, tick: Duration::from_millis(20), resend: resend(), snapshot_bytes: 512, ..LogOptions::default() };
    let me = ProcessId::new(i);
    for _ in 0..500 {
        let (net, opts) = (net.clone(), opts.clone());
        match ReplicatedLog::start(me, log_opts.clone(), move |h| async move { Node::builder(me, REPLICAS, opts).handler(h).memory(&net) }).await {
            Ok(log) => return log,
            Err(e) if e.to_string().contains("in use") => tokio::time::sleep(Duration::from_millis(5)).await,
            Err(e) => panic!("log replica {i}: {e}"),
        }
    }
    panic!("log replica {i}: its data directory stayed locked")
}

/// The replicas; `None` while crashed.
type Logs = Arc<Mutex<Vec<Option<ReplicatedLog>>>>;

/// Crashes and restarts replicas as the plan says; a replica the plan
/// leaves down is restarted at the heal.
async fn crash_and_restart(logs: Logs, net: MemNetwork, plan: Plan, t0: Instant, base: PathBuf) {
    let lock = || logs.lock().unwrap_or_else(|e| e.into_inner());
    for (t, f) in &plan.events {
        tokio::time::sleep_until(t0 + *t).await;
        match f {
            Fault::Crash(i) => {
                if let Some(l) = lock()[*i].take() {
                    l.shutdown();
                }
            }
            Fault::Restart(i) if lock()[*i].is_none() => {
                let l = start_replica(&net, *i, Some(&base)).await;
                lock()[*i] = Some(l);
            }
            _ => {}
        }
    }
    tokio::time::sleep_until(t0 + plan.heal_at).await;
    for i in 0..REPLICAS {
        if lock()[i].is_none() {
            let l = start_replica(&net, i, Some(&base)).await;
            lock()[i] = Some(l);
        }
    }
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

/// Client `c`: `OPS_PER_CLIENT` random operations, one at a time, on
/// replica `c mod n` (the next one up while it is crashed).
async fn client(c: usize, logs: Logs, seed: u64, sh: Shared) {
    let mut rng = rng_for(seed, 10 + c as u64);
    let Some(session) = register(c, &logs).await else { return };
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
        let req = ClientRequest::new(session, j + 1, op);
        let log = {
            let ls = logs.lock().unwrap_or_else(|e| e.into_inner());
            (0..REPLICAS).find_map(|k| ls[(c + k) % REPLICAS].clone())
        };
        let call = sh.tick();
        let out = match &log {
            Some(log) => tokio::time::timeout(OP_TIMEOUT, log.submit_request(req)).await.ok(),
            None => None,
        };
        let (ret, output) = match (out, &log) {
            (Some(Ok(_)), _) if put => (Some(sh.tick()), Some(None)),
            // No await between the barrier's return and the read.
            (Some(Ok(_)), Some(log)) => {
                let read = log.applied().kv.get(&key).copied();
                (Some(sh.tick()), Some(read))
            }
            _ => (None, None),
        };
        let op = Op { call, ret, input, output };
        sh.history.lock().unwrap_or_else(|e| e.into_inner()).push(Record { client: c, key, op });
    }
}

/// Client `c`'s session, registered at replica `c mod n` (the next one up
/// while it is crashed or slow); `None` if no registration is answered in
/// `OPS_PER_CLIENT` tries.
async fn register(c: usize, logs: &Logs) -> Option<u64> {
    for k in 0..OPS_PER_CLIENT as usize {
        let log = {
            let ls = logs.lock().unwrap_or_else(|e| e.into_inner());
            (0..REPLICAS).find_map(|i| ls[(c + k + i) % REPLICAS].clone())
        };
        match &log {
            Some(log) => {
                if let Ok(Ok(id)) = tokio::time::timeout(OP_TIMEOUT, log.register()).await {
                    return Some(id);
                }
            }
            None => tokio::time::sleep(OP_TIMEOUT).await,
        }
    }
    None
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

async fn run_async(seed: u64, base: Option<&Path>) -> KvRun {
    let mut plan = Plan::draw(seed, REPLICAS, if base.is_some() { 2 } else { 0 });
    if std::env::var("DETSIM_KV_NO_DUPLICATE").is_ok() {
        plan.duplicate = 0.0;
    }
    let net = MemNetwork::new(REPLICAS, seed);
    let t0 = Instant::now();
    let crash = |f: &Fault| matches!(f, Fault::Crash(_) | Fault::Restart(_));
    let network_plan = Plan { events: plan.events.iter().filter(|(_, f)| !crash(f)).cloned().collect(), ..plan.clone() };
    let cluster = Arc::new(Mutex::new(Cluster::network_only(net.clone(), &network_plan)));
    let faults = tokio::spawn(play(cluster, network_plan, t0));
    let mut started = Vec::new();
    for i in 0..REPLICAS {
        started.push(Some(start_replica(&net, i, base).await));
    }
    let logs: Logs = Arc::new(Mutex::new(started));
    let crashes = base.map(|b| tokio::spawn(crash_and_restart(logs.clone(), net.clone(), plan.clone(), t0, b.to_path_buf())));
    let sh = Shared::default();
    let clients: Vec<_> = (0..CLIENTS).map(|c| tokio::spawn(client(c, logs.clone(), seed, sh.clone()))).collect();
    for c in clients {
        c.await.expect("a client");
    }
    if let Some(c) = crashes {
        c.await.expect("the crash schedule");
    }
    faults.abort();
    let elapsed = Instant::now() - t0;
    let live: Vec<ReplicatedLog> = logs.lock().unwrap_or_else(|e| e.into_inner()).iter().flatten().cloned().collect();
    let applied: Vec<_> = live.iter().map(|l| l.applied()).collect();
    for l in &live {
        l.shutdown();
    }
    let mut history = std::mem::take(&mut *sh.history.lock().unwrap_or_else(|e| e.into_inner()));
    history.sort_by_key(|r| r.op.call);
    let violations = check(&history, &applied);
    KvRun { seed, plan, history, violations, counters: net.counters(), elapsed }
}
