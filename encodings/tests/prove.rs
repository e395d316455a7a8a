//! The benchmarks are proved push-button.
//!
//! The goal — every VC of otr.rs and last_voting.rs `Proved` with the default
//! settings — is not reached yet (OTR progress inv0, LastVoting inductive inv0
//! in rounds 0 and 2 and progress inv0 in rounds 0 and 2 are undecided; see
//! issue 3): those two tests are ignored until it is, and run with
//! `cargo test -p psync-encodings --test prove -- --ignored`. Meanwhile a
//! ratchet runs by default: the VCs proved today must stay proved.

use psync_encodings::{Verdict, check_vc, generate_vcs, load_spec};
use psync_logic::check::CheckConfig;
use psync_logic::smt::Z3InProcess;

fn prove_all(name: &str) {
    prove(name, |_| true);
}

/// Check the VCs of benchmark `name` that `select` keeps; all must be proved.
fn prove(name: &str, select: impl Fn(&str) -> bool) {
    let alg = load_spec(format!("{}/../benchmarks/{name}.rs", env!("CARGO_MANIFEST_DIR"))).expect("in the subset");
    let backend = Z3InProcess::new();
    let mut not_proved = Vec::new();
    for vc in generate_vcs(&alg).into_iter().filter(|vc| select(&vc.id)) {
        // The default budget (20 s) with room for a loaded CI machine: the
        // slowest proved VC (OTR inductive inv0) takes ~9 s alone in release.
        let cfg = CheckConfig { timeout: std::time::Duration::from_secs(60), ..CheckConfig::default() };
        let out = check_vc(&alg, &vc, &cfg, &backend).expect("checkable");
        println!("{:45} {:?} {:?}", out.id, out.time, matches!(out.verdict, Verdict::Proved));
        match out.verdict {
            Verdict::Proved => {}
            Verdict::Refuted(cex) => not_proved.push(format!("{}: refuted\n{cex}", vc.id)),
            other => not_proved.push(format!("{}: {other:?}", vc.id)),
        }
    }
    assert!(not_proved.is_empty(), "{}", not_proved.join("\n"));
}

#[test]
fn otr_vcs_proved_so_far_stay_proved() {
    // Today: all but progress inv0.
    prove("otr", |id| id != "otr/progress/inv0/round0");
}

#[test]
fn last_voting_vcs_proved_so_far_stay_proved() {
    // Today: init, inv0 in rounds 1 and 3, every inv1 step, the properties,
    // and progress in rounds 1 and 3.
    prove("last_voting", |id| {
        id == "last_voting/init/inv0/start"
            || id == "last_voting/inductive/inv0/round1"
            || id == "last_voting/inductive/inv0/round3"
            || id.starts_with("last_voting/inductive/inv1/")
            || id.starts_with("last_voting/property/")
            || id == "last_voting/progress/inv0/round1"
            || id == "last_voting/progress/inv0/round3"
    });
}

#[test]
#[ignore = "not reached yet: OTR progress inv0 times out (issue 3)"]
fn otr_is_proved() {
    prove_all("otr");
}

#[test]
#[ignore = "not reached yet: LastVoting inductive inv0 rounds 0, 2 and progress inv0 rounds 0, 2 are undecided (issue 3)"]
fn last_voting_is_proved() {
    prove_all("last_voting");
}
