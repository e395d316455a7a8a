//! Durability: a replica restarted with its data directory resumes its
//! instances (LastVoting keeps the value it acknowledged, which amnesia
//! loses), a replica restarted with an empty one refuses the instances it
//! may have forgotten, torn log tails are truncated, decision logs recover.
mod algos;
mod common;

use algos::last_voting::LastVoting;
use algos::otr::Otr;
use bytes::BytesMut;
use common::*;
use psync::codec;
use psync::config::Options;
use psync::engine::{DefaultAction, DefaultHandler, Node, Outcome, Starter, StatsSnapshot, UnknownMessage};
use psync::prelude::*;
use psync::transport::MemNetwork;
use psync::wire::{Flag, Header, put_msg};
use std::path::{Path, PathBuf};
use std::time::Duration;

fn durable(timeout_ms: u64, dir: Option<&Path>) -> Options {
    Options { data_dir: dir.map(Path::to_path_buf), ..opts(timeout_ms) }
}

/// Starts replica `me` of `n` on `net`, retrying while the previous node on
/// the same data directory is still shutting down (it holds the lock).
async fn start(net: &MemNetwork, me: usize, n: usize, o: &Options) -> Node {
    start_with(net, me, n, o, |_m: &UnknownMessage<'_>| DefaultAction::Drop).await
}

/// [`start`] with a default handler.
async fn start_with(net: &MemNetwork, me: usize, n: usize, o: &Options, h: impl DefaultHandler + Clone) -> Node {
    for _ in 0..500 {
        match Node::builder(ProcessId::new(me), n, o.clone()).handler(h.clone()).memory(net) {
            Ok(node) => return node,
            Err(e) if e.to_string().contains("in use") => tokio::time::sleep(Duration::from_millis(10)).await,
            Err(e) => panic!("replica {me}: {e}"),
        }
    }
    panic!("replica {me}: its data directory stayed locked")
}

/// Shuts `node` down and gives its event loop a moment to release the
/// data directory ([`start`] retries while it holds it).
async fn stop(node: Node) {
    node.shutdown();
    drop(node);
    tokio::time::sleep(Duration::from_millis(20)).await;
}

async fn settle(node: &Node, done: impl Fn(&StatsSnapshot) -> bool) -> StatsSnapshot {
    for _ in 0..1000 {
        if done(&node.stats()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    node.stats()
}

/// A round message of LastVoting instance `id` from replica `sender`.
fn round_msg(sender: u32, id: u64, round: u64, v: i64) -> bytes::Bytes {
    let mut b = BytesMut::new();
    put_msg(&mut b, &Header { flag: Flag::Normal, epoch: 0, sender, instance: id, round }, &codec::encode(&v).unwrap());
    b.freeze()
}

/// LastVoting, 3 replicas. Phase 0: coordinator 0 (played by the test)
/// gets the estimates of itself and replica 1, votes 7, replica 1 adopts
/// it and acknowledges; with its own acknowledgement the coordinator has a
/// majority, is ready, and decides 7 (its Accept message is lost). Then
/// replica 1 crashes and restarts; replica 0 is gone. Phase 1: replica 1
/// coordinates with replica 2 (which never heard of phase 0). With its
/// state on disk, replica 1 still holds 7 with timestamp 0 and the pair
/// decides 7; restarted empty, it proposes its initial value again, and
/// the pair decides something else than replica 0's 7.
async fn crash_after_acknowledging(dir: Option<&Path>) -> i64 {
    let net = MemNetwork::new(3, 1);
    net.set_down(ProcessId::new(2), true);
    let o = durable(200, dir);
    let r1 = start(&net, 1, 3, &o).await;
    r1.start_durable::<LastVoting>(1, Consensus::new(20), |_| {});
    // Round 1 (Candidate): the coordinator's vote.
    net.inject(ProcessId::new(1), round_msg(0, 1, 1, 7));
    // Replica 1 acknowledged in round 2 and waits in round 3 for Accept.
    let s = settle(&r1, |s| s.rounds >= 3).await;
    assert!(s.rounds >= 3, "replica 1 did not reach round 3: {s:?}");
    stop(r1).await;

    net.set_down(ProcessId::new(0), true);
    net.set_down(ProcessId::new(2), false);
    let r1 = start(&net, 1, 3, &o).await;
    if dir.is_some() {
        assert_eq!(r1.recovery().map(|r| r.resumable.clone()), Some(vec![1]));
    }
    let r2 = Node::builder(ProcessId::new(2), 3, opts(200)).memory(&net).unwrap();
    let (a, b) = tokio::join!(r1.propose_durable::<LastVoting>(1, Consensus::new(20)), r2.propose::<LastVoting>(1, Consensus::new(30)));
    let (a, b) = (a.into_value(), b.into_value());
    assert!(a.is_some() && a == b, "replicas 1 and 2 disagree: {a:?} {b:?}");
    a.unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn last_voting_keeps_the_acknowledged_value_across_a_restart_with_its_state_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("r1");
    assert_eq!(crash_after_acknowledging(Some(&d)).await, 7, "the restarted replica must keep the value it acknowledged");
    assert_ne!(crash_after_acknowledging(None).await, 7, "without durability the acknowledged value is forgotten (amnesia)");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replica_restarted_with_an_empty_data_dir_only_learns_the_instances_it_forgot() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("r0");
    let net = MemNetwork::new(3, 2);
    net.set_down(ProcessId::new(1), true);
    net.set_down(ProcessId::new(2), true);
    let o = durable(50, Some(&d));
    let r0 = start(&net, 0, 3, &o).await;
    assert_eq!(r0.recovery().map(|r| r.amnesic_since), Some(None), "a new directory is a first start");
    // Instance 5 runs alone (the others are cut off).
    r0.start_durable::<LastVoting>(5, Consensus::new(1), |_| {});
    settle(&r0, |s| s.wal_syncs >= 1).await;
    stop(r0).await;
    // The disk is replaced: the directory is there, its files are gone.
    for e in std::fs::read_dir(&d).unwrap() {
        std::fs::remove_file(e.unwrap().path()).unwrap();
    }
    let join = |_m: &UnknownMessage<'_>| DefaultAction::Start(Starter::durable::<LastVoting>(Consensus::new(2), |_| {}));
    let r0 = start_with(&net, 0, 3, &o, join).await;
    let rec = r0.recovery().cloned().unwrap();
    assert!(rec.amnesic_since.is_some() && rec.resumable.is_empty(), "{rec:?}");
    let (tx, rx) = tokio::sync::oneshot::channel();
    r0.start_durable::<LastVoting>(5, Consensus::new(1), move |o| {
        let _ = tx.send(o);
    });
    // A peer's round message does not make it vote either.
    net.inject(ProcessId::new(0), round_msg(1, 6, 0, 3));
    let s = settle(&r0, |s| s.forgotten >= 2).await;
    assert_eq!((s.forgotten, s.lazy_starts, s.rounds), (2, 1, 0), "no round runs, so no round message leaves: {s:?}");
    stop(r0).await;
    assert_eq!(rx.await.unwrap(), Outcome::Stopped, "a learner waits until it learns or stops");

    // Restarted again, it is still amnesic; replicas 1 and 2 decide
    // instance 5 without it, and it learns their decision.
    net.set_down(ProcessId::new(1), false);
    net.set_down(ProcessId::new(2), false);
    let r0 = start(&net, 0, 3, &o).await;
    assert!(r0.recovery().unwrap().amnesic_since.is_some(), "the lost state is remembered");
    let peers: Vec<Node> = (1..3).map(|i| Node::builder(ProcessId::new(i), 3, opts(50)).memory(&net).unwrap()).collect();
    let (a, b, c) = tokio::join!(
        r0.propose_durable::<LastVoting>(5, Consensus::new(1)),
        peers[0].propose::<LastVoting>(5, Consensus::new(21)),
        peers[1].propose::<LastVoting>(5, Consensus::new(22))
    );
    assert!(matches!(b, Outcome::Decided(_)) && b.value() == c.value(), "{b:?} {c:?}");
    assert_eq!(a, Outcome::Learned(*b.value().unwrap()), "the amnesic replica learns the decision");
    assert_eq!(r0.stats().rounds, 0, "and never ran a round");

    // A new replica (no directory yet) takes part.
    stop(r0).await;
    let fresh = durable(50, Some(&dir.path().join("new")));
    let r0 = start(&net, 0, 3, &fresh).await;
    let out = tokio::join!(
        r0.propose_durable::<LastVoting>(7, Consensus::new(1)),
        peers[0].propose::<LastVoting>(7, Consensus::new(21)),
        peers[1].propose::<LastVoting>(7, Consensus::new(22))
    );
    assert_eq!((out.0, r0.stats().forgotten), (Outcome::Decided(*out.1.value().unwrap()), 0));
}

fn segments(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("wal-")))
        .collect();
    v.sort();
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_torn_or_corrupt_log_tail_is_truncated_and_the_intact_records_recover() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("r0");
    let net = MemNetwork::new(3, 3);
    let o = durable(1000, Some(&d));
    let r0 = start(&net, 0, 3, &o).await;
    r0.start_durable::<Otr>(8, Consensus::new(4), |_| {});
    settle(&r0, |s| s.wal_syncs >= 1).await;
    stop(r0).await;
    let seg = segments(&d).pop().expect("a segment");
    let intact = std::fs::metadata(&seg).unwrap().len();
    assert!(intact > 0);
    // A torn append: the start of a record whose body never reached the disk.
    let mut bytes = std::fs::read(&seg).unwrap();
    bytes.extend_from_slice(&[40, 0, 0, 0, 1, 2, 3, 4, 1, 9]);
    std::fs::write(&seg, &bytes).unwrap();
    let r0 = start(&net, 0, 3, &o).await;
    let rec = r0.recovery().cloned().unwrap();
    assert_eq!((rec.truncated_bytes, rec.resumable.clone()), (10, vec![8]), "{rec:?}");
    stop(r0).await;
    // A corrupt last record: one flipped byte in its body.
    let seg = segments(&d).pop().unwrap();
    let mut bytes = std::fs::read(&seg).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    std::fs::write(&seg, &bytes).unwrap();
    let r0 = start(&net, 0, 3, &o).await;
    let rec = r0.recovery().cloned().unwrap();
    assert!(rec.truncated_bytes > 0 && rec.resumable.is_empty(), "the corrupt record is dropped: {rec:?}");
    assert!(rec.amnesic_since.is_none(), "a truncated tail is not a lost state");
    stop(r0).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn decision_logs_recover_and_answer_a_late_replica() {
    let dir = tempfile::tempdir().unwrap();
    let dirs: Vec<PathBuf> = (0..2).map(|i| dir.path().join(format!("r{i}"))).collect();
    let net = MemNetwork::new(3, 4);
    net.set_down(ProcessId::new(2), true);
    let mut nodes = Vec::new();
    for (i, d) in dirs.iter().enumerate() {
        nodes.push(start(&net, i, 3, &durable(20, Some(d))).await);
    }
    let mut decided = Vec::new();
    for id in 1..=6u64 {
        let (a, b) = tokio::join!(
            nodes[0].propose_durable::<LastVoting>(id, Consensus::new(id as i64)),
            nodes[1].propose_durable::<LastVoting>(id, Consensus::new(100 + id as i64))
        );
        assert!(a.value().is_some() && a.value() == b.value(), "instance {id}: {a:?} {b:?}");
        decided.push(a.into_value().unwrap());
    }
    let syncs = nodes[0].stats().wal_syncs;
    assert!(syncs > 0, "durable runs fsync");
    for n in nodes.drain(..) {
        stop(n).await;
    }
    // The restart spreads the instances over two event loops instead of one.
    for (i, d) in dirs.iter().enumerate() {
        nodes.push(start(&net, i, 3, &Options { workers: 2, ..durable(20, Some(d)) }).await);
    }
    for n in &nodes {
        let rec = n.recovery().unwrap();
        assert_eq!((rec.decisions, rec.resumable.len(), rec.amnesic_since), (6, 0, None), "{rec:?}");
        for id in [3, 4] {
            let again = n.propose_durable::<LastVoting>(id, Consensus::new(0)).await;
            assert!(matches!(&again, Outcome::Rejected(r) if r.contains("already finished")), "{again:?}");
        }
    }
    // Replica 2 was down throughout: the recovered logs tell it every decision.
    net.set_down(ProcessId::new(2), false);
    let late = Node::builder(ProcessId::new(2), 3, opts(20)).memory(&net).unwrap();
    for id in 1..=6u64 {
        let out = late.propose::<LastVoting>(id, Consensus::new(-1)).await;
        assert_eq!(out, Outcome::Learned(decided[id as usize - 1]), "instance {id}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_restarted_mid_run_resume_and_agree() {
    let dir = tempfile::tempdir().unwrap();
    let dirs: Vec<PathBuf> = (0..3).map(|i| dir.path().join(format!("r{i}"))).collect();
    let net = MemNetwork::new(3, 5);
    net.set_faults(psync::transport::MemFaults { loss: 0.05, duplicate: 0.05 });
    let o = |i: usize| durable(20, Some(&dirs[i]));
    let mut nodes = Vec::new();
    for i in 0..3 {
        nodes.push(start(&net, i, 3, &o(i)).await);
    }
    let outcomes = std::sync::Arc::new(std::sync::Mutex::new(vec![Vec::new(); 3]));
    let record = |i: usize, id: u64| {
        let outcomes = outcomes.clone();
        move |out: Outcome<i64>| {
            if let Some(v) = out.into_value() {
                outcomes.lock().unwrap()[i].push((id, v));
            }
        }
    };
    // Replica 1 is cut off while 30 instances start, so they all wait for it.
    net.set_down(ProcessId::new(1), true);
    for id in 0..30u64 {
        for (i, n) in nodes.iter().enumerate() {
            n.start_durable::<LastVoting>(id, Consensus::new((id as i64 + i as i64) % 4), record(i, id));
        }
    }
    tokio::time::sleep(Duration::from_millis(50)).await;
    // Replica 1 crashes and restarts, resuming what it saved.
    let r1 = nodes.remove(1);
    stop(r1).await;
    net.set_down(ProcessId::new(1), false);
    let r1 = start(&net, 1, 3, &o(1)).await;
    let rec = r1.recovery().cloned().unwrap();
    assert_eq!(rec.resumable, (0..30).collect::<Vec<_>>(), "every instance was journaled before its first message");
    for id in rec.resumable {
        r1.start_durable::<LastVoting>(id, Consensus::new(-1), record(1, id));
    }
    nodes.insert(1, r1);
    for _ in 0..400 {
        if outcomes.lock().unwrap().iter().all(|v| v.len() == 30) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let got = outcomes.lock().unwrap().clone();
    for id in 0..30u64 {
        let vals: Vec<i64> = got.iter().filter_map(|v| v.iter().find(|(i, _)| *i == id).map(|(_, x)| *x)).collect();
        assert_eq!(vals.len(), 3, "instance {id}: every replica decides: {vals:?}");
        assert!(vals.windows(2).all(|w| w[0] == w[1]), "instance {id}: agreement: {vals:?}");
        assert!(vals[0] != -1, "instance {id}: the restarted replica's placeholder value is never chosen");
    }
    let s = nodes[0].stats();
    assert!(s.wal_syncs < s.rounds, "group commit: one fsync covers many rounds ({} fsyncs, {} rounds)", s.wal_syncs, s.rounds);
}
