//! Runs OTR or LastVoting (the verified spec files) natively: one replica per
//! process, from a TOML config and `--id`. Each replica proposes a value for
//! instances 1..=k, joins instances started by others through its default
//! handler, prints the decisions, then stays a moment so that late replicas
//! can learn from its decision log.
//!
//! Instances are started durably: with a `data_dir` a replica killed and
//! started again resumes its unfinished instances from its write-ahead log,
//! and reports those it finished before (`finished before this start`).
//!
//! `psync-consensus --config benchmarks/apps/cluster.toml --id 0 --algorithm otr --instances 5`
mod common;

use clap::Parser;
use common::{ReplicaArgs, fail};
use psync::engine::{DefaultAction, Node, Outcome, Starter, UnknownMessage};
use psync::prelude::*;
use psync_benchmarks::{last_voting::LastVoting, otr::Otr};
use serde::{Serialize, de::DeserializeOwned};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;
use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};

#[derive(Parser, Debug)]
#[command(about = "Run OTR or LastVoting on a replica of a loopback cluster")]
struct Cli {
    #[command(flatten)]
    replica: ReplicaArgs,
    /// Instances to run (ids 1..=k).
    #[arg(long, default_value_t = 5)]
    instances: u64,
    /// Seconds to wait for all decisions before giving up.
    #[arg(long, default_value_t = 30.0)]
    deadline: f64,
    /// Seconds to stay up after the last decision (to answer late replicas).
    #[arg(long, default_value_t = 2.0)]
    linger: f64,
    /// Instances this replica starts at once: the next one starts when one
    /// finishes here (0: all at once).
    #[arg(long, default_value_t = 0)]
    in_flight: u64,
}

type Report = (u64, Outcome<i64>);

fn starter<P: Process<Io = Consensus<i64>> + Serialize + DeserializeOwned>(id: u64, value: i64, tx: &UnboundedSender<Report>) -> Starter {
    let tx = tx.clone();
    Starter::durable::<P>(Consensus::new(value), move |o| {
        let _ = tx.send((id, o));
    })
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let cli = Cli::parse();
    let (cfg, me) = cli.replica.load().unwrap_or_else(|e| fail(e));
    let value = move |inst: u64| ((inst + me.index() as u64) % 3) as i64;
    let lv = cli.replica.algorithm == "lv";
    let (tx, mut rx) = unbounded_channel::<Report>();
    let htx = tx.clone();
    // Instances started by other replicas are joined with this replica's value.
    let handler = move |m: &UnknownMessage<'_>| {
        if m.instance == 0 || m.instance > cli.instances {
            return DefaultAction::Drop;
        }
        let v = value(m.instance);
        DefaultAction::Start(if lv { starter::<LastVoting>(m.instance, v, &htx) } else { starter::<Otr>(m.instance, v, &htx) })
    };
    let node = Node::from_config(&cfg, me, handler).await.unwrap_or_else(|e| fail(e));
    println!("replica {me} of {} up ({:?}, {} ms rounds), {} instances of {}", cfg.n(), cfg.options.protocol, cfg.options.timeout_ms, cli.instances, cli.replica.algorithm);
    if let Some(r) = node.recovery() {
        println!("recovered: incarnation {:?}, {} decisions, {} instances to resume", r.incarnation, r.decisions, r.resumable.len());
    }
    let start = |inst: u64| {
        let tx = tx.clone();
        let report = move |o| {
            let _ = tx.send((inst, o));
        };
        if lv {
            node.start_durable::<LastVoting>(inst, Consensus::new(value(inst)), report);
        } else {
            node.start_durable::<Otr>(inst, Consensus::new(value(inst)), report);
        }
    };
    let window = if cli.in_flight == 0 { cli.instances } else { cli.in_flight };
    let mut next = 1;
    while next <= cli.instances.min(window) {
        start(next);
        next += 1;
    }
    let mut decided = BTreeMap::new();
    // Finished here: decided, learned, finished before this start, or stopped.
    let mut finished = BTreeSet::new();
    // Wall clock of the last decision in this run (0: none), for harnesses
    // that time a cluster of processes.
    let mut done_at = None;
    let deadline = tokio::time::Instant::now() + Duration::from_secs_f64(cli.deadline);
    while (finished.len() as u64) < cli.instances {
        let Ok(Some((inst, o))) = tokio::time::timeout_at(deadline, rx.recv()).await else { break };
        match o {
            Outcome::Decided(v) | Outcome::Learned(v) => {
                let how = if matches!(o, Outcome::Decided(_)) { "decided" } else { "learned" };
                println!("instance {inst}: {how} {v} (proposed {})", value(inst));
                decided.insert(inst, v);
                done_at = Some(std::time::SystemTime::now());
            }
            // Finished in an earlier incarnation, unless joined lazily and reported above.
            Outcome::Rejected(r) if r.contains("already finished") => {
                if !finished.contains(&inst) {
                    println!("instance {inst}: finished before this start");
                }
            }
            // Joined lazily before this replica started it: that one reports.
            Outcome::Rejected(_) => continue,
            other => println!("instance {inst}: {other:?}"),
        }
        if finished.insert(inst) && next <= cli.instances {
            start(next);
            next += 1;
        }
    }
    tokio::time::sleep(Duration::from_secs_f64(cli.linger)).await;
    let s = node.stats();
    println!(
        "replica {me}: {}/{} instances finished, {} decided or learned in this run; done_unix_ms={} rounds={} timeouts={} msgs_sent={} packets_sent={}",
        finished.len(),
        cli.instances,
        decided.len(),
        done_at.and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok()).map_or(0, |d| d.as_millis()),
        s.rounds,
        s.timeouts,
        s.msgs_sent,
        s.packets_sent
    );
    node.shutdown();
    if (finished.len() as u64) < cli.instances {
        std::process::exit(1);
    }
}
