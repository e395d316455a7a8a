//! UDP: one datagram per packet. The source address is not trusted: the
//! sender id in the header is checked against the replica list.

use crate::dsl::ProcessId;
use crate::transport::{Inbound, Transport};
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
        let reader = tokio::spawn(async move {
            let mut buf = vec![0u8; 65_536];
            loop {
                match rs.recv_from(&mut buf).await {
                    Ok((len, _src)) => inbound.deliver(Bytes::copy_from_slice(&buf[..len])),
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
