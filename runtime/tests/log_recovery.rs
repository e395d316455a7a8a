//! The replicated log recovers: a follower far behind the decision logs
//! catches up by snapshot, a crashed leader is replaced and the log goes on
//! without losing or reordering committed requests, and copies of a client
//! request take effect once. Every test runs the real engine on one
//! single-threaded tokio runtime with paused time over the in-memory
//! network (timeouts cost no real time; runs are deterministic).

mod common;

use common::eventually;
use psync::config::Options;
use psync::engine::Node;
use psync::prelude::ProcessId;
use psync::service::{ApplyEvent, ApplyHook, ClientRequest, LogOptions, MAX_SESSIONS, ReplicatedLog, Reply};
use psync::transport::{MemFaults, MemNetwork};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The engine's decision log in these tests: slots a late replica can
/// learn from a peer's instances.
const DECISION_LOG: usize = 16;

fn paused_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().start_paused(true).build().expect("a tokio runtime")
}

fn log_options() -> LogOptions {
    LogOptions {
        batch: 4,
        in_flight: 4,
        tick: Duration::from_millis(20),
        resend: Duration::from_millis(300),
        election_timeout: Duration::from_millis(200),
        ..LogOptions::default()
    }
}

/// What one replica applied, slot by slot (`None`: a snapshot up to it).
type Recorded = Arc<Mutex<Vec<(u64, Option<Vec<ClientRequest>>)>>>;

fn recorder() -> (Recorded, ApplyHook) {
    let rec: Recorded = Arc::default();
    let r = rec.clone();
    let hook = ApplyHook(Arc::new(move |e: &ApplyEvent<'_>| {
        let entry = match e {
            ApplyEvent::Slot { slot, requests } => (*slot, Some(requests.to_vec())),
            ApplyEvent::Snapshot { slot } => (*slot, None),
        };
        r.lock().unwrap().push(entry);
    }));
    (rec, hook)
}

/// Starts `n` log replicas on `net`, each recording what it applies.
async fn start(net: &MemNetwork, n: usize, opts: &LogOptions) -> (Vec<ReplicatedLog>, Vec<Recorded>) {
    let engine = Options { timeout_ms: 10, decision_log: DECISION_LOG, ..Options::default() };
    let (mut logs, mut recs) = (Vec::new(), Vec::new());
    for i in 0..n {
        let (rec, hook) = recorder();
        let o = LogOptions { on_apply: Some(hook), ..opts.clone() };
        let (net, engine) = (net.clone(), engine.clone());
        let me = ProcessId::new(i);
        let log = ReplicatedLog::start(me, o, move |h| async move { Node::builder(me, n, engine).handler(h).memory(&net) }).await.expect("a log replica");
        logs.push(log);
        recs.push(rec);
    }
    (logs, recs)
}

/// Checks that each replica applied slots in order without a gap (a
/// snapshot may skip ahead) and that any two agree on every slot both
/// applied one by one; returns the requests per slot.
fn check_logs(recs: &[Recorded]) -> BTreeMap<u64, Vec<ClientRequest>> {
    let mut all: BTreeMap<u64, Vec<ClientRequest>> = BTreeMap::new();
    for (i, rec) in recs.iter().enumerate() {
        let mut last = 0;
        for (slot, rs) in rec.lock().unwrap().iter() {
            match rs {
                Some(rs) => {
                    assert_eq!(*slot, last + 1, "replica {i} applied slot {slot} after {last}");
                    if let Some(other) = all.get(slot) {
                        assert_eq!(other, rs, "replica {i} applied another batch in slot {slot}");
                    }
                    all.insert(*slot, rs.clone());
                }
                None => assert!(*slot > last, "replica {i} installed a snapshot at {slot} after applying {last}"),
            }
            last = *slot;
        }
    }
    all
}

#[test]
fn a_follower_ten_decision_logs_behind_catches_up_by_snapshot() {
    for seed in 0..4 {
        a_follower_far_behind_catches_up(seed);
    }
}

/// Run `seed`: 10 % loss and duplication (snapshot chunks and requests
/// for them are lost too).
fn a_follower_far_behind_catches_up(seed: u64) {
    paused_runtime().block_on(async {
        let net = MemNetwork::new(3, seed);
        net.set_faults(MemFaults { loss: 0.1, duplicate: 0.1 });
        net.set_delay(Duration::from_millis(1), Duration::from_millis(3));
        let opts = LogOptions { batch: 1, ..log_options() };
        let (logs, recs) = start(&net, 3, &opts).await;
        let (p0, p1, p2) = (ProcessId::new(0), ProcessId::new(1), ProcessId::new(2));
        // 10× the decision log in slots (one request per slot); replica 2
        // is cut off once the first slots run, some of them joined there.
        let behind = 10 * DECISION_LOG as u64 + 40;
        let ops: Vec<_> = (0..behind).map(|i| ClientRequest::op((i % 7) as u32, i)).collect();
        let l1 = logs[1].clone();
        let all = tokio::spawn(async move { l1.submit_many(ops).await });
        tokio::time::sleep(Duration::from_millis(40)).await;
        net.set_link(p2, p0, false);
        net.set_link(p2, p1, false);
        // Packets already sent still arrive (within 3 ms).
        tokio::time::sleep(Duration::from_millis(10)).await;
        let cut_at = logs[2].applied().slots;
        let slot = tokio::time::timeout(Duration::from_secs(60), all).await.expect("in time").expect("a task").expect("applied");
        assert!(slot >= behind, "{slot} slots for {behind} requests of one per slot");
        assert!(slot - cut_at >= 10 * DECISION_LOG as u64, "replica 2 is {} slots behind", slot - cut_at);
        assert_eq!(logs[2].applied().slots, cut_at, "replica 2 was cut off");
        net.set_link(p2, p0, true);
        net.set_link(p2, p1, true);
        let caught_up = eventually(Duration::from_secs(20), || logs[2].applied().slots >= slot).await;
        assert!(caught_up, "replica 2 applied {} of {slot} slots", logs[2].applied().slots);
        let st = logs[2].stats();
        assert!(st.snapshots_installed >= 1, "seed {seed}: {st:?}");
        assert!(st.instances_stopped >= 1, "the slots it joined before the cut were stopped: {st:?}");
        // Stopped: they no longer run rounds (each would time out every
        // 10 ms) once the log is idle.
        tokio::time::sleep(Duration::from_millis(100)).await;
        let timeouts = logs[2].node().stats().timeouts;
        tokio::time::sleep(Duration::from_secs(1)).await;
        assert_eq!(logs[2].node().stats().timeouts, timeouts, "instances still run at replica 2");
        assert_eq!(st.view, 0, "seed {seed}: an isolated follower does not start elections");
        // The snapshot carried the map and the dedup table: replica 2 goes on
        // from there, and its own requests are ordered after.
        let more = tokio::time::timeout(Duration::from_secs(20), logs[2].submit(ClientRequest::op(99, 1))).await.expect("in time").expect("applied");
        assert!(more > slot);
        assert!(eventually(Duration::from_secs(5), || logs.iter().all(|l| l.applied() == logs[0].applied())).await, "the replicas end equal");
        assert_eq!(logs[2].applied().requests, behind + 1);
        check_logs(&recs);
        for l in &logs {
            l.node().shutdown();
        }
    });
}

/// A client with one request at a time that retries (the same request, at
/// the next replica) until it gets a reply: `(seq, value, reply)` of each
/// put to its own key.
async fn client(id: u64, logs: Vec<ReplicatedLog>, ops: u64) -> Vec<(u64, u64, Reply)> {
    let mut done = Vec::new();
    let mut at = id as usize;
    let session = loop {
        match tokio::time::timeout(Duration::from_secs(1), logs[at % logs.len()].register()).await {
            Ok(Ok(s)) => break s,
            _ => at += 1,
        }
    };
    for seq in 1..=ops {
        let value = id * 1000 + seq;
        let req = ClientRequest::new(session, seq, ClientRequest::op(id as u32, value));
        loop {
            let log = &logs[at % logs.len()];
            match tokio::time::timeout(Duration::from_secs(1), log.submit_request(req)).await {
                Ok(Ok(reply)) => {
                    done.push((seq, value, reply));
                    break;
                }
                _ => at += 1,
            }
        }
        tokio::time::sleep(Duration::from_millis(7)).await;
    }
    done
}

/// The network of run `seed` of the crash tests: lossy, duplicating and
/// reordering, with one of the three replicas down a majority needs both
/// others.
fn faulty_network(seed: u64) -> MemNetwork {
    let net = MemNetwork::new(3, seed);
    net.set_faults(MemFaults { loss: 0.05, duplicate: 0.1 });
    net.set_delay(Duration::from_millis(1), Duration::from_millis(1 + seed % 8));
    net
}

#[test]
fn a_crashed_leader_is_replaced_and_the_log_goes_on() {
    for seed in 0..CRASH_SEEDS {
        a_crashed_leader_is_replaced(seed);
    }
}

/// Runs of each crash test (seeds of their networks).
const CRASH_SEEDS: u64 = 8;

fn a_crashed_leader_is_replaced(seed: u64) {
    paused_runtime().block_on(async {
        let net = faulty_network(seed);
        let (logs, recs) = start(&net, 3, &log_options()).await;
        // Clients on the followers and on the leader; the leader crashes
        // while they run.
        let survivors = vec![logs[1].clone(), logs[2].clone()];
        let mut clients = Vec::new();
        for id in 1..=3u64 {
            let at = if id == 3 { vec![logs[0].clone(), logs[1].clone()] } else { survivors.clone() };
            clients.push(tokio::spawn(client(id, at, 40)));
        }
        tokio::time::sleep(Duration::from_millis(150)).await;
        let before = logs[0].applied().slots;
        assert!(before > 0, "the first leader ordered requests");
        logs[0].node().shutdown();
        let mut replies = Vec::new();
        for c in clients {
            let r = tokio::time::timeout(Duration::from_secs(120), c).await.unwrap_or_else(|_| panic!("seed {seed}: the clients did not finish"));
            replies.push(r.expect("a client"));
        }
        assert!(
            eventually(Duration::from_secs(5), || logs[1].applied() == logs[2].applied()).await,
            "the survivors end equal: {:?} {:?}",
            logs[1].applied().slots,
            logs[2].applied().slots
        );
        let (s1, s2) = (logs[1].stats(), logs[2].stats());
        assert!(s1.view >= 1 && s1.view == s2.view, "{s1:?} {s2:?}");
        assert!(s1.leading || s2.leading, "a survivor leads: {s1:?} {s2:?}");
        let final_state = logs[1].applied();
        assert!(final_state.slots > before);
        // Replica 0's log up to its crash is a prefix of the survivors'.
        let log = check_logs(&recs);
        for (id, rs) in replies.iter().enumerate() {
            let id = id as u64 + 1;
            let mut last_slot = 0;
            for (seq, value, reply) in rs {
                // The request is in the slot its reply names, and in no
                // earlier slot; clients' requests are ordered as issued.
                let first = log.iter().find(|(_, b)| b.iter().any(|r| r.client == reply.session && r.seq == *seq)).map(|(s, _)| *s);
                assert_eq!(first, Some(reply.slot), "client {id} request {seq}");
                assert!(reply.slot > last_slot, "client {id}: request {seq} ordered before an earlier one");
                last_slot = reply.slot;
                let previous = (*seq > 1).then(|| id * 1000 + seq - 1);
                assert_eq!(reply.previous, previous, "client {id} request {seq} ({value}) saw another previous value");
            }
            assert_eq!(final_state.kv.get(&(id as u32)), Some(&(id * 1000 + 40)), "client {id}'s last put holds");
        }
        assert_eq!(final_state.requests, 3 * 40, "every request took effect once");
        for l in &logs {
            l.node().shutdown();
        }
    });
}

#[test]
fn copies_of_a_request_take_effect_once() {
    paused_runtime().block_on(async {
        let net = MemNetwork::new(3, 3);
        let (logs, recs) = start(&net, 3, &log_options()).await;
        let t = Duration::from_secs(10);
        let c = tokio::time::timeout(t, logs[1].register()).await.unwrap().unwrap();
        let put = move |seq, acked, key, value| ClientRequest { client: c, seq, acked, op: ClientRequest::op(key, value) };
        let first = tokio::time::timeout(t, logs[1].submit_request(put(1, 1, 1, 100))).await.unwrap().unwrap();
        assert_eq!(first.previous, None);
        // Request 2 does not acknowledge 1 yet: the reply of 1 is kept.
        let second = tokio::time::timeout(t, logs[1].submit_request(put(2, 1, 1, 200))).await.unwrap().unwrap();
        assert_eq!(second.previous, Some(100));
        // A late copy of request 1, at another replica and ordered again
        // (through the leader, since replica 2 has not seen it applied yet
        // or has: either way), gets the stored reply and changes nothing.
        let late = tokio::time::timeout(t, logs[2].submit_request(put(1, 1, 1, 100))).await.unwrap().unwrap();
        assert_eq!(late, first);
        // Copies of one request submitted at once at every replica.
        let copies: Vec<_> = logs.iter().map(|l| tokio::spawn({
            let l = l.clone();
            async move { l.submit_request(put(3, 3, 2, 300)).await }
        })).collect();
        let mut got = Vec::new();
        for c in copies {
            got.push(tokio::time::timeout(t, c).await.unwrap().unwrap().unwrap());
        }
        assert!(got.iter().all(|r| *r == got[0]), "{got:?}");
        // Request 3 acknowledged 1 and 2: a copy of 1 now is refused, not
        // applied.
        let stale = tokio::time::timeout(t, logs[0].submit_request(put(1, 1, 1, 100))).await.unwrap();
        assert!(stale.is_err(), "{stale:?}");
        assert!(eventually(t, || logs.iter().all(|l| l.applied() == logs[0].applied() && l.applied().requests == 3)).await);
        let a = logs[0].applied();
        assert_eq!((a.kv[&1], a.kv[&2]), (200, 300), "the late copies did not overwrite newer values");
        assert_eq!(a.sessions[&c].acked, 3);
        // A session the log never registered: refused, and not applied.
        let unknown = tokio::time::timeout(t, logs[0].submit_request(ClientRequest::new(c + 100, 1, ClientRequest::op(9, 1)))).await.unwrap();
        assert!(unknown.is_err_and(|e| e.to_string().contains("not registered")), "a request of an unknown session is refused");
        assert!(eventually(t, || logs.iter().all(|l| l.applied() == logs[0].applied())).await);
        assert!(!logs[0].applied().kv.contains_key(&9));
        check_logs(&recs);
        for l in &logs {
            l.node().shutdown();
        }
    });
}

/// The dedup table is bounded: after `MAX_SESSIONS` newer registrations a
/// session is evicted, and a late copy of its applied request is refused,
/// not applied a second time.
#[test]
fn an_evicted_session_is_refused_and_the_table_stays_bounded() {
    paused_runtime().block_on(async {
        let net = MemNetwork::new(3, 6);
        let opts = LogOptions { batch: 2000, in_flight: 16, ..log_options() };
        let (logs, _) = start(&net, 3, &opts).await;
        let t = Duration::from_secs(60);
        let old = tokio::time::timeout(t, logs[0].register()).await.unwrap().unwrap();
        let put = ClientRequest::new(old, 1, ClientRequest::op(1, 100));
        tokio::time::timeout(t, logs[0].submit_request(put)).await.unwrap().unwrap();
        let mut newer = tokio::task::JoinSet::new();
        for k in 0..MAX_SESSIONS {
            let l = logs[k % 3].clone();
            newer.spawn(async move { l.register().await });
        }
        while let Some(r) = tokio::time::timeout(t, newer.join_next()).await.unwrap() {
            r.unwrap().unwrap();
        }
        let a = logs[0].applied();
        assert_eq!(a.sessions.len(), MAX_SESSIONS, "the table holds the most recent sessions");
        assert!(!a.sessions.contains_key(&old));
        // A newer put to the key; then the late copy of the old session's put.
        let c = tokio::time::timeout(t, logs[1].register()).await.unwrap().unwrap();
        tokio::time::timeout(t, logs[1].submit_request(ClientRequest::new(c, 1, ClientRequest::op(1, 200)))).await.unwrap().unwrap();
        let late = tokio::time::timeout(t, logs[2].submit_request(put)).await.unwrap();
        assert!(late.is_err_and(|e| e.to_string().contains("expired")), "the evicted session's copy is refused");
        assert!(eventually(t, || logs.iter().all(|l| l.applied() == logs[0].applied())).await);
        let a = logs[0].applied();
        assert_eq!(a.kv[&1], 200, "the late copy did not overwrite the newer value");
        assert_eq!(a.requests, 2);
        assert!(a.sessions.len() <= MAX_SESSIONS);
        for l in &logs {
            l.node().shutdown();
        }
    });
}

#[test]
fn duplicated_and_reforwarded_requests_take_effect_once() {
    paused_runtime().block_on(async {
        let net = MemNetwork::new(3, 4);
        net.set_faults(MemFaults { loss: 0.1, duplicate: 0.3 });
        net.set_delay(Duration::from_millis(1), Duration::from_millis(15));
        // Followers forward again every 30 ms: most requests travel twice or
        // more.
        let opts = LogOptions { resend: Duration::from_millis(30), ..log_options() };
        let (logs, recs) = start(&net, 3, &opts).await;
        let clients: Vec<_> = (1..=4u64).map(|id| tokio::spawn(client(id, vec![logs[1].clone(), logs[2].clone()], 15))).collect();
        for c in clients {
            tokio::time::timeout(Duration::from_secs(120), c).await.expect("clients finish").expect("a client");
        }
        net.set_faults(MemFaults::default());
        assert!(eventually(Duration::from_secs(10), || logs.iter().all(|l| l.applied() == logs[0].applied())).await);
        let a = logs[0].applied();
        let log = check_logs(&recs);
        let copies: usize = log.values().map(Vec::len).sum();
        assert!(copies > 60, "requests were ordered more than once ({copies} entries for 60 requests)");
        assert_eq!(a.requests, 60, "each took effect once");
        for id in 1..=4u64 {
            assert_eq!(a.kv[&(id as u32)], id * 1000 + 15);
        }
        for l in &logs {
            l.node().shutdown();
        }
    });
}

#[test]
fn a_restarted_leader_continues_above_the_log_tail() {
    for seed in 0..CRASH_SEEDS {
        a_restarted_leader_continues(seed);
    }
}

fn a_restarted_leader_continues(seed: u64) {
    paused_runtime().block_on(async {
        let net = faulty_network(seed);
        let opts = log_options();
        let (mut logs, mut recs) = start(&net, 3, &opts).await;
        let clients: Vec<_> = (1..=2u64).map(|id| tokio::spawn(client(id, vec![logs[1].clone(), logs[2].clone()], 40))).collect();
        tokio::time::sleep(Duration::from_millis(150)).await;
        // Replica 0 crashes and comes back empty before the others give up on
        // it (election_timeout = 200 ms): it is the leader of their view
        // again, with nothing of its log.
        logs[0].node().shutdown();
        tokio::time::sleep(Duration::from_millis(30)).await;
        let tail = logs[1].applied().slots.max(logs[2].applied().slots);
        let (rec, hook) = recorder();
        let o = LogOptions { on_apply: Some(hook), ..opts.clone() };
        let engine = Options { timeout_ms: 10, decision_log: DECISION_LOG, ..Options::default() };
        let me = ProcessId::new(0);
        let net0 = net.clone();
        let again = ReplicatedLog::start(me, o, move |h| async move { Node::builder(me, 3, engine).handler(h).memory(&net0) }).await.expect("a log replica");
        for c in clients {
            let r = tokio::time::timeout(Duration::from_secs(120), c).await.unwrap_or_else(|_| panic!("seed {seed}: the clients did not finish"));
            r.expect("a client");
        }
        let st = again.stats();
        assert!((st.view, st.leading) == (0, true), "the restarted replica leads view 0 again: {st:?}");
        assert!(st.lead_from > tail, "it proposed from slot {} though slot {tail} was applied", st.lead_from);
        assert!(st.snapshots_installed >= 1, "it learned the slots below its fence by snapshot: {st:?}");
        logs.push(again.clone());
        recs.push(rec);
        assert!(eventually(Duration::from_secs(10), || logs[1..].iter().all(|l| l.applied() == again.applied())).await, "the replicas end equal");
        check_logs(&recs);
        assert_eq!(again.applied().requests, 80);
        for l in &logs {
            l.node().shutdown();
        }
    });
}

#[test]
fn the_leader_stays_within_its_window_of_the_slowest_live_replica() {
    paused_runtime().block_on(async {
        let net = MemNetwork::new(3, 6);
        let window = 8;
        let opts = LogOptions { batch: 1, window, ..log_options() };
        let (logs, recs) = start(&net, 3, &opts).await;
        tokio::time::sleep(Duration::from_millis(50)).await;
        // Replica 2 stops applying (cut off): its last status (applied 0)
        // holds the leader back until it counts as down (election_timeout
        // = 200 ms after it was last heard).
        let (p0, p1, p2) = (ProcessId::new(0), ProcessId::new(1), ProcessId::new(2));
        net.set_link(p2, p0, false);
        net.set_link(p2, p1, false);
        let ops: Vec<_> = (0..40).map(|i| ClientRequest::op(1, i)).collect();
        let l1 = logs[1].clone();
        let all = tokio::spawn(async move { l1.submit_many(ops).await });
        tokio::time::sleep(Duration::from_millis(100)).await;
        let held = logs[0].applied().slots;
        assert!((1..=window).contains(&held), "the leader applied {held} slots with a replica at 0 and window {window}");
        let slot = tokio::time::timeout(Duration::from_secs(20), all).await.expect("in time").expect("a task").expect("applied");
        assert!(slot >= 40, "once replica 2 counts as down, the leader goes on");
        net.set_link(p2, p0, true);
        net.set_link(p2, p1, true);
        assert!(eventually(Duration::from_secs(10), || logs.iter().all(|l| l.applied() == logs[0].applied())).await);
        check_logs(&recs);
        for l in &logs {
            l.node().shutdown();
        }
    });
}
