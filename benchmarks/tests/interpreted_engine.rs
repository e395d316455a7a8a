//! The interpreted spec on the round engine agrees with the compiled spec:
//! the same replicas (in-memory network, no loss, rounds long enough that
//! every message arrives, and catch-up only once every other replica is
//! ahead, when its messages of the round have arrived; a message that
//! arrives before its instance started at a replica starts it there with
//! its input: so every heard-of set is everyone) run each
//! instance once compiled and once interpreted
//! (`psync_encodings::interp::replica`) from the same inputs, and every
//! replica decides the same value both ways.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use psync::config::Options;
use psync::engine::{DefaultAction, Node, Outcome, Starter, UnknownMessage};
use psync::prelude::*;
use psync::transport::MemNetwork;
use psync_benchmarks::last_voting::LastVoting;
use psync_benchmarks::last_voting_event::LastVotingEvent;
use psync_benchmarks::otr::Otr;
use psync_encodings::interp::local::Program;
use psync_encodings::interp::replica::{Hosted, Interpreted, InterpretedIo};
use psync_logic::Value;

fn hosted(file: &str) -> Arc<Hosted> {
    let path = format!("{}/../zoo/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).expect("the benchmark exists");
    let alg = psync_encodings::parse_spec(file, &text).map_err(|e| e.short()).expect("in the subset");
    let fns = psync_encodings::runtime_fns(file, &text, &alg).map_err(|e| e.short()).expect("decision and expected in the subset");
    Hosted::new(Program::new(alg, fns, Default::default()).expect("runnable on replicas"))
}

/// Per replica, the instances it joins when another replica's message
/// comes first (with the input it was given): no round message is dropped
/// for arriving before its instance started.
type Joins = Arc<Mutex<HashMap<u64, Starter>>>;

fn nodes(n: usize) -> Vec<(Node, Joins)> {
    nodes_timing_out(n, 5_000)
}

/// [`nodes`] whose rounds time out after `timeout_ms`.
fn nodes_timing_out(n: usize, timeout_ms: u64) -> Vec<(Node, Joins)> {
    let net = MemNetwork::new(n, 0);
    let opts = Options { timeout_ms, catch_up_senders: n - 1, ..Options::default() };
    (0..n)
        .map(|i| {
            let joins: Joins = Arc::default();
            let table = joins.clone();
            let handler = move |m: &UnknownMessage<'_>| match table.lock().expect("joins").remove(&m.instance) {
                Some(s) => DefaultAction::Start(s),
                None => DefaultAction::Drop,
            };
            (Node::builder(ProcessId::new(i), n, opts.clone()).handler(handler).memory(&net).expect("a node"), joins)
        })
        .collect()
}

/// Starts instance `id` of `P` on every replica (or lets it be joined),
/// replica `i` from `io(i)`; each replica's outcome.
async fn start_all<P: Process>(nodes: &[(Node, Joins)], id: u64, io: impl Fn(usize) -> P::Io) -> Vec<Outcome<<P::Io as ProcessIo>::Output>> {
    let mut waits = Vec::new();
    let mut reports = Vec::new();
    for (i, (_, joins)) in nodes.iter().enumerate() {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let tx = Arc::new(Mutex::new(Some(tx)));
        // Whichever start comes second is rejected; the other one reports.
        let report = move |o: Outcome<_>| {
            if !matches!(o, Outcome::Rejected(_))
                && let Some(t) = tx.lock().expect("report").take()
            {
                let _ = t.send(o);
            }
        };
        let joined = report.clone();
        joins.lock().expect("joins").insert(id, Starter::new::<P>(io(i), joined));
        reports.push(report);
        waits.push(rx);
    }
    for (i, ((node, _), report)) in nodes.iter().zip(reports).enumerate() {
        node.start_instance::<P>(id, io(i), report);
    }
    let mut out = Vec::new();
    for rx in waits {
        out.push(rx.await.unwrap_or(Outcome::Stopped));
    }
    out
}

/// Each replica's decision in instance `id` of the compiled `P`.
async fn compiled<P: Process<Io = Consensus<i64>>>(nodes: &[(Node, Joins)], id: u64, inputs: &[i64]) -> Vec<Option<i64>>
where
    P::Io: ProcessIo<Output = i64>,
{
    start_all::<P>(nodes, id, |i| Consensus::new(inputs[i])).await.into_iter().map(Outcome::into_value).collect()
}

/// Each replica's decision in instance `id` of the interpreted spec.
async fn interpreted(nodes: &[(Node, Joins)], hosted: &Arc<Hosted>, id: u64, inputs: &[i64]) -> Vec<Option<i64>> {
    let io = |i: usize| InterpretedIo { hosted: hosted.clone(), input: [("initial".to_string(), Value::Int(inputs[i]))].into() };
    let outs = start_all::<Interpreted>(nodes, id, io).await;
    outs.into_iter()
        .map(|o| match o {
            Outcome::Decided(Value::Int(v)) | Outcome::Learned(Value::Int(v)) => Some(v),
            _ => None,
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn otr_interpreted_decides_as_compiled() {
    let h = hosted("otr.rs");
    let cases: &[&[i64]] = &[&[2, 0, 2], &[0, 1, 2], &[1, 1, 0], &[2, 1, 2, 1], &[3, 0, 1, 2], &[0, 0, 1, 1, 2]];
    for (k, inputs) in cases.iter().enumerate() {
        let ns = nodes(inputs.len());
        let id = k as u64 + 1;
        let c = compiled::<Otr>(&ns, id, inputs).await;
        let i = interpreted(&ns, &h, 100 + id, inputs).await;
        assert!(c.iter().all(Option::is_some), "compiled OTR decides on {inputs:?}: {c:?}");
        assert_eq!(i, c, "interpreted and compiled OTR on {inputs:?}");
        for (n, _) in ns {
            n.shutdown();
        }
    }
    assert!(h.error().is_none(), "{:?}", h.error());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn last_voting_interpreted_decides_as_compiled() {
    // Which majority reaches the coordinator first is up to the scheduler,
    // and LastVoting's choice depends on it when proposals differ: with
    // unanimous proposals the decision is fixed; otherwise both ways must
    // decide, agree and decide a proposal.
    let h = hosted("last_voting.rs");
    let cases: &[&[i64]] = &[&[2, 2, 2], &[1, 1, 1, 1], &[0, 0, 0, 0, 0]];
    for (k, inputs) in cases.iter().enumerate() {
        let ns = nodes(inputs.len());
        let id = k as u64 + 1;
        let c = compiled::<LastVoting>(&ns, id, inputs).await;
        let i = interpreted(&ns, &h, 100 + id, inputs).await;
        assert!(c.iter().all(Option::is_some), "compiled LastVoting decides on {inputs:?}: {c:?}");
        assert_eq!(i, c, "interpreted and compiled LastVoting on {inputs:?}");
        for (n, _) in ns {
            n.shutdown();
        }
    }
    for (k, inputs) in [&[0, 1, 2][..], &[2, 1, 1, 0]].iter().enumerate() {
        let ns = nodes(inputs.len());
        let id = k as u64 + 10;
        for run in [compiled::<LastVoting>(&ns, id, inputs).await, interpreted(&ns, &h, 100 + id, inputs).await] {
            let first = run[0].expect("decides");
            assert!(run.iter().all(|v| *v == Some(first)) && inputs.contains(&first), "{inputs:?}: {run:?}");
        }
        for (n, _) in ns {
            n.shutdown();
        }
    }
    assert!(h.error().is_none(), "{:?}", h.error());
}

/// LastVoting with event rounds: the compiled handlers (early moves on
/// receive) and the interpreted closed reading (`psync-verify run`, each
/// round ending on `n` messages or the timeout) both decide, agree, and
/// decide a proposal; alike when the proposals are unanimous. The
/// interpreted rounds wait for messages that never come (a process
/// expects none in `Collect`), so the rounds time out after 100 ms.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn last_voting_with_event_rounds_interpreted_decides_as_compiled() {
    let h = hosted("last_voting_event.rs");
    for (k, inputs) in [&[2, 2, 2][..], &[1, 1, 1, 1], &[0, 1, 2], &[2, 1, 1, 0]].iter().enumerate() {
        let ns = nodes_timing_out(inputs.len(), 100);
        let id = k as u64 + 20;
        let c = compiled::<LastVotingEvent>(&ns, id, inputs).await;
        let i = interpreted(&ns, &h, 100 + id, inputs).await;
        for run in [&c, &i] {
            let first = run[0].expect("decides");
            assert!(run.iter().all(|v| *v == Some(first)) && inputs.contains(&first), "{inputs:?}: compiled {c:?}, interpreted {i:?}");
        }
        if inputs.iter().all(|v| *v == inputs[0]) {
            assert_eq!(i, c, "unanimous {inputs:?}");
        }
        for (n, _) in ns {
            n.shutdown();
        }
    }
    assert!(h.error().is_none(), "{:?}", h.error());
}
