//! The engine over the in-memory network: agreement, crashes, loss and
//! duplication, late replicas, floods of bogus packets, stopping.
mod algos;
mod common;

use algos::{last_voting::LastVoting, otr::Otr};
use bytes::{Bytes, BytesMut};
use common::*;
use psync::engine::{DefaultAction, Node, Outcome, UnknownMessage};
use psync::prelude::*;
use psync::transport::{MemFaults, MemNetwork};
use psync::wire::{Flag, Header, put_msg};
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_replicas_agree_with_otr_and_last_voting_many_instances_at_once() {
    let (_net, nodes) = mem_cluster(4, 1, &opts(50));
    let mut handles = Vec::new();
    for id in 0..40u64 {
        let nodes = nodes.clone();
        handles.push(tokio::spawn(async move {
            let vals: Vec<i64> = (0..4).map(|i| (id as i64 + i) % 3).collect();
            if id % 2 == 0 {
                (id, run_instance::<Otr>(&nodes, id, &vals).await, vals)
            } else {
                (id, run_instance::<LastVoting>(&nodes, id, &vals).await, vals)
            }
        }));
    }
    for h in handles {
        let (id, ds, vals) = h.await.unwrap();
        assert!(ds.iter().all(Option::is_some), "instance {id}: {ds:?}");
        assert!(agree(&ds), "instance {id}: {ds:?}");
        assert!(vals.contains(&ds[0].unwrap()), "validity");
    }
    let s = nodes[0].stats();
    assert!(s.decisions + s.learned >= 40, "{s:?}");
    assert_eq!(s.malformed + s.unknown_sender, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn they_still_decide_with_one_replica_crashed() {
    let (net, nodes) = mem_cluster(4, 2, &opts(10));
    net.set_down(ProcessId::new(0), true);
    let live = &nodes[1..];
    let ds = run_instance::<Otr>(live, 1, &[4, 5, 6]).await;
    assert!(ds.iter().all(Option::is_some) && agree(&ds), "{ds:?}");
    // LastVoting: phase 0 is coordinated by the crashed replica 0.
    let ds = run_instance::<LastVoting>(live, 2, &[4, 5, 6]).await;
    assert!(ds.iter().all(Option::is_some) && agree(&ds), "{ds:?}");
    assert!(nodes[1].stats().timeouts > 0, "rounds waiting for the crashed replica time out");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agreement_is_never_violated_under_loss_and_duplication() {
    let mut decided = 0;
    for seed in 0..12u64 {
        let o = psync::config::Options { timeout_ms: 4, ..opts(4) };
        let (net, nodes) = mem_cluster(4, seed, &o);
        net.set_faults(MemFaults { loss: 0.25, duplicate: 0.25 });
        let mut hs = Vec::new();
        for id in 0..6u64 {
            let nodes = nodes.clone();
            hs.push(tokio::spawn(async move {
                let vals: Vec<i64> = (0..4).map(|i| ((seed + id + i) % 2) as i64).collect();
                let ds = if id % 2 == 0 {
                    run_instance::<Otr>(&nodes, id, &vals).await
                } else {
                    run_instance::<LastVoting>(&nodes, id, &vals).await
                };
                (ds, vals)
            }));
        }
        for h in hs {
            let (ds, vals) = h.await.unwrap();
            assert!(agree(&ds), "seed {seed}: {ds:?}");
            assert!(ds.iter().flatten().all(|v| vals.contains(v)), "validity, seed {seed}");
            decided += ds.iter().flatten().count();
        }
        let s = nodes[0].stats();
        assert!(s.duplicates + s.late > 0 || seed > 0, "duplicates are seen and dropped: {s:?}");
        for n in &nodes {
            n.shutdown();
        }
    }
    assert!(decided > 12 * 6 * 4 / 2, "most replicas decide despite 25% loss: {decided}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_late_replica_catches_up_through_the_default_handler() {
    let n = 4;
    let net = MemNetwork::new(n, 3);
    let o = opts(10);
    // Replica 3 is not running yet; 0..2 decide without it (3 of 4 > 2n/3).
    let early: Vec<Node> = (0..3).map(|i| Node::builder(ProcessId::new(i), n, o.clone()).memory(&net).unwrap()).collect();
    let ds = run_instance::<Otr>(&early, 9, &[1, 1, 2]).await;
    assert_eq!(ds, vec![Some(1); 3]);
    // Replica 3 starts late and proposes: the others answer from their decision log.
    let late = Node::builder(ProcessId::new(3), n, o.clone()).memory(&net).unwrap();
    let out = tokio::time::timeout(Duration::from_secs(10), late.propose::<Otr>(9, Consensus::new(7))).await.unwrap();
    assert_eq!(out, Outcome::Learned(1));
    assert!(early.iter().map(|n| n.stats().log_answers).sum::<u64>() > 0);
    // A replica that does not propose joins lazily: its default handler starts
    // the instance on the first message it sees.
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let net2 = MemNetwork::new(n, 4);
    let joiner = Node::builder(ProcessId::new(3), n, o.clone())
        .handler(move |_m: &UnknownMessage<'_>| {
            let tx = tx.clone();
            DefaultAction::Start(psync::engine::Starter::new::<LastVoting>(Consensus::new(5), move |o| {
                let _ = tx.send(o);
            }))
        })
        .memory(&net2)
        .unwrap();
    let others: Vec<Node> = (0..3).map(|i| Node::builder(ProcessId::new(i), n, o.clone()).memory(&net2).unwrap()).collect();
    let ds = run_instance::<LastVoting>(&others, 11, &[8, 8, 8]).await;
    assert_eq!(ds, vec![Some(8); 3]);
    let joined = tokio::time::timeout(Duration::from_secs(10), rx.recv()).await.unwrap().unwrap();
    assert_eq!(joined.value(), Some(&8));
    assert!(joiner.stats().lazy_starts >= 1);
}

fn packet(sender: u32, instance: u64, round: u64, payload: &[u8]) -> Bytes {
    let mut b = BytesMut::new();
    put_msg(&mut b, &Header { flag: Flag::Normal, epoch: 0, sender, instance, round }, payload);
    b.freeze()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_future_round_and_garbage_packets_stays_bounded() {
    let n = 4;
    let o = psync::config::Options { max_buffered: 64, catch_up_senders: n, ..opts(20) };
    let (net, nodes) = mem_cluster(n, 5, &o);
    // Instance 100 runs on replica 0 only and waits in round 0 forever.
    let target = nodes[0].clone();
    let lone = tokio::spawn(async move { target.propose::<Waiter>(100, Consensus::new(1)).await });
    tokio::time::sleep(Duration::from_millis(5)).await;
    let mut x: u64 = 99;
    let mut rnd = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    for i in 0..20_000u64 {
        let p = match i % 5 {
            0 => packet(1 + (i % 3) as u32, 100, 1 + i % 500, &[2]), // future rounds, valid senders
            1 => packet(1, 100, 1 << 40, &[2]),                      // absurdly far ahead
            2 => packet(77, 100, 1, &[2]),                           // unknown sender
            3 => Bytes::from((0..(rnd() % 80)).map(|_| rnd() as u8).collect::<Vec<u8>>()), // garbage
            _ => packet(2, 100, 0, &[0xff, 0xff, 0xff]),             // undecodable payload
        };
        net.inject(ProcessId::new(0), p);
    }
    // Wait until replica 0 has taken in the whole flood, then read how much of
    // it was buffered (before the next instance, whose own future-round
    // messages may legitimately be buffered too).
    for _ in 0..2_000 {
        if nodes[0].stats().packets_received >= 20_000 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let flooded = nodes[0].stats();
    assert!(flooded.packets_received >= 20_000, "the flood was received: {flooded:?}");
    assert_eq!(flooded.buffered, 64, "the future buffer holds at most max_buffered: {flooded:?}");
    // The rest of the cluster still decides a fresh instance.
    let ds = run_instance::<Otr>(&nodes, 101, &[3, 3, 3, 4]).await;
    assert_eq!(ds, vec![Some(3); 4]);
    let s = nodes[0].stats();
    assert!(s.buffer_full + s.duplicates >= 4000 - 64, "{s:?}");
    assert!(s.too_far == 4000 && s.unknown_sender == 4000, "{s:?}");
    assert!(s.malformed >= 4000, "garbage and bad payloads are counted: {s:?}");
    // Stop works on the instance still waiting for its round-0 messages.
    nodes[0].stop_instance(100);
    assert_eq!(tokio::time::timeout(Duration::from_secs(5), lone).await.unwrap().unwrap(), Outcome::Stopped);
}

/// An event round that never ends by itself: no deadline, no go-ahead.
#[derive(Clone, Debug)]
struct Waiter;
struct WaitForever;
impl Process for Waiter {
    type Io = Consensus<i64>;
    fn init(_: &Consensus<i64>, _: &Ctx) -> Self {
        Waiter
    }
    fn phase() -> Phase<Self> {
        Phase::new().event_round::<WaitForever>()
    }
}
impl EventRound<Waiter> for WaitForever {
    type Msg = ();
    fn init(_: &mut Waiter, _: &Ctx) -> Progress {
        Progress::strict_wait_message()
    }
    fn send(_: &mut Waiter, _: &Ctx) -> Outbox<()> {
        Outbox::none()
    }
    fn receive(_: &mut Waiter, _: ProcessId, _: (), _: &Ctx) -> Progress {
        Progress::unchanged()
    }
    fn finish(_: &mut Waiter, _: bool, _: &Ctx) -> bool {
        true
    }
}

#[tokio::test]
async fn stop_works_without_a_deadline_and_duplicate_ids_are_rejected() {
    let net = MemNetwork::new(1, 0);
    let node = Node::builder(ProcessId::new(0), 1, opts(5)).memory(&net).unwrap();
    let n2 = node.clone();
    let h = tokio::spawn(async move { n2.propose::<Waiter>(5, Consensus::new(0)).await });
    tokio::time::sleep(Duration::from_millis(50)).await;
    let dup = node.propose::<Waiter>(5, Consensus::new(0)).await;
    assert!(matches!(dup, Outcome::Rejected(ref r) if r.contains("already running")), "{dup:?}");
    node.stop_instance(5);
    assert_eq!(tokio::time::timeout(Duration::from_secs(5), h).await.unwrap().unwrap(), Outcome::Stopped);
    node.shutdown();
    let after = node.propose::<Waiter>(6, Consensus::new(0)).await;
    assert!(matches!(after, Outcome::Rejected(_) | Outcome::Stopped), "{after:?}");
}
