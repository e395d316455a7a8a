//! The committed hint files (`benchmarks/*.hints.json`) are the hints of
//! the specs as they are: every VC has a witness of its hypotheses (they
//! hold in it), every part of every VC has a hint with a core,
//! and every assertion the core names is one of the part's reduced query
//! under the hint's strategy. No solving: a stale hint costs only time
//! (a check falls back to the whole query), so this test is what notices
//! that a change to the specs, the VC scheme or the reduction left the
//! committed files behind.
//!
//! To re-record after such a change (about 7 s per file on 2 cores):
//!
//! ```text
//! rm benchmarks/otr.hints.json
//! cargo run --release -- check benchmarks/otr.rs --hints benchmarks/otr.hints.json
//! ```

use std::collections::BTreeSet;
use std::path::Path;

use psync_encodings::hints::{HintFile, PartHint};
use psync_logic::check::{CheckConfig, query, reduce};
use psync_logic::hint::TermKey;

/// What is wrong with `spec`'s committed hint file, one line per finding.
fn stale_hints(spec: &str) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let file = HintFile::load(&root.join(format!("{spec}.hints.json"))).expect("a hint file");
    let alg = psync_encodings::load_spec(root.join(format!("{spec}.rs"))).expect("the spec loads");
    let vcs = psync_encodings::generate_vcs(&alg);
    let reduce_cfg = CheckConfig::default().reduce;
    let mut findings = Vec::new();
    let ids: BTreeSet<&str> = vcs.iter().map(|vc| vc.id.as_str()).collect();
    findings.extend(file.vcs.keys().filter(|id| !ids.contains(id.as_str())).map(|id| format!("{id}: no such VC")));
    for vc in &vcs {
        // The witness of the vacuity review: the hypotheses hold in it (an
        // evaluation, no solving).
        match &file.for_vc(&vc.id).witness {
            Some(m) if psync_logic::holds(&vc.hypothesis(), m) == Ok(true) => {}
            Some(_) => findings.push(format!("{}: the hypotheses do not hold in the witness", vc.id)),
            None => findings.push(format!("{}: no witness of the hypotheses", vc.id)),
        }
        for (k, part) in vc.parts().iter().enumerate() {
            let Some(hint) = PartHint::find(&file.for_vc(&vc.id).parts, part) else {
                findings.push(format!("{} part {k}: no hint", vc.id));
                continue;
            };
            if hint.core.is_empty() {
                findings.push(format!("{} part {k}: a hint without a core", vc.id));
                continue;
            }
            let reduced = reduce(part, &hint.strategy.apply(&reduce_cfg)).expect("the part reduces");
            let keys: BTreeSet<TermKey> = query(&reduced).assertions.iter().map(TermKey::of).collect();
            let missing = hint.core.iter().filter(|k| !keys.contains(k)).count();
            if missing > 0 {
                findings.push(format!("{} part {k}: {missing} of {} core assertions not in the query", vc.id, hint.core.len()));
            }
        }
    }
    findings
}

#[test]
fn the_committed_otr_hints_are_those_of_the_spec_as_it_is() {
    assert_eq!(stale_hints("otr"), Vec::<String>::new(), "re-record benchmarks/otr.hints.json (see this file's doc)");
}

#[test]
fn the_committed_last_voting_hints_are_those_of_the_spec_as_it_is() {
    assert_eq!(stale_hints("last_voting"), Vec::<String>::new(), "re-record benchmarks/last_voting.hints.json (see this file's doc)");
}
