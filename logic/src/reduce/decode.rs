//! Decoding a model of the reduced query into a model of the original formula.
//!
//! The solver's model interprets sets, options and tuples as opaque elements
//! with `in$…`, `card$…`, `is_some$…`, `get$…`, `proj…$…` tables, and its
//! universe of `P` may be smaller than the value of `n` (a Venn region of
//! size 5 may be represented by one element). Decoding:
//! 1. chooses a multiplicity `m_p ≥ 0` for each solver process `p` with
//!    `Σ m_p = n` and, for every set of processes `S` denoted by a ground
//!    term, `Σ_{p∈S} m_p = |S|` (an exact integer feasibility problem, solved
//!    by the back end). `m_p ≥ 1` for the values of ground process terms
//!    (first all of them but the Venn witnesses, then, if that is
//!    infeasible, only those of the original signature): the solver may
//!    place two elements in a region of size 1, and one of them must go;
//! 2. clones each process `m_p` times; every symbol of the original
//!    signature is interpreted on the clones by copying (a clone behaves as
//!    its original), sets become real sets of clones, options and tuples
//!    real options and tuples.
//!
//! The result is only a *candidate*: [`crate::check`] evaluates the original
//! formula on it and reports it only if it holds.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use super::Signature;
use super::lower::{card_symbol, member_symbol, option_observers, tuple_projections};
use crate::smt::{Backend, Cancel, SmtQuery, SolverResult, eval_flat};
use crate::{Fun, FunTable, Model, Op, Sort, Term, Value};

/// Why a solver model could not be turned into a model of the original formula.
pub type DecodeError = String;

/// The processes of the solver model with their multiplicities.
struct Clones {
    /// `first[p]`: the first real process cloned from solver process `p`
    /// (`None` if `p` was dropped).
    first: Vec<Option<u32>>,
    /// `origin[q]`: the solver process real process `q` is a clone of.
    origin: Vec<u32>,
}

fn table<'m>(m: &'m Model, f: &Fun) -> Option<&'m FunTable> {
    m.funs.get(&f.name)
}

fn apply(m: &Model, f: &Fun, args: &[Value]) -> Result<Value, DecodeError> {
    table(m, f)
        .and_then(|t| t.get(args))
        .cloned()
        .ok_or_else(|| format!("the solver model does not define {}({:?})", f.name, args))
}

/// The value of `n` in the solver model.
pub fn proc_count(m: &Model) -> Result<i64, DecodeError> {
    match m.funs.get("n").and_then(|t| t.get(&[])) {
        Some(Value::Int(k)) => Ok(*k),
        Some(other) => Err(format!("n has the non-integer value {other:?}")),
        None => Err("the solver model has no value for n".into()),
    }
}

/// The elements of the solver universe of `sort` (finite sorts only).
fn elements(m: &Model, sort: &Sort) -> Vec<Value> {
    match sort {
        Sort::P => (0..m.n).map(Value::Proc).collect(),
        Sort::Bool => vec![Value::Bool(false), Value::Bool(true)],
        other => (0..m.universe_size(other))
            .map(|k| Value::Elem(other.mangle(), k))
            .collect(),
    }
}

/// Membership profiles of the solver's sets of processes denoted by the
/// query's ground set terms: (members, card). Other elements of the solver's
/// set universe are junk nothing constrains.
pub(super) fn process_sets(m: &Model, ground_sets: &[Term]) -> Result<Vec<(Vec<u32>, i64)>, DecodeError> {
    Ok(denoted_sets(m, ground_sets)?.into_iter().map(|(_, members, card)| (members, card)).collect())
}

/// [`process_sets`] with a ground term denoting each.
pub(super) fn denoted_sets(m: &Model, ground_sets: &[Term]) -> Result<Vec<(Term, Vec<u32>, i64)>, DecodeError> {
    let set = Sort::set(Sort::P);
    if !m.funs.contains_key(&member_symbol(&set).name) {
        return Ok(Vec::new());
    }
    let mut denoted = BTreeMap::new();
    for t in ground_sets.iter().filter(|t| t.sort() == set) {
        let value = eval_flat(t, m).map_err(|e| format!("evaluating {t}: {e}"))?;
        denoted.entry(value).or_insert_with(|| t.clone());
    }
    let mut out = Vec::new();
    for (s, term) in denoted {
        let mut members = Vec::new();
        for p in 0..m.n {
            if apply(m, &member_symbol(&set), &[Value::Proc(p), s.clone()])? == Value::Bool(true) {
                members.push(p);
            }
        }
        let card = match table(m, &card_symbol(&set)).and_then(|t| t.get(std::slice::from_ref(&s)))
        {
            Some(Value::Int(k)) => *k,
            _ => continue, // a set whose size nothing mentions constrains nothing
        };
        out.push((term, members, card));
    }
    Ok(out)
}

/// Which solver processes may be cloned: `required` ones at least once,
/// and only `allowed` ones (all when `None`).
struct Bounds<'a> {
    required: &'a BTreeSet<u32>,
    allowed: Option<&'a BTreeSet<u32>>,
}

impl Bounds<'_> {
    fn lower(&self, p: usize) -> i64 {
        i64::from(self.required.contains(&(p as u32)))
    }

    fn may_clone(&self, p: usize) -> bool {
        self.allowed.is_none_or(|a| a.contains(&(p as u32))) || self.required.contains(&(p as u32))
    }
}

/// Solve the multiplicity problem exactly (with the back end as an ILP
/// solver, within `timeout` or until `stop`).
fn multiplicities(
    m: &Model,
    n: i64,
    ground_sets: &[Term],
    bounds: &Bounds,
    backend: &dyn Backend,
    timeout: Duration,
    stop: &Cancel,
) -> Result<Vec<i64>, DecodeError> {
    let sets = process_sets(m, ground_sets)?;
    let k = m.n as usize;
    // The common case needs no solver: one clone per process already fits.
    if n == k as i64 && (0..k).all(|p| bounds.may_clone(p)) && sets.iter().all(|(mem, c)| mem.len() as i64 == *c) {
        return Ok(vec![1; k]);
    }
    if k == 0 {
        return Err(format!("n = {n} but the solver model has no process"));
    }
    let lower: Vec<i64> = (0..k).map(|p| bounds.lower(p)).collect();
    let fixed: Vec<bool> = (0..k).map(|p| !bounds.may_clone(p)).collect();
    solve_multiplicities(n, &lower, &fixed, &sets, backend, timeout, stop)?
        .ok_or_else(|| "no way to clone the solver's processes so that n and every set size match".to_string())
}

/// Multiplicities `m ≥ lower` (`m = lower` where `fixed`) with `Σ m = n`
/// and each set's sum its size: `Ok(None)` if there are none. Small
/// problems by exact search; the others, or a search out of budget, by the
/// back end as an ILP solver.
pub(super) fn solve_multiplicities(
    n: i64,
    lower: &[i64],
    fixed: &[bool],
    sets: &[(Vec<u32>, i64)],
    backend: &dyn Backend,
    timeout: Duration,
    stop: &Cancel,
) -> Result<Option<Vec<i64>>, DecodeError> {
    let k = lower.len();
    if k <= 12 && n <= 64 {
        let mut budget = SEARCH_BUDGET;
        // `None`: the budget ran out, and the solver is asked instead.
        if let Some(found) = search_multiplicities(n, lower, fixed, sets, &mut budget) {
            return Ok(found);
        }
    }
    let var = |p: usize| Fun::constant(format!("mult{p}"), Sort::Int).app(Vec::new());
    let sum = |ps: &mut dyn Iterator<Item = usize>| Term::Op(Op::Add, ps.map(var).chain([Term::Int(0)]).collect());
    let mut assertions: Vec<Term> = (0..k).map(|p| Term::Op(Op::Le, vec![Term::Int(lower[p]), var(p)])).collect();
    assertions.extend((0..k).filter(|p| fixed[*p]).map(|p| Term::Op(Op::Eq, vec![var(p), Term::Int(lower[p])])));
    assertions.push(Term::Op(Op::Eq, vec![sum(&mut (0..k)), Term::Int(n)]));
    for (members, card) in sets {
        let s = sum(&mut members.iter().map(|p| *p as usize));
        assertions.push(Term::Op(Op::Eq, vec![s, Term::Int(*card)]));
    }
    match backend.check_cancellable(&SmtQuery { assertions }, timeout, stop) {
        Ok(SolverResult::Sat(sol)) => (0..k)
            .map(|p| match sol.funs.get(&format!("mult{p}")).and_then(|t| t.get(&[])) {
                Some(Value::Int(v)) => Ok(*v),
                other => Err(format!("multiplicity of process {p}: {other:?}")),
            })
            .collect::<Result<Vec<i64>, DecodeError>>()
            .map(Some),
        Ok(SolverResult::Unsat) => Ok(None),
        Ok(other) => Err(format!("multiplicity problem: {other:?}")),
        Err(e) => Err(format!("multiplicity problem: {e}")),
    }
}

/// Nodes the multiplicity search may visit before the solver is asked.
const SEARCH_BUDGET: u64 = 100_000;

/// Depth-first search for `m ≥ lower` (`m = 0` where `fixed`) with `Σ m = n`
/// and every set's sum equal to its size (each partial sum is pruned
/// against its target). `None` if the budget ran out, `Some(None)` if there
/// is no solution.
fn search_multiplicities(
    n: i64,
    lower: &[i64],
    fixed: &[bool],
    sets: &[(Vec<u32>, i64)],
    budget: &mut u64,
) -> Option<Option<Vec<i64>>> {
    struct Search<'a> {
        lower: &'a [i64],
        fixed: &'a [bool],
        sets: &'a [(Vec<u32>, i64)],
        budget: &'a mut u64,
    }
    impl Search<'_> {
        fn sums_ok(&self, m: &[i64], done: bool) -> bool {
            self.sets.iter().all(|(members, card)| {
                let s: i64 = members.iter().filter(|q| (**q as usize) < m.len()).map(|q| m[*q as usize]).sum();
                if done { s == *card } else { s <= *card }
            })
        }

        fn go(&mut self, p: usize, left: i64, m: &mut Vec<i64>) -> bool {
            if *self.budget == 0 {
                return false;
            }
            *self.budget -= 1;
            if p == self.lower.len() {
                return left == 0 && self.sums_ok(m, true);
            }
            let rest_min: i64 = self.lower[p + 1..].iter().sum();
            let top = if self.fixed[p] { self.lower[p] } else { left - rest_min };
            for v in self.lower[p]..=top {
                m.push(v);
                if self.sums_ok(m, false) && self.go(p + 1, left - v, m) {
                    return true;
                }
                m.pop();
            }
            false
        }
    }
    let k = lower.len();
    let mut search = Search { lower, fixed, sets, budget };
    let mut m = Vec::with_capacity(k);
    let found = search.go(0, n, &mut m);
    if found {
        Some(Some(m))
    } else if *search.budget == 0 {
        None
    } else {
        Some(None)
    }
}

struct Decoder<'a> {
    m: &'a Model,
    clones: Clones,
}

impl Decoder<'_> {
    /// The real value of a solver value of CL sort `sort`.
    fn value(&self, v: &Value, sort: &Sort) -> Result<Value, DecodeError> {
        Ok(match (sort, v) {
            (Sort::P, Value::Proc(p)) => Value::Proc(
                self.clones
                    .first
                    .get(*p as usize)
                    .copied()
                    .flatten()
                    .ok_or_else(|| format!("process {p} was dropped or is outside the universe"))?,
            ),
            (Sort::Set(elem), Value::Elem(..)) => {
                let mem = member_symbol(sort);
                let mut out = BTreeSet::new();
                if **elem == Sort::P {
                    for (q, p) in self.clones.origin.iter().enumerate() {
                        if apply(self.m, &mem, &[Value::Proc(*p), v.clone()])? == Value::Bool(true)
                        {
                            out.insert(Value::Proc(q as u32));
                        }
                    }
                } else if **elem == Sort::Int {
                    let t =
                        table(self.m, &mem).ok_or("no membership table for a set of integers")?;
                    if t.default == Some(Value::Bool(true)) {
                        return Err("a set of integers with infinitely many members".into());
                    }
                    for (args, b) in &t.entries {
                        if args[1] == *v && *b == Value::Bool(true) {
                            out.insert(args[0].clone());
                        }
                    }
                } else {
                    for e in elements(self.m, elem) {
                        if apply(self.m, &mem, &[e.clone(), v.clone()])? == Value::Bool(true) {
                            out.insert(self.value(&e, elem)?);
                        }
                    }
                }
                Value::Set(out)
            }
            (Sort::Opt(inner), Value::Elem(..)) => {
                let (is_some, get) = option_observers(sort);
                if apply(self.m, &is_some, std::slice::from_ref(v))? == Value::Bool(true) {
                    Value::Opt(Some(Box::new(
                        self.value(&apply(self.m, &get, std::slice::from_ref(v))?, inner)?,
                    )))
                } else {
                    Value::Opt(None)
                }
            }
            (Sort::Tuple(cs), Value::Elem(..)) => Value::Tuple(
                tuple_projections(sort)
                    .iter()
                    .zip(cs)
                    .map(|(p, c)| self.value(&apply(self.m, p, std::slice::from_ref(v))?, c))
                    .collect::<Result<_, _>>()?,
            ),
            (Sort::Int, Value::Int(_))
            | (Sort::Real, Value::Real(_))
            | (Sort::Bool, Value::Bool(_))
            | (Sort::Uninterpreted(_), Value::Elem(..)) => v.clone(),
            _ => return Err(format!("value {v:?} does not fit sort {sort}")),
        })
    }

    /// The argument tuples of `f` in the real model: every clone of every
    /// process argument, paired with the solver tuple it copies.
    fn real_entries(
        &self,
        f: &Fun,
        t: &FunTable,
    ) -> Result<BTreeMap<Vec<Value>, Value>, DecodeError> {
        let mut out = BTreeMap::new();
        for (args, val) in &t.entries {
            let mut tuples: Vec<Vec<Value>> = vec![Vec::new()];
            for (a, s) in args.iter().zip(&f.args) {
                let options: Vec<Value> = match (s, a) {
                    (Sort::P, Value::Proc(p)) => self
                        .clones
                        .origin
                        .iter()
                        .enumerate()
                        .filter(|(_, o)| *o == p)
                        .map(|(q, _)| Value::Proc(q as u32))
                        .collect(),
                    _ => vec![self.value(a, s)?],
                };
                tuples = tuples
                    .into_iter()
                    .flat_map(|tu| {
                        options.iter().map(move |o| {
                            let mut tu = tu.clone();
                            tu.push(o.clone());
                            tu
                        })
                    })
                    .collect();
            }
            let real = self.value(val, &f.ret)?;
            for tu in tuples {
                if let Some(old) = out.insert(tu.clone(), real.clone())
                    && old != real
                {
                    return Err(format!(
                        "{} takes two values at {:?}: the solver distinguished equal sets",
                        f.name, tu
                    ));
                }
            }
        }
        Ok(out)
    }
}

/// The solver processes that are values of `terms` (a term the model does
/// not interpret, its symbols simplified out of the query, names none).
pub(super) fn values_of(m: &Model, terms: &[Term]) -> BTreeSet<u32> {
    terms
        .iter()
        .filter_map(|t| match eval_flat(t, m) {
            Ok(Value::Proc(p)) => Some(p),
            _ => None,
        })
        .collect()
}

/// The solver processes that are values of a symbol of the original signature.
pub(super) fn signature_values(m: &Model, sig: &Signature) -> BTreeSet<u32> {
    let mut out = BTreeSet::new();
    for name in sig
        .funs
        .iter()
        .map(|f| &f.name)
        .chain(sig.vars.iter().map(|v| &v.name))
    {
        if let Some(t) = m.funs.get(name) {
            for v in t.entries.values().chain(t.default.iter()) {
                if let Value::Proc(p) = v {
                    out.insert(*p);
                }
            }
        }
    }
    out
}

/// Multiplicities, trying the most faithful clonings first: every named
/// process kept and only named processes cloned; then only the signature's
/// values kept; then the same with every solver process allowed.
///
/// Named processes first, because the reduction instantiated its universals
/// at the terms naming them: an element no term names satisfies only what
/// the solver happened to choose, and its clones would make the decoded
/// model spurious where a named element would not.
fn multiplicities_preferring_named(
    m: &Model,
    n: i64,
    input: &DecodeInput,
    backend: &dyn Backend,
    timeout: Duration,
    stop: &Cancel,
) -> Result<Vec<i64>, DecodeError> {
    let signature = signature_values(m, input.signature);
    let mut kept = values_of(m, input.ground_procs);
    kept.extend(signature.iter().copied());
    let mut named = kept.clone();
    named.extend(values_of(m, input.witnesses));
    let attempts = [
        Bounds { required: &kept, allowed: Some(&named) },
        Bounds { required: &signature, allowed: Some(&named) },
        Bounds { required: &kept, allowed: None },
        Bounds { required: &signature, allowed: None },
    ];
    let mut last = None;
    for bounds in &attempts {
        match multiplicities(m, n, input.ground_sets, bounds, backend, timeout, stop) {
            Ok(mult) => return Ok(mult),
            Err(e) => last = Some(e),
        }
        if stop.is_cancelled() {
            break;
        }
    }
    Err(last.expect("at least one attempt"))
}

/// What the decoder needs from the reduced query besides the solver model.
pub struct DecodeInput<'a> {
    /// The original signature.
    pub signature: &'a Signature,
    /// Ground set terms whose sizes the clones must reproduce.
    pub ground_sets: &'a [Term],
    /// Ground process terms whose values must not be dropped (if possible).
    pub ground_procs: &'a [Term],
    /// The Venn witnesses: with `ground_procs`, the processes the query
    /// names, which are cloned in preference to the solver's other elements.
    pub witnesses: &'a [Term],
    /// The definitions the query dropped, put back in the decoded model.
    pub unread: &'a super::unread::Unread,
}

/// The most processes a decoded model has: as many as the evaluator that
/// confirms it takes. A larger model could not be confirmed, and its tables
/// of sets of processes grow with n², so it is not built.
pub const MAX_DECODED_PROCESSES: i64 = crate::eval::MAX_UNIVERSE as i64;

/// Turn a solver model of the reduced query into a model of the original
/// signature, with `n` processes. The solver calls it may need stop at
/// `timeout` or once `stop` is cancelled (the check no longer needs the
/// model: another strategy decided).
pub fn decode(
    m: &Model,
    input: &DecodeInput,
    backend: &dyn Backend,
    timeout: Duration,
    stop: &Cancel,
) -> Result<Model, DecodeError> {
    let sig = input.signature;
    let n = proc_count(m)?;
    if n < 1 {
        return Err(format!("the solver chose n = {n}"));
    }
    if n > MAX_DECODED_PROCESSES {
        return Err(format!("the solver chose n = {n}, more processes than a decoded model has (at most {MAX_DECODED_PROCESSES})"));
    }
    let mult = if m.n == 0 {
        // The query never mentions a process: any n processes will do.
        Vec::new()
    } else {
        multiplicities_preferring_named(m, n, input, backend, timeout, stop)?
    };
    let mut first = Vec::new();
    let mut origin = Vec::new();
    for (p, k) in mult.iter().enumerate() {
        first.push(if *k > 0 {
            Some(origin.len() as u32)
        } else {
            None
        });
        origin.extend(std::iter::repeat_n(p as u32, (*k).max(0) as usize));
    }
    if m.n == 0 {
        origin.clear();
    }
    let real_n = if m.n == 0 {
        n as u32
    } else {
        origin.len() as u32
    };
    let d = Decoder {
        m,
        clones: Clones { first, origin },
    };
    let mut out = Model {
        n: real_n,
        ..Default::default()
    };
    for f in &sig.funs {
        // A symbol the reduced query lost (its constraints simplified away)
        // is unconstrained: any interpretation will do.
        let (entries, default) = match table(m, f) {
            None => (BTreeMap::new(), Some(arbitrary(&f.ret))),
            Some(t) => {
                let entries = d.real_entries(f, t)?;
                let default = match &t.default {
                    Some(v) => Some(d.value(v, &f.ret)?),
                    None if m.n == 0 && f.args.contains(&Sort::P) => Some(arbitrary(&f.ret)),
                    None => None,
                };
                (entries, default)
            }
        };
        out.funs.insert(
            f.name.clone(),
            FunTable {
                fun: f.clone(),
                entries,
                default,
            },
        );
    }
    for v in &sig.vars {
        let val = match m.funs.get(&v.name).and_then(|t| t.get(&[])) {
            Some(val) => d.value(val, &v.sort)?,
            None => arbitrary(&v.sort),
        };
        out.vars.insert(v.name.clone(), val);
    }
    let mut sorts = Vec::new();
    for f in &sig.funs {
        sorts.extend(f.args.iter().cloned());
        sorts.push(f.ret.clone());
    }
    sorts.extend(sig.vars.iter().map(|v| v.sort.clone()));
    for s in sorts {
        collect_uninterpreted(&s, m, &mut out);
    }
    input.unread.complete(&mut out).map_err(|e| format!("a dropped definition could not be evaluated: {e}"))?;
    Ok(out)
}

/// Some value of a sort (for symbols nothing constrains).
fn arbitrary(s: &Sort) -> Value {
    match s {
        Sort::Bool => Value::Bool(false),
        Sort::Int => Value::Int(0),
        Sort::Real => Value::Real(0.into()),
        Sort::P => Value::Proc(0),
        Sort::Set(_) => Value::Set(BTreeSet::new()),
        Sort::Opt(_) => Value::Opt(None),
        Sort::Tuple(cs) => Value::Tuple(cs.iter().map(arbitrary).collect()),
        Sort::Uninterpreted(_) => Value::Elem(s.mangle(), 0),
    }
}

/// Copy the universe sizes of the original uninterpreted sorts.
fn collect_uninterpreted(s: &Sort, m: &Model, out: &mut Model) {
    match s {
        Sort::Uninterpreted(_) => {
            out.universes.insert(s.mangle(), m.universe_size(s).max(1));
        }
        Sort::Set(e) | Sort::Opt(e) => collect_uninterpreted(e, m, out),
        Sort::Tuple(cs) => cs.iter().for_each(|c| collect_uninterpreted(c, m, out)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::smt::Z3InProcess;

    /// A solver model with 13 processes (past the exact search, so the
    /// multiplicities go to the solver), all in the one set `S`, whose size
    /// is `n = 100`; and the ground set term `S`.
    fn thirteen_processes_one_set() -> (Model, Vec<Term>) {
        let set = Sort::set(Sort::P);
        let s = Fun::constant("S", set.clone());
        let the_set = Value::Elem(set.mangle(), 0);
        let table = |fun: Fun, entries: Vec<(Vec<Value>, Value)>| {
            (fun.name.clone(), FunTable { fun, entries: entries.into_iter().collect(), default: None })
        };
        let member = (0..13).map(|p| (vec![Value::Proc(p), the_set.clone()], Value::Bool(true))).collect();
        let m = Model {
            n: 13,
            universes: [(set.mangle(), 1)].into_iter().collect(),
            funs: [
                table(Fun::constant("n", Sort::Int), vec![(vec![], Value::Int(100))]),
                table(s.clone(), vec![(vec![], the_set.clone())]),
                table(member_symbol(&set), member),
                table(card_symbol(&set), vec![(vec![the_set], Value::Int(100))]),
            ]
            .into_iter()
            .collect(),
            vars: BTreeMap::new(),
        };
        (m, vec![s.app(Vec::new())])
    }

    /// A model whose `n` is ten million is not decoded: its tables would
    /// not fit in memory.
    #[test]
    fn a_model_with_too_many_processes_is_not_decoded() {
        let (mut m, sets) = thirteen_processes_one_set();
        let n = Fun::constant("n", Sort::Int);
        m.funs.insert("n".into(), FunTable { fun: n, entries: [(vec![], Value::Int(10_000_000))].into_iter().collect(), default: None });
        let signature = Signature::default();
        let input = DecodeInput { signature: &signature, ground_sets: &sets, ground_procs: &[], witnesses: &[], unread: &Default::default() };
        let err = decode(&m, &input, &Z3InProcess::new(), Duration::from_secs(20), &Cancel::new()).expect_err("too large");
        assert!(err.contains("n = 10000000"), "{err}");
    }

    #[test]
    fn multiplicities_come_from_the_solver_and_stop_when_cancelled() {
        let (m, sets) = thirteen_processes_one_set();
        let solve = |stop: &Cancel| {
            let none = BTreeSet::new();
            let bounds = Bounds { required: &none, allowed: None };
            multiplicities(&m, 100, &sets, &bounds, &Z3InProcess::new(), Duration::from_secs(20), stop)
        };
        let mult = solve(&Cancel::new()).expect("13 clone counts summing to 100 exist");
        assert_eq!(mult.iter().sum::<i64>(), 100);
        let stopped = Cancel::new();
        stopped.cancel();
        let err = solve(&stopped).expect_err("a cancelled check gives no multiplicities");
        assert!(err.contains("Timeout"), "{err}");
    }

    /// Solver processes 0, 1, 2 with `S = {1, 2}` of size 1 and `n = 2`,
    /// where 0 must stay: the exact search's first solution clones 2; with
    /// 2 not allowed (no term names it) it clones 1 instead, and with every
    /// process kept at least once there is no solution.
    #[test]
    fn the_multiplicities_clone_only_allowed_processes() {
        let set = Sort::set(Sort::P);
        let s = Fun::constant("S", set.clone());
        let the_set = Value::Elem(set.mangle(), 0);
        let table = |fun: Fun, entries: Vec<(Vec<Value>, Value)>| {
            (fun.name.clone(), FunTable { fun, entries: entries.into_iter().collect(), default: None })
        };
        let member = (0..3).map(|p| (vec![Value::Proc(p), the_set.clone()], Value::Bool(p > 0))).collect();
        let m = Model {
            n: 3,
            universes: [(set.mangle(), 1)].into_iter().collect(),
            funs: [
                table(Fun::constant("n", Sort::Int), vec![(vec![], Value::Int(2))]),
                table(s.clone(), vec![(vec![], the_set.clone())]),
                table(member_symbol(&set), member),
                table(card_symbol(&set), vec![(vec![the_set], Value::Int(1))]),
            ]
            .into_iter()
            .collect(),
            vars: BTreeMap::new(),
        };
        let sets = vec![s.app(Vec::new())];
        let solve = |required: &BTreeSet<u32>, allowed: Option<&BTreeSet<u32>>| {
            let bounds = Bounds { required, allowed };
            multiplicities(&m, 2, &sets, &bounds, &Z3InProcess::new(), Duration::from_secs(20), &Cancel::new())
        };
        let zero: BTreeSet<u32> = [0].into();
        assert_eq!(solve(&zero, None), Ok(vec![1, 0, 1]));
        assert_eq!(solve(&zero, Some(&[0, 1].into())), Ok(vec![1, 1, 0]));
        assert!(solve(&[0, 1, 2].into(), None).is_err());
    }
}
