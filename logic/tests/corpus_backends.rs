//! Both SMT back ends agree on the whole corpus: every corpus query is
//! reduced once and the same reduced query goes to Z3 in-process and to a
//! `z3` child process. They must never contradict each other (one unsat, the
//! other sat), every model either returns must satisfy the reduced query, and
//! both must decide most of the corpus. A query that one side decides and
//! the other gives up on is printed (the two runs of the same solver differ
//! in timing), not counted as a contradiction.
//!
//! Without the `z3` binary this test is skipped loudly (see
//! `common::z3_process`); `.ci/run` installs the binary and requires it.

mod common;

use std::path::Path;
use std::time::Duration;

use psync_logic::check::{query, reduce};
use psync_logic::parse_query;
use psync_logic::reduce::ReduceConfig;
use psync_logic::smt::{Backend, SmtQuery, SolverResult, Z3InProcess, check_model};

fn corpus() -> Vec<(String, String)> {
    let mut out = Vec::new();
    for dir in ["valid", "invalid"] {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus").join(dir);
        for entry in std::fs::read_dir(&path).expect("the corpus folder exists") {
            let p = entry.expect("readable entry").path();
            if p.extension().is_some_and(|x| x == "cl") {
                let name = format!("{dir}/{}", p.file_name().expect("a file").to_string_lossy());
                out.push((name, std::fs::read_to_string(&p).expect("readable corpus file")));
            }
        }
    }
    out.sort();
    out
}

/// A model must satisfy the query it answers.
fn check(q: &SmtQuery, m: &psync_logic::Model, what: &str, problems: &mut Vec<String>) {
    match check_model(q, m) {
        Ok(true) => {}
        Ok(false) => problems.push(format!("{what}: the model falsifies the reduced query")),
        // Assertions quantifying over Int cannot be evaluated on a finite table.
        Err(e) => eprintln!("note: {what}: model not evaluated: {e}"),
    }
}

fn kind(r: &SolverResult) -> &'static str {
    match r {
        SolverResult::Unsat => "unsat",
        SolverResult::Sat(_) => "sat",
        SolverResult::Unknown(_) => "unknown",
        SolverResult::Timeout => "timeout",
    }
}

#[test]
fn both_back_ends_agree_on_every_reduced_corpus_query() {
    let Some(child) = common::z3_process() else { return };
    let inproc = Z3InProcess::new();
    let timeout = Duration::from_secs(5);
    let queries = corpus();
    assert!(queries.len() >= 50, "the corpus has {} queries", queries.len());
    let mut disagreements = Vec::new();
    let mut decided = 0;
    for (name, src) in &queries {
        let q = parse_query(src).unwrap_or_else(|e| panic!("{name}: {e}"));
        let reduced = reduce(&q.formula(), &ReduceConfig::default()).unwrap_or_else(|e| panic!("{name}: {e}"));
        let smt = query(&reduced);
        // Both back ends at once: two cores, half the test's time.
        let (a, b) = std::thread::scope(|s| {
            let a = s.spawn(|| inproc.check(&smt, timeout));
            let b = child.check(&smt, timeout);
            (a.join().expect("the in-process check does not panic"), b)
        });
        let a = a.unwrap_or_else(|e| panic!("{name}: in-process: {e}"));
        let b = b.unwrap_or_else(|e| panic!("{name}: child process: {e}"));
        for (side, r) in [("in-process", &a), ("child process", &b)] {
            if let SolverResult::Sat(m) = r {
                check(&smt, m, &format!("{name}: {side}"), &mut disagreements);
            }
        }
        match (&a, &b) {
            (SolverResult::Sat(_), SolverResult::Sat(_)) | (SolverResult::Unsat, SolverResult::Unsat) => decided += 1,
            (SolverResult::Sat(_), SolverResult::Unsat) | (SolverResult::Unsat, SolverResult::Sat(_)) => {
                disagreements.push(format!("{name}: in-process {}, child process {}", kind(&a), kind(&b)))
            }
            _ if kind(&a) != kind(&b) => {
                eprintln!("note: {name}: in-process {}, child process {}", kind(&a), kind(&b))
            }
            _ => {}
        }
    }
    assert!(disagreements.is_empty(), "the back ends disagree:\n{}", disagreements.join("\n"));
    // Most of the corpus must be decided, or the comparison says little.
    assert!(decided * 4 >= queries.len() * 3, "only {decided} of {} corpus queries decided", queries.len());
}
