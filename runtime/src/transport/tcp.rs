//! TCP: one outgoing connection per peer carrying length-prefixed frames
//! (u32 big-endian length, then one packet), reconnecting with backoff; a
//! listener accepting the peers' connections. Frames larger than
//! `max_frame` close the connection.

use crate::dsl::ProcessId;
use crate::engine::Stats;
use crate::transport::{Inbound, Transport};
use bytes::Bytes;
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt, BufWriter};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};
use tokio::task::JoinHandle;

/// Packets kept while a peer is unreachable; older ones are dropped.
const PENDING_CAP: usize = 1024;

/// TCP connections to every peer and a listener.
pub struct TcpTransport {
    peers: Vec<Option<UnboundedSender<Bytes>>>,
    tasks: Arc<Mutex<Vec<JoinHandle<()>>>>,
    local: SocketAddr,
}

impl TcpTransport {
    /// Listens on `peers[me]`, connects to the others.
    pub async fn bind(me: ProcessId, peers: Vec<SocketAddr>, inbound: Inbound, max_frame: usize, stats: Arc<Stats>) -> std::io::Result<TcpTransport> {
        let addr = *peers
            .get(me.index())
            .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidInput, "no address for this replica"))?;
        let listener = TcpListener::bind(addr).await?;
        let local = listener.local_addr()?;
        let tasks = Arc::new(Mutex::new(Vec::new()));
        let t2 = tasks.clone();
        let st = stats.clone();
        let accept = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else { continue };
                let _ = stream.set_nodelay(true);
                let h = tokio::spawn(read_frames(stream, inbound.clone(), max_frame, st.clone()));
                let mut g = t2.lock().unwrap_or_else(|e| e.into_inner());
                g.retain(|t: &JoinHandle<()>| !t.is_finished());
                g.push(h);
            }
        });
        let mut senders = Vec::with_capacity(peers.len());
        let mut hs = vec![accept];
        for (i, a) in peers.iter().enumerate() {
            if i == me.index() {
                senders.push(None);
                continue;
            }
            let (tx, rx) = unbounded_channel();
            hs.push(tokio::spawn(write_frames(*a, rx, stats.clone())));
            senders.push(Some(tx));
        }
        tasks.lock().unwrap_or_else(|e| e.into_inner()).extend(hs);
        Ok(TcpTransport { peers: senders, tasks, local })
    }

    /// The listening address.
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }
}

async fn read_frames(stream: TcpStream, inbound: Inbound, max_frame: usize, stats: Arc<Stats>) {
    let mut r = tokio::io::BufReader::with_capacity(64 * 1024, stream);
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

async fn write_frames(addr: SocketAddr, mut rx: UnboundedReceiver<Bytes>, stats: Arc<Stats>) {
    let mut pending: VecDeque<Bytes> = VecDeque::new();
    let mut backoff = Duration::from_millis(5);
    let keep = |pending: &mut VecDeque<Bytes>, p: Bytes, stats: &Stats| {
        pending.push_back(p);
        if pending.len() > PENDING_CAP {
            pending.pop_front();
            Stats::inc(&stats.send_errors);
        }
    };
    loop {
        let stream = match TcpStream::connect(addr).await {
            Ok(s) => s,
            Err(_) => {
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_millis(500));
                while let Ok(p) = rx.try_recv() {
                    keep(&mut pending, p, &stats);
                }
                if rx.is_closed() && rx.is_empty() {
                    return;
                }
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        backoff = Duration::from_millis(5);
        let mut w = BufWriter::with_capacity(256 * 1024, stream);
        'conn: loop {
            while let Some(p) = pending.pop_front() {
                let len = (p.len() as u32).to_be_bytes();
                if w.write_all(&len).await.is_err() || w.write_all(&p).await.is_err() {
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
    fn send(&self, to: ProcessId, packet: Bytes) -> bool {
        match self.peers.get(to.index()) {
            Some(Some(tx)) => tx.send(packet).is_ok(),
            _ => false,
        }
    }
    fn close(&self) {
        for t in self.tasks.lock().unwrap_or_else(|e| e.into_inner()).drain(..) {
            t.abort();
        }
    }
}
