//! Raw SMT-LIB2 scripts: the commands the script runners understand, and the
//! solver context in effect at each `check-sat`.

use crate::smt::sexpr::{Tok, split_top, tokenize};
use crate::smt::{ScriptVerdict, SmtError};

/// A command of a raw script.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScriptCommand {
    /// `(set-option :key value)`: the keyword (with its colon) and the value's text.
    SetOption(String, String),
    /// `(set-logic L)`, `(set-info …)`: kept in place (the logic decides
    /// which theory symbols are built in).
    Info(String),
    /// A declaration or definition (`declare-sort`, `declare-fun`,
    /// `declare-const`, `define-fun`, `define-sort`): its text.
    Declare(String),
    /// `(assert φ)`: its text.
    Assert(String),
    /// `(push k)`
    Push(u32),
    /// `(pop k)`
    Pop(u32),
    /// `(check-sat)`
    CheckSat,
    /// `(echo "text")`
    Echo(String),
    /// `(exit)`: the rest of the script is ignored.
    Exit,
}

fn level(toks: &[Tok], cmd: &str) -> Result<u32, SmtError> {
    match toks {
        [Tok::Open, _, Tok::Close] => Ok(1),
        [Tok::Open, _, Tok::Atom(k), Tok::Close] => {
            k.parse().map_err(|_| SmtError::Script(format!("({cmd} {k}): not a level")))
        }
        _ => Err(SmtError::Script(format!("malformed ({cmd} …)"))),
    }
}

/// Parse a script into commands. Commands that ask for output other than
/// verdicts (`get-model`, `get-value`, …) are an error: the runners only
/// report verdicts.
pub fn parse_script(text: &str) -> Result<Vec<ScriptCommand>, SmtError> {
    let mut out = Vec::new();
    for item in split_top(text)? {
        let head = item.head().ok_or_else(|| SmtError::Script(format!("not a command: {}", item.text)))?;
        let cmd = match head {
            "set-option" => match &item.toks[..] {
                [Tok::Open, _, Tok::Atom(k), .., Tok::Close] if k.starts_with(':') => {
                    let key_end = item.text.find(k.as_str()).map(|p| p + k.len()).unwrap_or(0);
                    let value = item.text[key_end..item.text.len() - 1].trim().to_string();
                    ScriptCommand::SetOption(k.clone(), value)
                }
                _ => return Err(SmtError::Script(format!("malformed set-option: {}", item.text))),
            },
            "set-logic" | "set-info" => ScriptCommand::Info(item.text.to_string()),
            "declare-sort" | "declare-fun" | "declare-const" | "define-fun" | "define-sort" => {
                ScriptCommand::Declare(item.text.to_string())
            }
            "assert" => ScriptCommand::Assert(item.text.to_string()),
            "push" => ScriptCommand::Push(level(&item.toks, "push")?),
            "pop" => ScriptCommand::Pop(level(&item.toks, "pop")?),
            "check-sat" => ScriptCommand::CheckSat,
            "echo" => match &item.toks[..] {
                [Tok::Open, _, Tok::Str(s), Tok::Close] => ScriptCommand::Echo(s.clone()),
                _ => return Err(SmtError::Script(format!("malformed echo: {}", item.text))),
            },
            "exit" => {
                out.push(ScriptCommand::Exit);
                break;
            }
            other => return Err(SmtError::Script(format!("command `{other}` (only declarations, assertions, push/pop, set-option, echo and check-sat are run)"))),
        };
        out.push(cmd);
    }
    Ok(out)
}

/// The solver context at one `check-sat` of a script.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct CheckPoint {
    /// The last echo before it.
    pub label: Option<String>,
    /// Every `set-option` before it, in order.
    pub options: Vec<(String, String)>,
    /// The `set-logic`/`set-info` commands, declarations and assertions in
    /// scope, in order.
    pub body: String,
    /// How many of them are assertions.
    pub assertions: usize,
}

/// Replay the push/pop structure: the context at each `check-sat`.
pub(crate) fn checkpoints(cmds: &[ScriptCommand]) -> Result<Vec<CheckPoint>, SmtError> {
    // frames[0] is the base level; each frame holds (text, is_assert).
    let mut frames: Vec<Vec<(String, bool)>> = vec![Vec::new()];
    let mut options = Vec::new();
    let mut label = None;
    let mut out = Vec::new();
    for c in cmds {
        match c {
            ScriptCommand::SetOption(k, v) => options.push((k.clone(), v.clone())),
            ScriptCommand::Info(t) | ScriptCommand::Declare(t) => frames.last_mut().expect("base frame").push((t.clone(), false)),
            ScriptCommand::Assert(t) => frames.last_mut().expect("base frame").push((t.clone(), true)),
            ScriptCommand::Push(k) => frames.extend((0..*k).map(|_| Vec::new())),
            ScriptCommand::Pop(k) => {
                let k = *k as usize;
                if k >= frames.len() {
                    return Err(SmtError::Script(format!("(pop {k}) below the base level")));
                }
                frames.truncate(frames.len() - k);
            }
            ScriptCommand::Echo(s) => label = Some(s.clone()),
            ScriptCommand::CheckSat => {
                let mut body = String::new();
                let mut assertions = 0;
                for (text, is_assert) in frames.iter().flatten() {
                    body.push_str(text);
                    body.push('\n');
                    assertions += usize::from(*is_assert);
                }
                out.push(CheckPoint { label: label.clone(), options: options.clone(), body, assertions });
            }
            ScriptCommand::Exit => break,
        }
    }
    Ok(out)
}

/// The reason in `(:reason-unknown "…")`.
pub(crate) fn reason(line: &str) -> Result<String, SmtError> {
    match &tokenize(line)?[..] {
        [(Tok::Open, ..), (Tok::Atom(k), ..), (Tok::Str(r), ..), (Tok::Close, ..)] if k == ":reason-unknown" => Ok(r.clone()),
        _ => Err(SmtError::Parse(format!("expected (:reason-unknown \"…\"), got `{line}`"))),
    }
}

/// The verdict for an `unknown` answer with Z3's `reason`.
pub(crate) fn unknown_verdict(reason: String) -> ScriptVerdict {
    if reason.contains("timeout") || reason.contains("canceled") {
        ScriptVerdict::Timeout
    } else {
        ScriptVerdict::Unknown(reason)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_pop_scopes_are_replayed() {
        let s = "(set-option :smt.mbqi true)\n(declare-fun x () Int)\n(assert (> x 0))\n(push)\n(echo \"first\")\n\
                 (assert (< x 0))\n(check-sat)\n(pop)\n(push 1)\n(echo \"second\")\n(assert (= x 1))\n(check-sat)\n(pop)\n(check-sat)\n(exit)\n(assert false)";
        let cmds = parse_script(s).unwrap();
        assert_eq!(cmds[0], ScriptCommand::SetOption(":smt.mbqi".into(), "true".into()));
        let cps = checkpoints(&cmds).unwrap();
        assert_eq!(cps.len(), 3);
        assert_eq!(cps[0].label.as_deref(), Some("first"));
        assert_eq!(cps[0].assertions, 2);
        assert!(cps[0].body.contains("(< x 0)"));
        assert_eq!(cps[1].label.as_deref(), Some("second"));
        assert!(!cps[1].body.contains("(< x 0)") && cps[1].body.contains("(= x 1)"));
        assert_eq!(cps[2].assertions, 1);
        assert_eq!(cps[2].options, vec![(":smt.mbqi".to_string(), "true".to_string())]);
    }

    #[test]
    fn unsupported_commands_and_bad_pops_are_errors() {
        assert!(matches!(parse_script("(check-sat)(get-model)"), Err(SmtError::Script(_))));
        assert!(matches!(parse_script("(push x)"), Err(SmtError::Script(_))));
        let cmds = parse_script("(push)(pop 2)").unwrap();
        assert!(matches!(checkpoints(&cmds), Err(SmtError::Script(_))));
    }
}
