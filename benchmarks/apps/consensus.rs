//! Runs OTR or LastVoting (the verified spec files) natively: one replica per
//! process, from a TOML config and `--id`. Each replica proposes a value for
//! instances 1..=k, joins instances started by others through its default
//! handler, prints the decisions, then stays a moment so that late replicas
//! can learn from its decision log.
//!
//! `psync-consensus --config benchmarks/apps/cluster.toml --id 0 --algorithm otr --instances 5`
mod common;

use clap::Parser;
use common::{ReplicaArgs, fail};
use psync::engine::{DefaultAction, Node, Outcome, Starter, UnknownMessage};
use psync::prelude::*;
use psync_benchmarks::{last_voting::LastVoting, otr::Otr};
use std::collections::BTreeMap;
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
}

type Report = (u64, Outcome<i64>);

fn starter<P: Process<Io = Consensus<i64>>>(id: u64, value: i64, tx: &UnboundedSender<Report>) -> Starter {
    let tx = tx.clone();
    Starter::new::<P>(Consensus::new(value), move |o| {
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
    for inst in 1..=cli.instances {
        let tx = tx.clone();
        let report = move |o| {
            let _ = tx.send((inst, o));
        };
        if lv {
            node.start_instance::<LastVoting>(inst, Consensus::new(value(inst)), report);
        } else {
            node.start_instance::<Otr>(inst, Consensus::new(value(inst)), report);
        }
    }
    let mut decided = BTreeMap::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs_f64(cli.deadline);
    while (decided.len() as u64) < cli.instances {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some((inst, o))) => match o {
                Outcome::Decided(v) | Outcome::Learned(v) => {
                    let how = if matches!(o, Outcome::Decided(_)) { "decided" } else { "learned" };
                    println!("instance {inst}: {how} {v} (proposed {})", value(inst));
                    decided.insert(inst, v);
                }
                // Joined lazily before this replica started it: that one reports.
                Outcome::Rejected(_) => {}
                other => println!("instance {inst}: {other:?}"),
            },
            _ => break,
        }
    }
    tokio::time::sleep(Duration::from_secs_f64(cli.linger)).await;
    let s = node.stats();
    println!(
        "replica {me}: {}/{} instances decided; rounds={} timeouts={} msgs_sent={} packets_sent={}",
        decided.len(),
        cli.instances,
        s.rounds,
        s.timeouts,
        s.msgs_sent,
        s.packets_sent
    );
    node.shutdown();
    if (decided.len() as u64) < cli.instances {
        std::process::exit(1);
    }
}
