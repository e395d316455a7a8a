//! Puts into an etcd 3.4 cluster through its gRPC API (`etcdserverpb.KV/Put`
//! over plaintext HTTP/2), with many requests in flight over a few
//! connections to every member: the same workload as psync's replicated log
//! (12-byte requests: an 8-byte key and a 4-byte value), measured the same
//! way (requests acknowledged per second, and the latency of each put from
//! its send to its answer, p50 and p99).
//!
//! `etcd-bench --endpoints 127.0.0.1:23790,127.0.0.1:23791 --in-flight 2000 --seconds 3`

use bytes::{Buf, BufMut, Bytes, BytesMut};
use clap::Parser;
use h2::client::SendRequest;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::net::TcpStream;

#[derive(Parser, Debug)]
struct Cli {
    /// Client endpoints of the members (loopback only), comma-separated.
    #[arg(long, value_delimiter = ',')]
    endpoints: Vec<SocketAddr>,
    /// HTTP/2 connections per endpoint.
    #[arg(long, default_value_t = 4)]
    conns: usize,
    /// Puts in flight in total.
    #[arg(long, default_value_t = 1000)]
    in_flight: usize,
    /// Seconds to measure.
    #[arg(long, default_value_t = 3.0)]
    seconds: f64,
    /// Client worker threads (1: single-threaded).
    #[arg(long, default_value_t = 1)]
    threads: usize,
}

/// `PutRequest { key = 1, value = 2 }` in protobuf, framed for gRPC.
fn put_frame(key: &[u8; 8], value: &[u8; 4]) -> Bytes {
    let mut pb = BytesMut::with_capacity(16);
    pb.put_u8(0x0a);
    pb.put_u8(key.len() as u8);
    pb.put_slice(key);
    pb.put_u8(0x12);
    pb.put_u8(value.len() as u8);
    pb.put_slice(value);
    let mut f = BytesMut::with_capacity(5 + pb.len());
    f.put_u8(0);
    f.put_u32(pb.len() as u32);
    f.put_slice(&pb);
    f.freeze()
}

async fn connect(addr: SocketAddr) -> Result<SendRequest<Bytes>, String> {
    let tcp = TcpStream::connect(addr).await.map_err(|e| format!("{addr}: {e}"))?;
    let _ = tcp.set_nodelay(true);
    let (client, conn) = h2::client::handshake(tcp).await.map_err(|e| format!("{addr}: HTTP/2 handshake: {e}"))?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    Ok(client)
}

/// One put; `Ok` when etcd answered with gRPC status 0.
async fn put(client: SendRequest<Bytes>, authority: &str, frame: Bytes) -> Result<(), String> {
    let req = http::Request::builder()
        .method("POST")
        .uri(format!("http://{authority}/etcdserverpb.KV/Put"))
        .header("content-type", "application/grpc")
        .header("te", "trailers")
        .body(())
        .map_err(|e| e.to_string())?;
    let mut client = client.ready().await.map_err(|e| e.to_string())?;
    let (resp, mut stream) = client.send_request(req, false).map_err(|e| e.to_string())?;
    stream.send_data(frame, true).map_err(|e| e.to_string())?;
    let resp = resp.await.map_err(|e| e.to_string())?;
    let (head, mut body) = resp.into_parts();
    let mut got = 0usize;
    while let Some(chunk) = body.data().await {
        let chunk = chunk.map_err(|e| e.to_string())?;
        got += chunk.remaining();
        let _ = body.flow_control().release_capacity(chunk.len());
    }
    let trailers = body.trailers().await.map_err(|e| e.to_string())?;
    let status = trailers
        .as_ref()
        .and_then(|t| t.get("grpc-status"))
        .or_else(|| head.headers.get("grpc-status"))
        .and_then(|v| v.to_str().ok())
        .unwrap_or("missing");
    if status == "0" && got > 0 { Ok(()) } else { Err(format!("grpc-status {status} ({got} bytes)")) }
}

fn main() {
    let cli = Cli::parse();
    let rt = if cli.threads <= 1 {
        tokio::runtime::Builder::new_current_thread().enable_all().build()
    } else {
        tokio::runtime::Builder::new_multi_thread().worker_threads(cli.threads).enable_all().build()
    };
    rt.expect("tokio runtime").block_on(bench(cli));
}

async fn bench(cli: Cli) {
    if cli.endpoints.is_empty() || cli.endpoints.iter().any(|a| !a.ip().is_loopback()) {
        eprintln!("error: --endpoints must list loopback addresses");
        std::process::exit(2);
    }
    let mut clients = Vec::new();
    for &a in &cli.endpoints {
        for _ in 0..cli.conns.max(1) {
            match connect(a).await {
                Ok(c) => clients.push((c, a.to_string())),
                Err(e) => {
                    eprintln!("error: {e}");
                    std::process::exit(1);
                }
            }
        }
    }
    let done = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let first_error = Arc::new(std::sync::Mutex::new(None::<String>));
    let start = Instant::now();
    let deadline = start + Duration::from_secs_f64(cli.seconds);
    let mut hs = Vec::new();
    for w in 0..cli.in_flight.max(1) {
        let (client, authority) = clients[w % clients.len()].clone();
        let (done, failed, first_error) = (done.clone(), failed.clone(), first_error.clone());
        hs.push(tokio::spawn(async move {
            let mut seq = 0u32;
            let mut lat: Vec<u32> = Vec::new();
            while Instant::now() < deadline {
                seq += 1;
                let key = (((w as u64) << 32) | seq as u64).to_be_bytes();
                let t = Instant::now();
                match put(client.clone(), &authority, put_frame(&key, &seq.to_le_bytes())).await {
                    Ok(()) => {
                        lat.push(t.elapsed().as_micros().min(u32::MAX as u128) as u32);
                        done.fetch_add(1, Ordering::Relaxed)
                    }
                    Err(e) => {
                        // A failed connection stays failed: this client stops.
                        first_error.lock().unwrap_or_else(|p| p.into_inner()).get_or_insert(e);
                        failed.fetch_add(1, Ordering::Relaxed);
                        return lat;
                    }
                };
            }
            lat
        }));
    }
    let mut lat = Vec::new();
    for h in hs {
        if let Ok(Ok(l)) = tokio::time::timeout(Duration::from_secs(10), h).await {
            lat.extend(l);
        }
    }
    let secs = start.elapsed().as_secs_f64();
    lat.sort_unstable();
    let pct = |p: f64| match lat.len() {
        0 => f64::NAN,
        n => lat[((n as f64 * p).ceil() as usize).clamp(1, n) - 1] as f64 / 1000.0,
    };
    let (d, f) = (done.load(Ordering::Relaxed), failed.load(Ordering::Relaxed));
    println!(
        "system=etcd-3.4 members={} conns={} in_flight={} requests={d} failed={f} secs={secs:.2} requests_per_s={:.0} p50_ms={:.2} p99_ms={:.2}",
        cli.endpoints.len(),
        clients.len(),
        cli.in_flight,
        d as f64 / secs,
        pct(0.50),
        pct(0.99),
    );
    if let Some(e) = first_error.lock().unwrap_or_else(|p| p.into_inner()).take() {
        eprintln!("first error: {e}");
    }
    if d == 0 {
        std::process::exit(1);
    }
}
