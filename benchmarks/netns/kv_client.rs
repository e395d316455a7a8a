//! Clients of the key-value log replicas (`kv-replica`), for the network
//! namespace harness: `--clients` clients in this process, each calling
//! puts and gets one at a time on its replica (client c starts on replica
//! c mod n and moves to the next replica when its replica does not answer),
//! and the history they saw written to `--history`, one operation a line:
//!
//! ```text
//! CLIENT KEY CALL RET put VALUE     RET: ns since start, or `-` (no answer)
//! CLIENT KEY CALL RET get READ      READ: a value, `none`, or `-` (no answer)
//! ```
//!
//! Every put writes a value never written before. An operation without an
//! answer (timeout, lost connection, an `error` reply) may or may not have
//! taken effect; the client goes on with a new operation. Times are taken on
//! this process's monotonic clock just before the request is sent and just
//! after its answer arrived.
//!
//! `netns-kv-client --replicas 10.77.0.1:5440,10.77.0.2:5441 --clients 8 --seconds 20 --history h.txt`

use clap::Parser;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};

#[derive(Parser, Debug)]
#[command(about = "Drive kv-replica clients and record their history")]
struct Cli {
    /// The replicas' client addresses, comma-separated.
    #[arg(long, value_delimiter = ',', required = true)]
    replicas: Vec<SocketAddr>,
    /// Concurrent clients.
    #[arg(long, default_value_t = 8)]
    clients: usize,
    /// Seconds to run.
    #[arg(long, default_value_t = 20.0)]
    seconds: f64,
    /// Keys (0..keys).
    #[arg(long, default_value_t = 4)]
    keys: u32,
    /// Probability that an operation is a put.
    #[arg(long, default_value_t = 0.5)]
    put_ratio: f64,
    /// An operation not answered within this many ms is left without an answer.
    #[arg(long, default_value_t = 3000)]
    op_timeout_ms: u64,
    /// Where to write the history.
    #[arg(long)]
    history: std::path::PathBuf,
    /// Seed of the workload.
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

/// One operation: its call and return (ns since `t0`), what it did and read.
struct Record {
    client: usize,
    key: u32,
    call: u64,
    ret: Option<u64>,
    put: Option<u64>,
    read: Option<Option<u64>>,
}

type Conn = (Lines<BufReader<OwnedReadHalf>>, OwnedWriteHalf);

async fn connect(addr: SocketAddr) -> Option<Conn> {
    let s = tokio::time::timeout(Duration::from_secs(1), TcpStream::connect(addr)).await.ok()?.ok()?;
    let _ = s.set_nodelay(true);
    let (r, w) = s.into_split();
    Some((BufReader::new(r).lines(), w))
}

/// Sends `line` and waits for the answer line.
async fn call(conn: &mut Conn, line: &str, timeout: Duration) -> Option<String> {
    conn.1.write_all(line.as_bytes()).await.ok()?;
    tokio::time::timeout(timeout, conn.0.next_line()).await.ok()?.ok()?
}

async fn client(c: usize, cli: Arc<Cli>, t0: Instant, history: Arc<Mutex<Vec<Record>>>) {
    let mut rng = StdRng::seed_from_u64(cli.seed.wrapping_mul(7919).wrapping_add(c as u64));
    let deadline = t0 + Duration::from_secs_f64(cli.seconds);
    let timeout = Duration::from_millis(cli.op_timeout_ms);
    let mut replica = c % cli.replicas.len();
    let mut conn: Option<Conn> = None;
    let mut seq = 0u64;
    while Instant::now() < deadline {
        if conn.is_none() {
            conn = connect(cli.replicas[replica]).await;
            if conn.is_none() {
                replica = (replica + 1) % cli.replicas.len();
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        }
        let Some(cn) = conn.as_mut() else { continue };
        seq += 1;
        let unique = ((c as u64 + 1) << 32) | seq;
        let key = rng.random_range(0..cli.keys);
        let put = rng.random_bool(cli.put_ratio);
        let line = if put { format!("put {key} {unique}\n") } else { format!("get {key} {unique}\n") };
        let call_t = t0.elapsed().as_nanos() as u64;
        let answer = call(cn, &line, timeout).await;
        let ret_t = t0.elapsed().as_nanos() as u64;
        let read = match answer.as_deref().map(str::split_whitespace).map(|w| w.collect::<Vec<_>>()).as_deref() {
            Some(["ok"]) if put => Some(None),
            Some(["none"]) if !put => Some(None),
            Some(["value", v]) if !put => v.parse().ok().map(Some),
            _ => None,
        };
        let ret = read.map(|_| ret_t);
        history.lock().unwrap_or_else(|e| e.into_inner()).push(Record { client: c, key, call: call_t, ret, put: put.then_some(unique), read });
        if ret.is_none() {
            // No answer: this replica may be down or behind; try the next one.
            conn = None;
            replica = (replica + 1) % cli.replicas.len();
        }
    }
}

fn write_history(path: &std::path::Path, h: &[Record]) -> std::io::Result<()> {
    let mut s = String::new();
    for r in h {
        let ret = r.ret.map_or("-".to_string(), |t| t.to_string());
        let what = match (r.put, r.read) {
            (Some(v), _) => format!("put {v}"),
            (None, Some(Some(v))) => format!("get {v}"),
            (None, Some(None)) => "get none".to_string(),
            (None, None) => "get -".to_string(),
        };
        let _ = writeln!(s, "{} {} {} {ret} {what}", r.client, r.key, r.call);
    }
    std::fs::write(path, s)
}

#[tokio::main]
async fn main() {
    let cli = Arc::new(Cli::parse());
    let t0 = Instant::now();
    let history = Arc::new(Mutex::new(Vec::new()));
    let tasks: Vec<_> = (0..cli.clients).map(|c| tokio::spawn(client(c, cli.clone(), t0, history.clone()))).collect();
    for t in tasks {
        let _ = t.await;
    }
    let secs = t0.elapsed().as_secs_f64();
    let mut h = std::mem::take(&mut *history.lock().unwrap_or_else(|e| e.into_inner()));
    h.sort_by_key(|r| r.call);
    if let Err(e) = write_history(&cli.history, &h) {
        eprintln!("error: {}: {e}", cli.history.display());
        std::process::exit(2);
    }
    let mut lat: Vec<u64> = h.iter().filter_map(|r| r.ret.map(|t| t - r.call)).collect();
    lat.sort_unstable();
    let pct = |p: f64| lat.get(((lat.len() as f64 * p) as usize).min(lat.len().saturating_sub(1))).map_or(0.0, |&ns| ns as f64 / 1e6);
    println!(
        "clients={} operations={} answered={} secs={secs:.1} answered_per_s={:.0} latency_ms_p50={:.1} latency_ms_p99={:.1}",
        cli.clients,
        h.len(),
        lat.len(),
        lat.len() as f64 / secs,
        pct(0.5),
        pct(0.99)
    );
}
