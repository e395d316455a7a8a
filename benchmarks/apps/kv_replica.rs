//! A replica of the replicated key-value log (`psync::service::ReplicatedLog`)
//! with a line protocol for clients over TCP, on the replica's address,
//! port + 1000 (or `--client`):
//!
//! ```text
//! put KEY VALUE    ->  ok               (once this replica applied it)
//! get KEY BARRIER  ->  value V | none   (after a barrier request through the log)
//!                  ->  error MESSAGE
//! register TAG     ->  session TAG 0 CLIENT | fail TAG 0 MESSAGE
//! exec CLIENT SEQ KEY VALUE  ->  done CLIENT SEQ SLOT | fail CLIENT SEQ MESSAGE
//! ```
//!
//! `register` registers a new client session through the log and answers
//! its id (TAG only names the answer on this connection). `exec` is request
//! SEQ (from 1) of client session CLIENT (one request at a time per
//! session: the log keeps the session's latest reply): it takes effect
//! once however often it is sent, at this replica or another, and a copy
//! gets the first one's slot. The log keeps the most recently used
//! sessions (`psync::service::MAX_SESSIONS`): a request of a session it
//! evicted fails, and is not applied. A connection may send many requests without
//! waiting; replies come as requests are applied, not in order.
//!
//! A get submits the request (`u32::MAX`, BARRIER) and, once this replica
//! applied it, reads KEY from its map, so it sees every put that completed
//! before the get was sent; BARRIER must be unique, as must every put's
//! (KEY, VALUE). Every second the replica prints what it applied
//! (`applied slots=S requests=R digest=D`): two replicas that applied as many
//! slots have the same digest when they applied the same log.
//!
//! `kv-replica --config benchmarks/apps/cluster.toml --id 0`
mod common;

use clap::Parser;
use common::{ReplicaArgs, fail};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

#[derive(Parser, Debug)]
#[command(about = "Run one replica of the replicated key-value log")]
struct Cli {
    #[command(flatten)]
    replica: ReplicaArgs,
    /// Client address (default: the replica's address, port + 1000).
    #[arg(long)]
    client: Option<SocketAddr>,
    /// Most requests in one slot's batch.
    #[arg(long, default_value_t = 100)]
    batch: usize,
    /// Most slots the leader runs at once.
    #[arg(long, default_value_t = 8)]
    in_flight: usize,
    /// A follower forwards a request again when it was not applied after
    /// this many ms (the service's default when absent).
    #[arg(long)]
    resend_ms: Option<u64>,
}

/// Everything this binary asks of the log service, in one place.
mod kv {
    use psync::config::Config;
    use psync::dsl::ProcessId;
    use psync::engine::Node;
    use psync::service::{ClientRequest, LogOptions, ReplicatedLog, Request};
    use std::time::Duration;

    /// The key of get barriers: no put may use it.
    pub const BARRIER_KEY: u32 = u32::MAX;

    fn request(key: u32, value: u64) -> Request {
        let mut r = [0u8; 12];
        r[..4].copy_from_slice(&key.to_le_bytes());
        r[4..].copy_from_slice(&value.to_le_bytes());
        r
    }

    /// One replica of the log, seen as a key-value store.
    #[derive(Clone)]
    pub struct Kv(ReplicatedLog);

    impl Kv {
        pub async fn start(cfg: &Config, me: ProcessId, batch: usize, in_flight: usize, resend: Option<Duration>) -> Result<Kv, String> {
            let mut opts = LogOptions { batch, in_flight, ..LogOptions::default() };
            if let Some(r) = resend {
                opts.resend = r;
            }
            let log = ReplicatedLog::start(me, opts, |h| Node::from_config(cfg, me, h)).await.map_err(|e| e.to_string())?;
            Ok(Kv(log))
        }

        /// Writes `value` under `key`; returns once this replica applied it.
        pub async fn put(&self, key: u32, value: u64) -> Result<(), String> {
            if key == BARRIER_KEY {
                return Err(format!("key {BARRIER_KEY} is reserved for get barriers"));
            }
            self.0.submit(request(key, value)).await.map(|_| ()).map_err(|e| e.to_string())
        }

        /// Request `seq` of client session `client`: writes `value` under
        /// `key` once; returns the slot it took effect in.
        pub async fn exec(&self, client: u64, seq: u64, key: u32, value: u64) -> Result<u64, String> {
            if key == BARRIER_KEY {
                return Err(format!("key {BARRIER_KEY} is reserved for get barriers"));
            }
            let r = ClientRequest::new(client, seq, request(key, value));
            self.0.submit_request(r).await.map(|reply| reply.slot).map_err(|e| e.to_string())
        }

        /// Registers a new client session; its id.
        pub async fn register(&self) -> Result<u64, String> {
            self.0.register().await.map_err(|e| e.to_string())
        }

        /// Reads `key` after the barrier request `barrier` went through the log.
        pub async fn get(&self, key: u32, barrier: u64) -> Result<Option<u64>, String> {
            self.0.submit(request(BARRIER_KEY, barrier)).await.map_err(|e| e.to_string())?;
            // No await between the barrier's application and the read.
            Ok(self.0.applied().kv.get(&key).copied())
        }

        /// Slots applied from the data directory at start.
        pub fn recovered(&self) -> u64 {
            self.0.stats().recovered
        }

        /// Slots and requests applied here, and the digest of the applied log.
        pub fn progress(&self) -> (u64, u64, u64) {
            let a = self.0.applied();
            (a.slots, a.requests, a.digest)
        }
    }
}

/// Answers one request line.
async fn answer(kv: &kv::Kv, line: &str) -> String {
    let w: Vec<&str> = line.split_whitespace().collect();
    let num = |i: usize| w.get(i).and_then(|s| s.parse::<u64>().ok());
    if w.first() == Some(&"register") && w.len() == 2 {
        return match num(1) {
            Some(tag) => match kv.register().await {
                Ok(id) => format!("session {tag} 0 {id}"),
                Err(e) => format!("fail {tag} 0 {e}"),
            },
            None => format!("error expected `register TAG`, got {line:?}"),
        };
    }
    if w.first() == Some(&"exec") && w.len() == 5 {
        return match (num(1), num(2), num(3).and_then(|k| u32::try_from(k).ok()), num(4)) {
            (Some(c), Some(q), Some(k), Some(v)) => match kv.exec(c, q, k, v).await {
                Ok(slot) => format!("done {c} {q} {slot}"),
                Err(e) => format!("fail {c} {q} {e}"),
            },
            _ => format!("error expected `exec CLIENT SEQ KEY VALUE`, got {line:?}"),
        };
    }
    match (w.first().copied(), num(1).and_then(|k| u32::try_from(k).ok()), num(2)) {
        (Some("put"), Some(k), Some(v)) if w.len() == 3 => match kv.put(k, v).await {
            Ok(()) => "ok".into(),
            Err(e) => format!("error {e}"),
        },
        (Some("get"), Some(k), Some(b)) if w.len() == 3 => match kv.get(k, b).await {
            Ok(Some(v)) => format!("value {v}"),
            Ok(None) => "none".into(),
            Err(e) => format!("error {e}"),
        },
        _ => format!("error expected `put KEY VALUE`, `get KEY BARRIER`, `register TAG` or `exec CLIENT SEQ KEY VALUE`, got {line:?}"),
    }
}

/// Most requests of one connection being answered at once: a client that
/// sends more waits (TCP backpressure) until some are answered.
const MAX_PIPELINED: usize = 4096;

/// Serves one client connection: every request line is answered as soon
/// as it can be (a client with one request at a time gets its replies in
/// order; one that pipelines matches them by their ids).
async fn serve(kv: kv::Kv, stream: TcpStream) {
    let (r, w) = stream.into_split();
    let (tx, mut rx) = tokio::sync::mpsc::channel::<String>(MAX_PIPELINED);
    let writer = tokio::spawn(async move {
        let mut w = tokio::io::BufWriter::new(w);
        while let Some(reply) = rx.recv().await {
            let mut ok = w.write_all(reply.as_bytes()).await.is_ok();
            // Everything ready goes out in one write.
            while let Ok(more) = rx.try_recv() {
                ok = ok && w.write_all(more.as_bytes()).await.is_ok();
            }
            if !ok || w.flush().await.is_err() {
                return;
            }
        }
    });
    let permits = std::sync::Arc::new(tokio::sync::Semaphore::new(MAX_PIPELINED));
    let mut lines = BufReader::new(r).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        let Ok(permit) = permits.clone().acquire_owned().await else { break };
        let (kv, tx) = (kv.clone(), tx.clone());
        tokio::spawn(async move {
            let mut reply = answer(&kv, &line).await;
            reply.push('\n');
            let _ = tx.send(reply).await;
            drop(permit);
        });
    }
    drop(tx);
    let _ = writer.await;
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
    let listener = TcpListener::bind(client).await.unwrap_or_else(|e| fail(format!("client address {client}: {e}")));
    let kv = kv::Kv::start(&cfg, me, cli.batch, cli.in_flight, cli.resend_ms.map(Duration::from_millis)).await.unwrap_or_else(|e| fail(e));
    println!("kv replica {me}: peers on {mine}, clients on {client}; {} slots recovered from its data directory", kv.recovered());
    let progress = kv.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        loop {
            tick.tick().await;
            let (slots, requests, digest) = progress.progress();
            println!("applied slots={slots} requests={requests} digest={digest:016x}");
        }
    });
    loop {
        tokio::select! {
            acc = listener.accept() => if let Ok((s, _)) = acc {
                let _ = s.set_nodelay(true);
                tokio::spawn(serve(kv.clone(), s));
            },
            _ = tokio::signal::ctrl_c() => break,
        }
    }
    let (slots, requests, digest) = kv.progress();
    println!("applied slots={slots} requests={requests} digest={digest:016x}");
}
