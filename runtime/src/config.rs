//! Configuration: the replicas and the runtime options, from a TOML file,
//! with `key=value` overrides from the command line.
//!
//! ```toml
//! [[replica]]
//! id = 0
//! address = "127.0.0.1"
//! port = 4440
//!
//! [options]
//! protocol = "udp"      # udp | tcp | memory
//! timeout_ms = 20
//! workers = 1
//! key = "<64 hex digits>"  # the cluster key: `openssl rand -hex 32`
//! data_dir = "/var/lib/psync/replica-0"  # write-ahead log; none: nothing persists
//! ```
//!
//! With a `key`, every packet is authenticated (HMAC-SHA256, replay window:
//! see [`crate::auth`]); every replica of the cluster needs the same key.
//! Without one, only loopback addresses are accepted (tests, local runs).

use crate::auth::{ClusterKey, require_key_off_loopback};
use crate::dsl::ProcessId;
use serde::{Deserialize, Serialize};
use std::net::{SocketAddr, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The longest round timeout accepted (one day), so that deadlines stay far
/// from the clock's range.
const MAX_TIMEOUT_MS: u64 = 86_400_000;

/// A configuration problem, with what to fix.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The TOML is invalid or has unknown keys.
    #[error("invalid configuration: {0}")]
    Toml(#[from] toml::de::Error),
    /// A semantic error (ids, addresses, values).
    #[error("invalid configuration: {0}")]
    Invalid(String),
}

/// The transport protocol.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    /// UDP datagrams (one packet = one datagram).
    Udp,
    /// TCP with length-prefixed frames, reconnecting.
    Tcp,
    /// The in-process network (tests, simulation).
    Memory,
}

/// One replica.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Replica {
    /// Its id, in `0..n`.
    pub id: u32,
    /// Host name or IP.
    pub address: String,
    /// Port.
    pub port: u16,
}

/// Runtime options.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Options {
    /// The transport.
    pub protocol: Protocol,
    /// The default round timeout, in milliseconds.
    pub timeout_ms: u64,
    /// Future-round messages buffered per instance; more are dropped.
    pub max_buffered: usize,
    /// Bytes of future-round messages buffered per instance (payloads,
    /// copied out of their packet, plus 64 bytes each); more are dropped.
    pub max_buffered_bytes: usize,
    /// Messages more than this many rounds ahead are dropped as bogus.
    pub max_round_ahead: u64,
    /// Distinct senders from higher rounds needed to catch up (1 when
    /// benign, f+1 against Byzantine senders).
    pub catch_up_senders: usize,
    /// Whether rounds skipped by catch-up still send their messages.
    pub catch_up_send: bool,
    /// Decisions kept to answer late processes, per event loop.
    pub decision_log: usize,
    /// Bytes of encoded decisions kept per event loop (plus 64 bytes each);
    /// the oldest are forgotten first.
    pub decision_log_bytes: usize,
    /// Instances running at once on this node (split evenly over the event
    /// loops). Beyond it a local start is rejected and a lazy start dropped.
    /// Above `(n - 1) * max_lazy_per_sender`, peers cannot fill it.
    pub max_instances: usize,
    /// Instances the default handler may start on behalf of one sender and
    /// that still run here (split evenly over the event loops): a newer lazy
    /// start stops the sender's oldest one (without a tombstone, so the
    /// application may start it again). 0: no lazy starts.
    pub max_lazy_per_sender: usize,
    /// Bytes of received packets queued per event loop, waiting for it
    /// (each counted with its decoded headers); packets beyond are dropped.
    pub inbound_queue_bytes: usize,
    /// Event loops (shards); instances are spread over them by id.
    pub workers: usize,
    /// The configuration epoch; messages of other epochs are dropped.
    pub epoch: u32,
    /// Largest packet built by batching, in bytes (UDP caps it at 65 000).
    pub max_packet: usize,
    /// Largest TCP frame sent or accepted, in bytes (at least
    /// `max_packet`): a larger incoming frame closes its connection.
    pub max_frame: usize,
    /// Bytes of packets queued per TCP peer, waiting for a slow or
    /// unreachable peer; packets beyond are dropped.
    pub send_queue_bytes: usize,
    /// Incoming TCP connections open at once (each peer holds one, so at
    /// least `n - 1`); more are closed on accept.
    pub max_connections: usize,
    /// Adapt the default round timeout to the observed round latency
    /// (between `min_timeout_ms` and `timeout_ms`). Off by default: it
    /// shortens failover when a replica is down, but under CPU contention
    /// the shorter deadlines fire spuriously.
    pub adaptive_timeout: bool,
    /// The smallest adaptive timeout, in milliseconds.
    pub min_timeout_ms: u64,
    /// Faulty processes tolerated: `sync(k)` waits until `f + k` processes
    /// reached the round.
    pub f: usize,
    /// Stopped or ended instances remembered, so that their late messages
    /// are dropped instead of restarting them through the default handler.
    pub tombstones: usize,
    /// The cluster key (hex, at least 32 bytes): packets are authenticated
    /// and those of other keys, forged or replayed are dropped. Required
    /// unless every replica is on a loopback address.
    pub key: Option<ClusterKey>,
    /// The replica's data directory: with it, instance states and
    /// decisions are fsynced before the messages that depend on them are
    /// sent, and recovered at restart (see [`crate::durable`]). Created at
    /// the replica's first start; found without its state, the replica
    /// only learns the instances it has no state for. Without it nothing
    /// survives a restart.
    pub data_dir: Option<PathBuf>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            protocol: Protocol::Udp,
            timeout_ms: 20,
            max_buffered: 256,
            max_buffered_bytes: 64 << 10,
            max_round_ahead: 1000,
            catch_up_senders: 1,
            catch_up_send: false,
            decision_log: 100_000,
            decision_log_bytes: 64 << 20,
            max_instances: 4096,
            max_lazy_per_sender: 512,
            inbound_queue_bytes: 16 << 20,
            workers: 1,
            epoch: 0,
            max_packet: 60_000,
            max_frame: 64 << 10,
            send_queue_bytes: 4 << 20,
            max_connections: 64,
            adaptive_timeout: false,
            min_timeout_ms: 2,
            f: 0,
            tombstones: 100_000,
            key: None,
            data_dir: None,
        }
    }
}

impl Options {
    /// The default round timeout.
    pub fn timeout(&self) -> Duration {
        Duration::from_millis(self.timeout_ms)
    }

    /// Sets one option from text, as `--set key=value` does. On error the
    /// options are left unchanged.
    pub fn set(&mut self, key: &str, value: &str) -> Result<(), ConfigError> {
        let mut next = self.clone();
        next.set_unchecked(key, value)?;
        next.validate()?;
        *self = next;
        Ok(())
    }

    fn set_unchecked(&mut self, key: &str, value: &str) -> Result<(), ConfigError> {
        fn num<T: std::str::FromStr>(k: &str, v: &str) -> Result<T, ConfigError> {
            v.parse().map_err(|_| ConfigError::Invalid(format!("option {k}: `{v}` is not a valid number")))
        }
        match key {
            "protocol" => {
                self.protocol = match value {
                    "udp" => Protocol::Udp,
                    "tcp" => Protocol::Tcp,
                    "memory" => Protocol::Memory,
                    _ => return Err(ConfigError::Invalid(format!("protocol `{value}`: expected udp, tcp or memory"))),
                }
            }
            "timeout_ms" => self.timeout_ms = num(key, value)?,
            "max_buffered" => self.max_buffered = num(key, value)?,
            "max_buffered_bytes" => self.max_buffered_bytes = num(key, value)?,
            "decision_log_bytes" => self.decision_log_bytes = num(key, value)?,
            "max_instances" => self.max_instances = num(key, value)?,
            "max_lazy_per_sender" => self.max_lazy_per_sender = num(key, value)?,
            "inbound_queue_bytes" => self.inbound_queue_bytes = num(key, value)?,
            "send_queue_bytes" => self.send_queue_bytes = num(key, value)?,
            "max_connections" => self.max_connections = num(key, value)?,
            "max_round_ahead" => self.max_round_ahead = num(key, value)?,
            "catch_up_senders" => self.catch_up_senders = num(key, value)?,
            "catch_up_send" => {
                self.catch_up_send = value
                    .parse()
                    .map_err(|_| ConfigError::Invalid(format!("option {key}: `{value}` is not true/false")))?
            }
            "decision_log" => self.decision_log = num(key, value)?,
            "workers" => self.workers = num(key, value)?,
            "epoch" => self.epoch = num(key, value)?,
            "max_packet" => self.max_packet = num(key, value)?,
            "max_frame" => self.max_frame = num(key, value)?,
            "f" => self.f = num(key, value)?,
            "min_timeout_ms" => self.min_timeout_ms = num(key, value)?,
            "adaptive_timeout" => {
                self.adaptive_timeout = value
                    .parse()
                    .map_err(|_| ConfigError::Invalid(format!("option {key}: `{value}` is not true/false")))?
            }
            "tombstones" => self.tombstones = num(key, value)?,
            "key" => {
                self.key = Some(ClusterKey::from_hex(value).map_err(|e| ConfigError::Invalid(format!("option key: {e}")))?)
            }
            "data_dir" => self.data_dir = (!value.is_empty()).then(|| PathBuf::from(value)),
            _ => return Err(ConfigError::Invalid(format!("unknown option `{key}`"))),
        }
        Ok(())
    }

    /// Checks value ranges.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let bad = |m: &str| Err(ConfigError::Invalid(m.to_string()));
        if self.workers == 0 || self.workers > 1024 {
            return bad("workers must be in 1..=1024");
        }
        if self.timeout_ms > MAX_TIMEOUT_MS {
            return bad("timeout_ms must be at most 86400000 (one day)");
        }
        if self.min_timeout_ms == 0 || self.min_timeout_ms > self.timeout_ms.max(1) {
            return bad("min_timeout_ms must be in 1..=timeout_ms");
        }
        if self.catch_up_senders == 0 {
            return bad("catch_up_senders must be at least 1");
        }
        if self.max_packet < 1024 || (self.protocol == Protocol::Udp && self.max_packet > 65_000) {
            return bad("max_packet must be at least 1024 (and at most 65000 for UDP)");
        }
        if self.max_frame < self.max_packet {
            return bad("max_frame must be at least max_packet");
        }
        if self.max_instances == 0 {
            return bad("max_instances must be at least 1");
        }
        // A packet of max_frame bytes of empty messages costs about 3.25 times
        // its size once decoded: the queue must hold at least one.
        if self.inbound_queue_bytes < self.max_frame.saturating_mul(4) {
            return bad("inbound_queue_bytes must be at least 4 * max_frame");
        }
        if self.send_queue_bytes < self.max_frame {
            return bad("send_queue_bytes must be at least max_frame");
        }
        Ok(())
    }
}

/// A whole configuration: the replicas and the options.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The replicas, ids `0..n` in any order.
    #[serde(rename = "replica")]
    pub replicas: Vec<Replica>,
    /// The options.
    #[serde(default)]
    pub options: Options,
}

impl Config {
    /// `n` replicas on 127.0.0.1, ports `base_port..`.
    pub fn local(n: usize, base_port: u16, options: Options) -> Config {
        let replicas = (0..n)
            .map(|i| Replica { id: i as u32, address: "127.0.0.1".into(), port: base_port.wrapping_add(i as u16) })
            .collect();
        Config { replicas, options }
    }

    /// Parses and validates TOML text.
    pub fn parse(text: &str) -> Result<Config, ConfigError> {
        let c: Config = toml::from_str(text)?;
        c.validate()?;
        Ok(c)
    }

    /// Reads and validates a TOML file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| ConfigError::Io { path: path.display().to_string(), source })?;
        Config::parse(&text)
    }

    /// Applies `key=value` overrides (command-line flags win over the file).
    pub fn apply_overrides<S: AsRef<str>>(&mut self, overrides: &[S]) -> Result<(), ConfigError> {
        for o in overrides {
            let (k, v) = o
                .as_ref()
                .split_once('=')
                .ok_or_else(|| ConfigError::Invalid(format!("override `{}`: expected key=value", o.as_ref())))?;
            self.options.set(k.trim(), v.trim())?;
        }
        Ok(())
    }

    /// Checks that ids are exactly `0..n` and every address resolves.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let n = self.replicas.len();
        if n == 0 {
            return Err(ConfigError::Invalid("no [[replica]]".into()));
        }
        let mut seen = vec![false; n];
        for r in &self.replicas {
            match seen.get_mut(r.id as usize) {
                Some(s @ false) => *s = true,
                Some(true) => return Err(ConfigError::Invalid(format!("replica id {} appears twice", r.id))),
                None => return Err(ConfigError::Invalid(format!("replica id {} is not in 0..{n}", r.id))),
            }
        }
        self.options.validate()?;
        if self.options.f >= n {
            return Err(ConfigError::Invalid(format!("f = {} must be smaller than the number of replicas ({n})", self.options.f)));
        }
        if self.options.protocol == Protocol::Tcp && self.options.max_connections < n - 1 {
            return Err(ConfigError::Invalid(format!(
                "max_connections = {} must be at least the number of peers ({})",
                self.options.max_connections,
                n - 1
            )));
        }
        if self.options.protocol != Protocol::Memory {
            let addrs = self.addresses()?;
            // UDP drops datagrams whose source is not the sender's configured
            // address: a wildcard address would never match.
            if self.options.protocol == Protocol::Udp
                && let Some((i, a)) = addrs.iter().enumerate().find(|(_, a)| a.ip().is_unspecified())
            {
                return Err(ConfigError::Invalid(format!(
                    "replica {i}: {a} is a wildcard address; give the address the replica sends from (its peers check it)"
                )));
            }
            require_key_off_loopback(&addrs, self.options.key.as_ref()).map_err(ConfigError::Invalid)?;
        }
        Ok(())
    }

    /// Number of replicas.
    pub fn n(&self) -> usize {
        self.replicas.len()
    }

    /// The socket address of each replica, by id.
    pub fn addresses(&self) -> Result<Vec<SocketAddr>, ConfigError> {
        let mut out = vec![None; self.n()];
        for r in &self.replicas {
            let a = (r.address.as_str(), r.port)
                .to_socket_addrs()
                .ok()
                .and_then(|mut it| it.next())
                .ok_or_else(|| ConfigError::Invalid(format!("replica {}: cannot resolve {}:{}", r.id, r.address, r.port)))?;
            if let Some(slot) = out.get_mut(r.id as usize) {
                *slot = Some(a);
            }
        }
        out.into_iter()
            .enumerate()
            .map(|(i, a)| a.ok_or_else(|| ConfigError::Invalid(format!("replica {i} missing"))))
            .collect()
    }

    /// The id of the replica listening on `addr`, if any.
    pub fn id_of(&self, addr: SocketAddr) -> Option<ProcessId> {
        self.addresses().ok()?.iter().position(|a| *a == addr).map(ProcessId::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
[[replica]]
id = 1
address = "127.0.0.1"
port = 5001
[[replica]]
id = 0
address = "localhost"
port = 5000
[options]
protocol = "tcp"
timeout_ms = 7
"#;

    #[test]
    fn parses_and_overrides() {
        let mut c = Config::parse(GOOD).unwrap();
        assert_eq!(c.n(), 2);
        assert_eq!(c.options.protocol, Protocol::Tcp);
        assert_eq!(c.options.timeout(), Duration::from_millis(7));
        assert_eq!(c.options.workers, 1, "defaults fill the rest");
        c.apply_overrides(&["timeout_ms=3", "protocol = udp", "workers=2"]).unwrap();
        assert_eq!((c.options.timeout_ms, c.options.protocol, c.options.workers), (3, Protocol::Udp, 2));
        assert_eq!(c.addresses().unwrap()[1].port(), 5001);
    }

    #[test]
    fn clear_errors() {
        let e = |t: &str| Config::parse(t).unwrap_err().to_string();
        assert!(e("").contains("replica"));
        assert!(e(&GOOD.replace("id = 1", "id = 0")).contains("twice"));
        assert!(e(&GOOD.replace("id = 1", "id = 5")).contains("not in 0..2"));
        assert!(e(&GOOD.replace("timeout_ms", "timeout")).contains("unknown field"));
        assert!(e(&GOOD.replace("\"tcp\"", "\"sctp\"")).contains("unknown variant"));
        let mut c = Config::parse(GOOD).unwrap();
        assert!(c.apply_overrides(&["workers"]).unwrap_err().to_string().contains("key=value"));
        assert!(c.apply_overrides(&["workers=x"]).unwrap_err().to_string().contains("not a valid number"));
        assert!(c.apply_overrides(&["workers=0"]).is_err());
        assert_eq!(c.options.workers, 1, "a rejected value leaves the option unchanged");
        assert!(c.apply_overrides(&["colour=red"]).unwrap_err().to_string().contains("unknown option"));
        assert!(e(&GOOD.replace("timeout_ms = 7", "f = 2")).contains("smaller than the number of replicas"));
        c.apply_overrides(&["f=1", "tombstones=5", "data_dir=/tmp/r0"]).unwrap();
        assert_eq!(c.options.data_dir.as_deref(), Some(Path::new("/tmp/r0")));
        c.apply_overrides(&["data_dir="]).unwrap();
        assert!(c.options.data_dir.is_none(), "an empty data_dir turns durability off");
        assert_eq!((c.options.f, c.options.tombstones), (1, 5));
        assert!(c.apply_overrides(&["key=abcd"]).unwrap_err().to_string().contains("at least 32"));
        // A deadline that far would overflow the clock when a round starts.
        assert!(c.apply_overrides(&["timeout_ms=9223372036854775807"]).unwrap_err().to_string().contains("one day"));
        assert!(c.apply_overrides(&["max_frame=18446744073709551615"]).is_err(), "no overflow checking the queue sizes");
        assert!(e(&GOOD.replace("timeout_ms = 7", "max_connections = 0")).contains("number of peers"));
        assert!(c.apply_overrides(&["send_queue_bytes=100"]).unwrap_err().to_string().contains("send_queue_bytes"));
        assert!(c.options.key.is_none());
    }

    #[test]
    fn a_non_loopback_address_needs_a_key() {
        let lan = GOOD.replace("\"localhost\"", "\"10.1.2.3\"");
        let e = Config::parse(&lan).unwrap_err().to_string();
        assert!(e.contains("10.1.2.3:5000 is not a loopback address") && e.contains("cluster key"), "{e}");
        let key = "ab".repeat(32);
        let c = Config::parse(&format!("{lan}key = \"{key}\"\n")).unwrap();
        assert_eq!(c.options.key.as_ref().map(|k| k.bytes().len()), Some(32));
        assert!(Config::parse(&format!("{lan}key = \"xyz\"\n")).unwrap_err().to_string().contains("hex"));
        let wildcard = GOOD.replace("\"localhost\"", "\"0.0.0.0\"").replace("\"tcp\"", "\"udp\"");
        assert!(Config::parse(&wildcard).unwrap_err().to_string().contains("replica 0: 0.0.0.0:5000 is a wildcard address"));
        let memory = lan.replace("\"tcp\"", "\"memory\"");
        assert!(Config::parse(&memory).is_ok(), "the in-memory network has no addresses to protect");
    }
}
