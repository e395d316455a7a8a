//! Broken variants of the benchmarks: each must be refuted on a known VC by a
//! counterexample that really satisfies `H ∧ ¬C`.
//!
//! A mutant is not a copy of a spec file: it is generated here from the
//! CURRENT text of its benchmark (`zoo/*.rs`) by one textual patch
//! (`MUTANTS`), whose `from` snippet must occur exactly once, so an edit of
//! the benchmark that moves the mutation site fails loudly instead of testing
//! an unmutated spec. The one file kept on disk,
//! `tests/mutants/otr_decided_at_start.rs` (the CLI snapshot test needs a path),
//! is checked to be exactly its benchmark with its patch applied.
//!
//! Two independent refuters: the brute-force oracle of psync-logic (small n,
//! no solver), and the full pipeline (reduction + Z3, with the bounded
//! counterexample search racing the proof).

use psync_encodings::{Algorithm, NO_HINTS, Verdict, check_vc, decode, generate_vcs, parse_spec};
use psync_logic::check::CheckConfig;
use psync_logic::smt::Z3InProcess;
use psync_logic::{OracleBounds, OracleResult, find_model, holds};

/// One broken variant of a benchmark.
struct Mutant {
    name: &'static str,
    /// The benchmark it patches, relative to the workspace root.
    bench: &'static str,
    /// The exact text replaced (must occur exactly once in `bench`) ...
    from: &'static str,
    /// ... and its replacement.
    to: &'static str,
    /// The VC it must fail.
    vc: &'static str,
    /// The largest integer the oracle needs: LastVoting's majority clause
    /// needs `r > 0`, so `r` reaches the round of the VC and `r.post = r + 1`;
    /// 0 = beyond the oracle's reach (r = 4 and n = 3), prover only.
    max_int: i64,
}

const MUTANTS: [Mutant; 6] = [
    // Decides on more than n/2 identical messages instead of 2n/3: breaks
    // Inv_0, hence Agreement.
    Mutant {
        name: "otr_half_quorum",
        bench: "zoo/otr.rs",
        from: "if 3 * mbox.count(|&v| v == p.x) > 2 * cx.n() {",
        to: "if 2 * mbox.count(|&v| v == p.x) > cx.n() {",
        vc: "otr/inductive/inv0/round0",
        max_int: 1,
    },
    // Starts decided (on -1): the initial states violate Inv_0.
    Mutant {
        name: "otr_decided_at_start",
        bench: "zoo/otr.rs",
        from: "Otr { x: io.initial, decided: false, decision: -1 }",
        to: "Otr { x: io.initial, decided: true, decision: -1 }",
        vc: "otr/init/inv0/start",
        max_int: 1,
    },
    // A round with too few messages resets `decided`, so a decision can be
    // taken back: breaks Irrevocability.
    Mutant {
        name: "otr_forgets_decision",
        bench: "zoo/otr.rs",
        from: "                p.decision = p.x;\n            }\n        }\n",
        to: "                p.decision = p.x;\n            }\n        } else {\n            p.decided = false;\n        }\n",
        vc: "otr/property/irrevocability/round0",
        max_int: 1,
    },
    // The coordinator commits (in Collect) without hearing from a majority:
    // breaks Inv_0's majority clause.
    Mutant {
        name: "lv_commit_without_majority",
        bench: "zoo/last_voting.rs",
        from: "if cx.id() == cx.coord() && 2 * mbox.len() > cx.n() {\n            if let Some",
        to: "if cx.id() == cx.coord() {\n            if let Some",
        vc: "last_voting/inductive/inv0/round0",
        max_int: 0,
    },
    // The coordinator gets ready (in Quorum) with a single acknowledgement:
    // breaks Inv_0.
    Mutant {
        name: "lv_ready_without_majority",
        bench: "zoo/last_voting.rs",
        from: "if cx.id() == cx.coord() && 2 * mbox.len() > cx.n() {\n            p.ready = true;",
        to: "if cx.id() == cx.coord() && mbox.len() > 0 {\n            p.ready = true;",
        vc: "last_voting/inductive/inv0/round2",
        max_int: 3,
    },
    // A process decides (in Accept) its own estimate instead of the
    // coordinator's vote: breaks Inv_0.
    Mutant {
        name: "lv_decide_own_estimate",
        bench: "zoo/last_voting.rs",
        from: "if let Some(&v) = mbox.get(cx.coord()) {\n            p.decision = v;",
        to: "if let Some(&_v) = mbox.get(cx.coord()) {\n            p.decision = p.x;",
        vc: "last_voting/inductive/inv0/round3",
        max_int: 0,
    },
];

/// OTR updating `x` on a majority of messages instead of more than 2n/3:
/// breaks Inv_0 (and Agreement) only from n = 7 on, beyond the sizes with
/// an exact bounded query, so only the search with small data finds it.
const LARGE_N: Mutant = Mutant {
    name: "otr_low_update_threshold",
    bench: "zoo/otr.rs",
    from: "if 3 * mbox.len() > 2 * cx.n() {",
    to: "if 2 * mbox.len() > cx.n() {",
    vc: "otr/inductive/inv0/round0",
    max_int: 0,
};

/// Held by the solver-heavy tests, so that they run one at a time: in
/// parallel on 2 cores, the n = 7 refutation (about 9 s alone, debug build)
/// missed the 20 s limit next to the others.
static HEAVY: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// One heavy test at a time (a failed one does not block the rest).
fn heavy() -> std::sync::MutexGuard<'static, ()> {
    HEAVY.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The mutant kept on disk for the CLI snapshot test (`tests/snapshots.rs`).
const ON_DISK: (&str, &str) = ("otr_decided_at_start", "tests/mutants/otr_decided_at_start.rs");

/// A file of the workspace, by its path from the workspace root.
fn workspace_file(path: &str) -> String {
    let full = format!("{}/../{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{full}: {e}"))
}

/// `text` with `from` replaced by `to`, which must occur exactly once.
fn mutate(name: &str, text: &str, from: &str, to: &str) -> String {
    let count = text.matches(from).count();
    assert_eq!(count, 1, "{name}: the mutation site `{from}` must occur exactly once in its benchmark, found {count}");
    text.replacen(from, to, 1)
}

/// The spec text of a mutant: its benchmark, as it is now, patched.
fn mutant_text(m: &Mutant) -> String {
    mutate(m.name, &workspace_file(m.bench), m.from, m.to)
}

fn load(m: &Mutant) -> Algorithm {
    let file = format!("{} [mutant {}]", m.bench, m.name);
    parse_spec(&file, &mutant_text(m)).unwrap_or_else(|e| panic!("{}: {}", m.name, e.short()))
}

#[test]
fn every_mutation_site_occurs_once_and_changes_the_benchmark() {
    for m in MUTANTS.iter().chain([&LARGE_N]) {
        assert_ne!(m.from, m.to, "{}: an empty patch", m.name);
        let text = mutant_text(m);
        assert_ne!(text, workspace_file(m.bench), "{}", m.name);
    }
}

#[test]
fn the_mutant_on_disk_is_its_benchmark_patched() {
    let (name, path) = ON_DISK;
    let m = MUTANTS.iter().find(|m| m.name == name).expect("the on-disk mutant is in MUTANTS");
    let path = format!("{}/{path}", env!("CARGO_MANIFEST_DIR"));
    let on_disk = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    // A header of `//!` lines saying what the file is, then exactly the patched benchmark.
    let header = on_disk.strip_suffix(mutant_text(m).as_str()).unwrap_or_else(|| {
        panic!("{path} drifted: it must be a `//!` header followed by exactly {} with the `{name}` patch applied", m.bench)
    });
    assert!(
        !header.is_empty() && header.lines().all(|l| l.starts_with("//!")),
        "{path}: the text before the patched benchmark must be `//!` lines only:\n{header}"
    );
    // The spec the CLI reads is the one the other tests refute.
    let alg = psync_encodings::load_spec(&path).unwrap_or_else(|e| panic!("{name}: {}", e.short()));
    assert!(generate_vcs(&alg).iter().any(|v| v.id == m.vc), "{path}: no VC {}", m.vc);
}

#[test]
fn every_mutant_is_refuted_by_the_oracle() {
    let _one_at_a_time = heavy();
    for m in MUTANTS.iter().filter(|m| m.max_int > 0) {
        let (name, id) = (m.name, m.vc);
        let alg = load(m);
        let vcs = generate_vcs(&alg);
        let vc = vcs.iter().find(|v| v.id == id).unwrap_or_else(|| panic!("{name}: no VC {id}"));
        let start = std::time::Instant::now();
        let bounds = OracleBounds { max_n: 3, ints: -1..=m.max_int, universe: 2, budget: 20_000_000 };
        let model = match find_model(&vc.formula(), &bounds) {
            OracleResult::Found(model) => model,
            other => panic!("{name}: the oracle found no counterexample to {id}: {other:?}"),
        };
        assert_eq!(holds(&vc.formula(), &model), Ok(true), "{name}: the model must satisfy H ∧ ¬C");
        let cex = decode(&alg, vc, &model);
        assert!(cex.confirmed && !cex.failed.is_empty() && cex.broken_hypotheses.is_empty(), "{name}:\n{cex}");
        println!("{name} ({:.1} s):\n{cex}", start.elapsed().as_secs_f64());
    }
}

#[test]
fn every_mutant_is_refuted_by_the_prover() {
    let _one_at_a_time = heavy();
    let backend = Z3InProcess::new();
    // The default time limit: the bounded search racing the proof refutes
    // each within a few seconds, and the verdict comes as soon as it has a
    // confirmed model. The reduction's local instantiation pass only serves
    // proofs and costs ~120 s (debug) on the three LastVoting VCs, so it is
    // off here.
    let mut cfg = CheckConfig::default();
    cfg.reduce.local_instantiation = false;
    for m in &MUTANTS {
        let (name, id) = (m.name, m.vc);
        let alg = load(m);
        let vcs = generate_vcs(&alg);
        let vc = vcs.iter().find(|v| v.id == id).unwrap_or_else(|| panic!("{name}: no VC {id}"));
        let start = std::time::Instant::now();
        let out = check_vc(&alg, vc, &cfg, &backend, &NO_HINTS).expect("checkable");
        match out.verdict {
            Verdict::Refuted(cex) => {
                assert!(cex.confirmed && !cex.failed.is_empty(), "{name}:\n{cex}");
                println!("{name} ({:.1} s):\n{cex}", start.elapsed().as_secs_f64());
            }
            other => panic!("{name}: {id} was not refuted: {other:?}"),
        }
    }
}

#[test]
fn a_mutant_broken_only_from_seven_processes_on_is_refuted() {
    let _one_at_a_time = heavy();
    let m = &LARGE_N;
    let alg = load(m);
    let vcs = generate_vcs(&alg);
    let vc = vcs.iter().find(|v| v.id == m.vc).unwrap_or_else(|| panic!("{}: no VC {}", m.name, m.vc));
    let mut cfg = CheckConfig::default();
    cfg.reduce.local_instantiation = false;
    let out = check_vc(&alg, vc, &cfg, &Z3InProcess::new(), &NO_HINTS).expect("checkable");
    let Verdict::Refuted(cex) = out.verdict else { panic!("{}: {} was not refuted: {:?}", m.name, m.vc, out.verdict) };
    assert!(cex.confirmed && !cex.failed.is_empty(), "{cex}");
    assert!(cex.n >= 7, "no counterexample has fewer than 7 processes, this one has {}:\n{cex}", cex.n);
    assert!(out.time <= cfg.timeout + std::time::Duration::from_secs(2), "{:?}", out.time);
    println!("{} ({:.1} s):\n{cex}", m.name, out.time.as_secs_f64());
}
