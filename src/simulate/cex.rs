//! `check --cex-dir DIR`: each confirmed counterexample of a refuted VC
//! with a round (inductive, progress, `old`-property, range and requires
//! VCs) written as a trace that `simulate --replay` runs: the recorded
//! round from the recorded pre-state with the recorded heard-of sets, so
//! the replay shows whether the interpreter computes the same post-state.
//! A pre-state field the counterexample leaves out (the VC does not
//! mention it) is written at its sort's default.
//!
//! The counterexample is read back from the report's JSON (values printed
//! the way `psync_encodings::cex::show` prints them: `p3`, `{p0, p1}`,
//! `Some(2)`, `(1, true)`), each at its field's sort.

use std::path::Path;

use psync_encodings::Algorithm;
use psync_encodings::concrete::State;
use psync_logic::{Sort, Value};

use super::trace::{AlteredMessage, Start, TRACE_FORMAT, TraceFile, TraceRound, state_to_json, value_to_json};

/// The top-level items of a comma-separated list.
fn split_top(s: &str) -> Vec<&str> {
    let (mut depth, mut start, mut out) = (0i32, 0, Vec::new());
    for (k, c) in s.char_indices() {
        match c {
            '(' | '{' => depth += 1,
            ')' | '}' => depth -= 1,
            ',' if depth == 0 => {
                out.push(s[start..k].trim());
                start = k + 1;
            }
            _ => {}
        }
    }
    let last = s[start..].trim();
    if !last.is_empty() {
        out.push(last);
    }
    out
}

/// A value printed by `cex::show`, read at `sort`.
pub fn parse_shown(sort: &Sort, s: &str) -> Option<Value> {
    let s = s.trim();
    match sort {
        Sort::Int => s.parse().ok().map(Value::Int),
        Sort::Real => s.parse().ok().map(Value::Real),
        Sort::Bool => s.parse().ok().map(Value::Bool),
        Sort::P => s.strip_prefix('p')?.parse().ok().map(Value::Proc),
        Sort::Set(e) => {
            let inner = s.strip_prefix('{')?.strip_suffix('}')?;
            split_top(inner).into_iter().map(|x| parse_shown(e, x)).collect::<Option<_>>().map(Value::Set)
        }
        Sort::Opt(e) if s == "None" => {
            let _ = e;
            Some(Value::Opt(None))
        }
        Sort::Opt(e) => parse_shown(e, s.strip_prefix("Some(")?.strip_suffix(')')?).map(|v| Value::Opt(Some(Box::new(v)))),
        Sort::Tuple(cs) => {
            let items = split_top(s.strip_prefix('(')?.strip_suffix(')')?);
            (items.len() == cs.len()).then_some(())?;
            cs.iter().zip(items).map(|(c, x)| parse_shown(c, x)).collect::<Option<_>>().map(Value::Tuple)
        }
        Sort::Uninterpreted(_) => None,
    }
}

/// The fields a counterexample gives (`[[name, shown], …]`), read.
fn given(alg: &Algorithm, fields: &serde_json::Value) -> State {
    let pairs = fields.as_array().map(Vec::as_slice).unwrap_or_default();
    pairs
        .iter()
        .filter_map(|p| {
            let (name, shown) = (p.get(0)?.as_str()?, p.get(1)?.as_str()?);
            let f = alg.field(name)?;
            Some((name.to_string(), parse_shown(&f.sort, shown)?))
        })
        .collect()
}

/// A state every field of which the counterexample gives.
fn state(alg: &Algorithm, fields: &serde_json::Value) -> Option<State> {
    let st = given(alg, fields);
    (st.len() == alg.fields.len()).then_some(st)
}

/// The parameter values of a counterexample (the report's JSON of it:
/// `params` as `[[name, value], …]`).
pub(crate) fn cex_params(cex: &serde_json::Value) -> Vec<(String, i64)> {
    let pairs = cex["params"].as_array().map(Vec::as_slice).unwrap_or_default();
    pairs.iter().filter_map(|p| Some((p.get(0)?.as_str()?.to_string(), p.get(1)?.as_i64()?))).collect()
}

/// The altered messages of a counterexample's round (value faults): each
/// process's `aho` senders that sent to it, with the payload its mailbox
/// shows from them (the received one), read at the round's message sort
/// `msg`.
fn altered_messages(msg: &Sort, procs: &[serde_json::Value]) -> Result<Vec<AlteredMessage>, String> {
    let mut out = Vec::new();
    for (to, p) in procs.iter().enumerate() {
        let aho = p["aho"].as_array().ok_or("the altered senders (`aho`) are not given")?;
        for from in aho {
            let from = from.as_u64().ok_or("an altered sender is not a process index")? as u32;
            // A sender that sent nothing to `p` altered nothing it received.
            let Some(entry) = p["mailbox"].as_array().into_iter().flatten().find(|e| e[0].as_u64() == Some(u64::from(from))) else {
                continue;
            };
            let shown = entry[1].as_str().ok_or_else(|| format!("p{to}'s payload from p{from} is not a string"))?;
            let v = parse_shown(msg, shown).ok_or_else(|| format!("p{to}'s altered payload `{shown}` from p{from} cannot be read"))?;
            out.push(AlteredMessage { from, to: to as u32, payload: value_to_json(&v) });
        }
    }
    Ok(out)
}

/// The trace of a counterexample (the report's JSON of it), or why not.
pub fn cex_trace(file: &str, alg: &Algorithm, id: &str, cex: &serde_json::Value) -> Result<TraceFile, String> {
    let round_name = cex["round"].as_str().ok_or("the VC has no round")?;
    let k = alg.rounds.iter().position(|r| r.name == round_name).ok_or_else(|| format!("no round `{round_name}`"))?;
    let procs = cex["processes"].as_array().ok_or("no processes")?;
    let n = procs.len();
    let r = cex["r"].as_i64().unwrap_or(k as i64);
    let coord = cex["coord"].as_u64().map_or_else(|| psync_encodings::interp::coordinator(r, alg.phase_len(), n), |c| c as u32);
    // A pre-state field the VC does not mention (one the round overwrites
    // without reading, which no invariant names) is unconstrained by it:
    // any value gives the same post-state of the fields it does mention,
    // so it takes its sort's default. The post-state gives every field the
    // round computes.
    let pre: Vec<State> = procs
        .iter()
        .map(|p| {
            let mut st = given(alg, &p["pre"]);
            for f in &alg.fields {
                st.entry(f.name.clone()).or_insert_with(|| Value::default_of(&f.sort));
            }
            st
        })
        .collect();
    let post = procs.iter().map(|p| state(alg, &p["post"])).collect::<Option<Vec<State>>>().ok_or("the post-state does not give every field")?;
    let ho: Vec<Vec<u32>> = procs
        .iter()
        .map(|p| p["ho"].as_array().map(|h| h.iter().filter_map(|q| q.as_u64().map(|q| q as u32)).collect()))
        .collect::<Option<_>>()
        .ok_or("the heard-of sets are not given")?;
    let altered = if alg.value_faults.is_some() { altered_messages(&alg.rounds[k].msg, procs)? } else { Vec::new() };
    // `init` and `old` copies of the fields the VC does not mention are
    // unconstrained by it: they are taken from the pre-state.
    let copies = |key: &str| -> Vec<State> {
        procs.iter().zip(&pre).map(|(p, s)| s.iter().map(|(k, v)| (k.clone(), v.clone())).chain(given(alg, &p[key])).collect()).collect()
    };
    let (init, old) = (copies("init"), copies("old"));
    let json = |v: &[State]| v.iter().map(state_to_json).collect::<Vec<_>>();
    let params = cex_params(cex).into_iter().collect();
    Ok(TraceFile {
        format: TRACE_FORMAT.into(),
        spec: file.into(),
        algorithm: alg.name.clone(),
        n,
        seed: 0,
        run: 0,
        adversary: format!("counterexample of {id}"),
        inputs: Vec::new(),
        params,
        initial: json(&pre),
        start: Some(Start { round: r, coord, init: json(&init), old: json(&old) }),
        rounds: vec![TraceRound { round: r, ho, altered, states: json(&post) }],
        findings: Vec::new(),
    })
}

/// Writes the traces of the refuted VCs of `file` that take a round into `dir` (one
/// `ID.json` each, `/` in the id as `_`); returns what was written and
/// what could not be, with the reason.
pub fn write_cex_traces(dir: &Path, file: &str, refuted: &[(String, serde_json::Value)]) -> (Vec<String>, Vec<String>) {
    let (mut written, mut skipped) = (Vec::new(), Vec::new());
    let alg = match psync_encodings::load_spec(file) {
        Ok(a) => a,
        Err(e) => return (written, vec![format!("{file}: {}", e.message)]),
    };
    if let Err(e) = std::fs::create_dir_all(dir) {
        return (written, vec![format!("{}: {e}", dir.display())]);
    }
    for (id, cex) in refuted.iter().filter(|(_, c)| !c["round"].is_null()) {
        let path = dir.join(format!("{}.json", id.replace('/', "_")));
        match cex_trace(file, &alg, id, cex).and_then(|t| serde_json::to_string_pretty(&t).map_err(|e| e.to_string())) {
            Ok(text) => match std::fs::write(&path, text + "\n") {
                Ok(()) => written.push(path.display().to_string()),
                Err(e) => skipped.push(format!("{}: {e}", path.display())),
            },
            Err(why) => skipped.push(format!("{id}: {why}")),
        }
    }
    (written, skipped)
}

#[cfg(test)]
mod tests {
    use super::parse_shown;
    use psync_logic::{Sort, Value};

    #[test]
    fn shown_values_read_back_at_their_sort() {
        let int = |k| Value::Int(k);
        assert_eq!(parse_shown(&Sort::Int, "-3"), Some(int(-3)));
        assert_eq!(parse_shown(&Sort::P, "p2"), Some(Value::Proc(2)));
        let set = Sort::set(Sort::P);
        assert_eq!(parse_shown(&set, "{p0, p2}"), Some(Value::Set([Value::Proc(0), Value::Proc(2)].into_iter().collect())));
        assert_eq!(parse_shown(&set, "{}"), Some(Value::Set(Default::default())));
        let opt = Sort::Opt(Box::new(Sort::Tuple(vec![Sort::Int, Sort::Bool])));
        assert_eq!(parse_shown(&opt, "Some((4, true))"), Some(Value::Opt(Some(Box::new(Value::Tuple(vec![int(4), Value::Bool(true)]))))));
        assert_eq!(parse_shown(&opt, "None"), Some(Value::Opt(None)));
        assert_eq!(parse_shown(&Sort::Int, "?"), None, "an unknown value is not read");
        assert_eq!(parse_shown(&opt, "Some((4))"), None);
    }
}
