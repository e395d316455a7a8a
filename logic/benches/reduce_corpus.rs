//! Reduction and solving time on the corpus (`tests/corpus/{valid,invalid}`)
//! and on the consensus entailments of the reduction's tests.
//!
//! `cargo bench -p psync-logic --bench reduce_corpus` (criterion; few
//! samples, the solver dominates).

use std::path::Path;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use psync_logic::check::{CheckConfig, check_sat, reduce};
use psync_logic::parse_query;
use psync_logic::smt::Z3InProcess;

fn queries() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut out = Vec::new();
    for dir in ["valid", "invalid"] {
        if let Ok(entries) = std::fs::read_dir(root.join(dir)) {
            for e in entries.filter_map(Result::ok) {
                let p = e.path();
                if p.extension().is_some_and(|x| x == "cl")
                    && let Ok(src) = std::fs::read_to_string(&p)
                {
                    let name = format!(
                        "{dir}/{}",
                        p.file_stem().unwrap_or_default().to_string_lossy()
                    );
                    out.push((name, src));
                }
            }
        }
    }
    out.push((
        "builtin/two_thirds_intersect".into(),
        "const A, B: Set<P>;
         assert 3 * |A| > 2 * n && 3 * |B| > 2 * n;
         assert 3 * |A inter B| <= n;"
            .into(),
    ));
    out.sort();
    out
}

fn bench(c: &mut Criterion) {
    let cfg = CheckConfig {
        timeout: Duration::from_secs(30),
        ..Default::default()
    };
    let backend = Z3InProcess::new();
    let mut group = c.benchmark_group("corpus");
    group.sample_size(10);
    for (name, src) in queries() {
        let Ok(q) = parse_query(&src) else { continue };
        let f = q.formula();
        group.bench_function(format!("reduce/{name}"), |b| {
            b.iter(|| reduce(&f, &cfg.reduce).expect("reducible"))
        });
        group.bench_function(format!("check/{name}"), |b| {
            b.iter(|| check_sat(&f, &cfg, &backend).expect("checkable"))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
