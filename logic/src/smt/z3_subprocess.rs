//! The child-process back end: an SMT-LIB2 solver on stdin/stdout
//! (`z3 -in -smt2` by default).
//!
//! The printed query and `(check-sat)` are written to the child; on `sat` it
//! is asked for `(get-model)`, which is parsed by [`crate::smt`]'s model
//! reader; on `unknown` for `(get-info :reason-unknown)`. The solver's own
//! timeout option is set, and the child is killed if it has not answered
//! `kill_grace` after the timeout (that is a `Timeout` as well), or as soon
//! as the call is cancelled.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::smt::decode::decode;
use crate::smt::model_text::parse_model;
use crate::smt::script::{ScriptCommand, parse_script, reason, unknown_verdict};
use crate::smt::smtlib::{render, z3_options};
use crate::smt::cancel::POLL;
use crate::smt::{Backend, Cancel, ScriptAnswer, ScriptVerdict, SmtError, SmtQuery, SolverConfig, SolverResult};

/// Which `set-option` lines the program understands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    /// Z3: `:smt.random_seed`, `:smt.mbqi` and `:timeout` (milliseconds).
    Z3,
    /// Only standard options; the timeout is enforced by killing the child.
    Standard,
}

/// An SMT-LIB2 solver run as a child process, one process per query.
#[derive(Clone, Debug)]
pub struct SmtProcess {
    /// The program (looked up in `PATH`).
    pub program: String,
    /// Its arguments (it must read SMT-LIB2 on stdin, answer on stdout).
    pub args: Vec<String>,
    /// Its option dialect.
    pub dialect: Dialect,
    /// Seed and MBQI setting (sent as options in the Z3 dialect).
    pub config: SolverConfig,
    /// How long after the timeout the child is killed.
    pub kill_grace: Duration,
    label: String,
}

impl SmtProcess {
    /// A solver program with the given arguments and dialect.
    pub fn new(program: impl Into<String>, args: Vec<String>, dialect: Dialect) -> SmtProcess {
        let program = program.into();
        let label = std::iter::once(program.clone()).chain(args.iter().cloned()).collect::<Vec<_>>().join(" ");
        SmtProcess { program, args, dialect, config: SolverConfig::default(), kill_grace: Duration::from_secs(1), label }
    }

    /// `z3 -in -smt2`.
    pub fn z3() -> SmtProcess {
        SmtProcess::new("z3", vec!["-in".into(), "-smt2".into()], Dialect::Z3)
    }

    fn options(&self, timeout: Duration) -> Vec<String> {
        match self.dialect {
            Dialect::Z3 => z3_options(&self.config, Some(timeout)),
            Dialect::Standard => {
                vec!["(set-option :print-success false)".into(), "(set-option :produce-models true)".into()]
            }
        }
    }

    fn spawn(&self, cancel: &Cancel) -> Result<Child, SmtError> {
        let mut child = Command::new(&self.program)
            .args(&self.args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| SmtError::ProgramNotFound { program: self.program.clone(), reason: e.to_string() })?;
        let stdout = child.stdout.take().expect("stdout is piped");
        let mut stderr = child.stderr.take().expect("stderr is piped");
        let (tx, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let err = std::thread::spawn(move || {
            let mut s = String::new();
            let _ = stderr.read_to_string(&mut s);
            s
        });
        let stdin = child.stdin.take();
        Ok(Child { child, stdin, lines, stderr: Some(err), cancel: cancel.clone() })
    }
}

/// A running solver.
struct Child {
    child: std::process::Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
    stderr: Option<JoinHandle<String>>,
    /// Reading gives up (as at the deadline) once this is cancelled.
    cancel: Cancel,
}

/// What reading from the child gave.
enum Got {
    Line(String),
    Eof,
    Deadline,
}

impl Child {
    fn send(&mut self, text: &str) -> Result<(), SmtError> {
        let stdin = self.stdin.as_mut().ok_or_else(|| SmtError::Solver("stdin already closed".into()))?;
        stdin.write_all(text.as_bytes()).and_then(|()| stdin.flush()).map_err(|e| self.died(&e.to_string()))
    }

    fn close_stdin(&mut self) {
        self.stdin = None;
    }

    fn read(&mut self, deadline: Instant) -> Got {
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left.min(POLL)) {
                Ok(l) => return Got::Line(l),
                Err(RecvTimeoutError::Timeout) if left.is_zero() || self.cancel.is_cancelled() => return Got::Deadline,
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return Got::Eof,
            }
        }
    }

    /// The next line that is not blank or `success`.
    fn answer(&mut self, deadline: Instant) -> Result<Option<String>, SmtError> {
        loop {
            match self.read(deadline) {
                Got::Line(l) if l.trim().is_empty() || l.trim() == "success" => continue,
                Got::Line(l) if l.trim_start().starts_with("(error") => {
                    return Err(SmtError::Solver(l.trim().to_string()));
                }
                Got::Line(l) => return Ok(Some(l.trim().to_string())),
                Got::Eof => return Err(self.died("the solver exited without answering")),
                Got::Deadline => return Ok(None),
            }
        }
    }

    /// Everything until end of output.
    fn rest(&mut self, deadline: Instant) -> Result<String, SmtError> {
        let mut s = String::new();
        loop {
            match self.read(deadline) {
                Got::Line(l) => {
                    s.push_str(&l);
                    s.push('\n');
                }
                Got::Eof => return Ok(s),
                Got::Deadline => return Err(SmtError::Solver("the solver did not finish its output in time".into())),
            }
        }
    }

    fn died(&mut self, what: &str) -> SmtError {
        self.stdin = None;
        let _ = self.child.kill();
        let status = self.child.wait().map(|s| s.to_string()).unwrap_or_default();
        let stderr = self.stderr.take().and_then(|h| h.join().ok()).unwrap_or_default();
        SmtError::Solver(format!("{what} ({status}); stderr: {}", stderr.trim()))
    }
}

impl Drop for Child {
    fn drop(&mut self) {
        self.stdin = None;
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl SmtProcess {
    fn check_child(&self, q: &SmtQuery, timeout: Duration, cancel: &Cancel) -> Result<SolverResult, SmtError> {
        let rendered = render(q)?;
        let mut child = self.spawn(cancel)?;
        let deadline = Instant::now() + timeout + self.kill_grace;
        child.send(&rendered.script(&self.options(timeout)))?;
        let Some(verdict) = child.answer(deadline)? else { return Ok(SolverResult::Timeout) };
        let after = Instant::now() + timeout + self.kill_grace;
        match verdict.as_str() {
            "unsat" => {
                child.send("(exit)\n")?;
                Ok(SolverResult::Unsat)
            }
            "unknown" => {
                child.send("(get-info :reason-unknown)\n(exit)\n")?;
                let Some(line) = child.answer(after)? else { return Ok(SolverResult::Timeout) };
                Ok(match unknown_verdict(reason(&line)?) {
                    ScriptVerdict::Timeout => SolverResult::Timeout,
                    ScriptVerdict::Unknown(r) => SolverResult::Unknown(r),
                    _ => unreachable!("unknown_verdict only returns Timeout or Unknown"),
                })
            }
            "sat" => {
                child.send("(get-model)\n(exit)\n")?;
                child.close_stdin();
                let text = child.rest(after)?;
                if let Some(err) = text.lines().find(|l| l.trim_start().starts_with("(error")) {
                    return Err(SmtError::Solver(err.trim().to_string()));
                }
                let mut raw = parse_model(&text)?.with_aliases(&rendered.aliases);
                Ok(SolverResult::Sat(decode(&rendered.signature, q, &mut raw)?))
            }
            other => Err(SmtError::Parse(format!("expected sat, unsat or unknown, got `{other}`"))),
        }
    }
}

impl Backend for SmtProcess {
    fn name(&self) -> &str {
        &self.label
    }

    fn check_cancellable(&self, q: &SmtQuery, timeout: Duration, cancel: &Cancel) -> Result<SolverResult, SmtError> {
        if cancel.is_cancelled() {
            return Ok(SolverResult::Timeout);
        }
        let answer = self.check_child(q, timeout, cancel);
        // A cancelled call was stopped, whatever reading its child then gave.
        if cancel.is_cancelled() { Ok(SolverResult::Timeout) } else { answer }
    }
    fn check_script(&self, script: &str, timeout: Duration) -> Result<Vec<ScriptAnswer>, SmtError> {
        let cmds = parse_script(script)?;
        let mut text = self.options(timeout).join("\n");
        text.push('\n');
        let mut labels = Vec::new();
        let mut label = None;
        for c in &cmds {
            match c {
                ScriptCommand::SetOption(k, v) => text.push_str(&format!("(set-option {k} {v})\n")),
                ScriptCommand::Info(t) | ScriptCommand::Declare(t) | ScriptCommand::Assert(t) => {
                    text.push_str(t);
                    text.push('\n');
                }
                ScriptCommand::Push(k) => text.push_str(&format!("(push {k})\n")),
                ScriptCommand::Pop(k) => text.push_str(&format!("(pop {k})\n")),
                ScriptCommand::Echo(s) => label = Some(s.clone()),
                ScriptCommand::CheckSat => {
                    text.push_str("(check-sat)\n(get-info :reason-unknown)\n");
                    labels.push(label.clone());
                }
                ScriptCommand::Exit => break,
            }
        }
        text.push_str("(exit)\n");
        let mut child = self.spawn(&Cancel::new())?;
        child.send(&text)?;
        child.close_stdin();
        let mut out = Vec::new();
        let mut killed = false;
        for label in labels {
            if killed {
                out.push(ScriptAnswer { label, verdict: ScriptVerdict::Unknown("not run: the solver was killed after an earlier timeout".into()) });
                continue;
            }
            let deadline = Instant::now() + timeout + self.kill_grace;
            let verdict = match child.answer(deadline)? {
                None => {
                    killed = true;
                    ScriptVerdict::Timeout
                }
                Some(v) => {
                    let Some(r) = child.answer(deadline)? else {
                        return Err(SmtError::Solver("no (:reason-unknown …) line after a verdict".into()));
                    };
                    let r = reason(&r)?;
                    match v.as_str() {
                        "sat" => ScriptVerdict::Sat,
                        "unsat" => ScriptVerdict::Unsat,
                        "unknown" => unknown_verdict(r),
                        other => return Err(SmtError::Parse(format!("expected sat, unsat or unknown, got `{other}`"))),
                    }
                }
            };
            out.push(ScriptAnswer { label, verdict });
        }
        if !killed {
            let rest = child.rest(Instant::now() + self.kill_grace + Duration::from_secs(5))?;
            if let Some(err) = rest.lines().find(|l| l.trim_start().starts_with("(error")) {
                return Err(SmtError::Solver(err.trim().to_string()));
            }
        }
        Ok(out)
    }
}

