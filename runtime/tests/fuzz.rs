//! Fuzz targets, run on stable by every `cargo test` for a few seconds each
//! (`PSYNC_FUZZ_SECS`, see `fuzz/harness.rs`): the wire decoder and the
//! packet authentication, the whole receive path of a running node, the
//! message codec, the configuration parser, and the client protocols of the
//! lock manager and the replicated log. No input may panic; decoded values
//! must encode back to what decodes to them again.
mod algos;
#[path = "fuzz/harness.rs"]
mod harness;

use algos::last_voting::LastVoting;
use bytes::{Bytes, BytesMut};
use harness::{fuzz, fuzz_seeded};
use psync::auth::{ClusterKey, Sealer, Verifier};
use psync::codec::{decode, decode_for_run, encode};
use psync::config::{Config, Options};
use psync::engine::{DefaultAction, Node, Starter, UnknownMessage};
use psync::prelude::*;
use psync::service::lock::parse_request;
use psync::service::{BatchLv, LockOp, LockRequest, LockServer, LogOptions, ReplicatedLog};
use psync::transport::MemNetwork;
use psync::wire::{self, Flag, put_msg};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, Once};
use std::time::Duration;

/// Panics anywhere in this process, including in the nodes' tasks (which
/// tokio would otherwise swallow).
static PANICS: AtomicUsize = AtomicUsize::new(0);

fn count_panics() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            PANICS.fetch_add(1, Ordering::SeqCst);
            default(info);
        }));
    });
}

#[test]
fn wire_decoder_and_authentication() {
    let key = ClusterKey::from_bytes(vec![7; 32]).unwrap();
    let verifier = Verifier::new(&key, 0, 3);
    let sealer = Sealer::new(&key, 1, 3, psync::durable::Incarnation(1));
    // Sealed copies of the corpus packets, as replica 1 sends them to 0.
    let sealed: Vec<Vec<u8>> = harness::corpus("wire")
        .into_iter()
        .map(|(_, b)| {
            let mut p = BytesMut::from(&b[..]);
            sealer.seal(0, &mut p);
            p.to_vec()
        })
        .collect();
    fuzz_seeded("wire", sealed, 4096, |b| {
        let packet = Bytes::copy_from_slice(b);
        let mut consumed = 0;
        for m in wire::messages(packet.clone()) {
            let Ok(w) = m else { break };
            // A decoded message encodes back to the bytes it came from.
            let mut again = BytesMut::new();
            put_msg(&mut again, &w.header, &w.payload);
            assert_eq!(&again[..], &b[consumed..consumed + again.len()]);
            consumed += again.len();
        }
        let _ = verifier.open(packet);
    });
}

/// A default handler that joins any instance but [`FRESH`] (which every
/// node starts itself) with LastVoting and passes application messages by.
fn join_any(m: &UnknownMessage<'_>) -> DefaultAction {
    match m.flag {
        Flag::Normal if m.instance == FRESH => DefaultAction::Drop,
        Flag::Normal => DefaultAction::Start(Starter::new::<LastVoting>(Consensus::new(1), |_| {})),
        _ => DefaultAction::Handled,
    }
}

/// An instance id no fuzzed packet names (they are checked not to).
const FRESH: u64 = 0x5eed_f00d_0000_0001;

#[test]
fn packets_into_a_running_node() {
    count_panics();
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let _in_rt = rt.enter();
    let net = MemNetwork::new(3, 9);
    // Lazy starts are capped below max_instances / (n - 1) per sender, so
    // that however many instances the fuzzed packets start, local starts
    // still find room.
    let o = Options { timeout_ms: 10, max_instances: 1_000, max_lazy_per_sender: 200, ..Options::default() };
    let nodes: Vec<Node> =
        (0..3).map(|i| Node::builder(ProcessId::new(i), 3, o.clone()).handler(join_any).memory(&net).unwrap()).collect();
    // Instances 0..4 run while the fuzzed packets arrive (the corpus uses
    // those ids), so that rounds, buffers, catch-up and decisions are hit.
    for id in 0..4u64 {
        for n in &nodes {
            n.start_instance::<LastVoting>(id, Consensus::new(id as i64), |_| {});
        }
    }
    let before = PANICS.load(Ordering::SeqCst);
    fuzz("wire", 4096, |b| {
        let p = Bytes::copy_from_slice(b);
        if !wire::messages(p.clone()).any(|m| m.is_ok_and(|w| w.header.instance == FRESH)) {
            net.inject(ProcessId::new(0), p);
        }
    });
    // The node still works: a fresh instance decides everywhere.
    let decided = rt.block_on(async {
        let hs: Vec<_> = nodes
            .iter()
            .map(|n| {
                let n = n.clone();
                tokio::spawn(async move { n.propose::<LastVoting>(FRESH, Consensus::new(5)).await })
            })
            .collect();
        let mut out = Vec::new();
        for h in hs {
            out.push(tokio::time::timeout(Duration::from_secs(30), h).await.map(|r| r.map_err(|e| e.to_string())));
        }
        out
    });
    let values: Vec<Option<i64>> = decided.iter().map(|d| d.as_ref().ok().and_then(|r| r.as_ref().ok()).and_then(|o| o.value().copied())).collect();
    assert_eq!(values, vec![Some(5); 3], "after the fuzzed packets: {decided:?} {:?}", nodes[0].stats());
    assert_eq!(PANICS.load(Ordering::SeqCst), before, "a node task panicked");
    for n in &nodes {
        n.shutdown();
    }
}

/// If `b` decodes as a `T`, its encoding decodes again to the same encoding.
fn round_trip<T: Serialize + DeserializeOwned>(b: &[u8]) {
    if let Ok(v) = decode::<T>(b) {
        let e = encode(&v).expect("a decoded value encodes");
        let again = decode::<T>(&e).expect("an encoded value decodes");
        assert_eq!(encode(&again).unwrap(), e, "{}", std::any::type_name::<T>());
    }
}

#[test]
fn codec() {
    fuzz("codec", 2048, |b| {
        round_trip::<i64>(b);
        round_trip::<(i64, i64)>(b);
        round_trip::<Option<(u64, bool)>>(b);
        round_trip::<ProcSet>(b);
        round_trip::<(ProcessId, ProcSet)>(b);
        round_trip::<Vec<(u64, ProcSet)>>(b);
        round_trip::<String>(b);
        round_trip::<Bytes>(b);
        round_trip::<(Bytes, i64)>(b);
        round_trip::<BatchLv>(b);
        round_trip::<BTreeMap<u32, u64>>(b);
        round_trip::<BTreeMap<String, Vec<u8>>>(b);
        round_trip::<(f64, char)>(b);
        if let Ok(s) = decode_for_run::<(ProcSet, ProcessId)>(b, 5) {
            assert!(s.0.iter().all(|p| p.index() < 5) && s.1.index() < 5, "{s:?}");
        }
    });
}

/// Addresses the parser may resolve without a DNS query.
fn local_only(c: &Config) -> bool {
    c.replicas.iter().all(|r| r.address == "localhost" || r.address.parse::<std::net::IpAddr>().is_ok())
}

#[test]
fn config_parser() {
    fuzz("config", 2048, |b| {
        let text = String::from_utf8_lossy(b);
        // Options alone, as `--set key=value` gives them.
        let mut o = Options::default();
        for line in text.lines() {
            if let Some((k, v)) = line.split_once('=') {
                let before = o.clone();
                match o.set(k.trim(), v.trim()) {
                    Ok(()) => assert!(o.validate().is_ok()),
                    Err(_) => assert_eq!(o, before, "a refused option leaves the options unchanged"),
                }
            }
        }
        // Whole files; host names are not resolved here (no DNS queries).
        let Ok(c) = toml::from_str::<Config>(&text) else { return };
        if !local_only(&c) {
            return;
        }
        if let Ok(parsed) = Config::parse(&text) {
            let again = toml::to_string(&parsed).expect("a configuration prints");
            assert_eq!(Config::parse(&again).expect("a printed configuration parses"), parsed);
        }
    });
}

/// The last inputs of a run, for an end-to-end session after it.
fn keep_last(kept: &Mutex<Vec<Vec<u8>>>, b: &[u8]) {
    let mut k = kept.lock().unwrap();
    if k.len() >= 200 {
        k.remove(0);
    }
    k.push(b.to_vec());
}

#[test]
fn lock_client_protocol() {
    count_panics();
    let from: SocketAddr = "127.0.0.1:9".parse().unwrap();
    let kept = Mutex::new(Vec::new());
    fuzz("lock_client", 512, |b| {
        if let Ok(request) = parse_request(&String::from_utf8_lossy(b), from) {
            assert_eq!(LockRequest::decode(request.encode()), Some(request));
            assert_eq!(LockOp::decode(request.encode()), Some(request.op));
        }
        if let Ok(v) = <[u8; 8]>::try_from(&b[..b.len().min(8)]) {
            let _ = LockRequest::decode(i64::from_le_bytes(v));
        }
        keep_last(&kept, b);
    });
    // End to end: three replicas take the last inputs as client datagrams and
    // as slot announcements from a peer, then still answer a client.
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let before = PANICS.load(Ordering::SeqCst);
    rt.block_on(async {
        let net = MemNetwork::new(3, 4);
        let mut servers = Vec::new();
        for i in 0..3 {
            let net = net.clone();
            let o = Options { timeout_ms: 10, ..Options::default() };
            let s = LockServer::start::<LastVoting, _, _>("127.0.0.1:0".parse().unwrap(), move |h| async move {
                Node::builder(ProcessId::new(i), 3, o).handler(h).memory(&net)
            })
            .await
            .unwrap();
            servers.push(s);
        }
        let client = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let inputs = kept.lock().unwrap().clone();
        for (k, b) in inputs.iter().enumerate() {
            client.send_to(b, servers[0].client_addr()).await.unwrap();
            let mut p = BytesMut::new();
            let h = wire::Header { flag: Flag::User(0x83), epoch: 0, sender: 1, instance: 1_000 + k as u64, round: 0 };
            put_msg(&mut p, &h, b);
            net.inject(ProcessId::new(2), p.freeze());
        }
        // Replica 1 was left alone: a request there is answered.
        let mut buf = [0u8; 256];
        client.send_to(b"acquire fuzz-check", servers[1].client_addr()).await.unwrap();
        let answer = loop {
            let (len, src) = tokio::time::timeout(Duration::from_secs(60), client.recv_from(&mut buf)).await.unwrap().unwrap();
            if src == servers[1].client_addr() {
                break String::from_utf8_lossy(&buf[..len]).into_owned();
            }
        };
        assert!(answer == "SUCCESS" || answer == "FAILED", "{answer}");
        for s in &servers {
            s.shutdown();
        }
    });
    assert_eq!(PANICS.load(Ordering::SeqCst), before, "a replica task panicked");
}

#[test]
fn log_client_protocol() {
    count_panics();
    let kept = Mutex::new(Vec::new());
    // The log's wire protocol is the forwarded requests (32 bytes each, any
    // content) and the slot announcements; the pure part is the chunking.
    fuzz("log_client", 4096, |b| keep_last(&kept, b));
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let before = PANICS.load(Ordering::SeqCst);
    rt.block_on(async {
        let net = MemNetwork::new(3, 5);
        let opts = LogOptions { batch: 64, in_flight: 4, ..LogOptions::default() };
        let mut logs = Vec::new();
        for i in 0..3 {
            let net = net.clone();
            let o = Options { timeout_ms: 10, ..Options::default() };
            let log = ReplicatedLog::start(ProcessId::new(i), opts.clone(), move |h| async move {
                Node::builder(ProcessId::new(i), 3, o).handler(h).memory(&net)
            })
            .await
            .unwrap();
            logs.push(log);
        }
        let inputs = kept.lock().unwrap().clone();
        let forge = |k: usize, to: usize, sender: u32, flag: Flag, instance: u64| {
            let mut p = BytesMut::new();
            put_msg(&mut p, &wire::Header { flag, epoch: 0, sender, instance, round: k as u64 % 5 }, &inputs[k]);
            net.inject(ProcessId::new(to), p.freeze());
        };
        // Forwarded requests to the leader and snapshot requests and chunks:
        // the log must stay live and consistent under these. (Forged leader
        // announcements, statuses and round messages of live slots are value
        // faults, outside the threat model without a key.)
        for k in 0..inputs.len() {
            forge(k, 0, 1, Flag::User(0x81), 0);
            forge(k, 2, 0, Flag::User(0x84 + (k % 2) as u8), 0);
        }
        let slot = tokio::time::timeout(Duration::from_secs(60), logs[1].submit(*b"fuzz-checked")).await.unwrap().unwrap();
        assert!(slot >= 1);
        // Every replica applies the same log.
        let mut same = false;
        for _ in 0..1_000 {
            let a: Vec<_> = logs.iter().map(|l| l.applied()).collect();
            if a[0].slots >= slot && a.iter().all(|x| x.slots == a[0].slots && x.digest == a[0].digest) {
                same = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(same, "{:?}", logs.iter().map(|l| (l.applied().slots, l.applied().digest)).collect::<Vec<_>>());
        // Round messages from one follower to the other, for applied slots
        // (dropped) and for the next ones (decoded by the slots' instances):
        // only no panic is asked of these.
        for k in 0..inputs.len() {
            forge(k, 1, 2, Flag::Normal, 1 + k as u64 % 5);
            forge(k, 1, 2, Flag::Normal, slot + 1 + k as u64 % 5);
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    });
    assert_eq!(PANICS.load(Ordering::SeqCst), before, "a replica task panicked");
}
