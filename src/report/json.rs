//! The JSON format (schema in `docs/json-output.md`).

use miette::Diagnostic;
use psync_encodings::SpecError;
use serde::Serialize;

use super::{location, tally};
use crate::outcome::{FileOutcome, RunOutcome, VcOutcome};

/// The schema id. v2 added the per-file entries (`files`) with their input
/// errors and `summary.status`: a v1 document was only ever printed when
/// every file loaded, so a v1 consumer that reads only the VC counts would
/// take a run with a file that did not load for a pass. The new id makes
/// such a consumer refuse the document instead.
const SCHEMA: &str = "psync-verify/check/v2";

#[derive(Serialize)]
struct Summary {
    status: &'static str,
    files: usize,
    input_errors: usize,
    total: usize,
    proved: usize,
    refuted: usize,
    unknown: usize,
    timeout: usize,
    vacuous: usize,
    time: f64,
}

/// Why a spec file did not load, with its location.
#[derive(Serialize)]
struct InputError {
    message: String,
    line: Option<usize>,
    column: Option<usize>,
    snippet: Option<String>,
    help: Option<String>,
}

impl InputError {
    fn of(e: &SpecError) -> InputError {
        let at = location(e);
        InputError {
            message: e.message.clone(),
            line: at.map(|(line, _)| line),
            column: at.map(|(_, column)| column),
            snippet: at.map(|_| e.snippet.clone()),
            help: e.help().map(|h| h.to_string()),
        }
    }
}

#[derive(Serialize)]
struct FileEntry {
    file: String,
    vcs: usize,
    error: Option<InputError>,
}

impl FileEntry {
    fn of(f: &FileOutcome) -> FileEntry {
        FileEntry { file: f.file.clone(), vcs: f.vcs.len(), error: f.error.as_ref().map(InputError::of) }
    }
}

#[derive(Serialize)]
struct Report<'a> {
    schema: &'static str,
    summary: Summary,
    files: Vec<FileEntry>,
    vcs: Vec<&'a VcOutcome>,
}

/// The report as a pretty-printed JSON document.
pub fn render_json(run: &RunOutcome, timing: bool) -> String {
    let [proved, refuted, unknown, timeout, vacuous] = tally(run.vcs());
    let report = Report {
        schema: SCHEMA,
        summary: Summary {
            status: run.status().as_str(),
            files: run.files.len(),
            input_errors: run.input_errors().count(),
            total: run.vcs().count(),
            proved,
            refuted,
            unknown,
            timeout,
            vacuous,
            time: if timing { (run.time.as_secs_f64() * 1000.0).round() / 1000.0 } else { 0.0 },
        },
        files: run.files.iter().map(FileEntry::of).collect(),
        vcs: run.vcs().collect(),
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

#[cfg(test)]
mod tests {
    use psync_encodings::cex::show;
    use psync_logic::Value;

    /// The value encoding docs/json-output.md documents, kind by kind.
    #[test]
    fn every_value_kind_has_its_documented_text() {
        let p = Value::Proc;
        let set = |vs: Vec<Value>| Value::Set(vs.into_iter().collect());
        let some = |v: Value| Value::Opt(Some(Box::new(v)));
        let cases = [
            (Value::Int(0), "0"),
            (Value::Int(-1), "-1"),
            (Value::Int(42), "42"),
            (Value::Bool(true), "true"),
            (Value::Bool(false), "false"),
            (p(2), "p2"),
            (set(vec![]), "{}"),
            (set(vec![p(2), p(0)]), "{p0, p2}"),
            (Value::Opt(None), "None"),
            (some(Value::Int(3)), "Some(3)"),
            (some(p(1)), "Some(p1)"),
            (Value::Tuple(vec![Value::Int(0), Value::Bool(true)]), "(0, true)"),
            (some(Value::Tuple(vec![Value::Int(1), p(0)])), "Some((1, p0))"),
            (Value::Elem("U_V".into(), 0), "U_V#0"),
        ];
        for (value, text) in cases {
            assert_eq!(show(&value), text, "{value:?}");
        }
    }
}
