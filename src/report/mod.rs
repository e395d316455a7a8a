//! Output formats of `psync-verify check`: one module per format.

mod human;
mod json;
mod junit;

pub use human::render_human;
pub use json::render_json;
pub use junit::render_junit;

use crate::outcome::{VcOutcome, Verdict};

/// How many outcomes have each verdict, in the order proved, refuted,
/// unknown, timeout, vacuous.
pub(crate) fn tally(outcomes: &[VcOutcome]) -> [usize; 5] {
    let mut t = [0; 5];
    for o in outcomes {
        let k = match o.verdict {
            Verdict::Proved => 0,
            Verdict::Refuted => 1,
            Verdict::Unknown => 2,
            Verdict::Timeout => 3,
            Verdict::Vacuous => 4,
        };
        t[k] += 1;
    }
    t
}
