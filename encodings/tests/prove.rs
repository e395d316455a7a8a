//! The benchmarks are proved push-button: every VC of otr.rs and
//! last_voting.rs is `Proved` with the default settings (the budget raised
//! for loaded CI machines, see `prove`).

use psync_encodings::{NO_HINTS, Verdict, check_vc, generate_vcs, load_spec};
use psync_logic::check::CheckConfig;
use psync_logic::smt::Z3InProcess;

/// Check every VC of benchmark `name`; all must be proved.
fn prove_all(name: &str) {
    let alg = load_spec(format!("{}/../zoo/{name}.rs", env!("CARGO_MANIFEST_DIR"))).expect("in the subset");
    let backend = Z3InProcess::new();
    let mut not_proved = Vec::new();
    for vc in generate_vcs(&alg) {
        // The default budget (20 s) with room for a loaded CI machine (a
        // debug build, and the schedule's slices are wall-clock): the
        // slowest VC (OTR progress inv0) takes about 16 s in release.
        let cfg = CheckConfig { timeout: std::time::Duration::from_secs(60), ..CheckConfig::default() };
        let out = check_vc(&alg, &vc, &cfg, &backend, &NO_HINTS).expect("checkable");
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
fn otr_is_proved() {
    prove_all("otr");
}

#[test]
fn last_voting_is_proved() {
    prove_all("last_voting");
}
