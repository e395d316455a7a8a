//! SARIF 2.1.0 output (`--format sarif`), for code-scanning dashboards:
//! each VC that is not proved (refuted, vacuous, unknown, timeout) is a
//! result located at the spec line of the invariant, property or
//! predicate it is about; a file that did not load is a result at its
//! error's location. `simulate` reports its violated monitors the same
//! way ([`sarif_log`] with its own results).
//!
//! A VC's location comes from the spec: the file is parsed again and the
//! VC found by id among the generated VCs (`kind`, invariant, property);
//! an init, inductive or progress VC is located at the invariant it
//! concludes (`Inv_j`, or `Inv_{j+1}` for progress towards it), a property
//! VC at the property, a range VC at the field, a vacuous VC at the
//! assumption the vacuity review named.

use std::collections::BTreeMap;

use psync_encodings::{Algorithm, VcKind, VerdictKind, generate_vcs};
use serde_json::{Value, json};

use super::location;
use crate::outcome::{RunOutcome, VcOutcome};

/// The rules (one per kind of result), with their descriptions.
const RULES: [(&str, &str); 6] = [
    ("refuted", "A verification condition has a confirmed counterexample."),
    ("vacuous", "A verification condition holds only because its hypotheses are unsatisfiable."),
    ("unknown", "The solver could not decide a verification condition."),
    ("timeout", "A verification condition ran out of time."),
    ("input-error", "A spec file could not be loaded."),
    ("violation", "A simulated run violated a monitored predicate of the spec."),
];

/// A result: rule, level, message, and where (file, line ≥ 1, column).
pub(crate) fn result(rule: &str, level: &str, message: &str, file: &str, at: Option<(usize, usize)>) -> Value {
    let mut physical = json!({ "artifactLocation": { "uri": file } });
    if let Some((line, column)) = at.filter(|(l, _)| *l > 0) {
        physical["region"] = json!({ "startLine": line, "startColumn": column.max(1) });
    }
    json!({
        "ruleId": rule,
        "level": level,
        "message": { "text": message },
        "locations": [{ "physicalLocation": physical }],
    })
}

/// The whole SARIF log of one run of the tool with `results`.
pub(crate) fn sarif_log(results: Vec<Value>) -> String {
    let rules: Vec<Value> = RULES.iter().map(|(id, text)| json!({ "id": id, "shortDescription": { "text": text } })).collect();
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": { "name": "psync-verify", "version": env!("CARGO_PKG_VERSION"), "rules": rules } },
            "results": results,
        }],
    });
    serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
}

/// The spec line (and column) a VC is about, by its id.
fn vc_location(alg: &Algorithm, o: &VcOutcome) -> Option<(usize, usize)> {
    if let Some(loc) = o.vacuity.as_ref().and_then(|v| v.loc) {
        return Some((loc.line, loc.column));
    }
    let vc = generate_vcs(alg).into_iter().find(|v| v.id == o.id)?;
    let inv = |j: usize| alg.spec.invariants.get(j).map(|p| (p.loc.line, p.loc.column));
    match vc.kind {
        VcKind::Init | VcKind::Inductive => inv(vc.invariant.unwrap_or(0)),
        VcKind::Progress => inv(vc.invariant.map_or(0, |j| j + 1)),
        VcKind::Property => {
            let name = vc.property.as_deref()?;
            alg.spec.properties.iter().find(|p| p.name == name).map(|p| (p.pred.loc.line, p.pred.loc.column))
        }
        VcKind::Range => {
            let field = o.id.split('/').nth(2)?;
            alg.field(field).map(|f| (f.loc.line, f.loc.column))
        }
        VcKind::Requires => inv(0),
    }
}

fn level(o: &VcOutcome) -> &'static str {
    match o.verdict {
        VerdictKind::Refuted => "error",
        VerdictKind::Vacuous if o.is_forbidden_vacuity() => "error",
        VerdictKind::Vacuous => "note",
        VerdictKind::Unknown | VerdictKind::Timeout | VerdictKind::Proved => "warning",
    }
}

fn message(o: &VcOutcome) -> String {
    let mut m = format!("VC {} {}", o.id, o.verdict.as_str());
    if let Some(v) = &o.vacuity {
        m.push_str(&format!(": its hypotheses are unsatisfiable ({})", v.assumption));
    }
    if let Some(r) = &o.reason {
        m.push_str(&format!(": {r}"));
    }
    if let Some(c) = &o.counterexample_text {
        m.push_str(&format!("\n{c}"));
    }
    m
}

/// The SARIF report of a `check` run.
pub fn render_sarif(run: &RunOutcome) -> String {
    let mut specs: BTreeMap<&str, Option<Algorithm>> = BTreeMap::new();
    let mut results = Vec::new();
    for f in &run.files {
        if let Some(e) = &f.error {
            results.push(result("input-error", "error", &e.message, &f.file, location(e)));
            continue;
        }
        for o in f.vcs.iter().filter(|o| o.verdict != VerdictKind::Proved) {
            let alg = specs.entry(f.file.as_str()).or_insert_with(|| psync_encodings::load_spec(&f.file).ok());
            let at = alg.as_ref().and_then(|a| vc_location(a, o));
            results.push(result(o.verdict.as_str(), level(o), &message(o), &f.file, at));
        }
    }
    sarif_log(results)
}
