//! Keys of `max_by_key` / `min_by_key`: numbers, bools and tuples of them,
//! compared as Rust's `Ord` compares them (`false < true`, tuples
//! lexicographically), so a tie-break written in the key is what the proof
//! assumes. Other keys are a located error.

mod common;
use common::{expect_error, load, patched, verdict};
use psync_encodings::Verdict;

const LEAST_LATEST: &str = include_str!("specs/least_latest.rs");
const KEY: &str = "mbox.max_by_key(|&(v, ts)| (ts, -v))";
const STEP: &str = "least_latest/inductive/inv0/round0";

fn with_key(key: &str) -> String {
    patched(LEAST_LATEST, KEY, &format!("mbox.max_by_key(|&(v, ts)| {key})"))
}

#[test]
fn a_tuple_key_breaks_ties_on_its_second_component() {
    assert!(matches!(verdict(&load("least_latest.rs", LEAST_LATEST), STEP), Verdict::Proved));
    // The largest value among the latest: the least is not what is kept.
    match verdict(&load("least_latest.rs", &with_key("(ts, v)")), STEP) {
        Verdict::Refuted(cex) => assert!(cex.confirmed, "{cex}"),
        other => panic!("keeping the largest breaks the invariant: {other:?}"),
    }
}

#[test]
fn bool_components_order_false_before_true() {
    // Every timestamp is 0: `ts == 0` is true for all, a tie.
    assert!(matches!(verdict(&load("least_latest.rs", &with_key("(ts == 0, -v)")), STEP), Verdict::Proved));
    match verdict(&load("least_latest.rs", &with_key("(ts == 0, v)")), STEP) {
        Verdict::Refuted(cex) => assert!(cex.confirmed, "{cex}"),
        other => panic!("keeping the largest breaks the invariant: {other:?}"),
    }
}

#[test]
fn a_key_that_is_not_ordered_is_a_located_error() {
    let src = with_key("Some(ts)");
    expect_error(&src, "the key must be an integer, a Real, a bool, or a tuple of them", "if let Some(&(v, _))", "|&(v, ts)| Some(ts)");
}
