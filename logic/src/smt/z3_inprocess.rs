//! The in-process back end: libz3 through the `z3` crate.
//!
//! The query is printed once ([`crate::smt::smtlib`]) and given to a fresh
//! solver with `Solver::from_string`; that libz3 accepted every assertion is
//! checked by counting them (libz3 reports parse errors only through an error
//! code the crate does not expose). Contexts are the crate's thread-local
//! ones, so the back end works from any thread (rayon workers included).
//! Models are decoded by symbol name and arity, values by their printed form
//! (the crate's declaration and sort kinds are wrong on libz3 4.8.12).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use z3::ast::{Ast, Bool, Dynamic, Int};
use z3::{Config, FuncDecl, Params, SatResult, Solver, Symbol, with_z3_config};

use crate::smt::decode::{Explicit, RawModel, decode};
use crate::smt::query::is_uninterpreted;
use crate::smt::script::{CheckPoint, checkpoints, parse_script};
use crate::smt::smtlib::{render, timeout_millis};
use crate::smt::symbols::sort_symbol;
use crate::smt::{Backend, ScriptAnswer, ScriptVerdict, SmtError, SmtQuery, SolverConfig, SolverResult};
use crate::{Fun, Sort, Value};

/// Z3 as a library, in this process.
#[derive(Clone, Debug, Default)]
pub struct Z3InProcess {
    /// Seed and MBQI setting.
    pub config: SolverConfig,
}

impl Z3InProcess {
    /// With the default configuration (seed 0, MBQI on).
    pub fn new() -> Z3InProcess {
        Z3InProcess::default()
    }

    fn solver(&self, timeout: Duration, extra: &[(String, String)]) -> Result<Solver, SmtError> {
        let solver = Solver::new();
        let mut p = Params::new();
        p.set_u32("timeout", timeout_millis(timeout));
        p.set_u32("random_seed", self.config.seed);
        p.set_bool("mbqi", self.config.mbqi);
        for (key, value) in extra {
            match value.as_str() {
                "true" | "false" => p.set_bool(key.as_str(), value == "true"),
                v => match v.parse::<u32>() {
                    Ok(k) => p.set_u32(key.as_str(), k),
                    Err(_) => return Err(SmtError::Script(format!("option value `{v}` for `{key}`"))),
                },
            }
        }
        solver.set_params(&p);
        Ok(solver)
    }

    /// Load `body` and check libz3 took all `expected` assertions.
    fn load(solver: &Solver, body: &str, expected: usize) -> Result<(), SmtError> {
        solver.from_string(body);
        let got = solver.get_assertions().len();
        if got == expected {
            Ok(())
        } else {
            Err(SmtError::Solver(format!(
                "libz3 rejected the input ({got} of {expected} assertions loaded: a parse or sort error, or a bad option)"
            )))
        }
    }

    /// `Unknown` or `Timeout`, from the solver's reason.
    fn unknown(solver: &Solver, start: Instant, timeout: Duration) -> ScriptVerdict {
        let reason = solver.get_reason_unknown().unwrap_or_default();
        if reason.contains("timeout") || reason.contains("canceled") || (reason.is_empty() && start.elapsed() >= timeout) {
            ScriptVerdict::Timeout
        } else {
            ScriptVerdict::Unknown(reason)
        }
    }
}

/// `:smt.mbqi` ↦ `mbqi`; options with no effect on verdicts ↦ `None`.
fn solver_param(key: &str) -> Result<Option<String>, SmtError> {
    match key {
        ":print-success" | ":produce-models" | ":produce-unsat-cores" | ":produce-proofs" | ":timeout"
        | ":produce-assignments" | ":interactive-mode" => Ok(None),
        k if k.starts_with(":smt.") => Ok(Some(k[5..].replace('-', "_"))),
        k => Err(SmtError::Script(format!("option `{k}` is not supported in process"))),
    }
}

impl Backend for Z3InProcess {
    fn name(&self) -> &str {
        "z3-inprocess"
    }

    fn check(&self, q: &SmtQuery, timeout: Duration) -> Result<SolverResult, SmtError> {
        // a fresh context per query: answers must not depend on earlier queries
        with_z3_config(&Config::new(), || self.check_here(q, timeout))
    }

    fn check_script(&self, script: &str, timeout: Duration) -> Result<Vec<ScriptAnswer>, SmtError> {
        let cmds = parse_script(script)?;
        let mut out = Vec::new();
        for cp in checkpoints(&cmds)? {
            out.push(with_z3_config(&Config::new(), || self.check_point(cp, timeout))?);
        }
        Ok(out)
    }
}

impl Z3InProcess {
    fn check_here(&self, q: &SmtQuery, timeout: Duration) -> Result<SolverResult, SmtError> {
        let rendered = render(q)?;
        let solver = self.solver(timeout, &[])?;
        Self::load(&solver, &rendered.body(), rendered.assertions.len())?;
        let start = Instant::now();
        match solver.check() {
            SatResult::Unsat => Ok(SolverResult::Unsat),
            SatResult::Unknown => Ok(match Self::unknown(&solver, start, timeout) {
                ScriptVerdict::Timeout => SolverResult::Timeout,
                ScriptVerdict::Unknown(r) => SolverResult::Unknown(r),
                _ => unreachable!("unknown() only returns Timeout or Unknown"),
            }),
            SatResult::Sat => {
                let model = solver.get_model().ok_or_else(|| SmtError::Solver("sat, but libz3 gave no model".into()))?;
                let mut raw = Z3Raw::new(model, &rendered.signature.sorts);
                Ok(SolverResult::Sat(decode(&rendered.signature, q, &mut raw)?))
            }
        }
    }

    fn check_point(&self, cp: CheckPoint, timeout: Duration) -> Result<ScriptAnswer, SmtError> {
        let CheckPoint { label, options, body, assertions } = cp;
        let mut extra = Vec::new();
        for (k, v) in &options {
            if let Some(p) = solver_param(k)? {
                extra.push((p, v.clone()));
            }
        }
        let solver = self.solver(timeout, &extra)?;
        Self::load(&solver, &body, assertions)?;
        let start = Instant::now();
        let verdict = match solver.check() {
            SatResult::Unsat => ScriptVerdict::Unsat,
            SatResult::Sat => ScriptVerdict::Sat,
            SatResult::Unknown => Self::unknown(&solver, start, timeout),
        };
        Ok(ScriptAnswer { label, verdict })
    }
}

/// An uninterpreted sort in a libz3 model: the Z3 sort, the elements of its
/// universe, and their printed forms with their numbers.
type Universe = (z3::Sort, Vec<Dynamic>, BTreeMap<String, u32>);

/// A libz3 model seen through [`RawModel`].
struct Z3Raw {
    model: z3::Model,
    /// For each uninterpreted sort (by mangled name): its Z3 sort, its
    /// universe's elements, and their printed forms.
    sorts: BTreeMap<String, Universe>,
    /// The sorts the model gives no universe: their one element is the first
    /// value of theirs met (a second, different one is an error).
    implicit: Vec<String>,
}

fn z3_sort(s: &Sort) -> z3::Sort {
    match s {
        Sort::Bool => z3::Sort::bool(),
        Sort::Int => z3::Sort::int(),
        other => z3::Sort::uninterpreted(Symbol::String(sort_symbol(other))),
    }
}

impl Z3Raw {
    fn new(model: z3::Model, sorts: &[Sort]) -> Z3Raw {
        let mut map = BTreeMap::new();
        let mut implicit = Vec::new();
        for s in sorts.iter().filter(|s| is_uninterpreted(s)) {
            let zs = z3_sort(s);
            let elems: Vec<Dynamic> = model.get_sort_universe(&zs).map(|u| u.iter().collect()).unwrap_or_default();
            let names = elems.iter().enumerate().map(|(i, e)| (e.to_string(), i as u32)).collect();
            if elems.is_empty() {
                implicit.push(s.mangle());
            }
            map.insert(s.mangle(), (zs, elems, names));
        }
        Z3Raw { model, sorts: map, implicit }
    }

    fn decl(f: &Fun) -> FuncDecl {
        let dom: Vec<z3::Sort> = f.args.iter().map(z3_sort).collect();
        let dom_refs: Vec<&z3::Sort> = dom.iter().collect();
        FuncDecl::new(f.name.as_str(), &dom_refs, &z3_sort(&f.ret))
    }

    fn to_ast(&self, v: &Value) -> Result<Dynamic, SmtError> {
        let elem = |sort: &str, k: u32| -> Result<Dynamic, SmtError> {
            let (zs, elems, _) = self.sorts.get(sort).ok_or_else(|| SmtError::Decode(format!("no sort {sort}")))?;
            match elems.get(k as usize) {
                Some(e) => Ok(e.clone()),
                // a sort without universe in the model, none of its values met yet
                None if elems.is_empty() && k == 0 => Ok(Dynamic::fresh_const("psync_elem", zs)),
                None => Err(SmtError::Decode(format!("element {k} of {sort} out of range"))),
            }
        };
        match v {
            Value::Bool(b) => Ok(Dynamic::from_ast(&Bool::from_bool(*b))),
            Value::Int(k) => Ok(Dynamic::from_ast(&Int::from_i64(*k))),
            Value::Proc(k) => elem(&Sort::P.mangle(), *k),
            Value::Elem(s, k) => elem(s, *k),
            other => Err(SmtError::Decode(format!("value {other:?} is not a flat value"))),
        }
    }

    /// The value a printed Z3 value stands for.
    fn parse_value(&self, printed: &str, sort: &Sort) -> Result<Value, SmtError> {
        let bad = || SmtError::Decode(format!("`{printed}` is not a value of {sort}"));
        match sort {
            Sort::Bool => match printed {
                "true" => Ok(Value::Bool(true)),
                "false" => Ok(Value::Bool(false)),
                _ => Err(bad()),
            },
            Sort::Int => {
                let s = printed.trim();
                let parsed = match s.strip_prefix("(-").and_then(|r| r.strip_suffix(')')) {
                    Some(inner) => inner.trim().parse::<i128>().map(|k| -k),
                    None => s.parse::<i128>(),
                };
                let k = parsed.map_err(|_| bad())?;
                i64::try_from(k).map(Value::Int).map_err(|_| SmtError::Decode(format!("integer {k} does not fit in 64 bits")))
            }
            other => {
                let (_, _, names) = self.sorts.get(&other.mangle()).ok_or_else(bad)?;
                let k = *names.get(printed).ok_or_else(bad)?;
                Ok(if *other == Sort::P { Value::Proc(k) } else { Value::Elem(other.mangle(), k) })
            }
        }
    }

    fn eval_value(&mut self, ast: &Dynamic, sort: &Sort) -> Result<Value, SmtError> {
        let v = self.model.eval(ast, true).ok_or_else(|| SmtError::Decode(format!("libz3 cannot evaluate {ast}")))?;
        let printed = v.to_string();
        let m = sort.mangle();
        if self.implicit.contains(&m)
            && let Some((_, elems, names)) = self.sorts.get_mut(&m)
            && !names.contains_key(&printed)
        {
            if !elems.is_empty() {
                return Err(SmtError::Decode(format!("two different elements of {sort}, which has no universe in the model")));
            }
            elems.push(v);
            names.insert(printed.clone(), 0);
        }
        self.parse_value(&printed, sort)
    }
}

impl RawModel for Z3Raw {
    fn universe(&mut self, sort: &Sort) -> Result<Option<u32>, SmtError> {
        Ok(self.sorts.get(&sort.mangle()).and_then(|(_, e, _)| if e.is_empty() { None } else { Some(e.len() as u32) }))
    }

    fn interpreted(&mut self, f: &Fun) -> Result<bool, SmtError> {
        Ok(self.model.has_interp(&Self::decl(f)))
    }

    fn apply(&mut self, f: &Fun, args: &[Value]) -> Result<Value, SmtError> {
        let asts = args.iter().map(|a| self.to_ast(a)).collect::<Result<Vec<_>, _>>()?;
        let refs: Vec<&dyn Ast> = asts.iter().map(|a| a as &dyn Ast).collect();
        let app = Self::decl(f).apply(&refs);
        self.eval_value(&app, &f.ret)
    }

    fn explicit(&mut self, f: &Fun) -> Result<Explicit, SmtError> {
        let interp = self
            .model
            .get_func_interp(&Self::decl(f))
            .ok_or_else(|| SmtError::Decode(format!("`{}` has no function interpretation", f.name)))?;
        let mut entries = Vec::new();
        for e in interp.get_entries() {
            let args = e
                .get_args()
                .iter()
                .zip(&f.args)
                .map(|(a, s)| self.eval_value(a, s))
                .collect::<Result<Vec<_>, _>>()?;
            entries.push((args, self.eval_value(&e.get_value(), &f.ret)?));
        }
        let default = match interp.get_else() {
            Some(e) => self.eval_value(&e, &f.ret).ok(),
            None => None,
        };
        Ok((entries, default))
    }
}
