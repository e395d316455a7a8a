//! OTR and LastVoting instances on the real engine under a seeded fault
//! plan: every replica proposes a small random value to each instance at the
//! instance's start time; agreement and validity are checked on every
//! decided or learned value (across incarnations), and the run reports how
//! many of the replicas still running at the end decided.

use crate::algos::{last_voting::LastVoting, otr::Otr};
use crate::detsim::cluster::{Cluster, StartHook, play};
use crate::detsim::plan::Plan;
use crate::detsim::{paused_runtime, rng_for};
use psync::config::Options;
use psync::engine::{DefaultAction, Node, Outcome, Starter, StatsSnapshot, UnknownMessage};
use psync::prelude::*;
use psync::transport::{MemCounters, MemNetwork};
use psync::wire::Flag;
use rand::Rng;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;

/// Instances per run (ids `1..=INSTANCES`), started within the first
/// `START_WINDOW_MS`.
const INSTANCES: u64 = 4;
const START_WINDOW_MS: u64 = 80;
/// Round timeout of every node.
const TIMEOUT_MS: u64 = 10;
/// After the heal, how long the run may take to decide (virtual time).
const GRACE: Duration = Duration::from_secs(10);

/// What one replica saw of one instance.
#[derive(Clone, Debug, PartialEq)]
enum Seen {
    Running,
    Value(i64),
    /// Stopped (crash), ended or rejected.
    Nothing,
}

type Key = (u64, usize, u32);

#[derive(Default)]
struct Outcomes {
    /// Per (instance, replica, incarnation) that ran it.
    seen: BTreeMap<Key, Seen>,
}

impl Outcomes {
    fn join(&mut self, k: Key) {
        self.seen.entry(k).or_insert(Seen::Running);
    }
    fn record(&mut self, k: Key, o: Outcome<i64>) {
        let s = match o {
            // The instance runs already (joined lazily) or finished: nothing new.
            Outcome::Rejected(_) => return,
            Outcome::Decided(v) | Outcome::Learned(v) => Seen::Value(v),
            Outcome::Ended | Outcome::Stopped => Seen::Nothing,
        };
        self.seen.insert(k, s);
    }
}

/// The result of one seeded run.
pub struct ConsensusRun {
    pub seed: u64,
    pub plan: Plan,
    /// Per algorithm (0: OTR, 1: LastVoting): the (instance, replica) pairs
    /// whose replica still runs, at the end, the incarnation that took part
    /// in the instance.
    pub live: [usize; 2],
    /// Of those, how many decided or learned.
    pub decided: [usize; 2],
    /// Agreement or validity violations.
    pub violations: Vec<String>,
    pub counters: MemCounters,
    /// Virtual time the run took.
    pub elapsed: Duration,
    /// Each replica's engine counters at the end (none: crashed).
    pub stats: Vec<Option<StatsSnapshot>>,
    outcomes: BTreeMap<Key, Seen>,
    values: Vec<Vec<i64>>,
}

impl fmt::Display for ConsensusRun {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (d, l) = (self.decided, self.live);
        writeln!(f, "seed {}: decided/live (instance, replica) pairs: OTR {}/{}, LastVoting {}/{}, in {:?}", self.seed, d[0], l[0], d[1], l[1], self.elapsed)?;
        writeln!(f, "plan: {:?}", self.plan)?;
        writeln!(f, "network: {:?}", self.counters)?;
        for (k, vals) in self.values.iter().enumerate().skip(1) {
            writeln!(f, "instance {k} ({}), proposals {vals:?}", algorithm(self.seed, k as u64))?;
        }
        for ((k, i, inc), s) in &self.outcomes {
            writeln!(f, "  instance {k} replica {i} incarnation {inc}: {s:?}")?;
        }
        for (i, s) in self.stats.iter().enumerate() {
            writeln!(f, "replica {i}: {s:?}")?;
        }
        for v in &self.violations {
            writeln!(f, "VIOLATION: {v}")?;
        }
        Ok(())
    }
}

fn algorithm(seed: u64, k: u64) -> &'static str {
    if (seed + k).is_multiple_of(2) { "otr" } else { "last_voting" }
}

/// Reports replica `i`'s (incarnation `inc`) outcome of instance `k` into `out`.
fn reporter(k: u64, i: usize, inc: u32, out: &Arc<Mutex<Outcomes>>) -> impl FnOnce(Outcome<i64>) + Send + 'static {
    let out = out.clone();
    move |o: Outcome<i64>| lock(&out).record((k, i, inc), o)
}

/// A starter of instance `k` proposing `v`, for the default handler.
fn starter(seed: u64, k: u64, v: i64, done: impl FnOnce(Outcome<i64>) + Send + 'static) -> Starter {
    match algorithm(seed, k) {
        "otr" => Starter::new::<Otr>(Consensus::new(v), done),
        _ => Starter::new::<LastVoting>(Consensus::new(v), done),
    }
}

/// Starts instance `k` on `node`, proposing `v`.
fn propose(node: &Node, seed: u64, k: u64, v: i64, done: impl FnOnce(Outcome<i64>) + Send + 'static) {
    match algorithm(seed, k) {
        "otr" => node.start_instance::<Otr>(k, Consensus::new(v), done),
        _ => node.start_instance::<LastVoting>(k, Consensus::new(v), done),
    }
}

/// Runs `seed` on a fresh single-threaded runtime with paused time.
pub fn run(seed: u64) -> ConsensusRun {
    paused_runtime().block_on(run_async(seed))
}

/// What every replica proposes and what it saw, shared with the nodes'
/// callbacks and default handlers.
#[derive(Clone)]
struct Workload {
    seed: u64,
    n: usize,
    /// `values[k][i]`: replica `i`'s proposal to instance `k`.
    values: Arc<Vec<Vec<i64>>>,
    out: Arc<Mutex<Outcomes>>,
    /// Instances started so far (ids `1..=started`).
    started: Arc<AtomicU64>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Whether replica `i` still runs the incarnation of `key`.
fn live(c: &Cluster, &(_, i, inc): &Key) -> bool {
    c.is_up(i) && c.incarnation(i) == inc
}

impl Workload {
    /// Builds a replica's node: a restarted replica has forgotten
    /// everything, so it joins (lazily) only instances started after its
    /// restart, unless `amnesia` lets it join any, as a replica without a
    /// store would.
    fn hook(&self, amnesia: bool) -> StartHook {
        let w = self.clone();
        let opts = Options { timeout_ms: TIMEOUT_MS, ..Options::default() };
        Box::new(move |me: ProcessId, inc: u32, net: &MemNetwork| -> Node {
            let floor = if inc == 0 || amnesia { 1 } else { w.started.load(Ordering::Relaxed) + 1 };
            let (w, i) = (w.clone(), me.index());
            let handler = move |m: &UnknownMessage<'_>| {
                let k = m.instance;
                if m.flag != Flag::Normal || k < floor || k > INSTANCES {
                    return DefaultAction::Drop;
                }
                lock(&w.out).join((k, i, inc));
                DefaultAction::Start(starter(w.seed, k, w.values[k as usize][i], reporter(k, i, inc, &w.out)))
            };
            Node::builder(me, w.n, opts.clone()).handler(handler).memory(net).expect("a valid node")
        })
    }

    /// Starts instance `k` on every running replica.
    fn start(&self, cluster: &Mutex<Cluster>, k: u64) {
        self.started.store(k, Ordering::Relaxed);
        for i in 0..self.n {
            let (node, inc) = {
                let c = lock(cluster);
                (c.node(i), c.incarnation(i))
            };
            if let Some(node) = node {
                lock(&self.out).join((k, i, inc));
                propose(&node, self.seed, k, self.values[k as usize][i], reporter(k, i, inc, &self.out));
            }
        }
    }

    /// Whether a running replica still runs an instance.
    fn waiting(&self, cluster: &Mutex<Cluster>) -> bool {
        let c = lock(cluster);
        lock(&self.out).seen.iter().any(|(key, s)| *s == Seen::Running && live(&c, key))
    }
}

async fn run_async(seed: u64) -> ConsensusRun {
    let mut rng = rng_for(seed, 1);
    let n = rng.random_range(3..=5usize);
    // OTR needs more than 2n/3 replicas: (n - 1) / 3 may crash.
    let plan = Plan::draw(seed, n, (n - 1) / 3);
    let mut starts: Vec<u64> = (0..INSTANCES).map(|_| rng.random_range(0..START_WINDOW_MS)).collect();
    starts.sort_unstable();
    let values: Vec<Vec<i64>> = (0..=INSTANCES).map(|_| (0..n).map(|_| rng.random_range(0..3)).collect()).collect();
    let w = Workload { seed, n, values: Arc::new(values), out: Arc::default(), started: Arc::default() };
    let amnesia = std::env::var("DETSIM_AMNESIA").is_ok();

    let t0 = Instant::now();
    let cluster = Arc::new(Mutex::new(Cluster::new(MemNetwork::new(n, seed), &plan, w.hook(amnesia))));
    let faults = tokio::spawn(play(cluster.clone(), plan.clone(), t0));
    for (j, &at) in starts.iter().enumerate() {
        tokio::time::sleep_until(t0 + Duration::from_millis(at)).await;
        w.start(&cluster, j as u64 + 1);
    }
    let deadline = t0 + plan.heal_at + GRACE;
    while w.waiting(&cluster) && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(TIMEOUT_MS)).await;
    }
    faults.abort();
    let elapsed = Instant::now() - t0;
    let mut c = lock(&cluster);
    let outcomes = lock(&w.out).seen.clone();
    let (mut live_pairs, mut decided) = ([0; 2], [0; 2]);
    for (key, s) in outcomes.iter().filter(|(k, _)| live(&c, k)) {
        let a = usize::from(algorithm(seed, key.0) != "otr");
        live_pairs[a] += 1;
        decided[a] += usize::from(matches!(s, Seen::Value(_)));
    }
    let stats = (0..n).map(|i| c.node(i).map(|x| x.stats())).collect();
    let counters = c.net.counters();
    c.shutdown();
    let values = w.values.to_vec();
    let violations = check(&outcomes, &values);
    ConsensusRun { seed, plan, live: live_pairs, decided, violations, counters, elapsed, stats, outcomes, values }
}

/// Agreement and validity of every value decided or learned.
fn check(outcomes: &BTreeMap<Key, Seen>, values: &[Vec<i64>]) -> Vec<String> {
    let mut bad = Vec::new();
    let mut first: BTreeMap<u64, (Key, i64)> = BTreeMap::new();
    for (&key, s) in outcomes {
        let Seen::Value(v) = *s else { continue };
        let k = key.0;
        if !values[k as usize].contains(&v) {
            bad.push(format!("validity: instance {k}: {key:?} decided {v}, proposals {:?}", values[k as usize]));
        }
        match first.get(&k) {
            Some(&(other, w)) if w != v => {
                bad.push(format!("agreement: instance {k}: {other:?} decided {w}, {key:?} decided {v}"))
            }
            Some(_) => {}
            None => {
                first.insert(k, (key, v));
            }
        }
    }
    bad
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_check_rejects_disagreement_and_invented_values() {
        let vals = vec![vec![], vec![0, 1, 1]];
        let mut o = BTreeMap::new();
        o.insert((1, 0, 0), Seen::Value(1));
        o.insert((1, 1, 0), Seen::Running);
        o.insert((1, 2, 1), Seen::Value(1));
        assert!(check(&o, &vals).is_empty());
        o.insert((1, 1, 0), Seen::Value(0));
        assert_eq!(check(&o, &vals).len(), 1, "{:?}", check(&o, &vals));
        o.insert((1, 1, 0), Seen::Value(2));
        let bad = check(&o, &vals);
        assert!(bad.iter().any(|b| b.starts_with("validity")) && bad.iter().any(|b| b.starts_with("agreement")), "{bad:?}");
    }
}
