//! Reduction and reduction + solving time on the corpus
//! (`tests/corpus/{valid,invalid}/*.cl`), with Z3 in process.
//!
//! ```text
//! cargo bench -p psync-logic --bench reduce_corpus -- [--timeout SECS] [--runs N] [--filter SUBSTR]
//! ```
//!
//! A plain harness: each query is reduced alone (`check::reduce`) and checked
//! (`check::check_sat`) `--runs` times (default 3) with a solver time limit
//! (`CheckConfig::timeout`) of `--timeout` seconds (default 5); the table
//! gives the medians. A check can take longer than the limit: after a solver
//! timeout, the bounded search gets up to the same budget again.
//! `--filter` keeps the queries whose name (`valid/foo`) contains SUBSTR.
//!
//! A wrong verdict (a valid query `Sat`, an invalid one `Unsat`) in any run is
//! a soundness bug: the benchmark then exits non-zero, as it does when a query
//! cannot be parsed, reduced or solved. Undecided queries (timeout, unknown)
//! are only reported; the known gaps are marked as such. Results are recorded
//! in `logic/BENCHMARKS.md`.

use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use psync_logic::check::{CheckConfig, CheckResult, check_sat, reduce};
use psync_logic::smt::Z3InProcess;
use psync_logic::{Expect, parse_query};

/// The valid queries not decided yet. The list (with the reasons) is kept
/// by `tests/reduce_corpus.rs`, which fails when it goes stale; this copy
/// only labels the table.
const KNOWN_GAPS: &[&str] = &[
    "valid/bool_set_card",
    "valid/otr_invariant_preservation",
    "valid/three_two_thirds_common",
];

struct Args {
    timeout: Duration,
    runs: usize,
    filter: Option<String>,
}

const USAGE: &str = "usage: reduce_corpus [--timeout SECS] [--runs N] [--filter SUBSTR]";

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        timeout: Duration::from_secs(5),
        runs: 3,
        filter: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut value = |name: &str| it.next().ok_or(format!("{name} needs a value"));
        match a.as_str() {
            // Passed by `cargo bench` to every bench target.
            "--bench" => {}
            "--timeout" => {
                let v = value("--timeout")?;
                args.timeout = v
                    .parse::<f64>()
                    .ok()
                    .filter(|s| s.is_finite() && *s > 0.0)
                    .map(Duration::from_secs_f64)
                    .ok_or(format!("bad --timeout {v:?}"))?;
            }
            "--runs" => {
                let v = value("--runs")?;
                args.runs = v
                    .parse()
                    .ok()
                    .filter(|&n| n > 0)
                    .ok_or(format!("bad --runs {v:?}"))?;
            }
            "--filter" => args.filter = Some(value("--filter")?),
            "-h" | "--help" => return Err(USAGE.into()),
            other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
        }
    }
    Ok(args)
}

/// `(name, expected, source)`, sorted, e.g. `("valid/foo", Unsat, "...")`.
fn corpus() -> Vec<(String, Expect, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut out = Vec::new();
    for (dir, expected) in [("valid", Expect::Unsat), ("invalid", Expect::Sat)] {
        let entries = std::fs::read_dir(root.join(dir))
            .unwrap_or_else(|e| panic!("{}: {e}", root.join(dir).display()));
        for p in entries.filter_map(Result::ok).map(|e| e.path()) {
            if p.extension().is_some_and(|x| x == "cl") {
                let src =
                    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
                let stem = p.file_stem().unwrap_or_default().to_string_lossy();
                out.push((format!("{dir}/{stem}"), expected, src));
            }
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}


fn median(xs: &[Duration]) -> Duration {
    let mut v = xs.to_vec();
    v.sort();
    match v.len() {
        0 => Duration::ZERO,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2,
    }
}

fn fmt(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s >= 1.0 {
        format!("{s:.2} s")
    } else if s >= 1e-3 {
        format!("{:.1} ms", s * 1e3)
    } else {
        format!("{:.0} µs", s * 1e6)
    }
}

struct Row {
    name: String,
    expected: &'static str,
    verdict: String,
    reduce: Duration,
    total: Duration,
    size: usize,
    note: String,
    /// The verdict of every run was the expected one.
    decided: bool,
    wrong: bool,
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let cfg = CheckConfig {
        timeout: args.timeout,
        ..Default::default()
    };
    let backend = Z3InProcess::new();
    let queries: Vec<_> = corpus()
        .into_iter()
        .filter(|(name, _, _)| {
            args.filter
                .as_ref()
                .is_none_or(|f| name.contains(f.as_str()))
        })
        .collect();
    println!(
        "reduce_corpus: {} queries, {} runs each, timeout {:?}, Z3 in process",
        queries.len(),
        args.runs,
        args.timeout
    );

    let mut rows = Vec::new();
    let mut errors = Vec::new();
    for (name, expected, src) in &queries {
        let fail = |e: String| format!("{name}: {e}");
        let q = match parse_query(src) {
            Ok(q) => q,
            Err(e) => {
                errors.push(fail(format!("parse error: {e}")));
                continue;
            }
        };
        if q.expect.is_some_and(|e| e != *expected) {
            errors.push(fail("its `expect` disagrees with its folder".into()));
            continue;
        }
        let f = q.formula();
        let (mut reduce_t, mut total_t, mut verdicts) = (Vec::new(), Vec::new(), Vec::new());
        let mut size = 0;
        let mut unknown_why = None;
        for _ in 0..args.runs {
            let t = Instant::now();
            match reduce(&f, &cfg.reduce) {
                Ok(r) => {
                    reduce_t.push(t.elapsed());
                    size = r.stats.output_size;
                }
                Err(e) => {
                    errors.push(fail(format!("reduce: {e}")));
                    break;
                }
            }
            match check_sat(&f, &cfg, &backend) {
                Ok(c) => {
                    total_t.push(c.stats.total);
                    if let CheckResult::Unknown(why) = &c.result {
                        unknown_why = Some(why.clone());
                    }
                    verdicts.push(c.result.name());
                }
                Err(e) => {
                    errors.push(fail(format!("check: {e}")));
                    break;
                }
            }
        }
        if verdicts.len() < args.runs {
            continue;
        }
        let want = match expected {
            Expect::Unsat => "unsat",
            Expect::Sat => "sat",
        };
        let wrong = verdicts
            .iter()
            .any(|v| matches!(*v, "sat" | "unsat") && *v != want);
        let decided = verdicts.iter().all(|v| *v == want);
        let mut distinct = verdicts.clone();
        distinct.dedup();
        let verdict = if distinct.len() == 1 {
            distinct[0].to_string()
        } else {
            let mut kinds = verdicts.clone();
            kinds.sort();
            kinds.dedup();
            kinds
                .iter()
                .map(|k| format!("{k}×{}", verdicts.iter().filter(|v| *v == k).count()))
                .collect::<Vec<_>>()
                .join(" ")
        };
        let gap = KNOWN_GAPS.contains(&name.as_str());
        let total = median(&total_t);
        // At or over the time limit, the main solver call timed out: an
        // expected `sat` then comes from the bounded search that follows.
        let slow = total >= args.timeout;
        let note = if wrong {
            "MISMATCH (soundness bug)".to_string()
        } else if decided && gap {
            "decided, but listed as a known gap".to_string()
        } else if decided && slow {
            "≥ timeout: Z3 timed out, sat from the bounded search".to_string()
        } else if decided {
            String::new()
        } else if gap {
            format!("known gap{}", if slow { ", ≥ timeout" } else { "" })
        } else {
            "undecided, not a known gap".to_string()
        };
        if let Some(why) = unknown_why.filter(|_| !decided) {
            eprintln!("{name}: {why}");
        }
        let row = Row {
            name: name.clone(),
            expected: if *expected == Expect::Unsat {
                "valid"
            } else {
                "invalid"
            },
            verdict,
            reduce: median(&reduce_t),
            total,
            size,
            note,
            decided,
            wrong,
        };
        eprintln!(
            "{:<44} {:<10} {:>10}",
            row.name,
            row.verdict,
            fmt(row.total)
        );
        rows.push(row);
    }

    // The table (Markdown, so it can be pasted into BENCHMARKS.md).
    println!();
    println!(
        "| query | expected | verdict | reduce (median) | total (median) | reduced size | note |"
    );
    println!("|---|---|---|--:|--:|--:|---|");
    for r in &rows {
        println!(
            "| {} | {} | {} | {} | {} | {} | {} |",
            r.name,
            r.expected,
            r.verdict,
            fmt(r.reduce),
            fmt(r.total),
            r.size,
            r.note
        );
    }

    // The summary.
    let count = |p: &dyn Fn(&Row) -> bool| rows.iter().filter(|r| p(r)).count();
    let mut per_verdict: Vec<(String, usize)> = Vec::new();
    for r in &rows {
        match per_verdict.iter_mut().find(|(v, _)| *v == r.verdict) {
            Some((_, n)) => *n += 1,
            None => per_verdict.push((r.verdict.clone(), 1)),
        }
    }
    per_verdict.sort();
    let reduces: Vec<Duration> = rows.iter().map(|r| r.reduce).collect();
    let totals: Vec<Duration> = rows.iter().map(|r| r.total).collect();
    let mut slowest: Vec<&Row> = rows.iter().collect();
    slowest.sort_by_key(|r| std::cmp::Reverse(r.total));
    let sum_where = |p: &dyn Fn(&Row) -> bool| -> Duration {
        rows.iter().filter(|r| p(r)).map(|r| r.total).sum()
    };
    let gaps_total = sum_where(&|r| KNOWN_GAPS.contains(&r.name.as_str()));
    let slow_total = sum_where(&|r| r.total >= args.timeout);
    println!();
    println!(
        "summary: {} queries ({} valid, {} invalid); verdicts: {}",
        rows.len(),
        count(&|r| r.expected == "valid"),
        count(&|r| r.expected == "invalid"),
        per_verdict
            .iter()
            .map(|(v, n)| format!("{v} {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!(
        "  decided as expected {}, undecided {} (known gaps {}), mismatches {}, errors {}",
        count(&|r| r.decided),
        count(&|r| !r.decided && !r.wrong),
        count(&|r| !r.decided && !r.wrong && KNOWN_GAPS.contains(&r.name.as_str())),
        count(&|r| r.wrong),
        errors.len()
    );
    println!(
        "  reduce: sum {}, median {}; reduce+solve: sum {}, median {} (known gaps: {} of the sum)",
        fmt(reduces.iter().sum()),
        fmt(median(&reduces)),
        fmt(totals.iter().sum()),
        fmt(median(&totals)),
        fmt(gaps_total)
    );
    println!(
        "  at or over the timeout: {} queries, {} of the sum",
        count(&|r| r.total >= args.timeout),
        fmt(slow_total)
    );
    println!(
        "  slowest: {}",
        slowest
            .iter()
            .take(5)
            .map(|r| format!("{} {} ({})", r.name, fmt(r.total), r.verdict))
            .collect::<Vec<_>>()
            .join(", ")
    );
    for e in &errors {
        println!("error: {e}");
    }
    if rows.iter().any(|r| r.wrong) || !errors.is_empty() {
        println!("FAILED: a wrong verdict or an error (see above)");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
