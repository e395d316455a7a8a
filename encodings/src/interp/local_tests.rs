use std::collections::{BTreeMap, BTreeSet};

use psync_logic::Value;

use super::Program;
use crate::concrete::State;
use crate::interp::{initial, step};

fn program(file: &str, params: &[(&str, i64)]) -> Program {
    let path = format!("{}/../{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).expect("the benchmark exists");
    let alg = crate::parse_spec(file, &text).map_err(|e| e.short()).expect("in the subset");
    let fns = crate::runtime_fns(file, &text, &alg).map_err(|e| e.short()).expect("decision and expected in the subset");
    let params = params.iter().map(|(k, v)| (k.to_string(), *v)).collect();
    Program::new(alg, fns, params).expect("runnable on replicas")
}

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, k: u64) -> u64 {
        self.next() % k
    }
}

/// Each process's round computed from its own state and the views it
/// received equals its state in the interpreter's global step, on random
/// inputs and heard-of sets (a heard-of member that did not send to the
/// process contributes nothing, as on a network).
fn agrees_with_the_global_step(file: &str, params: &[(&str, i64)], n: u32, runs: u64, rounds: u64) {
    let p = program(file, params);
    let alg = p.algorithm();
    let mut rng = Rng(0x2545_F491_4F6C_DD1D ^ u64::from(n));
    for run in 0..runs {
        let sort = &alg.inputs[0].ret;
        let mut draw = || if *sort == psync_logic::Sort::Bool { Value::Bool(rng.below(2) == 0) } else { Value::Int(rng.below(3) as i64) };
        let inputs: Vec<State> = (0..n).map(|_| [("initial".to_string(), draw())].into()).collect();
        let mut global = initial(alg, inputs.clone(), p.params.clone()).expect("initial state");
        for i in 0..n {
            assert_eq!(p.init(i, n as usize, &inputs[i as usize]).expect("local init"), global.cur[i as usize], "{file}: init of p{i}");
        }
        for r in 0..rounds {
            // Mostly full heard-of sets, so that rounds make progress.
            let ho: Vec<BTreeSet<u32>> = (0..n).map(|_| (0..n).filter(|_| rng.below(4) != 0).collect()).collect();
            let st = step(alg, &global, &ho).expect("global step");
            let sent: Vec<(Vec<u32>, Vec<Value>)> = (0..n).map(|s| p.send(r, s, n, &global.cur[s as usize]).expect("local send")).collect();
            for s in 0..n {
                let dests: Vec<u32> = (0..n).filter(|&d| st.sends[s as usize][d as usize].is_some()).collect();
                assert_eq!(sent[s as usize].0, dests, "{file} run {run} round {r}: destinations of p{s}");
            }
            for i in 0..n {
                let received: Vec<(u32, Vec<Value>)> =
                    ho[i as usize].iter().filter(|&&s| sent[s as usize].0.contains(&i)).map(|&s| (s, sent[s as usize].1.clone())).collect();
                let local = p.update(r, i, n, &global.cur[i as usize], &received).expect("local update");
                assert_eq!(local, st.post.cur[i as usize], "{file} run {run} round {r}: p{i} heard {:?}", ho[i as usize]);
                let expected = p.expected(r, i, n, &global.cur[i as usize]).expect("expected");
                assert!(expected <= n as usize, "{file}: expected {expected} > n");
            }
            global = st.post;
        }
    }
}

#[test]
fn otr_replicas_agree_with_the_global_interpreter() {
    for n in [3, 4, 5] {
        agrees_with_the_global_step("zoo/otr.rs", &[], n, 20, 6);
    }
}

#[test]
fn last_voting_replicas_agree_with_the_global_interpreter() {
    for n in [3, 4, 5] {
        agrees_with_the_global_step("zoo/last_voting.rs", &[], n, 20, 12);
    }
}

#[test]
fn other_benchmarks_agree_with_the_global_interpreter() {
    let f1: &[(&str, i64)] = &[("f", 1)];
    for (f, params) in [
        ("zoo/short_last_voting.rs", &[][..]),
        ("zoo/quorum_vote.rs", f1),
        ("zoo/floodmin_crash.rs", f1),
        ("zoo/two_phase_commit.rs", &[]),
        ("zoo/eager_reliable_broadcast.rs", &[]),
    ] {
        agrees_with_the_global_step(f, params, 4, 10, 8);
    }
}

#[test]
fn a_helper_result_is_refused_with_its_round() {
    let file = "zoo/ben_or.rs";
    let text = std::fs::read_to_string(format!("{}/../{file}", env!("CARGO_MANIFEST_DIR"))).expect("the benchmark exists");
    let alg = crate::parse_spec(file, &text).map_err(|e| e.short()).expect("in the subset");
    let fns = crate::runtime_fns(file, &text, &alg).map_err(|e| e.short()).expect("decision in the subset");
    let e = Program::new(alg, fns, [("f".to_string(), 1)].into()).expect_err("the coin is a helper");
    assert!(matches!(&e, crate::interp::InterpError::Unsupported { what, .. } if what.contains("coin")), "{e}");
    assert!(e.round().is_some());
}

#[test]
fn decisions_and_views_follow_the_spec() {
    let p = program("zoo/last_voting.rs", &[]);
    // Collect sends (x, ts) to the coordinator; the view is those fields.
    assert_eq!(p.view(0), vec!["x", "ts"]);
    let s = p.init(1, 3, &[("initial".to_string(), Value::Int(7))].into()).expect("init");
    assert_eq!(p.send(0, 1, 3, &s).expect("send").0, vec![0]);
    assert_eq!(p.decision(1, 3, &s).expect("decision"), None);
    // `expected`: a majority at the coordinator, none elsewhere.
    assert_eq!(p.expected(0, 0, 3, &s).expect("expected"), 2);
    assert_eq!(p.expected(0, 1, 3, &s).expect("expected"), 0);
    let mut d: BTreeMap<String, Value> = s.clone();
    d.insert("decided".into(), Value::Bool(true));
    d.insert("decision".into(), Value::Int(7));
    assert_eq!(p.decision(1, 3, &d).expect("decision"), Some(Value::Int(7)));
    // A view of the wrong shape is dropped, as a malformed message is.
    let bad = vec![(2, vec![Value::Bool(true)])];
    assert_eq!(p.update(0, 0, 3, &s, &bad).expect("update"), p.update(0, 0, 3, &s, &[]).expect("update"));
}

#[test]
fn a_spec_without_decision_or_with_one_outside_the_subset_is_refused() {
    let file = "zoo/otr.rs";
    let text = std::fs::read_to_string(format!("{}/../{file}", env!("CARGO_MANIFEST_DIR"))).expect("the benchmark exists");
    let body = "if self.decided { Some(self.decision) } else { None }";
    assert_eq!(text.matches(body).count(), 1);
    // Without `fn decision` a replica would never decide.
    let start = text.find("    fn decision(&self)").expect("a decision fn");
    let end = start + text[start..].find("\n    }\n").expect("its end") + 7;
    let without = format!("{}{}", &text[..start], &text[end..]);
    let alg = crate::parse_spec(file, &without).map_err(|e| e.short()).expect("still a spec");
    let fns = crate::runtime_fns(file, &without, &alg).map_err(|e| e.short()).expect("nothing to translate");
    assert!(fns.decision.is_none());
    let e = Program::new(alg, fns, BTreeMap::new()).expect_err("no decision");
    assert!(e.to_string().contains("no `fn decision`"), "{e}");
    // A body outside the subset is a located error.
    let odd = text.replace(body, "self.decided.then(|| self.decision)");
    let alg = crate::parse_spec(file, &odd).map_err(|e| e.short()).expect("check does not read decision");
    let e = crate::runtime_fns(file, &odd, &alg).expect_err("outside the subset");
    assert!(e.short().contains("otr.rs:"), "{}", e.short());
}
