//! Engine features beyond the round loop: sync(k) counts f + k processes,
//! stopped instances leave tombstones, application messages under user
//! flags reach the peers' default handlers.
mod algos;
mod common;

use bytes::BytesMut;
use common::opts;
use psync::config::Options;
use psync::engine::{DefaultAction, Node, Outcome, Starter, UnknownMessage};
use psync::prelude::*;
use psync::transport::MemNetwork;
use psync::wire::{Flag, Header, put_msg};
use std::time::{Duration, Instant};

/// One event round that waits for `sync(1)`, bounded by 400 ms, then ends.
#[derive(Clone, Debug)]
struct Barrier;
struct WaitSync;
impl Process for Barrier {
    type Io = Consensus<i64>;
    fn init(_: &Consensus<i64>, _: &Ctx) -> Self {
        Barrier
    }
    fn phase() -> Phase<Self> {
        Phase::new().event_round::<WaitSync>()
    }
}
impl EventRound<Barrier> for WaitSync {
    type Msg = ();
    fn init(_: &mut Barrier, _: &Ctx) -> Progress {
        Progress::sync(1).lub(Progress::timeout_ms(400))
    }
    fn send(_: &mut Barrier, _: &Ctx) -> Outbox<()> {
        Outbox::none()
    }
    fn receive(_: &mut Barrier, _: ProcessId, _: (), _: &Ctx) -> Progress {
        Progress::unchanged()
    }
    fn finish(_: &mut Barrier, _: bool, _: &Ctx) -> bool {
        false
    }
}

async fn barrier_time(f: usize) -> (Duration, Outcome<i64>) {
    // Replica 0 of 3 runs alone: only itself reached the round.
    let net = MemNetwork::new(3, 0);
    let node = Node::builder(ProcessId::new(0), 3, Options { f, ..opts(400) }).memory(&net).unwrap();
    let t = Instant::now();
    let out = node.propose::<Barrier>(1, Consensus::new(0)).await;
    (t.elapsed(), out)
}

#[tokio::test]
async fn sync_k_waits_for_f_plus_k_processes() {
    let (fast, out) = barrier_time(0).await;
    assert_eq!(out, Outcome::Ended);
    assert!(fast < Duration::from_millis(300), "f = 0: sync(1) holds at once ({fast:?})");
    let (slow, out) = barrier_time(1).await;
    assert_eq!(out, Outcome::Ended);
    assert!(slow >= Duration::from_millis(390), "f = 1: sync(1) needs 2 processes, waits for the deadline ({slow:?})");
    let net = MemNetwork::new(3, 0);
    let bad = Node::builder(ProcessId::new(0), 3, Options { f: 3, ..opts(5) }).memory(&net);
    assert!(bad.err().unwrap().to_string().contains("f = 3"));
}

#[derive(Clone, Debug)]
struct Forever;
struct Never;
impl Process for Forever {
    type Io = Consensus<i64>;
    fn init(_: &Consensus<i64>, _: &Ctx) -> Self {
        Forever
    }
    fn phase() -> Phase<Self> {
        Phase::new().event_round::<Never>()
    }
}
impl EventRound<Forever> for Never {
    type Msg = i64;
    fn init(_: &mut Forever, _: &Ctx) -> Progress {
        Progress::strict_wait_message()
    }
    fn send(_: &mut Forever, _: &Ctx) -> Outbox<i64> {
        Outbox::none()
    }
    fn receive(_: &mut Forever, _: ProcessId, _: i64, _: &Ctx) -> Progress {
        Progress::unchanged()
    }
    fn finish(_: &mut Forever, _: bool, _: &Ctx) -> bool {
        true
    }
}

#[tokio::test]
async fn a_stopped_instance_is_not_restarted_by_late_messages() {
    let net = MemNetwork::new(2, 0);
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let node = Node::builder(ProcessId::new(0), 2, opts(5))
        .handler(move |_m: &UnknownMessage<'_>| {
            let tx = tx.clone();
            DefaultAction::Start(Starter::new::<Forever>(Consensus::new(0), move |o| {
                let _ = tx.send(o);
            }))
        })
        .memory(&net)
        .unwrap();
    let n2 = node.clone();
    let h = tokio::spawn(async move { n2.propose::<Forever>(7, Consensus::new(0)).await });
    tokio::time::sleep(Duration::from_millis(20)).await;
    node.stop_instance(7);
    assert_eq!(h.await.unwrap(), Outcome::Stopped);
    // A late round message of instance 7 from replica 1: dropped, not a lazy start.
    let mut b = BytesMut::new();
    put_msg(&mut b, &Header { flag: Flag::Normal, epoch: 0, sender: 1, instance: 7, round: 3 }, &[2]);
    net.inject(ProcessId::new(0), b.freeze());
    // Instance 8 is unknown and not stopped: it is started lazily.
    let mut b = BytesMut::new();
    put_msg(&mut b, &Header { flag: Flag::Normal, epoch: 0, sender: 1, instance: 8, round: 0 }, &[2]);
    net.inject(ProcessId::new(0), b.freeze());
    for _ in 0..200 {
        if node.stats().lazy_starts > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let s = node.stats();
    assert_eq!((s.stale, s.lazy_starts), (1, 1), "{s:?}");
    let again = node.propose::<Forever>(7, Consensus::new(0)).await;
    assert!(matches!(again, Outcome::Rejected(ref r) if r.contains("stopped")), "{again:?}");
    node.stop_instance(8);
    assert_eq!(rx.recv().await, Some(Outcome::Stopped));
}

#[tokio::test]
async fn user_messages_reach_the_default_handler_of_peers() {
    let net = MemNetwork::new(3, 0);
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let mut nodes = Vec::new();
    for i in 0..3 {
        let tx = tx.clone();
        let b = Node::builder(ProcessId::new(i), 3, opts(5)).handler(move |m: &UnknownMessage<'_>| {
            let _ = tx.send((i, m.from, m.flag, m.instance, m.payload.to_vec()));
            DefaultAction::Handled
        });
        nodes.push(b.memory(&net).unwrap());
    }
    nodes[0].send_user(ProcessId::new(2), 0x90, 42, b"hello").unwrap();
    let got = tokio::time::timeout(Duration::from_secs(5), rx.recv()).await.unwrap().unwrap();
    assert_eq!(got, (2, ProcessId::new(0), Flag::User(0x90), 42, b"hello".to_vec()));
    nodes[1].broadcast_user(0xff, 5, b"all").unwrap();
    let mut who = Vec::new();
    for _ in 0..2 {
        let (i, from, flag, inst, p) = tokio::time::timeout(Duration::from_secs(5), rx.recv()).await.unwrap().unwrap();
        assert_eq!((from, flag, inst, p), (ProcessId::new(1), Flag::User(0xff), 5, b"all".to_vec()));
        who.push(i);
    }
    who.sort();
    assert_eq!(who, vec![0, 2]);
    assert!(nodes[0].send_user(ProcessId::new(1), 0x10, 1, b"").unwrap_err().to_string().contains("not in 0x80"));
    assert!(nodes[0].send_user(ProcessId::new(0), 0x90, 1, b"").is_err(), "not to itself");
    assert!(nodes[0].send_user(ProcessId::new(9), 0x90, 1, b"").is_err());
    assert_eq!(nodes.iter().map(|n| n.stats().unknown_dropped).sum::<u64>(), 0, "handled, not dropped");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn adaptive_timeouts_follow_the_observed_round_latency() {
    // timeout_ms is 3 s; rounds on the in-memory network take microseconds.
    let o = Options { timeout_ms: 3000, min_timeout_ms: 1, adaptive_timeout: true, ..Options::default() };
    let (net, nodes) = common::mem_cluster(4, 9, &o);
    for id in 0..10u64 {
        let ds = common::run_instance::<algos::otr::Otr>(&nodes, id, &[1, 1, 2, 2]).await;
        assert!(ds.iter().all(Option::is_some), "warm-up {id}: {ds:?}");
    }
    // Replica 3 crashes: OTR's round waits for all 4 messages, so it ends on
    // its deadline, which is now a few milliseconds, not 3 s.
    net.set_down(ProcessId::new(3), true);
    let t = Instant::now();
    let ds = common::run_instance::<algos::otr::Otr>(&nodes[..3], 100, &[5, 5, 5]).await;
    assert_eq!(ds, vec![Some(5); 3]);
    assert!(t.elapsed() < Duration::from_millis(1500), "took {:?}", t.elapsed());
    let timeouts: u64 = nodes[..3].iter().map(|n| n.stats().timeouts).sum();
    assert!(timeouts > 0, "a round did end on its (short) deadline");
}
