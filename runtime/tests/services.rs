//! The replicated services on loopback sockets: the lock manager answers
//! clients after consensus, the replicated log applies the same batches on
//! every replica.
mod algos;

use algos::{last_voting::LastVoting, otr::Otr};
use psync::auth::ClusterKey;
use psync::config::{Config, Options, Protocol};
use psync::engine::Node;
use psync::prelude::*;
use psync::service::{LockServer, LogOptions, ReplicatedLog};
use std::net::UdpSocket as StdUdp;
use std::time::Duration;
use tokio::net::UdpSocket;

fn free_ports(k: usize) -> Vec<u16> {
    let mut ports = Vec::new();
    while ports.len() < k {
        let u = StdUdp::bind("127.0.0.1:0").unwrap();
        let p = u.local_addr().unwrap().port();
        if std::net::TcpListener::bind(("127.0.0.1", p)).is_ok() && !ports.contains(&p) {
            ports.push(p);
        }
    }
    ports
}

/// A cluster of `n` on free loopback ports, with a key of its own: the
/// tests run side by side, and a port one test's stopped replica freed may
/// be taken by another test's cluster while the first test's replicas still
/// send to it; the key makes such packets foreign (dropped, counted).
fn config(n: usize, protocol: Protocol) -> Config {
    let ports = free_ports(n);
    let mut key = vec![0u8; 32];
    for (k, p) in ports.iter().enumerate() {
        key[2 * k % 32] ^= (*p >> 8) as u8;
        key[(2 * k + 1) % 32] ^= *p as u8;
    }
    let key = ClusterKey::from_bytes(key).expect("32 bytes");
    let mut c = Config::local(n, 0, Options { protocol, timeout_ms: 20, key: Some(key), ..Options::default() });
    for (r, p) in c.replicas.iter_mut().zip(ports) {
        r.port = p;
    }
    c
}

/// One request, one answer. No resend: a resent request is a second
/// consensus instance (applied again without a request id), which would
/// make the slot count below depend on the machine's load. Loopback does
/// not lose datagrams, so a generous wait suffices.
async fn ask(client: &UdpSocket, to: std::net::SocketAddr, req: &str) -> String {
    let mut buf = [0u8; 256];
    client.send_to(req.as_bytes(), to).await.unwrap();
    match tokio::time::timeout(Duration::from_secs(30), client.recv_from(&mut buf)).await {
        Ok(Ok((len, _))) => String::from_utf8_lossy(&buf[..len]).into_owned(),
        other => panic!("no answer to `{req}` within 30 s: {other:?}"),
    }
}

async fn lock_scenario<P: Process<Io = Consensus<i64>> + serde::Serialize + serde::de::DeserializeOwned>(n: usize) {
    let cfg = config(n, Protocol::Udp);
    let mut servers = Vec::new();
    for i in 0..n {
        let cfg = cfg.clone();
        let s = LockServer::start::<P, _, _>("127.0.0.1:0".parse().unwrap(), move |h| async move {
            Node::from_config(&cfg, ProcessId::new(i), h).await
        })
        .await
        .unwrap();
        servers.push(s);
    }
    let alice = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let bob = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let (r0, r1, r2) = (servers[0].client_addr(), servers[1].client_addr(), servers[2].client_addr());
    assert_eq!(ask(&alice, r0, "acquire alice").await, "SUCCESS");
    assert_eq!(ask(&bob, r1, "acquire bob").await, "FAILED", "the lock is held, whichever replica is asked");
    assert_eq!(ask(&bob, r2, "release bob").await, "FAILED", "bob does not hold it");
    assert_eq!(ask(&alice, r2, "release alice 2").await, "SUCCESS");
    assert_eq!(ask(&bob, r1, "acquire bob 1").await, "SUCCESS");
    // Alice's release again, as a client retries after a lost answer, at
    // another replica: answered as the first time, not applied again.
    assert_eq!(ask(&alice, r0, "release alice 2").await, "SUCCESS");
    assert!(ask(&bob, r0, "steal it").await.starts_with("ERROR: unknown command"));
    // Every replica applies the same history and agrees on the owner. The
    // history has the 6 requests and possibly no-op slots: a replica that
    // hears of a slot before its announcement joins it with a no-op, and if
    // that wins, the request moves to the next slot.
    let want = psync::service::lock::client_id("bob");
    let same = |servers: &[LockServer]| {
        let first = servers[0].state().slots;
        first >= 6 && servers.iter().all(|s| s.state().slots == first && s.state().owner == Some(want))
    };
    for _ in 0..200 {
        if same(&servers) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let states: Vec<(u64, Option<u64>)> = servers.iter().map(|s| (s.state().slots, s.state().owner)).collect();
    assert!(same(&servers), "replicas disagree or lag: {states:?}");
    for s in &servers {
        s.shutdown();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lock_manager_with_otr_on_four_replicas() {
    lock_scenario::<Otr>(4).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lock_manager_with_last_voting_on_three_replicas() {
    lock_scenario::<LastVoting>(3).await;
}

/// Starts lock replica `i` of `cfg` on data directory `dir`, retrying
/// while its previous node still holds the directory or the port.
async fn durable_lock(cfg: &Config, i: usize, dir: &std::path::Path) -> LockServer {
    let mut cfg = cfg.clone();
    cfg.options.data_dir = Some(dir.to_path_buf());
    let mut last = None;
    for _ in 0..200 {
        let cfg = cfg.clone();
        match LockServer::start::<LastVoting, _, _>("127.0.0.1:0".parse().unwrap(), move |h| async move {
            Node::from_config(&cfg, ProcessId::new(i), h).await
        })
        .await
        {
            Ok(s) => return s,
            Err(e) => last = Some(e),
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("lock replica {i} did not start again: {last:?}");
}

/// Lock replicas `0..3` of `cfg`, replica `i` on data directory `dir(i)`.
async fn durable_locks(cfg: &Config, dir: &dyn Fn(usize) -> std::path::PathBuf) -> Vec<LockServer> {
    let mut servers = Vec::new();
    for i in 0..3 {
        servers.push(durable_lock(cfg, i, &dir(i)).await);
    }
    servers
}

/// Durable lock replicas: the one alice asked is killed and started again
/// on its directory; it has the table it had (alice holds the lock) and
/// goes on with the others; a restart of every replica keeps the table.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_durable_lock_replica_restarts_with_its_table() {
    let cfg = config(3, Protocol::Udp);
    let base = tempfile::tempdir().unwrap();
    let dir = |i: usize| base.path().join(format!("r{i}"));
    let mut servers = durable_locks(&cfg, &dir).await;
    let alice = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let bob = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    assert_eq!(ask(&alice, servers[0].client_addr(), "acquire alice").await, "SUCCESS");
    let before = servers[0].state();
    assert_eq!(before.owner, Some(psync::service::lock::client_id("alice")));
    let old = servers.remove(0);
    old.shutdown();
    drop(old); // its node holds the port until dropped
    servers.insert(0, durable_lock(&cfg, 0, &dir(0)).await);
    assert_eq!(servers[0].state(), before, "the table it had, from its directory");
    assert_eq!(ask(&bob, servers[0].client_addr(), "acquire bob").await, "FAILED", "alice still holds the lock");
    assert_eq!(ask(&alice, servers[0].client_addr(), "release alice").await, "SUCCESS");
    assert_eq!(ask(&bob, servers[1].client_addr(), "acquire bob").await, "SUCCESS");
    let want = Some(psync::service::lock::client_id("bob"));
    let settled = |servers: &[LockServer]| {
        let s = servers[1].state();
        servers.iter().all(|x| x.state() == s && s.owner == want)
    };
    for _ in 0..300 {
        if settled(&servers) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let all: Vec<_> = servers.iter().map(|s| s.state()).collect();
    assert!(settled(&servers), "the replicas agree: {all:?}");
    // Every replica down, then up again: the table survives.
    for s in servers.drain(..) {
        s.shutdown();
    }
    for i in 0..3 {
        servers.push(durable_lock(&cfg, i, &dir(i)).await);
        assert_eq!(servers[i].state(), all[i], "replica {i} after a full restart");
    }
    assert_eq!(ask(&alice, servers[2].client_addr(), "acquire alice").await, "FAILED", "bob holds it");
    for s in &servers {
        s.shutdown();
    }
}

/// A lock replica started on an empty directory while the others are ten
/// slots on, past their nodes' decision logs (2): its slot's messages make
/// a peer send its state, which it installs, and it answers from there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lock_replica_far_behind_catches_up_by_state_transfer() {
    let mut cfg = config(3, Protocol::Udp);
    cfg.options.decision_log = 2;
    let base = tempfile::tempdir().unwrap();
    let dir = |i: usize| base.path().join(format!("r{i}"));
    let mut servers = durable_locks(&cfg, &dir).await;
    let late = servers.pop().unwrap();
    late.shutdown();
    drop(late);
    let alice = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    for verb in ["acquire", "release"].repeat(5).into_iter().chain(["acquire"]) {
        assert_eq!(ask(&alice, servers[0].client_addr(), &format!("{verb} alice")).await, "SUCCESS");
    }
    let ahead = servers[0].state();
    assert!(ahead.slots >= 11, "{ahead:?}");
    std::fs::remove_dir_all(dir(2)).unwrap();
    servers.push(durable_lock(&cfg, 2, &dir(2)).await);
    assert_eq!(servers[2].state().slots, 0, "an empty directory holds no state");
    let bob = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    assert_eq!(ask(&bob, servers[2].client_addr(), "acquire bob").await, "FAILED", "alice holds the lock, as the others know");
    let caught = servers[2].state();
    assert!(caught.slots > ahead.slots && caught.owner == ahead.owner, "{caught:?} after {ahead:?}");
    assert_eq!(ask(&alice, servers[2].client_addr(), "release alice").await, "SUCCESS");
    for s in &servers {
        s.shutdown();
    }
}

/// A lock replica whose node's log dropped decisions (decision log of 2)
/// above its saved table (removed here: the table lagged) refuses to
/// start, naming the slots, instead of voting in them again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lock_replica_whose_node_dropped_decisions_above_its_table_refuses_to_start() {
    let mut cfg = config(3, Protocol::Udp);
    cfg.options.decision_log = 2;
    let base = tempfile::tempdir().unwrap();
    let dir = |i: usize| base.path().join(format!("r{i}"));
    let mut servers = durable_locks(&cfg, &dir).await;
    let alice = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    for verb in ["acquire", "release", "acquire", "release", "acquire", "release"] {
        assert_eq!(ask(&alice, servers[0].client_addr(), &format!("{verb} alice")).await, "SUCCESS");
    }
    for s in servers.drain(..) {
        s.shutdown();
    }
    std::fs::remove_dir_all(dir(0).join("lock_table")).unwrap();
    let mut cfg0 = cfg.clone();
    cfg0.options.data_dir = Some(dir(0));
    let mut refused = None;
    for _ in 0..200 {
        let cfg0 = cfg0.clone();
        match LockServer::start::<LastVoting, _, _>("127.0.0.1:0".parse().unwrap(), move |h| async move {
            Node::from_config(&cfg0, ProcessId::new(0), h).await
        })
        .await
        {
            Ok(s) => {
                s.shutdown();
                panic!("started with decisions dropped above its table");
            }
            Err(e) if e.to_string().contains("dropped the decisions") => {
                refused = Some(e.to_string());
                break;
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
        }
    }
    let why = refused.expect("refused, naming the dropped decisions");
    assert!(why.contains("it ends at slot 0"), "{why}");
}

fn request(client: u32, i: u32) -> psync::service::Request {
    let mut r = [0u8; 12];
    r[..4].copy_from_slice(&(i % 50).to_le_bytes());
    r[4..8].copy_from_slice(&i.to_le_bytes());
    r[8..].copy_from_slice(&client.to_le_bytes());
    r
}

async fn log_applies_the_same_everywhere(protocol: Protocol) {
    let cfg = config(3, protocol);
    let opts = LogOptions { batch: 64, in_flight: 4, ..LogOptions::default() };
    let mut logs = Vec::new();
    for i in 0..3 {
        let cfg = cfg.clone();
        let log = ReplicatedLog::start(ProcessId::new(i), opts.clone(), move |h| async move {
            Node::from_config(&cfg, ProcessId::new(i), h).await
        })
        .await
        .unwrap();
        logs.push(log);
    }
    // Three clients, one per replica (two of them followers that forward).
    let per = 400u32;
    let mut hs = Vec::new();
    for (c, log) in logs.iter().enumerate() {
        for i in 0..per {
            let log = log.clone();
            hs.push(tokio::spawn(async move { log.submit(request(c as u32, i)).await }));
        }
    }
    for h in hs {
        let slot = tokio::time::timeout(Duration::from_secs(30), h).await.unwrap().unwrap().unwrap();
        assert!(slot >= 1);
    }
    let total = 3 * per as u64;
    // Wait until every replica applied everything (and the same thing).
    for _ in 0..500 {
        let a: Vec<_> = logs.iter().map(|l| l.applied()).collect();
        if a[0].requests >= total && a.iter().all(|x| *x == a[0]) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let a0 = logs[0].applied();
    assert!(a0.requests >= total, "{} of {total} applied", a0.requests);
    assert!(a0.slots < total, "requests were batched: {} slots for {total} requests", a0.slots);
    assert_eq!(a0.kv.len(), 50);
    for l in &logs[1..] {
        assert_eq!(l.applied(), a0, "every replica applies the same log");
    }
    for l in &logs {
        l.node().shutdown();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicated_log_over_udp() {
    log_applies_the_same_everywhere(Protocol::Udp).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicated_log_over_tcp() {
    log_applies_the_same_everywhere(Protocol::Tcp).await;
}
