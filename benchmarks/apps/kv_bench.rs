//! Load for the key-value log replicas (`kv-replica`) through their client
//! protocol over TCP, shaped like `etcd-bench`: `--in-flight` requests
//! outstanding in total, spread over `--conns` connections to every
//! replica, for `--seconds`. Each request in flight is a client session of
//! its own, registered first (`register TAG`), then one request at a time
//! (`exec CLIENT SEQ KEY VALUE`), so the log applies it exactly once, and a
//! request not answered within `--retry-ms` is sent again unchanged (its
//! copies take effect once). Prints requests answered per second and the latency of
//! each (from its first send to its answer), p50 and p99.
//!
//! `kv-bench --replicas 127.0.0.1:5440,127.0.0.1:5441,127.0.0.1:5442 --in-flight 1000 --seconds 5`

use clap::Parser;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot};

#[derive(Parser, Debug)]
#[command(about = "Requests per second and latency of the key-value log through its client protocol")]
struct Cli {
    /// The replicas' client addresses (loopback), comma-separated.
    #[arg(long, value_delimiter = ',', required = true)]
    replicas: Vec<SocketAddr>,
    /// Connections per replica.
    #[arg(long, default_value_t = 4)]
    conns: usize,
    /// Requests in flight in total (one client session each).
    #[arg(long, default_value_t = 1000)]
    in_flight: usize,
    /// Seconds to measure.
    #[arg(long, default_value_t = 3.0)]
    seconds: f64,
    /// A request not answered after this many ms is sent again.
    #[arg(long, default_value_t = 5000)]
    retry_ms: u64,
}

/// A request's answer: its slot, or why it failed.
type Answer = Result<u64, String>;
/// Requests sent on one connection and not answered yet.
type Waiting = Arc<Mutex<HashMap<(u64, u64), oneshot::Sender<Answer>>>>;

/// One connection: lines to send, and the requests waiting for answers.
#[derive(Clone)]
struct Conn {
    tx: mpsc::UnboundedSender<String>,
    waiting: Waiting,
}

async fn connect(addr: SocketAddr) -> Result<Conn, String> {
    let tcp = TcpStream::connect(addr).await.map_err(|e| format!("{addr}: {e}"))?;
    let _ = tcp.set_nodelay(true);
    let (r, w) = tcp.into_split();
    let (tx, mut rx) = mpsc::unbounded_channel::<String>();
    tokio::spawn(async move {
        let mut w = tokio::io::BufWriter::new(w);
        while let Some(line) = rx.recv().await {
            let mut ok = w.write_all(line.as_bytes()).await.is_ok();
            while let Ok(more) = rx.try_recv() {
                ok = ok && w.write_all(more.as_bytes()).await.is_ok();
            }
            if !ok || w.flush().await.is_err() {
                return;
            }
        }
    });
    let waiting: Waiting = Arc::default();
    let wt = waiting.clone();
    tokio::spawn(async move {
        let mut lines = BufReader::new(r).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            let w: Vec<&str> = line.splitn(4, ' ').collect();
            let id = |i: usize| w.get(i).and_then(|s| s.parse::<u64>().ok());
            let (Some(c), Some(q)) = (id(1), id(2)) else {
                eprintln!("kv-bench: unexpected reply {line:?}");
                continue;
            };
            let answer = match w[0] {
                "done" | "session" => id(3).ok_or_else(|| format!("reply without a slot: {line:?}")),
                _ => Err(w.get(3).unwrap_or(&"").to_string()),
            };
            if let Some(t) = wt.lock().unwrap_or_else(|e| e.into_inner()).remove(&(c, q)) {
                let _ = t.send(answer);
            }
        }
    });
    Ok(Conn { tx, waiting })
}

/// Sends request `seq` of session `client` until it is answered.
async fn request(conn: &Conn, client: u64, seq: u64, retry: Duration) -> Answer {
    let line = format!("exec {client} {seq} {} {seq}\n", client as u32 & 0x7fff_ffff);
    exchange(conn, (client, seq), line, retry).await
}

/// Registers a session (`tag` tells this connection's registrations apart);
/// its id. A retried registration may register a second session, which the
/// log evicts in time.
async fn register(conn: &Conn, tag: u64, retry: Duration) -> Answer {
    exchange(conn, (tag, 0), format!("register {tag}\n"), retry).await
}

/// Sends `line` until the answer named `key` comes.
async fn exchange(conn: &Conn, key: (u64, u64), line: String, retry: Duration) -> Answer {
    let (client, seq) = key;
    loop {
        let (t, r) = oneshot::channel();
        conn.waiting.lock().unwrap_or_else(|e| e.into_inner()).insert((client, seq), t);
        conn.tx.send(line.clone()).map_err(|_| "connection closed".to_string())?;
        match tokio::time::timeout(retry, r).await {
            Ok(Ok(a)) => return a,
            Ok(Err(_)) => return Err("connection closed".into()),
            Err(_) => continue,
        }
    }
}

fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i] as f64 / 1000.0
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let cli = Cli::parse();
    if cli.replicas.iter().any(|a| !a.ip().is_loopback()) {
        eprintln!("error: --replicas must list loopback addresses");
        std::process::exit(2);
    }
    let mut conns = Vec::new();
    for &a in &cli.replicas {
        for _ in 0..cli.conns.max(1) {
            match connect(a).await {
                Ok(c) => conns.push(c),
                Err(e) => {
                    eprintln!("error: {e}");
                    std::process::exit(1);
                }
            }
        }
    }
    let failed = Arc::new(AtomicU64::new(0));
    let retry = Duration::from_millis(cli.retry_ms);
    let start = Instant::now();
    let deadline = start + Duration::from_secs_f64(cli.seconds);
    let mut hs = Vec::new();
    for s in 0..cli.in_flight.max(1) {
        let conn = conns[s % conns.len()].clone();
        let failed = failed.clone();
        hs.push(tokio::spawn(async move {
            let mut lat: Vec<u32> = Vec::new();
            let client = match register(&conn, s as u64, retry).await {
                Ok(id) => id,
                Err(e) => {
                    if failed.fetch_add(1, Ordering::Relaxed) == 0 {
                        eprintln!("kv-bench: registration {s}: {e}");
                    }
                    return lat;
                }
            };
            let mut seq = 0;
            while Instant::now() < deadline {
                seq += 1;
                let t = Instant::now();
                match request(&conn, client, seq, retry).await {
                    Ok(_) => lat.push(t.elapsed().as_micros().min(u32::MAX as u128) as u32),
                    Err(e) => {
                        if failed.fetch_add(1, Ordering::Relaxed) == 0 {
                            eprintln!("kv-bench: client {client} request {seq}: {e}");
                        }
                        return lat;
                    }
                }
            }
            lat
        }));
    }
    let mut lat = Vec::new();
    for h in hs {
        if let Ok(Ok(l)) = tokio::time::timeout(Duration::from_secs(30), h).await {
            lat.extend(l);
        }
    }
    let secs = start.elapsed().as_secs_f64();
    lat.sort_unstable();
    println!(
        "system=psync in_flight={} conns={} requests={} secs={secs:.2} requests_per_s={:.0} p50_ms={:.2} p99_ms={:.2} failed={}",
        cli.in_flight,
        conns.len(),
        lat.len(),
        lat.len() as f64 / secs,
        percentile(&lat, 0.50),
        percentile(&lat, 0.99),
        failed.load(Ordering::Relaxed),
    );
}
