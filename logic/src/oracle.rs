//! A brute-force finite-model finder: the soundness oracle for the verifier.
//!
//! [`find_model`] looks for a model of a formula with `n = 1..=max_n`
//! processes, integers from a small range and small uninterpreted universes,
//! by a depth-first search over the entries of the symbols' tables:
//!
//! - **Instances**: top-level existentials over finite sorts become fresh
//!   constants, and top-level universals are expanded into one instance per
//!   value (`∀i. φ(i)` gives `φ(0)`, …, `φ(n-1)`); each instance is tracked
//!   separately, and re-evaluated only when an entry it depends on changes.
//! - **Lazily**: instances are evaluated in the partial model (Kleene logic,
//!   integer intervals, set bounds: see `eval/machine.rs`); the search only
//!   branches on entries some open instance needed, so entries that never
//!   matter are never enumerated. An instance that is false prunes the
//!   branch; one that is true stays true below it.
//! - **Fail first**: it branches on a constant when one is needed, otherwise
//!   on an entry of the open instance with the fewest unassigned entries.
//! - **Up to symmetry**: processes (and elements of uninterpreted sorts) are
//!   interchangeable — no term names a particular one — so when an entry's
//!   value is a process, only the processes already mentioned in the partial
//!   model plus one fresh process are tried; for a set of processes, one set
//!   per (part inside the mentioned processes, number of fresh ones).
//!
//! A model found is re-checked with the exact evaluator ([`crate::eval`])
//! before being returned, so `Found(m)` always satisfies `holds(t, m)`.
//! `NoModel` means no model exists within the bounds, under the evaluator's
//! semantics (integer quantifiers over the active domain: exact on the CL
//! fragment, see [`crate::eval`]; instances of `∀ w: Int` range over the
//! searched integers, their neighbours and the formula's literals, a superset
//! of every candidate's active domain).

use std::collections::BTreeMap;
use std::ops::RangeInclusive;

use crate::eval::{self, close_under_neighbours, compile, domain_size, enumerate, Node, Sizes, Table, World, V};
use crate::model::Model;
use crate::sort::Sort;
use crate::term::{Binder, Fun, Op, Term, Var};
use crate::typecheck::typecheck_formula;

/// The bounds of the search.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OracleBounds {
    /// The largest number of processes tried (from 1 up).
    pub max_n: u32,
    /// The values `Int`-valued symbols may take.
    pub ints: RangeInclusive<i64>,
    /// The size of every uninterpreted sort.
    pub universe: u32,
    /// The largest number of search nodes (partial models) visited.
    pub budget: u64,
}

impl Default for OracleBounds {
    fn default() -> Self {
        OracleBounds { max_n: 4, ints: -1..=2, universe: 2, budget: 1_000_000 }
    }
}

/// The answer of the oracle.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OracleResult {
    /// A model of the formula (checked with the exact evaluator).
    Found(Model),
    /// The search space was exhausted: no model within the bounds.
    NoModel,
    /// The budget ran out first.
    BudgetExceeded,
    /// The formula is outside what the oracle can search (with the reason).
    Unsupported(String),
}

/// The answer with the number of search nodes visited.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OracleReport {
    /// The answer.
    pub result: OracleResult,
    /// Partial models visited.
    pub nodes: u64,
}

/// Look for a model of the formula `t` within `bounds`.
pub fn find_model(t: &Term, bounds: &OracleBounds) -> OracleResult {
    search(t, bounds).result
}

/// [`find_model`], also reporting the work done.
pub fn search(t: &Term, bounds: &OracleBounds) -> OracleReport {
    let mut nodes = 0;
    let result = match run(t, bounds, &mut nodes) {
        Ok(Some(m)) => OracleResult::Found(m),
        Ok(None) => OracleResult::NoModel,
        Err(Stop::Budget) => OracleResult::BudgetExceeded,
        Err(Stop::Unsupported(why)) => OracleResult::Unsupported(why),
    };
    OracleReport { result, nodes }
}

mod search;

use search::Search;

/// Why the search stopped without an answer.
enum Stop {
    Budget,
    Unsupported(String),
}

impl From<eval::EvalError> for Stop {
    fn from(e: eval::EvalError) -> Stop {
        Stop::Unsupported(e.to_string())
    }
}

/// Candidate value lists larger than this are refused.
const CANDIDATE_LIMIT: u128 = 1 << 16;

fn run(t: &Term, bounds: &OracleBounds, nodes: &mut u64) -> Result<Option<Model>, Stop> {
    typecheck_formula(t).map_err(|e| Stop::Unsupported(e.to_string()))?;
    if bounds.ints.is_empty() {
        return Err(Stop::Unsupported("the integer range is empty".into()));
    }
    let mut skolems = Vec::new();
    let mut parts = Vec::new();
    skolemize(t, &mut skolems, &mut parts);
    let searched = Term::Op(Op::And, parts);
    let prog = compile(&searched)?;
    let ints: Vec<i64> = bounds.ints.clone().collect();
    let mut universes = BTreeMap::new();
    for s in &prog.sorts {
        uninterpreted_in(s, &mut |u| {
            universes.insert(u.mangle(), bounds.universe);
        });
    }
    let mut inexact = false;
    for n in 1..=bounds.max_n {
        let sizes = Sizes { n, universes: universes.clone() };
        let mut base = ints.clone();
        base.extend(prog.literals.iter().copied());
        base.extend([0, i64::from(n)]);
        let domain = close_under_neighbours(base);
        let world = World::new(&prog, sizes.clone(), &domain, Some((*bounds.ints.start(), *bounds.ints.end())))?;
        if let Some(s) = world.tables.iter().position(|tb| matches!(tb, Table::Map { .. })) {
            return Err(Stop::Unsupported(format!("`{}` has too many entries to search", prog.syms[s].fun.name)));
        }
        let mut candidates = Vec::with_capacity(prog.syms.len());
        for sym in &prog.syms {
            let sort = &prog.sorts[sym.ret];
            if *sort == Sort::Real {
                return Err(Stop::Unsupported(format!("`{}` has sort Real: the oracle enumerates finite domains only", sym.fun.name)));
            }
            if domain_size(sort, &sizes, ints.len())? > CANDIDATE_LIMIT {
                return Err(Stop::Unsupported(format!("`{}` has too many possible values", sym.fun.name)));
            }
            candidates.push(enumerate(sort, &sizes, &ints)?);
        }
        let mut instances = Vec::new();
        expand(&world, &prog.root, &mut Vec::new(), &mut instances);
        // The order breaks ties when choosing the entry to branch on:
        // instances about the first processes first, and among those the
        // most ground ones, so contradictions are sought among the entries
        // of a few processes before the others are enumerated.
        instances.sort_by_key(|i| (i.process, binder_weight(i.node)));
        let mut s = Search::new(world, &instances, candidates, t, &skolems, nodes, bounds.budget);
        let found = s.run()?;
        inexact |= s.inexact;
        if let Some(m) = found {
            return Ok(Some(m));
        }
    }
    if inexact {
        return Err(Stop::Unsupported(
            "a candidate true under the search's integer domain was false under the exact semantics \
             (integer quantifiers outside the CL fragment?)"
                .into(),
        ));
    }
    Ok(None)
}

/// Split `t` into conjuncts, replacing existentially quantified variables
/// at the top level by fresh constants (named so no parsed name can clash),
/// which the symmetry reduction then pins to the first fresh process. Only
/// variables of sorts the search enumerates completely are replaced: an `Int`
/// witness may lie outside the searched integer range.
fn skolemize(t: &Term, skolems: &mut Vec<String>, out: &mut Vec<Term>) {
    match t {
        Term::Op(Op::And, args) => args.iter().for_each(|a| skolemize(a, skolems, out)),
        Term::Bind(Binder::Exists, vs, body) if vs.iter().all(|v| finite_sort(&v.sort)) => {
            let map: Vec<(Var, Term)> = vs
                .iter()
                .map(|v| {
                    let name = format!("{}!{}", v.name, skolems.len());
                    skolems.push(name.clone());
                    (v.clone(), Fun::constant(name, v.sort.clone()).app(Vec::new()))
                })
                .collect();
            skolemize(&body.subst(&map), skolems, out);
        }
        other => out.push(other.clone()),
    }
}

fn finite_sort(s: &Sort) -> bool {
    match s {
        Sort::Int | Sort::Real => false,
        Sort::Bool | Sort::P | Sort::Uninterpreted(_) => true,
        Sort::Set(e) | Sort::Opt(e) => finite_sort(e),
        Sort::Tuple(cs) => cs.iter().all(finite_sort),
    }
}

/// A top-level conjunct with values for the variables of the universal
/// quantifiers around it: the search tracks each instance separately.
struct Instance<'p> {
    /// The conjunct's body.
    node: &'p Node,
    binds: Vec<(usize, V)>,
    /// The largest process (or uninterpreted element) among the values bound.
    process: u32,
}

/// Instances are not split further beyond this many.
const INSTANCE_LIMIT: usize = 1 << 14;

/// Split a compiled formula into instances of its top-level conjuncts,
/// expanding top-level universal quantifiers over enumerated domains.
fn expand<'p>(world: &World<'p>, node: &'p Node, binds: &mut Vec<(usize, V)>, out: &mut Vec<Instance<'p>>) {
    match node {
        Node::Op(eval::Prim::And, args) => args.iter().for_each(|a| expand(world, a, binds, out)),
        Node::Quant { forall: true, slot, dom, body } => match &world.domains[*dom] {
            Some(values) if out.len() + values.len() <= INSTANCE_LIMIT => {
                for v in values {
                    binds.push((*slot, v.clone()));
                    expand(world, body, binds, out);
                    binds.pop();
                }
            }
            _ => out.push(instance(node, binds)),
        },
        other => out.push(instance(other, binds)),
    }
}

fn instance<'p>(node: &'p Node, binds: &[(usize, V)]) -> Instance<'p> {
    let process = binds
        .iter()
        .map(|(_, v)| match v {
            V::E(k) => *k,
            V::Mask(m) => 63 - m.leading_zeros().min(63),
            _ => 0,
        })
        .max()
        .unwrap_or(0);
    Instance { node, binds: binds.to_vec(), process }
}

/// Binders in a compiled term, each weighted by the binders around it.
fn binder_weight(node: &Node) -> usize {
    match node {
        Node::Quant { body, .. } | Node::Compr { body, .. } => 1 + 4 * binder_weight(body),
        Node::Sym(_, args) | Node::Op(_, args) => args.iter().map(binder_weight).sum(),
        Node::Slot(_) | Node::Lit(_) | Node::ProcCount | Node::AllProcs => 0,
    }
}

fn uninterpreted_in(s: &Sort, f: &mut impl FnMut(&Sort)) {
    match s {
        Sort::Uninterpreted(_) => f(s),
        Sort::Set(e) | Sort::Opt(e) => uninterpreted_in(e, f),
        Sort::Tuple(cs) => cs.iter().for_each(|c| uninterpreted_in(c, f)),
        Sort::Bool | Sort::Int | Sort::Real | Sort::P => {}
    }
}

