//! A network emulator in user space for kernels without `sch_netem`: one TUN
//! device per replica network namespace, and a switch that forwards every
//! IPv4 packet to the device of its destination after a delay drawn
//! uniformly from `[--delay-min-ms, --delay-max-ms]`, or drops it with
//! probability `--loss` (what `tc qdisc add … netem delay D J loss L` does on
//! one link, where the jitter reorders packets as it does here).
//!
//! Device `i` is named `{prefix}{i}` and serves address `{subnet}.{i + 1}`;
//! the caller moves it into its namespace and gives it that address once the
//! switch printed `ready` (the switch keeps the devices' descriptors, so
//! they live as long as it runs, until it is killed). Counters go to
//! stdout every 5 s.
//!
//! `netns-switch --devices 6 --delay-min-ms 1 --delay-max-ms 9 --loss 0.01`

use clap::Parser;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

#[derive(Parser, Debug)]
#[command(about = "Forward IPv4 packets between TUN devices with delay and loss")]
struct Cli {
    /// Devices to create (one per namespace).
    #[arg(long)]
    devices: usize,
    /// Device name prefix.
    #[arg(long, default_value = "psw")]
    prefix: String,
    /// First three octets of the addresses: device i serves `{subnet}.{i + 1}`.
    #[arg(long, default_value = "10.77.0")]
    subnet: String,
    /// Shortest one-way delay, ms.
    #[arg(long, default_value_t = 1.0)]
    delay_min_ms: f64,
    /// Longest one-way delay, ms.
    #[arg(long, default_value_t = 9.0)]
    delay_max_ms: f64,
    /// Probability that a packet is dropped.
    #[arg(long, default_value_t = 0.01)]
    loss: f64,
    /// Seed of the delays and losses.
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

/// Opens TUN device `name` (IPv4 packets without a protocol header).
fn open_tun(name: &str) -> std::io::Result<File> {
    let f = OpenOptions::new().read(true).write(true).open("/dev/net/tun")?;
    // SAFETY: an all-zero ifreq is valid; the name fits (checked) and stays NUL-terminated.
    let mut req: libc::ifreq = unsafe { std::mem::zeroed() };
    if name.len() >= req.ifr_name.len() {
        return Err(std::io::Error::other(format!("device name {name} is too long")));
    }
    for (d, s) in req.ifr_name.iter_mut().zip(name.bytes()) {
        *d = s as libc::c_char;
    }
    req.ifr_ifru.ifru_flags = (libc::IFF_TUN | libc::IFF_NO_PI) as libc::c_short;
    // SAFETY: TUNSETIFF reads and writes the ifreq we pass, which outlives the call.
    if unsafe { libc::ioctl(f.as_raw_fd(), libc::TUNSETIFF, &mut req) } < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(f)
}

/// A packet waiting for its delivery time.
struct Due {
    at: Instant,
    seq: u64,
    to: usize,
    packet: Vec<u8>,
}

impl PartialEq for Due {
    fn eq(&self, o: &Self) -> bool {
        (self.at, self.seq) == (o.at, o.seq)
    }
}
impl Eq for Due {}
impl PartialOrd for Due {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Due {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        (self.at, self.seq).cmp(&(o.at, o.seq))
    }
}

#[derive(Default)]
struct Counters {
    forwarded: AtomicU64,
    dropped: AtomicU64,
    unroutable: AtomicU64,
}

struct Switch {
    queue: Mutex<(BinaryHeap<Reverse<Due>>, u64)>,
    wake: Condvar,
    counters: Counters,
}

/// The destination device of an IPv4 packet (`subnet.{i + 1}` is device i).
fn route(packet: &[u8], subnet: [u8; 3], devices: usize) -> Option<usize> {
    if packet.len() < 20 || packet[0] >> 4 != 4 || packet[16..19] != subnet {
        return None;
    }
    let i = (packet[19] as usize).checked_sub(1)?;
    (i < devices).then_some(i)
}

fn reader(sw: Arc<Switch>, mut dev: File, cli: Arc<Cli>, subnet: [u8; 3], seed: u64) {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut buf = vec![0u8; 65_536];
    loop {
        let k = match dev.read(&mut buf) {
            Ok(k) => k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => return,
        };
        let Some(to) = route(&buf[..k], subnet, cli.devices) else {
            sw.counters.unroutable.fetch_add(1, Ordering::Relaxed);
            continue;
        };
        if rng.random_bool(cli.loss) {
            sw.counters.dropped.fetch_add(1, Ordering::Relaxed);
            continue;
        }
        let ms = rng.random_range(cli.delay_min_ms..=cli.delay_max_ms);
        let at = Instant::now() + Duration::from_secs_f64(ms / 1000.0);
        let mut q = sw.queue.lock().unwrap_or_else(|e| e.into_inner());
        q.1 += 1;
        let seq = q.1;
        let earliest = q.0.peek().is_none_or(|Reverse(d)| at < d.at);
        q.0.push(Reverse(Due { at, seq, to, packet: buf[..k].to_vec() }));
        drop(q);
        if earliest {
            sw.wake.notify_one();
        }
    }
}

fn writer(sw: Arc<Switch>, mut devs: Vec<File>) {
    let mut q = sw.queue.lock().unwrap_or_else(|e| e.into_inner());
    loop {
        let now = Instant::now();
        match q.0.peek() {
            Some(Reverse(d)) if d.at <= now => {
                let Some(Reverse(d)) = q.0.pop() else { continue };
                drop(q);
                // A device whose namespace is gone refuses the write: the packet is lost.
                if devs[d.to].write_all(&d.packet).is_ok() {
                    sw.counters.forwarded.fetch_add(1, Ordering::Relaxed);
                }
                q = sw.queue.lock().unwrap_or_else(|e| e.into_inner());
            }
            Some(Reverse(d)) => {
                let wait = d.at - now;
                q = sw.wake.wait_timeout(q, wait).unwrap_or_else(|e| e.into_inner()).0;
            }
            None => q = sw.wake.wait(q).unwrap_or_else(|e| e.into_inner()),
        }
    }
}

fn report(sw: &Switch) {
    let c = &sw.counters;
    println!(
        "forwarded={} dropped={} unroutable={}",
        c.forwarded.load(Ordering::Relaxed),
        c.dropped.load(Ordering::Relaxed),
        c.unroutable.load(Ordering::Relaxed)
    );
}

fn parse_subnet(s: &str) -> Result<[u8; 3], String> {
    let o: Vec<u8> = s.split('.').map(|x| x.parse::<u8>()).collect::<Result<_, _>>().map_err(|e| format!("--subnet {s}: {e}"))?;
    o.try_into().map_err(|_| format!("--subnet {s}: expected three octets, e.g. 10.77.0"))
}

fn main() {
    let cli = Arc::new(Cli::parse());
    let fail = |m: String| -> ! {
        eprintln!("error: {m}");
        std::process::exit(2)
    };
    let subnet = parse_subnet(&cli.subnet).unwrap_or_else(|e| fail(e));
    let delays = 0.0 <= cli.delay_min_ms && cli.delay_min_ms <= cli.delay_max_ms;
    if !(0.0..=1.0).contains(&cli.loss) || !delays {
        fail("expected 0 <= loss <= 1 and 0 <= delay-min-ms <= delay-max-ms".into());
    }
    if cli.devices == 0 || cli.devices > 254 {
        fail(format!("--devices {}: expected 1..=254", cli.devices));
    }
    let sw = Arc::new(Switch { queue: Mutex::new((BinaryHeap::new(), 0)), wake: Condvar::new(), counters: Counters::default() });
    let mut writers = Vec::new();
    for i in 0..cli.devices {
        let name = format!("{}{i}", cli.prefix);
        let dev = open_tun(&name).unwrap_or_else(|e| fail(format!("TUN device {name}: {e}")));
        let read_half = dev.try_clone().unwrap_or_else(|e| fail(format!("{name}: {e}")));
        let (sw, cli) = (sw.clone(), cli.clone());
        let seed = cli.seed.wrapping_mul(1_000_003).wrapping_add(i as u64);
        std::thread::spawn(move || reader(sw, read_half, cli, subnet, seed));
        writers.push(dev);
    }
    let w = sw.clone();
    std::thread::spawn(move || writer(w, writers));
    println!("ready");
    loop {
        std::thread::sleep(Duration::from_secs(5));
        report(&sw);
    }
}
