//! Memory stays bounded whatever the peers send: floods of instance ids,
//! packets faster than an event loop takes them, a peer that stops reading,
//! huge and numerous TCP frames, and process ids far beyond `n`. Each test
//! offers several times more data than its stated ceiling on the growth of
//! the process's resident memory (read from `/proc/self/status`), and checks
//! that what was dropped was counted. Each test runs in a process of its
//! own (this test binary, started again on that one test), so that it
//! measures its own memory and not what another test left to the allocator.
//! Last, a round deadline beyond the clock's range (a one-day cap keeps the
//! configured timeout far from it) is no deadline, not a panic.

use bytes::{Bytes, BytesMut};
use psync::config::Options;
use psync::engine::{DefaultAction, Node, Outcome, StatsSnapshot, Starter, UnknownMessage};
use psync::prelude::*;
use psync::transport::MemNetwork;
use psync::wire::{Flag, Header, put_msg};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

const MIB: usize = 1 << 20;

/// Runs the ignored test `alone::<name>` of this binary in a process of its
/// own and checks that it ran and passed.
fn in_own_process(name: &str) {
    let out = std::process::Command::new(std::env::current_exe().expect("the test binary"))
        .args(["--exact", &format!("alone::{name}"), "--ignored", "--nocapture", "--test-threads=1"])
        .output()
        .expect("the test binary runs");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    eprintln!("{text}");
    assert!(out.status.success() && text.contains("1 passed"), "{name} failed:\n{text}");
}

#[test]
fn a_flood_of_instances_is_capped_per_sender_and_per_node_and_buffers_do_not_pin_packets() {
    in_own_process("flood_of_instances");
}

#[test]
fn packets_faster_than_the_event_loop_are_dropped_within_its_queue_budget() {
    in_own_process("inbound_flood");
}

#[test]
fn a_peer_that_stops_reading_huge_frames_and_many_connections_stay_bounded() {
    in_own_process("slow_peer_and_frames");
}

#[test]
fn a_process_set_with_a_huge_id_is_rejected_without_allocating() {
    in_own_process("huge_process_id");
}

/// Resident memory of this process, in bytes.
fn rss() -> usize {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).expect("VmRSS");
    let kb: usize = line.split_whitespace().nth(1).and_then(|k| k.parse().ok()).expect("VmRSS in kB");
    kb * 1024
}

fn growth_since(base: usize) -> usize {
    let g = rss().saturating_sub(base);
    eprintln!("resident memory grew by {:.1} MiB", g as f64 / MIB as f64);
    g
}

/// An instance that waits in round 0 forever (no deadline, no catch-up);
/// its messages are process sets.
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
    type Msg = ProcSet;
    fn init(_: &mut Waiter, _: &Ctx) -> Progress {
        Progress::strict_wait_message()
    }
    fn send(_: &mut Waiter, _: &Ctx) -> Outbox<ProcSet> {
        Outbox::none()
    }
    fn receive(_: &mut Waiter, _: ProcessId, _: ProcSet, _: &Ctx) -> Progress {
        Progress::unchanged()
    }
    fn finish(_: &mut Waiter, _: bool, _: &Ctx) -> bool {
        true
    }
}

fn msg(b: &mut BytesMut, flag: Flag, sender: u32, instance: u64, round: u64, payload: &[u8]) {
    put_msg(b, &Header { flag, epoch: 0, sender, instance, round }, payload);
}

/// Polls `cond` on the node's counters for up to 20 s.
async fn wait_for(node: &Node, what: &str, cond: impl Fn(&StatsSnapshot) -> bool) -> StatsSnapshot {
    for _ in 0..4000 {
        let s = node.stats();
        if cond(&s) {
            return s;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    panic!("timed out waiting for {what}: {:?}", node.stats());
}

fn lazy_waiters(m: &UnknownMessage<'_>) -> DefaultAction {
    match m.flag {
        Flag::Normal => DefaultAction::Start(Starter::new::<Waiter>(Consensus::new(0), |_| {})),
        _ => DefaultAction::Drop,
    }
}

mod alone {
    use super::*;

    #[ignore = "run alone by the test of the same topic above"]
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn flood_of_instances() {
        let base = rss();
        let o = Options { max_instances: 10_000, max_lazy_per_sender: 3_000, ..Options::default() };
        let net = MemNetwork::new(3, 1);
        let node = Node::builder(ProcessId::new(0), 3, o).handler(lazy_waiters).memory(&net).unwrap();
        // Each packet starts one instance (round 0), gives it a small message of
        // round 1 to buffer, and carries 100 KB of padding: a buffered message
        // that pinned its packet would keep the 100 KB alive.
        let per_sender = 4_000u64;
        let padding = vec![0u8; 100_000];
        let small = psync::codec::encode(&ProcSet::full(2)).unwrap();
        let mut sent = 0u64;
        for i in 0..per_sender {
            for sender in [1u32, 2] {
                let id = 1_000_000 * sender as u64 + i;
                let mut b = BytesMut::new();
                msg(&mut b, Flag::Normal, sender, id, 0, &psync::codec::encode(&ProcSet::new()).unwrap());
                msg(&mut b, Flag::Normal, sender, id, 1, &small);
                msg(&mut b, Flag::Dummy, sender, u64::MAX, 0, &padding);
                net.inject(ProcessId::new(0), b.freeze());
                sent += 1;
            }
            if sent.is_multiple_of(50) {
                // Every packet asks the default handler at least once.
                wait_for(&node, "the event loop to take the packets in", |s| s.lazy_starts >= sent).await;
            }
        }
        let s = wait_for(&node, "the whole flood", |s| s.lazy_starts >= 2 * per_sender).await;
        let grew = growth_since(base);
        assert_eq!(s.inbound_full, 0, "the flood was paced to fit the inbound queue: {s:?}");
        // Each packet started its instance and buffered its round-1 message;
        // beyond 3 000 per sender, each start stopped the sender's oldest.
        assert_eq!(s.buffered, 2 * per_sender, "{s:?}");
        assert_eq!(s.lazy_limit, 2 * (per_sender - 3_000), "{s:?}");
        assert_eq!(s.instance_limit, 0, "{s:?}");
        // 8 000 packets of 100 KB went through; the 6 000 instances left
        // hold a buffered message each (600 MB if it pinned its packet).
        assert!(grew < 200 * MIB, "resident memory grew by {} MiB (ceiling 200 MiB)", grew / MIB);

        // The oldest lazily started instance of sender 1 was stopped without
        // a tombstone: it can start again (here, locally).
        let (tx, rx) = tokio::sync::oneshot::channel();
        node.start_instance::<Waiter>(1_000_000, Consensus::new(0), move |o| {
            let _ = tx.send(o);
        });
        node.stop_instance(1_000_000);
        assert_eq!(tokio::time::timeout(Duration::from_secs(10), rx).await.unwrap().unwrap(), Outcome::Stopped);
        // Local starts stop at max_instances: 6 000 run, 4 000 more fit.
        let rejected = Arc::new(AtomicUsize::new(0));
        for id in 0..5_000u64 {
            let r = rejected.clone();
            node.start_instance::<Waiter>(id, Consensus::new(0), move |o| {
                if matches!(o, Outcome::Rejected(ref why) if why.contains("max_instances")) {
                    r.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
        let s = wait_for(&node, "the local starts", |s| s.instance_limit >= 1_000).await;
        assert_eq!(s.instance_limit, 1_000, "{s:?}");
        assert_eq!(rejected.load(Ordering::Relaxed), 1_000);
        // A stopped instance frees its place.
        node.stop_instance(0);
        let (tx, rx) = tokio::sync::oneshot::channel();
        node.start_instance::<Waiter>(9_999_999, Consensus::new(0), move |o| {
            let _ = tx.send(o);
        });
        node.stop_instance(9_999_999);
        assert_eq!(tokio::time::timeout(Duration::from_secs(10), rx).await.unwrap().unwrap(), Outcome::Stopped);
        node.shutdown();
    }

    #[ignore = "run alone by the test of the same topic above"]
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn inbound_flood() {
        let base = rss();
        let o = Options { inbound_queue_bytes: 4 * MIB, ..Options::default() };
        let net = MemNetwork::new(2, 2);
        let handled = Arc::new(AtomicUsize::new(0));
        let h = handled.clone();
        // A slow default handler: 1 ms per application message.
        let slow = move |_m: &UnknownMessage<'_>| {
            std::thread::sleep(Duration::from_millis(1));
            h.fetch_add(1, Ordering::Relaxed);
            DefaultAction::Handled
        };
        let node = Node::builder(ProcessId::new(0), 2, o).handler(slow).memory(&net).unwrap();
        let total = 3_000usize;
        for i in 0..total {
            let mut b = BytesMut::new();
            msg(&mut b, Flag::User(0x90), 1, i as u64, 0, &vec![i as u8; 100_000]);
            net.inject(ProcessId::new(0), b.freeze());
        }
        let grew = growth_since(base);
        // 300 MB offered; the queue holds 4 MiB.
        assert!(grew < 100 * MIB, "resident memory grew by {} MiB (ceiling 100 MiB)", grew / MIB);
        let s = node.stats();
        assert!(s.inbound_full > 1_000, "most of the flood was dropped: {s:?}");
        let done = |s: &StatsSnapshot| handled.load(Ordering::Relaxed) + s.inbound_full as usize >= total;
        let s = wait_for(&node, "every message handled or dropped", done).await;
        assert_eq!(handled.load(Ordering::Relaxed) + s.inbound_full as usize, total, "each message is handled or counted");
        node.shutdown();
    }

    fn free_port() -> SocketAddr {
        TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap()
    }

    #[ignore = "run alone by the test of the same topic above"]
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn slow_peer_and_frames() {
        let base = rss();
        // Replica 1 listens but never accepts nor reads: the kernel buffers fill,
        // then replica 0's send queue for it.
        let silent = TcpListener::bind("127.0.0.1:0").unwrap();
        let me = free_port();
        let o = Options { protocol: psync::config::Protocol::Tcp, send_queue_bytes: 2 * MIB, max_connections: 4, ..Options::default() };
        let node = Node::builder(ProcessId::new(0), 2, o).tcp(vec![me, silent.local_addr().unwrap()]).await.unwrap();
        let payload = vec![7u8; 50_000];
        for i in 0..10_000u64 {
            node.send_user(ProcessId::new(1), 0x90, i, &payload).unwrap();
            if i % 100 == 99 {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        }
        // 500 MB offered to a peer that takes a few MB at most.
        let s = wait_for(&node, "the sends", |s| s.packets_sent >= 10_000).await;
        let grew = growth_since(base);
        assert!(grew < 100 * MIB, "resident memory grew by {} MiB (ceiling 100 MiB)", grew / MIB);
        assert!(s.send_queue_full > 8_000, "packets beyond the send queue are dropped and counted: {s:?}");

        // A frame claiming 4 GiB closes its connection; nothing is allocated.
        // (Blocking socket calls run off the runtime's workers.)
        let closed = tokio::task::spawn_blocking(move || {
            let mut huge = TcpStream::connect(me).unwrap();
            huge.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
            huge.write_all(&u32::MAX.to_be_bytes()).unwrap();
            huge.read(&mut [0u8; 1]).unwrap()
        });
        assert_eq!(closed.await.unwrap(), 0, "the node closed the connection");
        wait_for(&node, "the oversized frame counted", |s| s.malformed >= 1).await;

        // Frames of the largest size, of junk: read and dropped one by one.
        let junk = tokio::task::spawn_blocking(move || {
            let mut junk = TcpStream::connect(me).unwrap();
            let frame = vec![0xabu8; Options::default().max_frame];
            for _ in 0..500 {
                junk.write_all(&(frame.len() as u32).to_be_bytes()).unwrap();
                junk.write_all(&frame).unwrap();
            }
            junk
        })
        .await
        .unwrap();
        wait_for(&node, "the junk frames", |s| s.packets_received >= 500).await;

        // At most max_connections = 4 connections at once: `junk` holds one.
        let extra: Vec<TcpStream> = (0..10).map(|_| TcpStream::connect(me).unwrap()).collect();
        let s = wait_for(&node, "the refused connections", |s| s.connections_refused >= 7).await;
        assert_eq!(s.connections_refused, 7, "3 of the 10 fit: {s:?}");
        let grew = growth_since(base);
        assert!(grew < 100 * MIB, "resident memory grew by {} MiB (ceiling 100 MiB)", grew / MIB);
        drop((extra, junk, silent));
        node.shutdown();
    }

    #[ignore = "run alone by the test of the same topic above"]
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn huge_process_id() {
        let base = rss();
        // Encoded by hand: a set of 2 ids, 1 and u32::MAX - 1 (a bit set holding
        // the second would take 512 MiB).
        let mut huge = vec![2u8];
        huge.extend_from_slice(&psync::codec::encode(&(1u32, u32::MAX - 1)).unwrap());
        assert!(psync::codec::decode::<ProcSet>(&huge).is_err());
        // In the engine, ids are bounded by n: {0, 3} is malformed when n = 3.
        let net = MemNetwork::new(3, 3);
        let node = Node::builder(ProcessId::new(0), 3, Options::default()).memory(&net).unwrap();
        let n2 = node.clone();
        let waiting = tokio::spawn(async move { n2.propose::<Waiter>(7, Consensus::new(0)).await });
        tokio::time::sleep(Duration::from_millis(20)).await;
        let set = |ids: &[usize]| psync::codec::encode(&ids.iter().map(|&i| ProcessId::new(i)).collect::<ProcSet>()).unwrap();
        for (sender, payload) in [(1, Bytes::from(huge)), (2, set(&[0, 3]))] {
            let mut b = BytesMut::new();
            msg(&mut b, Flag::Normal, sender, 7, 0, &payload);
            net.inject(ProcessId::new(0), b.freeze());
        }
        let s = wait_for(&node, "the two bad sets", |s| s.malformed >= 2).await;
        assert_eq!((s.malformed, s.duplicates), (2, 0), "{s:?}");
        // A set within 0..n is accepted from the same sender afterwards.
        let mut b = BytesMut::new();
        msg(&mut b, Flag::Normal, 2, 7, 0, &set(&[0, 2]));
        net.inject(ProcessId::new(0), b.freeze());
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert_eq!(node.stats().malformed, 2, "{:?}", node.stats());
        let grew = growth_since(base);
        assert!(grew < 64 * MIB, "resident memory grew by {} MiB (ceiling 64 MiB)", grew / MIB);
        node.stop_instance(7);
        assert_eq!(tokio::time::timeout(Duration::from_secs(10), waiting).await.unwrap().unwrap(), Outcome::Stopped);
    }
}

/// A round whose deadline is past the clock's range.
#[derive(Clone, Debug)]
struct Forever;
struct LongTimeout;
impl Process for Forever {
    type Io = Consensus<i64>;
    fn init(_: &Consensus<i64>, _: &Ctx) -> Self {
        Forever
    }
    fn phase() -> Phase<Self> {
        Phase::new().event_round::<LongTimeout>()
    }
}
impl EventRound<Forever> for LongTimeout {
    type Msg = ();
    fn init(_: &mut Forever, _: &Ctx) -> Progress {
        Progress::timeout(Duration::MAX)
    }
    fn send(_: &mut Forever, _: &Ctx) -> Outbox<()> {
        Outbox::none()
    }
    fn receive(_: &mut Forever, _: ProcessId, _: (), _: &Ctx) -> Progress {
        Progress::unchanged()
    }
    fn finish(_: &mut Forever, _: bool, _: &Ctx) -> bool {
        true
    }
}

#[tokio::test]
async fn a_deadline_past_the_clock_is_no_deadline() {
    let net = MemNetwork::new(1, 0);
    let node = Node::builder(ProcessId::new(0), 1, Options::default()).memory(&net).unwrap();
    let n2 = node.clone();
    let h = tokio::spawn(async move { n2.propose::<Forever>(1, Consensus::new(0)).await });
    tokio::time::sleep(Duration::from_millis(50)).await;
    // The event loop is alive and the instance still runs.
    let again = node.propose::<Forever>(1, Consensus::new(0)).await;
    assert!(matches!(again, Outcome::Rejected(ref why) if why.contains("already running")), "{again:?}");
    node.stop_instance(1);
    assert_eq!(tokio::time::timeout(Duration::from_secs(10), h).await.unwrap().unwrap(), Outcome::Stopped);
}
