//! `run`'s report: human text (one line per instance when there are at
//! most [`LIST_UP_TO`], and every instance that did not decide or agree),
//! or JSON (schema `psync-verify/run/v1`, every instance; docs/run.md).

use std::fmt::Write;

use super::inputs::{show, to_json};
use super::{InstanceReport, Mode, RunReport};

/// Instances listed one per line in the human report.
pub const LIST_UP_TO: usize = 20;

fn instance_line(r: &RunReport, i: &InstanceReport) -> String {
    let proposed = i.replicas.iter().map(|(_, v, _)| show(v)).collect::<Vec<_>>().join(" ");
    let all_hold = |v: &psync_logic::Value| i.replicas.iter().all(|(_, _, e)| e.value() == Some(v));
    let endings = match (&r.mode, i.replicas[0].2.value()) {
        (Mode::Cluster { .. }, _) => {
            let e = &i.replicas[0].2;
            e.value().map_or_else(|| e.word().to_string(), |v| format!("{} {}", e.word(), show(v)))
        }
        // Decided or learned from a decision log: which one depends on timing.
        (Mode::Local, Some(v)) if all_hold(v) => format!("{} at every replica", show(v)),
        (Mode::Local, _) => i
            .replicas
            .iter()
            .map(|(p, _, e)| e.value().map_or_else(|| format!("p{p} {}", e.word()), |v| format!("p{p} {} {}", e.word(), show(v))))
            .collect::<Vec<_>>()
            .join(", "),
    };
    let flag = if i.agreement() { "" } else { "  DISAGREEMENT" };
    let what = if matches!(r.mode, Mode::Local) { "inputs" } else { "proposed" };
    format!("instance {}: {endings} ({what} {proposed}){flag}", i.id)
}

/// The human report; `timing` adds the elapsed time and decisions per second.
pub fn render_human(r: &RunReport, timing: bool) -> String {
    let mut out = String::new();
    let _ = match r.mode {
        Mode::Local => writeln!(
            out,
            "run {}: {} local replicas ({}, {} ms round timeout), {} instances, {} in flight",
            r.file,
            r.n,
            r.protocol,
            r.timeout_ms,
            r.instances.len(),
            r.in_flight
        ),
        Mode::Cluster { id } => {
            writeln!(out, "run {}: replica {id} of {} ({}, {} ms round timeout), {} instances", r.file, r.n, r.protocol, r.timeout_ms, r.instances.len())
        }
    };
    let list_all = r.instances.len() <= LIST_UP_TO;
    for i in r.instances.iter().filter(|i| list_all || !i.decided() || !i.agreement()) {
        let _ = writeln!(out, "{}", instance_line(r, i));
    }
    let agreement = if r.agreement() { "agreement in every instance" } else { "DISAGREEMENT in some instance" };
    let _ = writeln!(out, "{}/{} instances decided, {agreement}", r.decided(), r.instances.len());
    if let Some(e) = &r.error {
        let _ = writeln!(out, "interpreter error: {e}");
    }
    if timing {
        let _ = writeln!(out, "{:.0} decisions/s ({} decided in {:.3} s)", r.per_second(), r.decided(), r.elapsed.as_secs_f64());
    }
    out
}

/// The JSON report; `timing` adds `seconds` and `decisions_per_s`.
pub fn render_json(r: &RunReport, timing: bool) -> String {
    let instances: Vec<serde_json::Value> = r
        .instances
        .iter()
        .map(|i| {
            let replicas: Vec<serde_json::Value> = i
                .replicas
                .iter()
                .map(|(p, v, e)| serde_json::json!({ "replica": p, "input": to_json(v), "outcome": e.word(), "value": e.value().map(to_json) }))
                .collect();
            serde_json::json!({ "id": i.id, "decided": i.decided(), "agreement": i.agreement(), "replicas": replicas })
        })
        .collect();
    let (mode, replica) = match r.mode {
        Mode::Local => ("local", None),
        Mode::Cluster { id } => ("cluster", Some(id)),
    };
    let mut doc = serde_json::json!({
        "schema": "psync-verify/run/v1",
        "file": r.file,
        "mode": mode,
        "n": r.n,
        "replica": replica,
        "protocol": r.protocol,
        "timeout_ms": r.timeout_ms,
        "instances": instances,
        "summary": { "instances": r.instances.len(), "decided": r.decided(), "agreement": r.agreement(), "error": r.error },
    });
    if timing {
        doc["timing"] = serde_json::json!({ "seconds": r.elapsed.as_secs_f64(), "decisions_per_s": r.per_second() });
    }
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}
