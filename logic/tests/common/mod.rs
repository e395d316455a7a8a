//! Test support shared by the integration tests of psync-logic.

use psync_logic::smt::SmtProcess;

/// The `z3` child-process back end, if the `z3` binary is installed.
///
/// Without it, the tests that compare both back ends cannot run their
/// child-process half. By default they then print a loud warning on the real
/// standard error (not the harness's captured one) and skip that half, so
/// `cargo test` works on a machine with only libz3; with
/// `PSYNC_REQUIRE_Z3_BINARY=1` (as `.ci/run` sets it) a missing binary fails
/// the test instead.
pub fn z3_process() -> Option<SmtProcess> {
    let ok = std::process::Command::new("z3").arg("-version").output().is_ok_and(|o| o.status.success());
    if ok {
        return Some(SmtProcess::z3());
    }
    if std::env::var("PSYNC_REQUIRE_Z3_BINARY").as_deref() == Ok("1") {
        panic!(
            "the `z3` binary is not installed but PSYNC_REQUIRE_Z3_BINARY=1: \
             install it (`apt-get install -y z3`) to run the child-process back-end tests"
        );
    }
    static WARN: std::sync::Once = std::sync::Once::new();
    WARN.call_once(|| {
        use std::io::Write as _;
        let _ = writeln!(
            std::io::stderr(),
            "\n!!!!!!!! WARNING: the `z3` binary is not installed: the z3 CHILD-PROCESS back-end tests are SKIPPED \
             (apt-get install -y z3; PSYNC_REQUIRE_Z3_BINARY=1 makes this an error) !!!!!!!!\n"
        );
    });
    None
}
