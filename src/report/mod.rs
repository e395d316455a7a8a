//! Output formats of `psync-verify check`: one module per format.

mod human;
mod json;
mod junit;
mod sarif;

pub use human::render_human;
pub use json::render_json;
pub use junit::render_junit;
pub(crate) use junit::xml_escape;
pub use sarif::render_sarif;
pub(crate) use sarif::{result as sarif_result, sarif_log};

use psync_encodings::{SpecError, VerdictKind};

use crate::outcome::VcOutcome;

/// How many outcomes have each verdict, in the order proved, refuted,
/// unknown, timeout, vacuous.
pub(crate) fn tally<'a>(outcomes: impl IntoIterator<Item = &'a VcOutcome>) -> [usize; 5] {
    let mut t = [0; 5];
    for o in outcomes {
        let k = match o.verdict {
            VerdictKind::Proved => 0,
            VerdictKind::Refuted => 1,
            VerdictKind::Unknown => 2,
            VerdictKind::Timeout => 3,
            VerdictKind::Vacuous => 4,
        };
        t[k] += 1;
    }
    t
}

/// The location of an input error, when it has one (a file that cannot be
/// read has none): 1-based line and column.
pub(crate) fn location(e: &SpecError) -> Option<(usize, usize)> {
    (e.line > 0).then_some((e.line, e.column))
}

/// An input error on one line: `file:line:column: message`, or
/// `file: message` without a location.
pub(crate) fn one_line(e: &SpecError) -> String {
    match location(e) {
        Some((line, column)) => format!("{}:{line}:{column}: {}", e.file, e.message),
        None => format!("{}: {}", e.file, e.message),
    }
}
