//! The JSON format (schema in `docs/json-output.md`).

use std::time::Duration;

use serde::Serialize;

use super::tally;
use crate::outcome::VcOutcome;

#[derive(Serialize)]
struct Summary {
    total: usize,
    proved: usize,
    refuted: usize,
    unknown: usize,
    timeout: usize,
    vacuous: usize,
    time: f64,
}

#[derive(Serialize)]
struct Report<'a> {
    schema: &'static str,
    summary: Summary,
    vcs: &'a [VcOutcome],
}

/// The report as a pretty-printed JSON document.
pub fn render_json(outcomes: &[VcOutcome], total: Duration, timing: bool) -> String {
    let [proved, refuted, unknown, timeout, vacuous] = tally(outcomes);
    let report = Report {
        schema: "psync-verify/check/v1",
        summary: Summary {
            total: outcomes.len(),
            proved,
            refuted,
            unknown,
            timeout,
            vacuous,
            time: if timing { (total.as_secs_f64() * 1000.0).round() / 1000.0 } else { 0.0 },
        },
        vcs: outcomes,
    };
    let mut value = serde_json::to_value(&report).expect("report types serialize");
    if !timing
        && let Some(vcs) = value.get_mut("vcs").and_then(|v| v.as_array_mut())
    {
        for vc in vcs {
            vc["time"] = serde_json::Value::from(0.0);
        }
    }
    let mut s = serde_json::to_string_pretty(&value).expect("JSON values print");
    s.push('\n');
    s
}
