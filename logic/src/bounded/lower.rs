//! Lowering a CL formula to a flat query for exactly `k` processes.
//!
//! Every term becomes its components (see [`super::layout`]). `P` stays an
//! uninterpreted sort, with `k` distinct constants `bnd@p0 … bnd@p(k-1)`
//! that are asserted to be all of it; quantifiers and comprehensions over
//! finite sorts (`P`, `Bool`, sets, options and tuples of them) are expanded
//! over their values, quantifiers over other sorts become flat quantifiers
//! over the components. A function symbol `f` becomes one flat symbol
//! `f@c` per component `c` of its result, over the components of its
//! arguments; a free variable `v` becomes constants `v@var@c`.

use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;

use crate::bounded::BoundedError;
use crate::bounded::flat::{self, proc_const};
use crate::bounded::layout::{Sizes, atoms, domain, domain_len, width};
use crate::{Binder, Fun, Op, Sort, Term, Value, Var};

/// Quantifiers over finite domains up to this size are expanded.
const MAX_EXPAND: usize = 64;

/// The flat query of a formula at one `k`, and what decoding needs.
#[derive(Clone, Debug)]
pub(crate) struct Lowered {
    /// The number of processes.
    pub k: u32,
    /// The flat assertions.
    pub assertions: Vec<Term>,
    /// The formula's function symbols (the original ones).
    pub funs: Vec<Fun>,
    /// The formula's free variables.
    pub free: Vec<Var>,
    /// For each uninterpreted sort (by mangled name) whose default value was
    /// needed, the constant standing for it.
    pub defaults: BTreeMap<String, String>,
}

/// The name of component `c` of function symbol `f`.
pub(crate) fn fun_component(f: &str, c: usize) -> String {
    format!("{f}@{c}")
}

/// The name of component `c` of the free variable `v`.
pub(crate) fn var_component(v: &str, c: usize) -> String {
    format!("{v}@var@{c}")
}

/// Lower `f` (well sorted, checked by the caller) for `k ≥ 1` processes;
/// with `ints`, a quantifier over `Int` is expanded over those integers
/// (see [`super::data_range`]) instead of being left to the solver.
pub(crate) fn lower(f: &Term, k: u32, ints: Option<&[i64]>) -> Result<Lowered, BoundedError> {
    let ints = ints.map(|d| Rc::new(d.iter().map(|i| (Value::Int(*i), vec![Term::Int(*i)])).collect()));
    let mut l =
        Lower { k, defaults: BTreeMap::new(), funs: Vec::new(), free: Vec::new(), fresh: 0, domains: HashMap::new(), ints };
    let main = l.formula(f, &mut Vec::new())?;
    let procs: Vec<Term> = (0..k).map(proc_const).collect();
    let mut assertions = Vec::new();
    for i in 0..procs.len() {
        for j in i + 1..procs.len() {
            assertions.push(Term::Op(Op::Not, vec![Term::Op(Op::Eq, vec![procs[i].clone(), procs[j].clone()])]));
        }
    }
    let x = Var::new("bnd@all", Sort::P);
    let cover = procs.iter().map(|p| Term::Op(Op::Eq, vec![x.t(), p.clone()])).collect();
    assertions.push(Term::Bind(Binder::Forall, vec![x], Box::new(Term::Op(Op::Or, cover))));
    assertions.push(main);
    let defaults = l.defaults.into_iter().map(|(s, t)| (s, name_of(&t))).collect();
    Ok(Lowered { k, assertions, funs: l.funs, free: l.free, defaults })
}

fn name_of(t: &Term) -> String {
    match t {
        Term::App(f, _) => f.name.clone(),
        other => other.to_string(),
    }
}

type Env = Vec<(Var, Vec<Term>)>;

/// The values of a finite domain with their components.
type Domain = Rc<Vec<(Value, Vec<Term>)>>;

struct Lower {
    k: u32,
    /// Uninterpreted sort (mangled) → constant for its default element.
    defaults: BTreeMap<String, Term>,
    funs: Vec<Fun>,
    free: Vec<Var>,
    fresh: usize,
    domains: HashMap<Sort, Domain>,
    /// The integers `Int` quantifiers are expanded over, if they are.
    ints: Option<Domain>,
}

impl Lower {
    fn domain(&mut self, sort: &Sort) -> Result<Domain, BoundedError> {
        if let Some(d) = self.domains.get(sort) {
            return Ok(d.clone());
        }
        let values = domain(sort, &Sizes { k: self.k, universes: None })?;
        let mut out = Vec::with_capacity(values.len());
        for v in values {
            let comps = self.literal(&v, sort)?;
            out.push((v, comps));
        }
        let d = Rc::new(out);
        self.domains.insert(sort.clone(), d.clone());
        Ok(d)
    }

    /// The components of a value of a finite sort.
    fn literal(&mut self, v: &Value, sort: &Sort) -> Result<Vec<Term>, BoundedError> {
        Ok(match (sort, v) {
            (Sort::Bool, Value::Bool(b)) => vec![Term::Bool(*b)],
            (Sort::Int, Value::Int(i)) => vec![Term::Int(*i)],
            (Sort::P, Value::Proc(i)) => vec![proc_const(*i)],
            (Sort::Set(e), Value::Set(items)) => {
                let dom = self.domain(e)?;
                dom.iter().map(|(d, _)| Term::Bool(items.contains(d))).collect()
            }
            (Sort::Opt(t), Value::Opt(o)) => {
                let mut out = vec![Term::Bool(o.is_some())];
                match o {
                    Some(x) => out.extend(self.literal(x, t)?),
                    None => out.extend(self.default(t)?),
                }
                out
            }
            (Sort::Tuple(cs), Value::Tuple(xs)) => {
                let mut out = Vec::new();
                for (x, c) in xs.iter().zip(cs) {
                    out.extend(self.literal(x, c)?);
                }
                out
            }
            _ => return Err(BoundedError::Unsupported(format!("no literal for {v:?} of sort {sort}"))),
        })
    }

    /// The components of the default value of `sort` (what `get(None)` is).
    fn default(&mut self, sort: &Sort) -> Result<Vec<Term>, BoundedError> {
        match sort {
            Sort::Uninterpreted(_) => {
                let name = format!("bnd@default@{}", sort.mangle());
                let c = Term::App(Fun::constant(name, sort.clone()), Vec::new());
                Ok(vec![self.defaults.entry(sort.mangle()).or_insert(c).clone()])
            }
            Sort::Opt(t) => {
                let mut out = vec![Term::Bool(false)];
                out.extend(self.default(t)?);
                Ok(out)
            }
            Sort::Tuple(cs) => {
                let mut out = Vec::new();
                for c in cs {
                    out.extend(self.default(c)?);
                }
                Ok(out)
            }
            other => self.literal(&Value::default_of(other), other),
        }
    }

    /// Make raw components canonical: the payload of `None` is the default.
    fn canon(&mut self, sort: &Sort, comps: Vec<Term>) -> Result<Vec<Term>, BoundedError> {
        match sort {
            Sort::Opt(t) => {
                let some = comps[0].clone();
                let payload = self.canon(t, comps[1..].to_vec())?;
                let dflt = self.default(t)?;
                let mut out = vec![some.clone()];
                out.extend(payload.into_iter().zip(dflt).map(|(p, d)| flat::ite(some.clone(), p, d)));
                Ok(out)
            }
            Sort::Tuple(cs) => {
                let mut out = Vec::new();
                let mut rest = comps.as_slice();
                for c in cs {
                    let w = width(c, self.k)?;
                    out.extend(self.canon(c, rest[..w].to_vec())?);
                    rest = &rest[w..];
                }
                Ok(out)
            }
            _ => Ok(comps),
        }
    }

    fn formula(&mut self, t: &Term, env: &mut Env) -> Result<Term, BoundedError> {
        let mut v = self.term(t, env)?;
        match v.len() {
            1 => Ok(v.pop().expect("one component")),
            _ => Err(BoundedError::Unsupported(format!("expected a formula: {t}"))),
        }
    }

    fn term(&mut self, t: &Term, env: &mut Env) -> Result<Vec<Term>, BoundedError> {
        match t {
            Term::Var(v) => {
                if let Some((_, comps)) = env.iter().rev().find(|(w, _)| w == v) {
                    return Ok(comps.clone());
                }
                if !self.free.contains(v) {
                    self.free.push(v.clone());
                }
                let comps = atoms(&v.sort, self.k)?
                    .into_iter()
                    .enumerate()
                    .map(|(c, s)| Term::App(Fun::constant(var_component(&v.name, c), s), Vec::new()))
                    .collect();
                self.canon(&v.sort, comps)
            }
            Term::Bool(_) | Term::Int(_) => Ok(vec![t.clone()]),
            Term::App(f, args) => {
                let mut flat_args = Vec::new();
                let mut arg_sorts = Vec::new();
                for (a, s) in args.iter().zip(&f.args) {
                    flat_args.extend(self.term(a, env)?);
                    arg_sorts.extend(atoms(s, self.k)?);
                }
                if !self.funs.contains(f) {
                    self.funs.push(f.clone());
                }
                let comps = atoms(&f.ret, self.k)?
                    .into_iter()
                    .enumerate()
                    .map(|(c, s)| Fun::new(fun_component(&f.name, c), arg_sorts.clone(), s).app(flat_args.clone()))
                    .collect();
                self.canon(&f.ret, comps)
            }
            Term::Bind(Binder::Comprehension, vs, body) => {
                let x = &vs[0];
                let dom = self.domain(&x.sort)?;
                let mut out = Vec::with_capacity(dom.len());
                for (_, lit) in dom.iter() {
                    env.push((x.clone(), lit.clone()));
                    let r = self.formula(body, env);
                    env.pop();
                    out.push(r?);
                }
                Ok(out)
            }
            Term::Bind(b, vs, body) => Ok(vec![self.quant(*b, vs, body, env)?]),
            Term::Op(op, args) => self.op(op, args, env),
        }
    }

    fn quant(&mut self, b: Binder, vs: &[Var], body: &Term, env: &mut Env) -> Result<Term, BoundedError> {
        let Some((v, rest)) = vs.split_first() else { return self.formula(body, env) };
        let ints = self.ints.clone().filter(|_| v.sort == Sort::Int);
        if ints.is_some() || domain_len(&v.sort, self.k).is_ok_and(|m| m <= MAX_EXPAND) {
            let dom = match ints {
                Some(d) => d,
                None => self.domain(&v.sort)?,
            };
            let mut parts = Vec::with_capacity(dom.len());
            for (_, lit) in dom.iter() {
                env.push((v.clone(), lit.clone()));
                let r = self.quant(b, rest, body, env);
                env.pop();
                let part = r?;
                // Short-circuit: a decided instance decides the quantifier.
                if part == Term::Bool(b == Binder::Exists) {
                    return Ok(part);
                }
                parts.push(part);
            }
            return Ok(if b == Binder::Forall { flat::and(parts) } else { flat::or(parts) });
        }
        let mut flat_vars = Vec::new();
        for s in atoms(&v.sort, self.k)? {
            self.fresh += 1;
            flat_vars.push(Var::new(format!("bnd@q{}", self.fresh), s));
        }
        let comps = self.canon(&v.sort, flat_vars.iter().map(Var::t).collect())?;
        env.push((v.clone(), comps));
        let r = self.quant(b, rest, body, env);
        env.pop();
        let inner = r?;
        Ok(match inner {
            Term::Bool(_) => inner,
            inner => Term::Bind(b, flat_vars, Box::new(inner)),
        })
    }

    fn elem_sort(t: &Term) -> Result<Sort, BoundedError> {
        t.sort().set_elem().cloned().ok_or_else(|| BoundedError::Unsupported(format!("not a set: {t}")))
    }

    fn op(&mut self, op: &Op, args: &[Term], env: &mut Env) -> Result<Vec<Term>, BoundedError> {
        let one = |t: Term| Ok(vec![t]);
        match op {
            Op::Not => one(flat::not(self.formula(&args[0], env)?)),
            Op::And | Op::Or => {
                let mut parts = Vec::with_capacity(args.len());
                for a in args {
                    parts.push(self.formula(a, env)?);
                }
                one(if *op == Op::And { flat::and(parts) } else { flat::or(parts) })
            }
            Op::Implies => one(flat::implies(self.formula(&args[0], env)?, self.formula(&args[1], env)?)),
            Op::Iff => one(flat::iff(self.formula(&args[0], env)?, self.formula(&args[1], env)?)),
            Op::Ite => {
                let c = self.formula(&args[0], env)?;
                let a = self.term(&args[1], env)?;
                let b = self.term(&args[2], env)?;
                Ok(a.into_iter().zip(b).map(|(x, y)| flat::ite(c.clone(), x, y)).collect())
            }
            Op::Eq => {
                let first = self.term(&args[0], env)?;
                let mut parts = Vec::new();
                for a in &args[1..] {
                    parts.push(flat::eq_all(&first, &self.term(a, env)?));
                }
                one(flat::and(parts))
            }
            Op::Add
            | Op::Sub
            | Op::Neg
            | Op::Mul
            | Op::Div
            | Op::Mod
            | Op::ToReal
            | Op::Lt
            | Op::Le
            | Op::Gt
            | Op::Ge => {
                let mut flat_args = Vec::with_capacity(args.len());
                for a in args {
                    flat_args.push(self.formula(a, env)?);
                }
                one(if *op == Op::Add { flat::add(flat_args) } else { Term::Op(op.clone(), flat_args) })
            }
            Op::ProcCount => one(Term::Int(i64::from(self.k))),
            Op::Member => {
                let x = self.term(&args[0], env)?;
                let s = self.term(&args[1], env)?;
                let dom = self.domain(&Self::elem_sort(&args[1])?)?;
                let cases = dom.iter().zip(s).map(|((_, lit), m)| flat::and([flat::eq_all(&x, lit), m]));
                one(flat::or(cases.collect::<Vec<_>>()))
            }
            Op::Subset => {
                let s = self.term(&args[0], env)?;
                let t = self.term(&args[1], env)?;
                one(flat::and(s.into_iter().zip(t).map(|(a, b)| flat::implies(a, b)).collect::<Vec<_>>()))
            }
            Op::Union | Op::Inter | Op::Diff => {
                let s = self.term(&args[0], env)?;
                let t = self.term(&args[1], env)?;
                Ok(s.into_iter()
                    .zip(t)
                    .map(|(a, b)| match op {
                        Op::Union => flat::or([a, b]),
                        Op::Inter => flat::and([a, b]),
                        _ => flat::and([a, flat::not(b)]),
                    })
                    .collect())
            }
            Op::Card => {
                let s = self.term(&args[0], env)?;
                one(flat::add(s.into_iter().map(|m| flat::ite(m, Term::Int(1), Term::Int(0))).collect::<Vec<_>>()))
            }
            Op::Empty(e) => Ok(vec![Term::Bool(false); self.domain(e)?.len()]),
            Op::AllProcs => Ok(vec![Term::Bool(true); self.k as usize]),
            Op::Singleton => {
                let a = self.term(&args[0], env)?;
                let dom = self.domain(&args[0].sort())?;
                Ok(dom.iter().map(|(_, lit)| flat::eq_all(&a, lit)).collect())
            }
            Op::Some => {
                let mut out = vec![Term::Bool(true)];
                out.extend(self.term(&args[0], env)?);
                Ok(out)
            }
            Op::None(t) => {
                let mut out = vec![Term::Bool(false)];
                out.extend(self.default(t)?);
                Ok(out)
            }
            Op::IsSome => Ok(self.term(&args[0], env)?[..1].to_vec()),
            Op::Get => Ok(self.term(&args[0], env)?[1..].to_vec()),
            Op::Tuple => {
                let mut out = Vec::new();
                for a in args {
                    out.extend(self.term(a, env)?);
                }
                Ok(out)
            }
            Op::Proj(i) => {
                let Sort::Tuple(cs) = args[0].sort() else {
                    return Err(BoundedError::Unsupported(format!("projection of a non-tuple: {}", args[0])));
                };
                let mut off = 0;
                for c in &cs[..*i] {
                    off += width(c, self.k)?;
                }
                let w = width(&cs[*i], self.k)?;
                Ok(self.term(&args[0], env)?[off..off + w].to_vec())
            }
        }
    }
}
