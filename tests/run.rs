//! End-to-end tests of `psync-verify run`: OTR and LastVoting decide every
//! instance with agreement on local replicas and on a cluster of separate
//! processes, given inputs decide what they must, and bad parameters,
//! configurations and specs are located usage errors (exit 3).

use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::Value;

fn psync_verify(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_psync-verify"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the psync-verify binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Generous round timeouts: the replicas share 2 loaded cores, and an
/// unoptimized interpreter is slow.
const SLOW_ROUNDS: &str = "timeout_ms=300";

/// Runs `args` with `--format json`, expecting exit 0; the report.
fn json_run(args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.extend(["--format", "json", "--set", SLOW_ROUNDS]);
    let out = psync_verify(&all);
    assert_eq!(out.status.code(), Some(0), "{all:?}:\n{}{}", stdout(&out), stderr(&out));
    serde_json::from_str(&stdout(&out)).expect("a JSON report")
}

/// Every instance of a local run decided at every replica, one value per
/// instance, which some replica proposed.
fn every_instance_decided(doc: &Value, n: usize, instances: usize) {
    assert_eq!(doc["schema"], "psync-verify/run/v1");
    assert_eq!(doc["summary"]["decided"], instances);
    assert_eq!(doc["summary"]["agreement"], true);
    assert!(doc["timing"]["decisions_per_s"].as_f64().is_some_and(|d| d > 0.0), "{doc}");
    let list = doc["instances"].as_array().expect("instances");
    assert_eq!(list.len(), instances);
    for inst in list {
        let reps = inst["replicas"].as_array().expect("replicas");
        assert_eq!(reps.len(), n);
        let v = &reps[0]["value"];
        assert!(reps.iter().all(|r| &r["value"] == v && ["decided", "learned"].contains(&r["outcome"].as_str().unwrap_or(""))), "{inst}");
        assert!(reps.iter().any(|r| &r["input"] == v), "validity: {inst}");
        assert!(reps.iter().any(|r| r["outcome"] == "decided"), "someone decided: {inst}");
    }
}

#[test]
fn otr_decides_every_instance_on_local_replicas() {
    let doc = json_run(&["run", "zoo/otr.rs", "--local", "3", "--instances", "5"]);
    every_instance_decided(&doc, 3, 5);
    assert_eq!(doc["protocol"], "udp");
    let doc = json_run(&["run", "zoo/otr.rs", "--local", "4", "--instances", "8", "--set", "protocol=tcp", "--seed", "7"]);
    every_instance_decided(&doc, 4, 8);
}

#[test]
fn last_voting_decides_every_instance_on_local_replicas() {
    let doc = json_run(&["run", "zoo/last_voting.rs", "--local", "3", "--instances", "5"]);
    every_instance_decided(&doc, 3, 5);
    let doc = json_run(&["run", "zoo/last_voting.rs", "--local", "4", "--instances", "6", "--set", "protocol=memory"]);
    every_instance_decided(&doc, 4, 6);
}

/// A_T,E reads its mailbox through `AHO` (value faults): a replica hears
/// what arrives, none of it altered, and every instance decides.
#[test]
fn ate_with_value_faults_decides_every_instance_on_local_replicas() {
    let doc = json_run(&["run", "zoo/ate.rs", "--local", "7", "--instances", "4", "--param", "T=6", "--param", "E=6", "--param", "alpha=1"]);
    every_instance_decided(&doc, 7, 4);
}

#[test]
fn given_inputs_decide_what_they_must() {
    // 2, 0, 2: every full mailbox adopts 2 and only 2 can gather 3 votes.
    let doc = json_run(&["run", "zoo/otr.rs", "--local", "3", "--instances", "3", "--input", "2,0,2"]);
    every_instance_decided(&doc, 3, 3);
    for inst in doc["instances"].as_array().expect("instances") {
        assert_eq!(inst["replicas"][1]["input"], 0);
        assert_eq!(inst["replicas"][1]["value"], 2, "{inst}");
    }
    let doc = json_run(&["run", "zoo/two_phase_commit.rs", "--local", "3", "--instances", "2", "--input", "true"]);
    every_instance_decided(&doc, 3, 2);
    assert_eq!(doc["instances"][0]["replicas"][0]["value"], true);
}

/// Free loopback UDP ports, released before use.
fn free_ports(n: usize) -> Vec<u16> {
    let socks: Vec<_> = (0..n).map(|_| std::net::UdpSocket::bind("127.0.0.1:0").expect("a free port")).collect();
    socks.iter().map(|s| s.local_addr().expect("bound").port()).collect()
}

#[test]
fn a_cluster_of_separate_replicas_decides_and_agrees() {
    let ports = free_ports(3);
    let mut toml = String::new();
    for (i, p) in ports.iter().enumerate() {
        toml.push_str(&format!("[[replica]]\nid = {i}\naddress = \"127.0.0.1\"\nport = {p}\n\n"));
    }
    toml.push_str("[options]\nprotocol = \"udp\"\ntimeout_ms = 300\n");
    let cfg = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("run_cluster.toml");
    std::fs::write(&cfg, toml).expect("scratch config");
    let cfg = cfg.display().to_string();
    let children: Vec<_> = (0..3)
        .map(|i| {
            Command::new(env!("CARGO_BIN_EXE_psync-verify"))
                .args(["run", "zoo/last_voting.rs", "--config", &cfg, "--id", &i.to_string(), "--instances", "4", "--linger", "2", "--format", "json"])
                .current_dir(env!("CARGO_MANIFEST_DIR"))
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("a replica process")
        })
        .collect();
    let docs: Vec<Value> = children
        .into_iter()
        .map(|c| {
            let out = c.wait_with_output().expect("the replica ends");
            assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
            serde_json::from_str(&stdout(&out)).expect("a JSON report")
        })
        .collect();
    for (i, doc) in docs.iter().enumerate() {
        assert_eq!(doc["mode"], "cluster");
        assert_eq!(doc["replica"], i);
        assert_eq!(doc["summary"]["decided"], 4, "{doc}");
    }
    for k in 0..4 {
        let v = &docs[0]["instances"][k]["replicas"][0]["value"];
        assert!(docs.iter().all(|d| &d["instances"][k]["replicas"][0]["value"] == v), "agreement on instance {}", k + 1);
    }
}

/// A usage error: exit 3, nothing on stdout, `needle` on stderr.
fn usage_error(args: &[&str], needle: &str) {
    let out = psync_verify(args);
    assert_eq!(out.status.code(), Some(3), "{args:?}:\n{}{}", stdout(&out), stderr(&out));
    assert!(stdout(&out).is_empty(), "{}", stdout(&out));
    assert!(stderr(&out).contains(needle), "{args:?}: expected {needle:?} in:\n{}", stderr(&out));
}

#[test]
fn bad_parameters_configurations_and_specs_are_located_usage_errors() {
    usage_error(&["run", "zoo/otr.rs", "--local", "3", "--param", "g=1"], "--param g=1: the spec declares no parameter `g`");
    usage_error(&["run", "zoo/quorum_vote.rs", "--local", "3"], "--param f=VALUE");
    usage_error(&["run", "zoo/quorum_vote.rs", "--local", "3", "--param", "f=2"], "assumption at line");
    usage_error(&["run", "zoo/otr.rs", "--local", "3", "--input", "1,2"], "give one (every replica proposes it) or 3");
    usage_error(&["run", "zoo/otr.rs", "--local", "3", "--input", "yes"], "--input yes");
    usage_error(&["run", "zoo/otr.rs", "--local", "3", "--set", "timeout_ms=fast"], "--set");
    // A helper's body is not in the IR: located at its round.
    usage_error(&["run", "zoo/ben_or.rs", "--local", "3", "--param", "f=1"], "zoo/ben_or.rs:");
    let bad = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("run_bad.toml");
    std::fs::write(&bad, "[[replica]]\nid = 0\naddress = \"127.0.0.1\"\nport = 4440\n\n[options]\ntimeout_ms = \"soon\"\n").expect("scratch config");
    let bad = bad.display().to_string();
    usage_error(&["run", "zoo/otr.rs", "--config", &bad, "--id", "0"], "line 7");
    usage_error(&["run", "zoo/otr.rs", "--config", "benchmarks/apps/cluster.toml", "--id", "5"], "--id 5 is not a replica");
    usage_error(&["run", "zoo/otr.rs", "--config", "benchmarks/apps/cluster.toml"], "--id");
}

#[test]
fn human_report_snapshot() {
    let out = psync_verify(&["run", "zoo/otr.rs", "--local", "3", "--instances", "3", "--input", "2,0,2", "--set", SLOW_ROUNDS]);
    assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
    let text = stdout(&out);
    // The timing line's numbers vary from run to run.
    let redacted: Vec<String> = text
        .lines()
        .map(|l| match l.split_once(" decisions/s (") {
            Some((_, rest)) => {
                let decided = rest.split(' ').next().unwrap_or("");
                format!("[N] decisions/s ({decided} decided in [T] s)")
            }
            None => l.to_string(),
        })
        .collect();
    insta::assert_snapshot!("run_otr_human", redacted.join("\n"));
}
