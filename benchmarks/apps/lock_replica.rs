//! A lock-manager replica: answers `acquire`/`release` datagrams from clients
//! after one consensus instance (OTR or LastVoting) per request.
//!
//! `lock-replica --config benchmarks/apps/cluster.toml --id 0 --algorithm otr`
//! listens for clients on the replica's port + 1000 (or `--client`).
mod common;

use clap::Parser;
use common::{ReplicaArgs, fail};
use psync::engine::Node;
use psync::service::LockServer;
use psync_benchmarks::{last_voting::LastVoting, otr::Otr};
use std::net::SocketAddr;
use std::time::Duration;

#[derive(Parser, Debug)]
#[command(about = "Run one replica of the replicated lock manager")]
struct Cli {
    #[command(flatten)]
    replica: ReplicaArgs,
    /// Client address (default: the replica's address, port + 1000).
    #[arg(long)]
    client: Option<SocketAddr>,
    /// Stop after this many seconds (0: run until killed).
    #[arg(long, default_value_t = 0.0)]
    seconds: f64,
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let cli = Cli::parse();
    let (cfg, me) = cli.replica.load().unwrap_or_else(|e| fail(e));
    let addrs = cfg.addresses().unwrap_or_else(|e| fail(e));
    let mine = addrs[me.index()];
    let client = cli.client.unwrap_or_else(|| {
        let port = mine.port().checked_add(1000).unwrap_or_else(|| fail("replica port + 1000 overflows: pass --client"));
        SocketAddr::new(mine.ip(), port)
    });
    let server = match cli.replica.algorithm.as_str() {
        "otr" => LockServer::start::<Otr, _, _>(client, |h| Node::from_config(&cfg, me, h)).await,
        _ => LockServer::start::<LastVoting, _, _>(client, |h| Node::from_config(&cfg, me, h)).await,
    }
    .unwrap_or_else(|e| fail(e));
    println!("lock replica {me} ({}): peers on {mine}, clients on {}", cli.replica.algorithm, server.client_addr());
    if cli.seconds > 0.0 {
        tokio::time::sleep(Duration::from_secs_f64(cli.seconds)).await;
    } else {
        let _ = tokio::signal::ctrl_c().await;
    }
    let st = server.state();
    println!("lock replica {me}: {} operations applied, owner {:?}", st.slots, st.owner);
    server.shutdown();
}
