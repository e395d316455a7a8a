//! UDP: one datagram per packet. A datagram is dropped unless its source
//! address is the configured address of the sender it claims (and, with a
//! cluster key, unless it is authentic: the address alone can be spoofed).

use crate::dsl::ProcessId;
use crate::transport::{Inbound, Source, Transport};
use bytes::Bytes;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::UdpSocket;
use tokio::task::JoinHandle;

/// A UDP socket bound to this replica's address.
pub struct UdpTransport {
    socket: Arc<UdpSocket>,
    peers: Vec<SocketAddr>,
    reader: JoinHandle<()>,
}

impl UdpTransport {
    /// Binds `peers[me]` and starts receiving into `inbound`.
    pub async fn bind(me: ProcessId, peers: Vec<SocketAddr>, inbound: Inbound) -> std::io::Result<UdpTransport> {
        let addr = *peers
            .get(me.index())
            .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidInput, "no address for this replica"))?;
        let socket = Arc::new(UdpSocket::bind(addr).await?);
        let rs = socket.clone();
        let known: Vec<SocketAddr> = peers.iter().map(canonical).collect();
        let reader = tokio::spawn(async move {
            let mut buf = vec![0u8; 65_536];
            loop {
                match rs.recv_from(&mut buf).await {
                    Ok((len, src)) => {
                        let from = known.iter().position(|a| *a == canonical(&src)).map(|i| i as u32);
                        inbound.receive(Bytes::copy_from_slice(&buf[..len]), Source::Udp(from))
                    }
                    Err(e) => {
                        tracing::debug!("udp receive error: {e}");
                        tokio::task::yield_now().await;
                    }
                }
            }
        });
        Ok(UdpTransport { socket, peers, reader })
    }

    /// The bound address.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.socket.local_addr()
    }
}

/// The address with an IPv4-mapped IPv6 address written as IPv4, so that
/// both forms of one peer compare equal.
fn canonical(a: &SocketAddr) -> SocketAddr {
    SocketAddr::new(a.ip().to_canonical(), a.port())
}

impl Transport for UdpTransport {
    fn send(&self, to: ProcessId, packet: Bytes) -> bool {
        match self.peers.get(to.index()) {
            Some(a) => self.socket.try_send_to(&packet, *a).is_ok(),
            None => false,
        }
    }
    fn close(&self) {
        self.reader.abort();
    }
}
