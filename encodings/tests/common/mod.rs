//! Helpers shared by the front end's integration tests: patching a spec's
//! text, loading it, checking one VC, and locating a rejection.

// Each test binary uses the helpers it needs.
#![allow(dead_code)]

use std::time::Duration;

use psync_encodings::{Algorithm, NO_HINTS, Verdict, check_vc, generate_vcs, parse_spec};
use psync_logic::check::CheckConfig;
use psync_logic::smt::Z3InProcess;

/// `base` with `from` (which must occur exactly once) replaced by `to`.
pub fn patched(base: &str, from: &str, to: &str) -> String {
    assert_eq!(base.matches(from).count(), 1, "the patch site must occur once: {from}");
    base.replacen(from, to, 1)
}

/// The spec `text`, reported as file `name`; a rejection fails the test.
pub fn load(name: &str, text: &str) -> Algorithm {
    parse_spec(name, text).unwrap_or_else(|e| panic!("{}", e.short()))
}

/// The verdict of `alg`'s VC `id` (60 s, no hints).
pub fn verdict(alg: &Algorithm, id: &str) -> Verdict {
    let vc = generate_vcs(alg).into_iter().find(|v| v.id == id).unwrap_or_else(|| panic!("no VC {id}"));
    let cfg = CheckConfig { timeout: Duration::from_secs(60), ..CheckConfig::default() };
    check_vc(alg, &vc, &cfg, &Z3InProcess::new(), &NO_HINTS).expect("checkable").verdict
}

/// `src` is rejected with a message containing `msg`, located at the first
/// occurrence of `snippet` on the first line containing `at`.
pub fn expect_error(src: &str, msg: &str, at: &str, snippet: &str) {
    let e = parse_spec("bad.rs", src).expect_err("must be rejected");
    assert!(e.message.contains(msg), "message {:?} should contain {msg:?}", e.message);
    let line = src.lines().position(|l| l.contains(at)).expect("test setup: marker line") + 1;
    assert_eq!(e.line, line, "{}", e.short());
    let col = src.lines().nth(line - 1).unwrap().find(snippet).expect("snippet on that line") + 1;
    assert_eq!(e.column, col, "{}", e.short());
}
