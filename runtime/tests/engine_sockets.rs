//! The engine over real loopback sockets: UDP and TCP, from a TOML config.
mod algos;
mod common;

use algos::{last_voting::LastVoting, otr::Otr};
use common::*;
use psync::config::{Config, Protocol};
use psync::engine::{DropUnknown, Node};
use psync::prelude::*;
use std::net::UdpSocket;

fn free_ports(k: usize) -> Vec<u16> {
    // Bind both a UDP socket and a TCP listener on the same port to be sure it is free for either.
    let mut ports = Vec::new();
    while ports.len() < k {
        let u = UdpSocket::bind("127.0.0.1:0").unwrap();
        let p = u.local_addr().unwrap().port();
        if std::net::TcpListener::bind(("127.0.0.1", p)).is_ok() && !ports.contains(&p) {
            ports.push(p);
        }
    }
    ports
}

fn config(protocol: &str) -> Config {
    let mut text = String::new();
    for (i, p) in free_ports(4).into_iter().enumerate() {
        text += &format!("[[replica]]\nid = {i}\naddress = \"127.0.0.1\"\nport = {p}\n");
    }
    text += &format!("[options]\nprotocol = \"{protocol}\"\ntimeout_ms = 50\n");
    Config::parse(&text).unwrap()
}

async fn cluster(cfg: &Config) -> Vec<Node> {
    let mut nodes = Vec::new();
    for i in 0..cfg.n() {
        nodes.push(Node::from_config(cfg, ProcessId::new(i), DropUnknown).await.unwrap());
    }
    nodes
}

async fn agreement_on(cfg: Config) {
    let nodes = cluster(&cfg).await;
    let mut hs = Vec::new();
    for id in 0..20u64 {
        let nodes = nodes.clone();
        hs.push(tokio::spawn(async move {
            let vals: Vec<i64> = (0..4).map(|i| (id as i64 * 7 + i) % 4).collect();
            let ds = if id % 2 == 0 {
                run_instance::<Otr>(&nodes, id, &vals).await
            } else {
                run_instance::<LastVoting>(&nodes, id, &vals).await
            };
            (id, ds)
        }));
    }
    for h in hs {
        let (id, ds) = h.await.unwrap();
        assert!(ds.iter().all(Option::is_some) && agree(&ds), "{:?} instance {id}: {ds:?}", cfg.options.protocol);
    }
    // One replica crashed: the other three still decide.
    nodes[3].shutdown();
    let ds = run_instance::<Otr>(&nodes[..3], 99, &[2, 2, 1]).await;
    assert_eq!(ds, vec![Some(2); 3]);
    let s = nodes[0].stats();
    assert!(s.packets_sent > 0 && s.msgs_sent >= s.packets_sent, "{s:?}");
    assert_eq!(s.malformed + s.unknown_sender + s.wrong_epoch, 0, "{s:?}");
    for n in &nodes {
        n.shutdown();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_replicas_agree_over_udp() {
    let cfg = config("udp");
    assert_eq!(cfg.options.protocol, Protocol::Udp);
    agreement_on(cfg).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_replicas_agree_over_tcp() {
    agreement_on(config("tcp")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn foreign_udp_packets_are_dropped_and_counted() {
    let cfg = config("udp");
    let nodes = cluster(&cfg).await;
    let stranger = UdpSocket::bind("127.0.0.1:0").unwrap();
    let target = cfg.addresses().unwrap()[0];
    for i in 0..200u32 {
        stranger.send_to(&i.to_be_bytes().repeat(1 + (i % 20) as usize), target).unwrap();
    }
    let ds = run_instance::<Otr>(&nodes, 1, &[1, 1, 1, 1]).await;
    assert_eq!(ds, vec![Some(1); 4]);
    let s = nodes[0].stats();
    assert!(s.malformed >= 150, "{s:?}");
}
