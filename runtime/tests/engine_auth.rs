//! Peer authentication in the engine: with a cluster key, forged, replayed,
//! foreign-cluster and wrongly addressed packets are dropped and counted,
//! authentic ones are delivered, and keyed clusters decide as before.
mod algos;
mod common;

use algos::otr::Otr;
use bytes::{Bytes, BytesMut};
use common::*;
use psync::auth::{ClusterKey, Sealer};
use psync::codec;
use psync::durable::Incarnation;
use psync::config::{Config, Options};
use psync::engine::{Node, NodeError, Outcome, StatsSnapshot};
use psync::prelude::*;
use psync::transport::MemNetwork;
use psync::wire::{Flag, Header, put_msg};
use std::net::{SocketAddr, UdpSocket};
use std::time::Duration;

fn key(byte: u8) -> ClusterKey {
    ClusterKey::from_bytes(vec![byte; 32]).unwrap()
}

fn keyed(timeout_ms: u64, k: &ClusterKey) -> Options {
    Options { key: Some(k.clone()), ..opts(timeout_ms) }
}

/// A Decision message of `instance` deciding `value`, from replica `sender`.
fn decision(sender: u32, instance: u64, value: i64) -> BytesMut {
    let mut b = BytesMut::new();
    put_msg(&mut b, &Header { flag: Flag::Decision, epoch: 0, sender, instance, round: 0 }, &codec::encode(&value).unwrap());
    b
}

fn sealed(s: &Sealer, to: usize, mut b: BytesMut) -> Bytes {
    s.seal(to, &mut b);
    b.freeze()
}

async fn settle(node: &Node, done: impl Fn(&StatsSnapshot) -> bool) -> StatsSnapshot {
    for _ in 0..400 {
        if done(&node.stats()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    node.stats()
}

#[tokio::test]
async fn forged_replayed_and_foreign_decisions_are_dropped_and_an_authentic_one_is_learned() {
    let k = key(1);
    // Replica 0 alone: OTR cannot decide without the others, so only a
    // Decision message can end its instances.
    let net = MemNetwork::new(3, 0);
    let node = Node::builder(ProcessId::new(0), 3, keyed(10, &k)).memory(&net).unwrap();
    let me = ProcessId::new(0);
    let peer = Sealer::new(&k, 1, 3, Incarnation(1_000));
    let n2 = node.clone();
    let inst1 = tokio::spawn(async move { n2.propose::<Otr>(1, Consensus::new(5)).await });
    tokio::time::sleep(Duration::from_millis(30)).await;

    let authentic = sealed(&peer, 0, decision(1, 1, 42));
    let mut altered = authentic.to_vec();
    let value_at = altered.len() - psync::auth::TRAILER_LEN - 1;
    altered[value_at] ^= 1; // another decided value, same tag
    net.inject(me, Bytes::from(altered));
    net.inject(me, decision(1, 1, 43).freeze()); // unsealed, as from an attacker without the key
    net.inject(me, sealed(&Sealer::new(&key(2), 1, 3, Incarnation(1_000)), 0, decision(1, 1, 44)));
    let s = settle(&node, |s| s.forged + s.foreign_cluster >= 3).await;
    assert_eq!((s.forged, s.foreign_cluster, s.learned), (1, 2, 0), "{s:?}");
    assert!(!inst1.is_finished(), "no forged decision ends the instance");

    net.inject(me, authentic.clone());
    let out = tokio::time::timeout(Duration::from_secs(5), inst1).await.unwrap().unwrap();
    assert_eq!(out, Outcome::Learned(42));

    // A Decision of instance 2 captured before instance 2 runs, replayed
    // once it runs: refused.
    let captured = sealed(&peer, 0, decision(1, 2, 7));
    net.inject(me, captured.clone());
    let n2 = node.clone();
    let inst2 = tokio::spawn(async move { n2.propose::<Otr>(2, Consensus::new(5)).await });
    tokio::time::sleep(Duration::from_millis(30)).await;
    net.inject(me, captured);
    net.inject(me, authentic);
    let s = settle(&node, |s| s.replayed >= 2).await;
    assert_eq!((s.replayed, s.learned), (2, 1), "{s:?}");
    assert!(!inst2.is_finished(), "a replayed decision does not end the instance");
    node.stop_instance(2);
    assert_eq!(inst2.await.unwrap(), Outcome::Stopped);
}

#[tokio::test]
async fn a_keyed_cluster_of_three_decides_otr_in_memory() {
    let k = key(3);
    let (_net, nodes) = mem_cluster(3, 7, &keyed(20, &k));
    for id in 0..10u64 {
        let vals: Vec<i64> = (0..3).map(|i| (id as i64 + i) % 2).collect();
        let ds = run_instance::<Otr>(&nodes, id, &vals).await;
        assert!(ds.iter().all(Option::is_some) && agree(&ds), "instance {id}: {ds:?}");
    }
    let s = nodes[0].stats();
    assert_eq!(s.forged + s.replayed + s.foreign_cluster + s.malformed, 0, "{s:?}");
    assert!(s.msgs_received > 0);
}

fn loopback_config(protocol: &str, k: Option<&ClusterKey>) -> Config {
    let mut text = String::new();
    let mut ports = Vec::new();
    while ports.len() < 3 {
        let port = UdpSocket::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() && !ports.contains(&port) {
            ports.push(port);
        }
    }
    for (i, port) in ports.into_iter().enumerate() {
        text += &format!("[[replica]]\nid = {i}\naddress = \"127.0.0.1\"\nport = {port}\n");
    }
    text += &format!("[options]\nprotocol = \"{protocol}\"\ntimeout_ms = 50\n");
    if let Some(k) = k {
        text += &format!("key = \"{}\"\n", String::from(k.clone()));
    }
    Config::parse(&text).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_keyed_cluster_of_three_decides_otr_over_udp_and_drops_spoofed_sources() {
    let k = key(4);
    let cfg = loopback_config("udp", Some(&k));
    let mut nodes = Vec::new();
    for i in 0..3 {
        nodes.push(Node::from_config(&cfg, ProcessId::new(i), psync::engine::DropUnknown).await.unwrap());
    }
    for id in 0..10u64 {
        let ds = run_instance::<Otr>(&nodes, id, &[1, 2, (id % 3) as i64]).await;
        assert!(ds.iter().all(Option::is_some) && agree(&ds), "instance {id}: {ds:?}");
    }
    // An authentic packet of replica 1 sent from another address: dropped.
    let stranger = UdpSocket::bind("127.0.0.1:0").unwrap();
    let target = cfg.addresses().unwrap()[0];
    let p = sealed(&Sealer::new(&k, 1, 3, Incarnation(u64::MAX)), 0, decision(1, 500, 1));
    stranger.send_to(&p, target).unwrap();
    let s = settle(&nodes[0], |s| s.wrong_source >= 1).await;
    assert_eq!(s.wrong_source, 1, "{s:?}");
    assert_eq!(s.forged + s.replayed + s.foreign_cluster + s.malformed, 0, "{s:?}");
    for n in &nodes {
        n.shutdown();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_keyed_cluster_of_three_decides_otr_over_tcp() {
    let cfg = loopback_config("tcp", Some(&key(5)));
    let mut nodes = Vec::new();
    for i in 0..3 {
        nodes.push(Node::from_config(&cfg, ProcessId::new(i), psync::engine::DropUnknown).await.unwrap());
    }
    for id in 0..10u64 {
        let ds = run_instance::<Otr>(&nodes, id, &[(id % 2) as i64, 1, 0]).await;
        assert!(ds.iter().all(Option::is_some) && agree(&ds), "instance {id}: {ds:?}");
    }
    let s = nodes[0].stats();
    assert_eq!(s.forged + s.replayed + s.foreign_cluster + s.malformed, 0, "{s:?}");
    for n in &nodes {
        n.shutdown();
    }
}

#[tokio::test]
async fn without_a_key_udp_messages_must_come_from_their_sender_address() {
    let cfg = loopback_config("udp", None);
    let node = Node::from_config(&cfg, ProcessId::new(0), psync::engine::DropUnknown).await.unwrap();
    let stranger = UdpSocket::bind("127.0.0.1:0").unwrap();
    stranger.send_to(&decision(1, 9, 1), cfg.addresses().unwrap()[0]).unwrap();
    let s = settle(&node, |s| s.wrong_source >= 1).await;
    assert_eq!((s.wrong_source, s.msgs_received), (1, 0), "{s:?}");
    node.shutdown();
}

#[tokio::test]
async fn a_node_refuses_a_non_loopback_address_without_a_key() {
    let addrs: Vec<SocketAddr> = vec!["127.0.0.1:0".parse().unwrap(), "192.0.2.7:4441".parse().unwrap()];
    let e = Node::builder(ProcessId::new(0), 2, opts(20)).udp(addrs.clone()).await.err().unwrap();
    assert!(matches!(&e, NodeError::Invalid(m) if m.contains("192.0.2.7:4441") && m.contains("cluster key")), "{e}");
    let e = Node::builder(ProcessId::new(0), 2, opts(20)).tcp(addrs).await.err().unwrap();
    assert!(e.to_string().contains("not a loopback address"), "{e}");
    let text = "[[replica]]\nid = 0\naddress = \"192.0.2.7\"\nport = 4440\n";
    assert!(Config::parse(text).unwrap_err().to_string().contains("cluster key"));
}
