//! Checks the outputs of a network namespace run (`benchmarks/netns/run.sh`):
//!
//! * `netns-check consensus --instances K LOG…`: the outputs of the
//!   `psync-consensus` replicas (one file per replica, every incarnation
//!   appended): every instance decided or learned one value across all
//!   replicas and incarnations (agreement), and every replica finished
//!   every instance 1..=K: it printed the decision, or a later incarnation
//!   found the instance finished in its write-ahead log (a replica killed
//!   between its decision's fsync and the line's print; those are counted,
//!   their values are not seen).
//! * `netns-check kv --history FILE LOG…`: the clients' history
//!   (`netns-kv-client`) is linearizable key by key, each key a register
//!   (the checker of `runtime/tests/detsim/linearizability.rs`), and the
//!   `kv-replica` outputs agree: replicas (and incarnations) that applied as
//!   many slots report the same digest.
//!
//! Prints what it checked; exits 1 on a violation, 2 on unreadable input.

#[path = "../../runtime/tests/detsim/linearizability.rs"]
mod linearizability;

use clap::{Parser, Subcommand};
use linearizability::{Op, Register, RegisterOp, is_linearizable};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

#[derive(Parser, Debug)]
#[command(about = "Check agreement and linearizability after a network namespace run")]
struct Cli {
    #[command(subcommand)]
    what: What,
}

#[derive(Subcommand, Debug)]
enum What {
    /// Agreement and decisions of psync-consensus replicas.
    Consensus {
        /// Instances each replica ran (1..=K).
        #[arg(long)]
        instances: u64,
        /// One output file per replica.
        logs: Vec<PathBuf>,
    },
    /// Linearizability of a KV history and agreement of the replicas' logs.
    Kv {
        /// The clients' history.
        #[arg(long)]
        history: PathBuf,
        /// One output file per kv-replica.
        logs: Vec<PathBuf>,
    },
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| {
        eprintln!("error: {}: {e}", p.display());
        std::process::exit(2)
    })
}

fn bad_input(p: &Path, line: usize, why: &str) -> ! {
    eprintln!("error: {}:{line}: {why}", p.display());
    std::process::exit(2)
}

/// `instance K: decided V …` and `instance K: learned V …` lines, and the
/// instances of `instance K: finished before this start` lines.
fn decisions(p: &Path) -> (Vec<(u64, i64)>, BTreeSet<u64>) {
    let (mut out, mut earlier) = (Vec::new(), BTreeSet::new());
    for (i, l) in read(p).lines().enumerate() {
        let w: Vec<&str> = l.split_whitespace().collect();
        let id = |k: &str| k.trim_end_matches(':').parse().unwrap_or_else(|_| bad_input(p, i + 1, "instance id"));
        match w.as_slice() {
            ["instance", k, "decided" | "learned", v, ..] => {
                let v = v.parse().unwrap_or_else(|_| bad_input(p, i + 1, "decided value"));
                out.push((id(k), v));
            }
            ["instance", k, "finished", "before", "this", "start"] => {
                earlier.insert(id(k));
            }
            _ => {}
        }
    }
    (out, earlier)
}

fn consensus(instances: u64, logs: &[PathBuf]) -> Vec<String> {
    let mut violations = Vec::new();
    let mut values: BTreeMap<u64, BTreeSet<i64>> = BTreeMap::new();
    let (mut reports, mut unseen) = (0, 0);
    for p in logs {
        let (ds, earlier) = decisions(p);
        reports += ds.len();
        let got: BTreeSet<u64> = ds.iter().map(|d| d.0).collect();
        unseen += earlier.difference(&got).count();
        let missing = (1..=instances).filter(|k| !got.contains(k) && !earlier.contains(k)).count();
        if missing > 0 {
            violations.push(format!("{}: {missing} of {instances} instances not finished", p.display()));
        }
        for (k, v) in ds {
            values.entry(k).or_default().insert(v);
        }
    }
    for (k, vs) in &values {
        if vs.len() > 1 {
            violations.push(format!("instance {k}: replicas decided different values {vs:?}"));
        }
    }
    println!(
        "consensus: {} replicas, {reports} decisions reported for {} instances, agreement on {} of them; {unseen} finished before a kill without their decision printed",
        logs.len(),
        values.len(),
        values.values().filter(|v| v.len() == 1).count()
    );
    violations
}

/// The history's operations by key.
fn history(p: &Path) -> BTreeMap<u32, Vec<Op<RegisterOp, Option<u64>>>> {
    let mut by_key: BTreeMap<u32, Vec<_>> = BTreeMap::new();
    for (i, l) in read(p).lines().enumerate() {
        let bad = |why: &str| bad_input(p, i + 1, why);
        let w: Vec<&str> = l.split_whitespace().collect();
        let [_client, key, call, ret, kind, val] = w.as_slice() else { bad("expected CLIENT KEY CALL RET put|get VALUE") };
        let key: u32 = key.parse().unwrap_or_else(|_| bad("key"));
        let call: u64 = call.parse().unwrap_or_else(|_| bad("call time"));
        let ret: Option<u64> = if *ret == "-" { None } else { Some(ret.parse().unwrap_or_else(|_| bad("return time"))) };
        let (input, output) = match (*kind, *val) {
            ("put", v) => (RegisterOp::Put(v.parse().unwrap_or_else(|_| bad("put value"))), ret.map(|_| None)),
            ("get", "-") => (RegisterOp::Get, None),
            ("get", "none") => (RegisterOp::Get, Some(None)),
            ("get", v) => (RegisterOp::Get, Some(Some(v.parse().unwrap_or_else(|_| bad("read value"))))),
            _ => bad("expected put or get"),
        };
        if ret.is_some() != output.is_some() || ret.is_some_and(|r| r < call) {
            bad("an answered operation has a return time after its call and an output");
        }
        by_key.entry(key).or_default().push(Op { call, ret, input, output });
    }
    by_key
}

/// `applied slots=S requests=R digest=D` lines: replicas that applied as
/// many slots must have applied the same log. Also returns the most
/// requests a replica applied.
fn log_agreement(logs: &[PathBuf]) -> (u64, Vec<String>) {
    let mut at: BTreeMap<u64, BTreeMap<String, String>> = BTreeMap::new();
    let mut most = 0;
    for p in logs {
        for (i, l) in read(p).lines().enumerate() {
            let Some(rest) = l.strip_prefix("applied ") else { continue };
            let field = |name: &str| rest.split_whitespace().find_map(|f| f.strip_prefix(name)).map(str::to_string);
            let (Some(slots), Some(digest)) = (field("slots="), field("digest=")) else { bad_input(p, i + 1, "expected slots= and digest=") };
            let slots = slots.parse().unwrap_or_else(|_| bad_input(p, i + 1, "slots"));
            let requests: u64 = field("requests=").and_then(|r| r.parse().ok()).unwrap_or_else(|| bad_input(p, i + 1, "requests"));
            most = most.max(requests);
            at.entry(slots).or_default().insert(digest, p.display().to_string());
        }
    }
    let compared = at.values().filter(|d| !d.is_empty()).count();
    println!("log agreement: {compared} distinct applied lengths reported, up to {} slots", at.keys().next_back().copied().unwrap_or(0));
    let v = at.iter().filter(|(_, d)| d.len() > 1).map(|(s, d)| format!("after {s} slots, replicas applied different logs: {d:?}")).collect();
    (most, v)
}

fn kv(history_file: &Path, logs: &[PathBuf]) -> Vec<String> {
    let by_key = history(history_file);
    let mut violations = Vec::new();
    let (mut ops, mut answered) = (0, 0);
    for (k, h) in &by_key {
        ops += h.len();
        answered += h.iter().filter(|o| o.ret.is_some()).count();
        if !is_linearizable(&Register, h) {
            violations.push(format!("key {k}: the history of its {} operations is not linearizable", h.len()));
        }
    }
    println!("linearizability: {} keys, {ops} operations ({answered} answered) checked", by_key.len());
    let (applied, agreement) = log_agreement(logs);
    if applied > ops as u64 {
        println!("{} more requests applied than the clients sent ({ops}): some were applied twice", applied - ops as u64);
    }
    violations.extend(agreement);
    violations
}

fn main() {
    let v = match Cli::parse().what {
        What::Consensus { instances, logs } => consensus(instances, &logs),
        What::Kv { history, logs } => kv(&history, &logs),
    };
    for x in &v {
        println!("VIOLATION: {x}");
    }
    if !v.is_empty() {
        std::process::exit(1);
    }
    println!("ok");
}

#[cfg(test)]
mod checks {
    use super::*;

    /// Writes `text` to a scratch file of this test process.
    fn file(name: &str, text: &str) -> PathBuf {
        let p = scratch(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    fn scratch(name: &str) -> PathBuf {
        std::env::temp_dir().join(format!("netns-check-{}-{name}", std::process::id()))
    }

    fn remove(names: &[&str]) {
        for n in names {
            let _ = std::fs::remove_file(scratch(n));
        }
    }

    #[test]
    fn consensus_reports_disagreement_and_unfinished_instances() {
        let a = file("a", "instance 1: decided 2 (proposed 1)\ninstance 2: learned 0 (proposed 2)\n");
        let b = file("b", "instance 1: decided 2 (proposed 2)\n--- killed at 1\ninstance 2: finished before this start\n");
        assert!(consensus(2, &[a.clone(), b.clone()]).is_empty(), "agreement, and b finished 2 before a restart");
        let c = file("c", "instance 1: decided 1 (proposed 1)\n");
        let v = consensus(2, &[a, b, c]);
        assert_eq!(v.len(), 2, "{v:?}");
        assert!(v[0].contains("1 of 2 instances not finished") && v[1].contains("instance 1: replicas decided different values"), "{v:?}");
        remove(&["a", "b", "c"]);
    }

    #[test]
    fn kv_reports_a_stale_read_and_diverging_logs() {
        // put(5) returned before the get was called, which read nothing.
        let stale = file("stale", "0 3 10 20 put 5\n1 3 30 40 get none\n");
        let fresh = file("fresh", "0 3 10 20 put 5\n1 3 30 40 get 5\n1 4 50 - get -\n");
        let same = file("same", "applied slots=2 requests=3 digest=aa\n");
        let other = file("other", "applied slots=2 requests=3 digest=bb\n");
        assert!(kv(&fresh, std::slice::from_ref(&same)).is_empty());
        let v = kv(&stale, std::slice::from_ref(&same));
        assert!(v.len() == 1 && v[0].starts_with("key 3:"), "{v:?}");
        let v = kv(&fresh, &[same, other]);
        assert!(v.len() == 1 && v[0].contains("after 2 slots"), "{v:?}");
        remove(&["stale", "fresh", "same", "other"]);
    }
}
