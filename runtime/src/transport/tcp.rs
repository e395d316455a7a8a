//! TCP: one outgoing connection per peer carrying length-prefixed frames
//! (u32 big-endian length, then one packet), reconnecting with backoff; a
//! listener accepting the peers' connections.
//!
//! Everything is bounded: frames larger than `max_frame` are neither sent
//! nor accepted (an incoming one closes its connection), at most
//! `max_connections` incoming connections are open at once (more are closed
//! on accept), and each peer's send queue holds at most `send_queue_bytes`:
//! packets for a slow or unreachable peer beyond that are dropped and
//! counted, which the round model tolerates as message loss.

use crate::config::Options;
use crate::dsl::ProcessId;
use crate::engine::Stats;
use crate::engine::budget::ByteBudget;
use crate::transport::{Inbound, Transport};
use bytes::Bytes;
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt, BufWriter};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinHandle;

/// Packets kept while a peer is unreachable; older ones are dropped.
const PENDING_CAP: usize = 1024;
/// What a queued packet costs beyond its bytes.
const PACKET_OVERHEAD: usize = 64;
/// The read buffer of one incoming connection.
const READ_BUFFER: usize = 64 * 1024;
/// The write buffer of one outgoing connection.
const WRITE_BUFFER: usize = 256 * 1024;

/// One peer's send queue and its byte budget.
struct Peer {
    tx: UnboundedSender<Bytes>,
    budget: ByteBudget,
}

/// TCP connections to every peer and a listener.
pub struct TcpTransport {
    peers: Vec<Option<Peer>>,
    max_frame: usize,
    stats: Arc<Stats>,
    tasks: Arc<Mutex<Vec<JoinHandle<()>>>>,
    local: SocketAddr,
}

impl TcpTransport {
    /// Listens on `peers[me]`, connects to the others, within the limits of
    /// `opts` (`max_frame`, `max_connections`, `send_queue_bytes`).
    pub async fn bind(me: ProcessId, peers: Vec<SocketAddr>, inbound: Inbound, opts: &Options, stats: Arc<Stats>) -> std::io::Result<TcpTransport> {
        let invalid = |m: String| std::io::Error::new(std::io::ErrorKind::InvalidInput, m);
        let addr = *peers.get(me.index()).ok_or_else(|| invalid("no address for this replica".into()))?;
        if opts.max_connections < peers.len() - 1 {
            return Err(invalid(format!("max_connections = {} is less than the {} peers", opts.max_connections, peers.len() - 1)));
        }
        let listener = TcpListener::bind(addr).await?;
        let local = listener.local_addr()?;
        let tasks = Arc::new(Mutex::new(Vec::new()));
        let slots = Arc::new(Semaphore::new(opts.max_connections));
        let accept = tokio::spawn(accept(listener, inbound, opts.max_frame, slots, stats.clone(), tasks.clone()));
        let mut senders = Vec::with_capacity(peers.len());
        let mut hs = vec![accept];
        for (i, a) in peers.iter().enumerate() {
            if i == me.index() {
                senders.push(None);
                continue;
            }
            let (tx, rx) = unbounded_channel();
            let budget = ByteBudget::new(opts.send_queue_bytes);
            hs.push(tokio::spawn(write_frames(*a, rx, budget.clone(), stats.clone())));
            senders.push(Some(Peer { tx, budget }));
        }
        tasks.lock().unwrap_or_else(|e| e.into_inner()).extend(hs);
        Ok(TcpTransport { peers: senders, max_frame: opts.max_frame, stats, tasks, local })
    }

    /// The listening address.
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }
}

/// Accepts connections while fewer than the semaphore's slots are open.
async fn accept(
    listener: TcpListener,
    inbound: Inbound,
    max_frame: usize,
    slots: Arc<Semaphore>,
    stats: Arc<Stats>,
    tasks: Arc<Mutex<Vec<JoinHandle<()>>>>,
) {
    loop {
        let Ok((stream, _)) = listener.accept().await else { continue };
        let Ok(permit) = slots.clone().try_acquire_owned() else {
            Stats::inc(&stats.connections_refused);
            continue; // dropping the stream closes it
        };
        let _ = stream.set_nodelay(true);
        let h = tokio::spawn(read_frames(stream, inbound.clone(), max_frame, stats.clone(), permit));
        let mut g = tasks.lock().unwrap_or_else(|e| e.into_inner());
        g.retain(|t: &JoinHandle<()>| !t.is_finished());
        g.push(h);
    }
}

/// Reads frames until the connection ends or sends one over `max_frame`;
/// the connection's slot is free again when this returns.
async fn read_frames(stream: TcpStream, inbound: Inbound, max_frame: usize, stats: Arc<Stats>, _slot: OwnedSemaphorePermit) {
    let mut r = tokio::io::BufReader::with_capacity(READ_BUFFER, stream);
    loop {
        let Ok(len) = r.read_u32().await else { return };
        if len as usize > max_frame {
            Stats::inc(&stats.malformed);
            return;
        }
        let mut buf = vec![0u8; len as usize];
        if r.read_exact(&mut buf).await.is_err() {
            return;
        }
        inbound.deliver(Bytes::from(buf));
    }
}

fn cost(p: &Bytes) -> usize {
    p.len() + PACKET_OVERHEAD
}

/// Keeps `p` for a peer that cannot be reached, dropping the oldest packet
/// beyond [`PENDING_CAP`].
fn keep(pending: &mut VecDeque<Bytes>, p: Bytes, budget: &ByteBudget, stats: &Stats) {
    pending.push_back(p);
    if pending.len() > PENDING_CAP
        && let Some(old) = pending.pop_front()
    {
        budget.release(cost(&old));
        Stats::inc(&stats.send_queue_full);
    }
}

async fn write_frames(addr: SocketAddr, mut rx: UnboundedReceiver<Bytes>, budget: ByteBudget, stats: Arc<Stats>) {
    let mut pending: VecDeque<Bytes> = VecDeque::new();
    let mut backoff = Duration::from_millis(5);
    loop {
        let stream = match TcpStream::connect(addr).await {
            Ok(s) => s,
            Err(_) => {
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_millis(500));
                while let Ok(p) = rx.try_recv() {
                    keep(&mut pending, p, &budget, &stats);
                }
                if rx.is_closed() && rx.is_empty() {
                    return;
                }
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        backoff = Duration::from_millis(5);
        let mut w = BufWriter::with_capacity(WRITE_BUFFER, stream);
        'conn: loop {
            while let Some(p) = pending.pop_front() {
                let len = (p.len() as u32).to_be_bytes();
                let written = w.write_all(&len).await.is_ok() && w.write_all(&p).await.is_ok();
                budget.release(cost(&p));
                if !written {
                    break 'conn;
                }
            }
            if w.flush().await.is_err() {
                break 'conn;
            }
            match rx.recv().await {
                Some(p) => pending.push_back(p),
                None => return,
            }
            while pending.len() < 256 {
                match rx.try_recv() {
                    Ok(p) => pending.push_back(p),
                    Err(_) => break,
                }
            }
        }
    }
}

impl Transport for TcpTransport {
    /// Queues `packet` for `to`; `false` if it is larger than `max_frame`
    /// (the peer would refuse it). A packet beyond the peer's send queue
    /// budget is dropped and counted in `send_queue_full`.
    fn send(&self, to: ProcessId, packet: Bytes) -> bool {
        let Some(Some(peer)) = self.peers.get(to.index()) else { return false };
        if packet.len() > self.max_frame {
            return false;
        }
        let c = cost(&packet);
        if !peer.budget.try_take(c) {
            Stats::inc(&self.stats.send_queue_full);
            return true;
        }
        if peer.tx.send(packet).is_err() {
            peer.budget.release(c);
            return false;
        }
        true
    }
    fn close(&self) {
        for t in self.tasks.lock().unwrap_or_else(|e| e.into_inner()).drain(..) {
            t.abort();
        }
    }
}
