//! The lock manager's client: sends `acquire`/`release` to a replica over
//! UDP and prints its answer. Exit status: 0 SUCCESS, 1 FAILED, 2 error or no
//! answer.
//!
//! `lock-client --replica 127.0.0.1:5440 acquire alice --id 7`
//!
//! The tool tries three times; with `--id` (a request id, new for each
//! request of the client) a retry of a request that was decided is
//! answered as the first time, not applied again.
use clap::Parser;
use std::net::{SocketAddr, UdpSocket};
use std::time::Duration;

#[derive(Parser, Debug)]
#[command(about = "Ask a lock-manager replica to acquire or release the lock")]
struct Cli {
    /// The replica's client address.
    #[arg(long)]
    replica: SocketAddr,
    /// acquire | release
    command: String,
    /// The client's name (default: this socket's address).
    name: Option<String>,
    /// The request id, 1..=8191 (see the lock manager's client protocol);
    /// needs a name.
    #[arg(long, requires = "name")]
    id: Option<u16>,
    /// Seconds to wait for each answer (3 tries).
    #[arg(long, default_value_t = 3.0)]
    timeout: f64,
}

fn main() {
    let cli = Cli::parse();
    if !matches!(cli.command.as_str(), "acquire" | "release") {
        eprintln!("error: command `{}`: expected acquire or release", cli.command);
        std::process::exit(2);
    }
    if !cli.replica.ip().is_loopback() {
        eprintln!("error: {} is not a loopback address", cli.replica);
        std::process::exit(2);
    }
    let req = match (&cli.name, cli.id) {
        (Some(n), Some(id)) => format!("{} {n} {id}", cli.command),
        (Some(n), None) => format!("{} {n}", cli.command),
        (None, _) => cli.command.clone(),
    };
    let sock = UdpSocket::bind("127.0.0.1:0").unwrap_or_else(|e| {
        eprintln!("error: cannot bind: {e}");
        std::process::exit(2)
    });
    let _ = sock.set_read_timeout(Some(Duration::from_secs_f64(cli.timeout.max(0.01))));
    let mut buf = [0u8; 512];
    for _ in 0..3 {
        if sock.send_to(req.as_bytes(), cli.replica).is_err() {
            continue;
        }
        if let Ok((len, _)) = sock.recv_from(&mut buf) {
            let answer = String::from_utf8_lossy(&buf[..len]).into_owned();
            println!("{answer}");
            std::process::exit(match answer.as_str() {
                "SUCCESS" => 0,
                "FAILED" => 1,
                _ => 2,
            });
        }
    }
    eprintln!("error: no answer from {}", cli.replica);
    std::process::exit(2);
}
