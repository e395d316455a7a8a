//! The replicated log with data directories: a replica killed and started
//! again on its directory comes back with exactly the state it had (no
//! applied request lost, none applied twice) and goes on with the others;
//! a replica started on an empty directory catches up by snapshot transfer
//! and keeps that snapshot on disk. Real engine, one single-threaded tokio
//! runtime with paused time, in-memory network; the directories are on
//! tmpfs when there is one (fsyncs cost real time).

mod common;

use common::eventually;
use psync::config::Options;
use psync::engine::Node;
use psync::prelude::ProcessId;
use psync::service::{Applied, ClientRequest, LogOptions, ReplicatedLog, Reply};
use psync::transport::{MemFaults, MemNetwork};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const N: usize = 3;

fn paused_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().start_paused(true).build().expect("a tokio runtime")
}

fn base_dir() -> tempfile::TempDir {
    let shm = Path::new("/dev/shm");
    if shm.is_dir() { tempfile::tempdir_in(shm) } else { tempfile::tempdir() }.expect("a temporary directory")
}

fn log_options() -> LogOptions {
    LogOptions {
        batch: 4,
        in_flight: 4,
        tick: Duration::from_millis(20),
        resend: Duration::from_millis(300),
        election_timeout: Duration::from_millis(200),
        // Snapshots on disk every few slots: recovery reads one and the
        // journal after it.
        snapshot_bytes: 1024,
        ..LogOptions::default()
    }
}

/// Starts replica `i` on its directory under `base`, retrying while the
/// previous node on it shuts down (it holds the directory's lock).
async fn start(net: &MemNetwork, base: &Path, i: usize, decision_log: usize) -> ReplicatedLog {
    let o = Options { timeout_ms: 10, decision_log, data_dir: Some(base.join(format!("r{i}"))), ..Options::default() };
    let me = ProcessId::new(i);
    for _ in 0..500 {
        let (net, o) = (net.clone(), o.clone());
        match ReplicatedLog::start(me, log_options(), move |h| async move { Node::builder(me, N, o).handler(h).memory(&net) }).await {
            Ok(l) => return l,
            Err(e) if e.to_string().contains("in use") => tokio::time::sleep(Duration::from_millis(5)).await,
            Err(e) => panic!("replica {i}: {e}"),
        }
    }
    panic!("replica {i}: its data directory stayed locked")
}

type Logs = Arc<Mutex<Vec<Option<ReplicatedLog>>>>;

/// A client with one request at a time, each a put to its own key, retried
/// (the same request, at the next replica up) until it gets a reply.
async fn client(id: u64, logs: Logs, ops: u64) -> Vec<(u64, Reply)> {
    let mut done = Vec::new();
    let mut at = id as usize;
    let session = loop {
        let log = logs.lock().unwrap()[at % N].clone();
        match log {
            Some(l) => match tokio::time::timeout(Duration::from_secs(1), l.register()).await {
                Ok(Ok(s)) => break s,
                _ => at += 1,
            },
            None => at += 1,
        }
    };
    for seq in 1..=ops {
        let req = ClientRequest::new(session, seq, ClientRequest::op(id as u32, value(id, seq)));
        loop {
            let log = logs.lock().unwrap()[at % N].clone();
            let reply = match log {
                Some(l) => tokio::time::timeout(Duration::from_secs(1), l.submit_request(req)).await.ok().and_then(Result::ok),
                None => None,
            };
            match reply {
                Some(r) => {
                    done.push((seq, r));
                    break;
                }
                None => {
                    at += 1;
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(3)).await;
    }
    done
}

fn value(client: u64, seq: u64) -> u64 {
    client * 1000 + seq
}

/// Kills replica `i` and starts it again on its directory: what it applied
/// before is exactly what it recovered.
async fn kill_and_restart(logs: &Logs, net: &MemNetwork, base: &Path, i: usize) -> Applied {
    let old = logs.lock().unwrap()[i].take().expect("replica up");
    // On this one thread nothing runs between these two lines: every slot
    // the service applied is on disk (it fsyncs at the end of each turn).
    let before = old.applied();
    old.shutdown();
    drop(old);
    tokio::time::sleep(Duration::from_millis(30)).await;
    let new = start(net, base, i, 10_000).await;
    let after = new.applied();
    assert_eq!(after, before, "replica {i} recovered another state than the one it had");
    assert_eq!(new.stats().recovered, before.slots);
    logs.lock().unwrap()[i] = Some(new);
    before
}

/// Three durable replicas under loss and duplication, four clients; the
/// leader and a follower are killed and restarted on their directories
/// while the clients run.
fn restarts_keep_every_applied_request(seed: u64) {
    paused_runtime().block_on(async move {
        let base = base_dir();
        let net = MemNetwork::new(N, seed);
        net.set_faults(MemFaults { loss: 0.05, duplicate: 0.1 });
        net.set_delay(Duration::from_millis(1), Duration::from_millis(1 + seed % 5));
        let mut started = Vec::new();
        for i in 0..N {
            started.push(Some(start(&net, base.path(), i, 10_000).await));
        }
        let logs: Logs = Arc::new(Mutex::new(started));
        const CLIENTS: u64 = 4;
        const OPS: u64 = 40;
        let clients: Vec<_> = (1..=CLIENTS).map(|c| tokio::spawn(client(c, logs.clone(), OPS))).collect();
        let mut recovered = Vec::new();
        for (at, who) in [(150, (seed as usize + 1) % N), (400, 0), (700, (seed as usize + 2) % N)] {
            tokio::time::sleep_until(tokio::time::Instant::now() + Duration::from_millis(at / 3)).await;
            recovered.push(kill_and_restart(&logs, &net, base.path(), who).await.slots);
        }
        let mut replies = Vec::new();
        for c in clients {
            replies.push(c.await.unwrap());
        }
        assert!(recovered.iter().any(|&s| s > 0), "seed {seed}: a restart recovered applied slots: {recovered:?}");
        let live: Vec<ReplicatedLog> = logs.lock().unwrap().iter().flatten().cloned().collect();
        let top = live.iter().map(|l| l.applied().slots).max().unwrap();
        assert!(eventually(Duration::from_secs(10), || live.iter().all(|l| l.applied().slots >= top)).await, "seed {seed}: the replicas catch up");
        let states: Vec<Applied> = live.iter().map(|l| l.applied()).collect();
        for a in &states {
            // Exactly once: each client's puts took effect once each, in
            // order, so each reply saw the previous put's value.
            assert_eq!(a.requests, CLIENTS * OPS, "seed {seed}: every request took effect once");
            for c in 1..=CLIENTS {
                assert_eq!(a.kv.get(&(c as u32)), Some(&value(c, OPS)));
            }
        }
        for (c, rs) in (1..=CLIENTS).zip(&replies) {
            for (seq, r) in rs {
                let previous = (*seq > 1).then(|| value(c, seq - 1));
                assert_eq!(r.previous, previous, "seed {seed}: client {c}'s put {seq} took effect once, after put {}", seq - 1);
            }
        }
        let at = states[0].slots;
        for (i, a) in states.iter().enumerate() {
            if a.slots == at {
                assert_eq!(a.digest, states[0].digest, "seed {seed}: replica {i} applied another log");
            }
        }
        assert!(live.iter().any(|l| l.stats().snapshots_written > 0), "seed {seed}: snapshots were written to disk");
        for l in &live {
            l.shutdown();
        }
    });
}

#[test]
fn a_replica_restarted_on_its_directory_loses_no_applied_request_and_applies_none_twice() {
    for seed in 0..4 {
        restarts_keep_every_applied_request(seed);
    }
}

/// Replica 2 runs a while, is killed, and starts again on an empty
/// directory while the others went on past their decision logs: it learns
/// the state by snapshot transfer (its node, having lost its state, votes
/// in no slot it has no state for), writes the snapshot to its directory,
/// and a later restart on that directory recovers it.
#[test]
fn a_replica_restarted_on_an_empty_directory_catches_up_by_snapshot() {
    paused_runtime().block_on(async {
        let base = base_dir();
        let net = MemNetwork::new(N, 3);
        const DECISION_LOG: usize = 8;
        let mut logs = Vec::new();
        for i in 0..N {
            logs.push(start(&net, base.path(), i, DECISION_LOG).await);
        }
        let c1 = logs[0].register().await.unwrap();
        for k in 0..20u64 {
            logs[0].submit_request(ClientRequest::new(c1, k + 1, ClientRequest::op(1, k))).await.unwrap();
        }
        let victim = logs.pop().unwrap();
        victim.shutdown();
        drop(victim);
        let dir: PathBuf = base.path().join("r2");
        std::fs::remove_dir_all(&dir).unwrap();
        std::fs::create_dir(&dir).unwrap();
        // Ten decision logs' worth of slots while it is down.
        for k in 20..20 + 10 * DECISION_LOG as u64 {
            logs[0].submit_request(ClientRequest::new(c1, k + 1, ClientRequest::op(1, k))).await.unwrap();
        }
        let target = logs[0].applied();
        let back = start(&net, base.path(), 2, DECISION_LOG).await;
        assert_eq!(back.applied().slots, 0, "an empty directory holds no state");
        assert!(
            eventually(Duration::from_secs(10), || back.applied().slots >= target.slots).await,
            "the replica on an empty directory caught up: {:?}",
            back.stats()
        );
        let st = back.stats();
        assert!(st.snapshots_installed >= 1 && st.snapshots_written >= 1, "by snapshot, written to disk: {st:?}");
        assert_eq!(back.applied().kv, logs[0].applied().kv);
        // The log goes on, and the snapshot is on disk.
        let c2 = logs[1].register().await.unwrap();
        logs[1].submit_request(ClientRequest::new(c2, 1, ClientRequest::op(2, 5))).await.unwrap();
        let have = back.applied();
        back.shutdown();
        drop(back);
        tokio::time::sleep(Duration::from_millis(30)).await;
        let again = start(&net, base.path(), 2, DECISION_LOG).await;
        assert_eq!(again.applied(), have, "the restart on its directory recovered the state it had");
        assert!(again.applied().slots >= target.slots);
        for l in logs.iter().chain([&again]) {
            l.shutdown();
        }
    });
}

/// The service journals a decided slot at its next turn, after the node
/// journaled it; a node whose decision log (8 here) dropped decisions
/// before the service journaled them must not let the service vote in
/// those slots again. Replica 2's service files are removed, its node's
/// kept (the service lost every decision, the node dropped most): at the
/// restart it votes only above the node's `forgotten_upto` and learns the
/// rest by snapshot.
#[test]
fn a_restart_votes_only_above_the_decisions_its_node_dropped() {
    paused_runtime().block_on(async {
        let base = base_dir();
        let net = MemNetwork::new(N, 5);
        const DECISION_LOG: usize = 8;
        let mut logs = Vec::new();
        for i in 0..N {
            logs.push(start(&net, base.path(), i, DECISION_LOG).await);
        }
        let c1 = logs[0].register().await.unwrap();
        for k in 0..40u64 {
            logs[0].submit_request(ClientRequest::new(c1, k + 1, ClientRequest::op(1, k))).await.unwrap();
        }
        let victim = logs.pop().unwrap();
        let before = victim.applied().slots;
        assert!(before > 3 * DECISION_LOG as u64, "slots applied before the kill: {before}");
        victim.shutdown();
        drop(victim);
        tokio::time::sleep(Duration::from_millis(30)).await;
        std::fs::remove_dir_all(base.path().join("r2").join("log")).unwrap();
        let back = start(&net, base.path(), 2, DECISION_LOG).await;
        let forgotten = back.node().recovery().and_then(|r| r.forgotten_upto);
        assert!(forgotten.is_some_and(|f| f + DECISION_LOG as u64 >= before), "the node dropped all but its last decisions: {forgotten:?} of {before}");
        assert_eq!(back.applied().slots, 0, "the service's files are gone");
        assert_eq!(back.stats().fence, forgotten, "it votes only above the dropped decisions");
        let target = logs[0].applied();
        assert!(
            eventually(Duration::from_secs(10), || back.applied().slots >= target.slots).await,
            "it catches up: {:?}",
            back.stats()
        );
        assert!(back.stats().snapshots_installed >= 1, "by snapshot: {:?}", back.stats());
        let c2 = logs[1].register().await.unwrap();
        logs[1].submit_request(ClientRequest::new(c2, 1, ClientRequest::op(2, 5))).await.unwrap();
        let top = logs[1].applied();
        assert!(eventually(Duration::from_secs(10), || back.applied().slots >= top.slots).await);
        assert_eq!(back.applied().kv, logs[1].applied().kv, "the same state");
        for l in logs.iter().chain([&back]) {
            l.shutdown();
        }
    });
}
