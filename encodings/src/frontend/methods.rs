//! Method and function calls: the world, the round context, the mailbox,
//! sets, options, integers, closures and helpers.

use psync_logic::{Fun, Sort, Term, build};
use syn::spanned::Spanned;
use syn::{Expr, ExprCall, ExprMethodCall};

use crate::ir::{Stmt, names};
use crate::terms;

use super::cx::{Cx, Mode, StateRef, Val};
use super::error::{FeResult, err, err_help};
use super::expr::path_str;
use super::types::sort_of;

impl Cx<'_> {
    fn args_n<'e>(&self, m: &'e ExprMethodCall, k: usize) -> FeResult<Vec<&'e Expr>> {
        if m.args.len() != k {
            return err(m.span(), format!("`{}` takes {k} argument(s)", m.method), "wrong number of arguments");
        }
        Ok(m.args.iter().collect())
    }

    /// `recv.method(args)`.
    pub fn method_call(&mut self, e: &Expr, m: &ExprMethodCall) -> FeResult<Val> {
        let recv = self.expr(&m.receiver)?;
        let name = m.method.to_string();
        match recv {
            Val::World => self.world_method(m, &name),
            Val::Ctx => self.ctx_method(m, &name),
            Val::Mailbox => self.mailbox_method(e, m, &name),
            Val::T(t) => self.value_method(m, &name, t),
            _ => self.unknown_method(m, "this value"),
        }
    }

    fn unknown_method<T>(&self, m: &ExprMethodCall, on: &str) -> FeResult<T> {
        err(m.method.span(), format!("unknown method `{}` on {on}", m.method), "unknown or unsupported method")
    }

    fn world_method(&mut self, m: &ExprMethodCall, name: &str) -> FeResult<Val> {
        let t = match name {
            "n" => {
                self.args_n(m, 0)?;
                build::n()
            }
            "round" => {
                self.args_n(m, 0)?;
                names::round()
            }
            "phase" => {
                self.args_n(m, 0)?;
                build::div(names::round(), self.phase_len as i64)
            }
            "phase_len" => {
                self.args_n(m, 0)?;
                Term::Int(self.phase_len as i64)
            }
            "coord" => {
                self.args_n(m, 0)?;
                names::coord()
            }
            "param" => self.param_call(m)?,
            "ho" => {
                let a = self.args_n(m, 1)?;
                let allowed = matches!(self.mode, Mode::Spec { allow_ho: true, .. });
                self.require(allowed, m.method.span(), "`w.ho(..)`", "HO sets belong to a round: use them in `liveness` and `safety`, not in invariants or properties")?;
                let p = self.term_of(a[0], &Sort::P)?;
                names::ho(p)
            }
            "aho" | "sho" => self.altered_ho_call(m, name)?,
            "init" | "old" => {
                let a = self.args_n(m, 1)?;
                if name == "old" {
                    let allowed = matches!(self.mode, Mode::Spec { allow_old: true, .. });
                    self.require(allowed, m.method.span(), "`w.old(..)`", "`old` is only meaningful in properties (it denotes the state one round ago)")?;
                }
                let p = self.term_of(a[0], &Sort::P)?;
                return Ok(Val::State(if name == "init" { StateRef::Init(p) } else { StateRef::Old(p) }));
            }
            "forall" | "exists" | "count" => {
                let a = self.args_n(m, 1)?;
                let (v, body) = self.bind_closure(a[0], Sort::P)?;
                match name {
                    "forall" => build::forall(vec![v], body),
                    "exists" => build::exists(vec![v], body),
                    _ => build::card(build::compr(v, body)),
                }
            }
            "distinct" | "distinct_where" => return self.distinct_call(m, name),
            "exists_value" | "forall_value" => {
                let a = self.args_n(m, 1)?;
                let from_turbofish = match &m.turbofish {
                    Some(g) => match g.args.first() {
                        Some(syn::GenericArgument::Type(t)) => Some(sort_of(t)?.sort),
                        _ => None,
                    },
                    None => None,
                };
                let sort = match (from_turbofish, self.closure_param_sort(a[0])?) {
                    (Some(s), _) | (None, Some(s)) => s,
                    (None, None) => {
                        return err_help(a[0].span(), "the value type of this quantifier is unknown", "annotate the parameter", "write `|v: i64| …`");
                    }
                };
                let (v, body) = self.bind_closure(a[0], sort)?;
                if name == "exists_value" { build::exists(vec![v], body) } else { build::forall(vec![v], body) }
            }
            "exists_set" | "forall_set" => {
                let a = self.args_n(m, 1)?;
                let (v, body) = self.bind_closure(a[0], Sort::set(Sort::P))?;
                if name == "exists_set" { build::exists(vec![v], body) } else { build::forall(vec![v], body) }
            }
            _ => return self.unknown_method(m, "the world"),
        };
        Ok(Val::T(t))
    }

    /// The executing process in the current mode.
    pub fn me(&self) -> Term {
        if self.mode == Mode::Send { names::sender_var().t() } else { names::self_var().t() }
    }

    fn ctx_method(&mut self, m: &ExprMethodCall, name: &str) -> FeResult<Val> {
        if name == "param" {
            return Ok(Val::T(self.param_call(m)?));
        }
        self.args_n(m, 0)?;
        let init = self.mode == Mode::Init;
        let t = match name {
            "n" => build::n(),
            "id" => self.me(),
            "coord" => names::coord(),
            "round" if init => Term::Int(0),
            "round" => names::round(),
            "phase" if init => Term::Int(0),
            "phase" => build::div(names::round(), self.phase_len as i64),
            "round_in_phase" => match &self.round {
                Some(r) => Term::Int(r.index as i64),
                None => Term::Int(0),
            },
            _ => return self.unknown_method(m, "the round context"),
        };
        Ok(Val::T(t))
    }

    fn value_method(&mut self, m: &ExprMethodCall, name: &str, t: Term) -> FeResult<Val> {
        let sort = t.sort();
        if name == "clone" {
            self.args_n(m, 0)?;
            return Ok(Val::T(t));
        }
        let out = match (&sort, name) {
            (Sort::Int | Sort::Real, "min" | "max") => {
                let a = self.args_n(m, 1)?;
                let o = self.term_of(a[0], &sort)?;
                let c = if name == "min" { build::le(t.clone(), o.clone()) } else { build::ge(t.clone(), o.clone()) };
                terms::ite(c, t, o)
            }
            (Sort::Int, "abs") => {
                self.args_n(m, 0)?;
                terms::ite(build::ge(t.clone(), Term::Int(0)), t.clone(), terms::neg(t))
            }
            (Sort::Set(_), "len") => {
                self.args_n(m, 0)?;
                build::card(t)
            }
            (Sort::Set(_), "is_empty") => {
                self.args_n(m, 0)?;
                build::eq(build::card(t), Term::Int(0))
            }
            (Sort::Set(e), "contains") => {
                let a = self.args_n(m, 1)?;
                let x = self.term_of(a[0], e)?;
                build::member(x, t)
            }
            (Sort::Set(_), "is_subset") => {
                let a = self.args_n(m, 1)?;
                let o = self.term_of(a[0], &sort)?;
                build::subset(t, o)
            }
            (Sort::Set(_), "intersects") => {
                let a = self.args_n(m, 1)?;
                let o = self.term_of(a[0], &sort)?;
                terms::not(build::eq(build::card(build::inter(t, o)), Term::Int(0)))
            }
            (Sort::Set(_), "union" | "intersection" | "difference") => {
                let a = self.args_n(m, 1)?;
                let o = self.term_of(a[0], &sort)?;
                match name {
                    "union" => build::union(t, o),
                    "intersection" => build::inter(t, o),
                    _ => build::diff(t, o),
                }
            }
            (Sort::Opt(_), "is_some") => {
                self.args_n(m, 0)?;
                terms::is_some(t)
            }
            (Sort::Opt(_), "is_none") => {
                self.args_n(m, 0)?;
                terms::not(terms::is_some(t))
            }
            (Sort::Opt(_), "copied" | "cloned") => {
                self.args_n(m, 0)?;
                t
            }
            (Sort::Opt(inner), "unwrap_or") => {
                let a = self.args_n(m, 1)?;
                let d = self.term_of(a[0], inner)?;
                terms::ite(terms::is_some(t.clone()), terms::get_under_some(t), d)
            }
            (Sort::Opt(_), "unwrap" | "expect") => {
                return err_help(m.method.span(), format!("`{name}` may panic and is outside the subset"), "may panic", "use `if let Some(v) = …` or `unwrap_or(default)`");
            }
            _ => return self.unknown_method(m, &super::expr::sort_name(&sort)),
        };
        Ok(Val::T(out))
    }

    /// `f(args)`: `implies`, `Some`, closures in scope, helpers.
    pub fn call(&mut self, e: &Expr, c: &ExprCall) -> FeResult<Val> {
        let Expr::Path(p) = &*c.func else {
            return err(c.func.span(), "only calls of named functions are supported", "unsupported call");
        };
        let name = path_str(&p.path);
        let args: Vec<&Expr> = c.args.iter().collect();
        if let Some(Val::Closure(clo)) = p.path.get_ident().and_then(|i| self.lookup(&i.to_string())) {
            let vals = args.iter().map(|a| self.expr(a)).collect::<FeResult<Vec<_>>>()?;
            return self.apply_closure(e, &clo, vals);
        }
        match (name.as_str(), args.as_slice()) {
            ("implies", [a, b]) => Ok(Val::T(terms::implies(self.bool_term(a)?, self.bool_term(b)?))),
            ("Some", [a]) => Ok(Val::T(build::some(self.term(a)?))),
            ("ProcSet::new", []) => Ok(Val::T(build::empty(Sort::P))),
            ("Real::from", [a]) => Ok(Val::T(build::to_real(self.int_term(a)?))),
            ("Real::new", [a, b]) => self.real_literal(e, a, b).map(Val::T),
            ("eventually", [_]) => err_help(e.span(), "`eventually(..)` must wrap a whole property", "misplaced", "write `(\"Termination\", eventually(…))`"),
            ("ProcessId::new" | "ProcessId::from_u32", _) => err_help(
                e.span(),
                "process ids are abstract in the proof",
                "concrete process id",
                "compare ids with `==`; use `cx.id()`, `cx.coord()`, `w.coord()` or quantify with `w.forall`/`w.exists`",
            ),
            _ => {
                if let Some(h) = self.helpers.iter().find(|h| h.name == name) {
                    return self.helper_call(e, h.clone(), &args);
                }
                err(c.func.span(), format!("unknown function `{name}`"), "not a helper with a contract, nor a supported function")
            }
        }
    }

    /// `Real::new(num, den)` with integer literals, `den > 0`: the rational.
    fn real_literal(&mut self, e: &Expr, num: &Expr, den: &Expr) -> FeResult<Term> {
        match (self.int_term(num)?, self.int_term(den)?) {
            (Term::Int(n), Term::Int(d)) if d > 0 => Ok(build::real(n, d)),
            _ => err_help(
                e.span(),
                "`Real::new` needs integer literals, the denominator positive",
                "not a rational literal",
                "write `Real::new(1, 2)`, or `Real::from(k)` for an integer expression",
            ),
        }
    }

    fn helper_call(&mut self, e: &Expr, h: crate::ir::Helper, args: &[&Expr]) -> FeResult<Val> {
        if self.mode != Mode::Update {
            return err_help(e.span(), format!("helper `{}` called outside `update`", h.name), "not allowed here", "helpers with contracts can be called in a round's `update`");
        }
        if args.len() != h.params.len() {
            return err(e.span(), format!("`{}` takes {} argument(s)", h.name, h.params.len()), "wrong number of arguments");
        }
        let mut map = Vec::new();
        for (p, a) in h.params.iter().zip(args) {
            map.push((p.clone(), self.term_of(a, &p.sort)?));
        }
        let requires = h.requires.subst(&map);
        if requires != Term::Bool(true) {
            self.pending.push(Stmt::Check { cond: requires, label: format!("{}_requires", h.name) });
        }
        let fname = self.fresh_name(&format!("{}.result", h.name));
        let fun = Fun::new(fname, vec![Sort::P], h.ret.clone());
        let res = fun.at(names::self_var().t());
        map.push((h.result.clone(), res.clone()));
        let axiom = h.ensures.subst(&map);
        self.pending.push(Stmt::Choose { fun, axiom, what: format!("result of {}", h.name) });
        Ok(Val::T(res))
    }
}
