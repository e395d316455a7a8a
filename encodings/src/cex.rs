//! Counterexamples: a confirmed model of `H ∧ ¬C` (over the VC's own
//! signature) turned into a run one can read and replay: `n`, the round, per
//! process its pre- and post-state, HO set and mailbox, and the conclusion
//! conjuncts that fail.

use std::fmt;

use psync_logic::{Model, Term, Value, Var, build, eval_with, holds};

use crate::ir::{Algorithm, names};
use crate::vc::Vc;

/// One process of a counterexample.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct ProcessView {
    /// Its index, `0 ≤ id < n`.
    pub id: u32,
    /// Field values before the round (or in the state the VC is about).
    pub pre: Vec<(String, String)>,
    /// Field values after the round (VCs with a transition).
    pub post: Vec<(String, String)>,
    /// Field values in the initial state (where the VC mentions them).
    pub init: Vec<(String, String)>,
    /// Field values one round ago (where the VC mentions them).
    pub old: Vec<(String, String)>,
    /// The processes it heard of this round.
    pub ho: Option<Vec<u32>>,
    /// The messages it received: sender → payload (as received: an
    /// altered message shows its altered payload).
    pub mailbox: Option<Vec<(u32, String)>>,
    /// With value faults, the senders whose message to it arrived altered
    /// (`AHO`, a subset of `ho`); `None` without value faults.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aho: Option<Vec<u32>>,
}

/// A decoded counterexample.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Counterexample {
    /// The VC it refutes.
    pub vc: String,
    /// Number of processes.
    pub n: u32,
    /// The round of the phase taken (VCs with a transition).
    pub round: Option<String>,
    /// The global round counter `r`, if the model fixes it.
    pub r: Option<i64>,
    /// The coordinator, if the model fixes it.
    pub coord: Option<u32>,
    /// The values of the algorithm's parameters (`f = 1`), if it has any.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub params: Vec<(String, i64)>,
    /// The processes.
    pub processes: Vec<ProcessView>,
    /// Labels of the conclusion conjuncts that are false in the model.
    pub failed: Vec<String>,
    /// Labels of hypotheses that are false (empty for a genuine counterexample).
    pub broken_hypotheses: Vec<String>,
    /// Whether `H ∧ ¬C` evaluates to true in the model.
    pub confirmed: bool,
}

/// Print a value the way a Rust programmer reads it.
pub fn show(v: &Value) -> String {
    match v {
        Value::Bool(b) => b.to_string(),
        Value::Int(k) => k.to_string(),
        Value::Real(q) => q.to_string(),
        Value::Proc(k) => format!("p{k}"),
        Value::Elem(s, k) => format!("{s}#{k}"),
        Value::Set(s) => format!("{{{}}}", s.iter().map(show).collect::<Vec<_>>().join(", ")),
        Value::Opt(None) => "None".into(),
        Value::Opt(Some(x)) => format!("Some({})", show(x)),
        Value::Tuple(xs) => format!("({})", xs.iter().map(show).collect::<Vec<_>>().join(", ")),
    }
}

fn value_at(t: &Term, m: &Model, env: &[(Var, Value)]) -> Option<Value> {
    eval_with(t, m, env).ok()
}

/// Decode a model of `vc.formula()` into a counterexample.
pub fn decode(alg: &Algorithm, vc: &Vc, m: &Model) -> Counterexample {
    let me = names::self_var();
    let has = |name: &str| m.funs.contains_key(name);
    let fields_of = |suffix: Option<&str>, env: &[(Var, Value)]| -> Vec<(String, String)> {
        alg.fields
            .iter()
            .filter_map(|f| {
                let name = match suffix {
                    Some(s) => format!("{}.{s}", f.name),
                    None => f.name.clone(),
                };
                if !has(&name) {
                    return None;
                }
                let t = names::field_fun(&name, &f.sort).at(me.t());
                Some((f.name.clone(), value_at(&t, m, env).map(|v| show(&v)).unwrap_or_else(|| "?".into())))
            })
            .collect()
    };
    let round = vc.round.map(|k| &alg.rounds[k]);
    let ho_known = has(names::HO);
    let mut processes = Vec::new();
    for i in 0..m.n {
        let env = vec![(me.clone(), Value::Proc(i))];
        let procs = |set: &Term| match value_at(set, m, &env) {
            Some(Value::Set(s)) => Some(s.iter().filter_map(|v| if let Value::Proc(k) = v { Some(*k) } else { None }).collect::<Vec<u32>>()),
            _ => None,
        };
        let ho = if ho_known { procs(&names::ho(me.t())) } else { None };
        let aho = if has(names::AHO) { procs(&names::aho(me.t())) } else { None };
        let mailbox = match (round, ho_known) {
            (Some(rd), true) => {
                let mut mb = Vec::new();
                for s in 0..m.n {
                    let env2 = vec![(me.clone(), Value::Proc(i)), (names::sender_var(), Value::Proc(s))];
                    let sends = rd.sends_to.subst(&[(names::dest_var(), me.t())]);
                    let inbox = build::and(vec![build::member(names::sender_var().t(), names::ho(me.t())), sends]);
                    if let Some(Value::Bool(true)) = value_at(&inbox, m, &env2) {
                        let altered = aho.as_ref().is_some_and(|a| a.contains(&s)) && !rd.altered.is_empty();
                        let pl = if altered {
                            crate::ir::altered_payload(&rd.altered, &rd.msg, names::sender_var().t(), me.t())
                        } else {
                            rd.payload.subst(&[(names::dest_var(), me.t())])
                        };
                        mb.push((s, value_at(&pl, m, &env2).map(|v| show(&v)).unwrap_or_else(|| "?".into())));
                    }
                }
                Some(mb)
            }
            _ => None,
        };
        processes.push(ProcessView {
            id: i,
            pre: fields_of(None, &env),
            post: if vc.has_post { fields_of(Some("post"), &env) } else { Vec::new() },
            init: fields_of(Some("init"), &env),
            old: fields_of(Some("old"), &env),
            ho,
            mailbox,
            aho,
        });
    }
    let failed = vc.conclusion.iter().filter(|c| !matches!(holds(&c.term, m), Ok(true))).map(|c| c.label.clone()).collect();
    let broken_hypotheses = vc.hypotheses.iter().filter(|h| !matches!(holds(&h.term, m), Ok(true))).map(|h| h.label.clone()).collect();
    let r = match value_at(&names::round(), m, &[]) {
        Some(Value::Int(k)) if has(names::ROUND) => Some(k),
        _ => None,
    };
    let coord = match value_at(&names::coord(), m, &[]) {
        Some(Value::Proc(k)) if has(names::COORD) => Some(k),
        _ => None,
    };
    let params = alg
        .params
        .iter()
        .filter_map(|p| match value_at(&names::param(&p.name), m, &[]) {
            Some(Value::Int(k)) if has(&format!("{}{}", names::PARAM, p.name)) => Some((p.name.clone(), k)),
            _ => None,
        })
        .collect();
    Counterexample {
        vc: vc.id.clone(),
        n: m.n,
        round: round.map(|rd| rd.name.clone()),
        r,
        coord,
        params,
        processes,
        failed,
        broken_hypotheses,
        confirmed: matches!(holds(&vc.formula(), m), Ok(true)),
    }
}

impl fmt::Display for Counterexample {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "counterexample to {} with n = {}", self.vc, self.n)?;
        if let Some(rd) = &self.round {
            write!(f, "round: {rd}")?;
            if let Some(r) = self.r {
                write!(f, " (r = {r})")?;
            }
            writeln!(f)?;
        }
        if let Some(c) = self.coord {
            writeln!(f, "coordinator: p{c}")?;
        }
        if !self.params.is_empty() {
            let ps: Vec<String> = self.params.iter().map(|(name, v)| format!("{name} = {v}")).collect();
            writeln!(f, "parameters: {}", ps.join(", "))?;
        }
        let mut header = vec!["process".to_string()];
        let first = self.processes.first();
        let cols = |sel: fn(&ProcessView) -> &Vec<(String, String)>, suffix: &str| -> Vec<String> {
            first.map(|p| sel(p).iter().map(|(n, _)| format!("{n}{suffix}")).collect()).unwrap_or_default()
        };
        header.extend(cols(|p| &p.init, " (init)"));
        header.extend(cols(|p| &p.old, " (old)"));
        header.extend(cols(|p| &p.pre, ""));
        header.extend(cols(|p| &p.post, "'"));
        let with_ho = first.is_some_and(|p| p.ho.is_some());
        let with_mb = first.is_some_and(|p| p.mailbox.is_some());
        let with_aho = first.is_some_and(|p| p.aho.is_some());
        if with_ho {
            header.push("HO".into());
        }
        if with_aho {
            header.push("altered (AHO)".into());
        }
        if with_mb {
            header.push("mailbox".into());
        }
        let mut rows = vec![header];
        for p in &self.processes {
            let mut row = vec![format!("p{}", p.id)];
            for part in [&p.init, &p.old, &p.pre, &p.post] {
                row.extend(part.iter().map(|(_, v)| v.clone()));
            }
            let set = |ps: &[u32]| format!("{{{}}}", ps.iter().map(|k| format!("p{k}")).collect::<Vec<_>>().join(", "));
            if let Some(ho) = &p.ho {
                row.push(set(ho));
            }
            if let Some(aho) = &p.aho {
                row.push(set(aho));
            }
            if let Some(mb) = &p.mailbox {
                row.push(mb.iter().map(|(s, v)| format!("p{s}→{v}")).collect::<Vec<_>>().join(", "));
            }
            rows.push(row);
        }
        let ncols = rows.iter().map(Vec::len).max().unwrap_or(0);
        let widths: Vec<usize> = (0..ncols).map(|c| rows.iter().filter_map(|r| r.get(c)).map(|s| s.chars().count()).max().unwrap_or(0)).collect();
        for (k, row) in rows.iter().enumerate() {
            let line: Vec<String> = row.iter().enumerate().map(|(c, s)| format!("{s:<w$}", w = widths[c])).collect();
            writeln!(f, "  {}", line.join(" │ ").trim_end())?;
            if k == 0 {
                writeln!(f, "  {}", widths.iter().map(|w| "─".repeat(*w)).collect::<Vec<_>>().join("─┼─"))?;
            }
        }
        writeln!(f, "violated:")?;
        for l in &self.failed {
            writeln!(f, "  ✗ {l}")?;
        }
        if !self.broken_hypotheses.is_empty() {
            writeln!(f, "warning: hypotheses false in this model: {}", self.broken_hypotheses.join("; "))?;
        }
        Ok(())
    }
}
