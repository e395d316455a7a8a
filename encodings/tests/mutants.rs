//! Broken variants of the benchmarks (tests/mutants/*.rs): each must be
//! refuted on a known VC by a counterexample that really satisfies `H ∧ ¬C`.
//!
//! Two independent refuters: the brute-force oracle of psync-logic (small n,
//! no solver), and the full pipeline (reduction + Z3, then the bounded
//! counterexample search when the unbounded check does not give a confirmed
//! model).

use psync_encodings::{Verdict, check_vc, decode, generate_vcs, load_spec};
use psync_logic::check::CheckConfig;
use psync_logic::smt::Z3InProcess;
use psync_logic::{OracleBounds, OracleResult, find_model, holds};

/// (mutant file, the VC it must fail, the largest integer the oracle needs:
/// LastVoting's majority clause needs `r > 0`, so `r` reaches the round of the
/// VC and `r.post = r + 1`; 0 = beyond the oracle's reach (r = 4 and n = 3), prover only)
const MUTANTS: [(&str, &str, i64); 6] = [
    ("otr_half_quorum", "otr/inductive/inv0/round0", 1),
    ("otr_decided_at_start", "otr/init/inv0/start", 1),
    ("otr_forgets_decision", "otr/property/irrevocability/round0", 1),
    ("lv_commit_without_majority", "last_voting/inductive/inv0/round0", 0),
    ("lv_ready_without_majority", "last_voting/inductive/inv0/round2", 3),
    ("lv_decide_own_estimate", "last_voting/inductive/inv0/round3", 0),
];

fn load(name: &str) -> psync_encodings::Algorithm {
    let path = format!("{}/tests/mutants/{name}.rs", env!("CARGO_MANIFEST_DIR"));
    load_spec(&path).unwrap_or_else(|e| panic!("{name}: {}", e.short()))
}

#[test]
fn every_mutant_is_refuted_by_the_oracle() {
    for (name, id, max_int) in MUTANTS.into_iter().filter(|m| m.2 > 0) {
        let alg = load(name);
        let vcs = generate_vcs(&alg);
        let vc = vcs.iter().find(|v| v.id == id).unwrap_or_else(|| panic!("{name}: no VC {id}"));
        let bounds = OracleBounds { max_n: 3, ints: -1..=max_int, universe: 2, budget: 20_000_000 };
        let m = match find_model(&vc.formula(), &bounds) {
            OracleResult::Found(m) => m,
            other => panic!("{name}: the oracle found no counterexample to {id}: {other:?}"),
        };
        assert_eq!(holds(&vc.formula(), &m), Ok(true), "{name}: the model must satisfy H ∧ ¬C");
        let cex = decode(&alg, vc, &m);
        assert!(cex.confirmed && !cex.failed.is_empty() && cex.broken_hypotheses.is_empty(), "{name}:\n{cex}");
        println!("{name}:\n{cex}");
    }
}

#[test]
fn every_mutant_is_refuted_by_the_prover() {
    let backend = Z3InProcess::new();
    // A short unbounded attempt: the counterexamples are small, and the
    // bounded search that follows a timeout finds them.
    let cfg = CheckConfig { timeout: std::time::Duration::from_secs(4), ..CheckConfig::default() };
    for (name, id, _) in MUTANTS {
        let alg = load(name);
        let vcs = generate_vcs(&alg);
        let vc = vcs.iter().find(|v| v.id == id).unwrap_or_else(|| panic!("{name}: no VC {id}"));
        let out = check_vc(&alg, vc, &cfg, &backend).expect("checkable");
        match out.verdict {
            Verdict::Refuted(cex) => {
                assert!(cex.confirmed && !cex.failed.is_empty(), "{name}:\n{cex}");
                println!("{name}:\n{cex}");
            }
            other => panic!("{name}: {id} was not refuted: {other:?}"),
        }
    }
}
