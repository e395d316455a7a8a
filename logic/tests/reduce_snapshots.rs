//! Snapshots of the reduced form of a few queries (naming is deterministic,
//! so any change to a pass shows up as a reviewable diff).

use psync_logic::check::reduce;
use psync_logic::parse_query;
use psync_logic::reduce::ReduceConfig;

fn reduced(src: &str) -> String {
    let q = parse_query(src).unwrap_or_else(|e| panic!("{e}"));
    let r = reduce(&q.formula(), &ReduceConfig::default()).unwrap_or_else(|e| panic!("{e}"));
    let mut out = String::new();
    for a in &r.assertions {
        out.push_str(&format!("{a}\n"));
    }
    out
}

#[test]
fn snapshot_majorities() {
    insta::assert_snapshot!(reduced(
        "const A, B: Set<P>;
         assert 2 * |A| > n && 2 * |B| > n;
         assert !(exists w: P. w in A && w in B);"
    ));
}

#[test]
fn snapshot_intersection_comprehension() {
    insta::assert_snapshot!(reduced(
        "const A, B: Set<P>;
         assert 3 * |A| > 2 * n && 3 * |B| > 2 * n;
         assert 3 * |A inter B| <= n;"
    ));
}

#[test]
fn snapshot_otr_agreement_step() {
    insta::assert_snapshot!(reduced(
        "fun x: P -> Int;
         fun HO: P -> Set<P>;
         const v, w: Int;
         const p: P;
         assert 3 * |{i: P | x(i) == v}| > 2 * n;
         assert 3 * |{i: P | i in HO(p) && x(i) == w}| > 2 * n;
         assert w != v;"
    ));
}

#[test]
fn snapshot_uniquely_defined_universal_and_options() {
    insta::assert_snapshot!(reduced(
        "fun x: P -> Int;
         fun m: P -> Option<Int>;
         const v: Int;
         assert forall A: Set<P>. A != {i: P | x(i) == v} || 2 * |A| > n;
         assert forall i: P. m(i) == Some(x(i));
         assert exists i: P. !is_some(m(i));"
    ));
}
