//! The benchmarks are proved push-button: every VC of otr.rs and
//! last_voting.rs is `Proved` with the default settings (none unknown, none
//! timing out). Slow (Z3 on 32 VCs): `cargo test -p psync-encodings --test prove -- --ignored`.

use psync_encodings::{Verdict, check_vc, generate_vcs, load_spec};
use psync_logic::check::CheckConfig;
use psync_logic::smt::Z3InProcess;

fn prove_all(name: &str) {
    let alg = load_spec(format!("{}/../benchmarks/{name}.rs", env!("CARGO_MANIFEST_DIR"))).expect("in the subset");
    let backend = Z3InProcess::new();
    let mut not_proved = Vec::new();
    for vc in generate_vcs(&alg) {
        let out = check_vc(&alg, &vc, &CheckConfig::default(), &backend).expect("checkable");
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
#[ignore = "slow: runs Z3 on every VC"]
fn otr_is_proved() {
    prove_all("otr");
}

#[test]
#[ignore = "slow: runs Z3 on every VC"]
fn last_voting_is_proved() {
    prove_all("last_voting");
}
