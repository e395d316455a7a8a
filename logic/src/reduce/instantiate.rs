//! Pass 6b: instantiation of the universals that are not stratified.
//!
//! `∀x̄ ȳ. φ` with `x̄` not stratified becomes `⋀_σ ∀ȳ. φσ` for substitutions
//! σ of `x̄` by ground terms modulo congruence:
//! - eager rounds (`Eager(d)`): round `r` uses the terms of depth `< r`
//!   (terms of the input have depth 0, terms first created by round `r` get
//!   depth `r`), `d` rounds in all;
//! - then, if enabled, a *local* pass that uses every term of the e-graph but
//!   keeps an instance only when all its ground terms are already known.
//!
//! Soundness: `∀x̄. φ` implies each instance, so replacing the universal by a
//! conjunction of instances keeps every model. (Dropping the universal may
//! leave spurious models; the checker confirms every model it reports.)

use std::collections::{BTreeMap, HashSet};

use super::congruence::Congruence;
use super::{Interrupt, ReduceError};
use super::kinds::Kinds;
use super::stratify::SortGraph;
use super::syntax::{self, and, is_data, or};
use crate::{Binder, Fun, Op, Sort, Term, Var};

/// Counters of one instantiation run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InstStats {
    /// Instances generated.
    pub instances: usize,
    /// Universals whose candidate tuples exceeded the cap (instances were dropped).
    pub truncated: usize,
    /// Candidate tuples looked at.
    pub tuples: usize,
}

/// Ground terms usable as instances, per sort, with their depth.
pub(super) type Candidates = BTreeMap<Sort, Vec<(Term, usize)>>;

/// Instantiation over a fixed sort graph and e-graph.
pub struct Instantiator<'a> {
    /// The sort graph deciding stratification.
    pub graph: &'a SortGraph,
    /// Cap on the instances of one universal.
    pub max_instances: usize,
    /// Also instantiate stratified variables of data sorts (not processes,
    /// sets or Bool), keeping the universal too: the solver then need not
    /// guess the values (sound: instances of a kept universal).
    pub data_instances: bool,
    /// Data instances also with values read at processes named by data
    /// ([`named_by_data`]; `ReduceConfig::data_at_named_processes`).
    pub data_at_named_processes: bool,
    /// The kinds of data positions: a data variable is only instantiated
    /// with terms of its kind (see `kinds.rs`).
    pub kinds: &'a Kinds,
    /// Cap on the instances of the whole run (every universal, round and
    /// pass): beyond it instances are dropped, as beyond
    /// [`Instantiator::max_instances`] (`ReduceConfig::instance_budget`).
    pub instance_budget: usize,
    /// Cap on the candidate tuples the whole run looks at: the tuples of
    /// a universal are a product of its variables' candidates, which the
    /// instance caps alone do not bound (`ReduceConfig::tuple_budget`).
    pub tuple_budget: usize,
    /// No instantiation round starts once the e-graph holds more ground
    /// terms than this (`ReduceConfig::term_budget`).
    pub term_budget: usize,
    /// When to stop (the time limit, a cancellation).
    pub interrupt: &'a Interrupt,
    /// Whether `interrupt` fired: the output of the run is then partial
    /// and must not be used ([`Instantiator::check`]).
    pub interrupted: bool,
    /// Counters.
    pub stats: InstStats,
}

/// How many candidate tuples the instantiation looks at between two looks
/// at its [`Interrupt`].
const TUPLES_PER_LOOK: usize = 1024;

/// How one pass accepts a candidate tuple.
enum Accept<'c> {
    /// Every term of the tuple has depth below the bound.
    Shallow(usize),
    /// Shallow, or every ground term of the instance is already in the e-graph.
    ShallowOrLocal(usize, &'c Congruence),
    /// The tuple contains at least one of these terms, and every other
    /// term is shallow (below the bound).
    Generation(&'c [Term], usize),
}

/// A process named by a function of data alone (`w(v, t)`, the witness of
/// a negated `∀v t. ∃i. …`), not a function of a process (`f(p)`): one
/// generation of processes, no chains.
fn named_by_data(t: &Term) -> bool {
    matches!(t, Term::App(f, args) if f.ret == Sort::P && !args.is_empty() && f.args.iter().all(|s| *s != Sort::P))
}

/// Whether `t` mentions a process named by data that `v` is an argument
/// of (`x'(w(v))`).
fn names_witness_of(t: &Term, v: &Var) -> bool {
    let mut found = false;
    t.visit(&mut |s| found |= named_by_data(s) && s.children().iter().any(|a| matches!(a, Term::Var(x) if x == v)));
    found
}

/// The candidates without the terms that mention a process named by data.
fn without_named_processes(cands: &Candidates) -> Candidates {
    cands
        .iter()
        .map(|(sort, terms)| {
            let kept = terms
                .iter()
                .filter(|(t, _)| {
                    let mut named = false;
                    t.visit(&mut |s| named |= named_by_data(s));
                    !named
                })
                .cloned()
                .collect();
            (sort.clone(), kept)
        })
        .collect()
}

/// An arithmetic term over data, no cardinality in it (`r / 4`, the phase
/// of round `r`): a candidate too, since invariants quantify over such
/// values (`∃t. t ≤ r / 4 ∧ …` holds at `t = r / 4`).
fn is_arithmetic_data(t: &Term) -> bool {
    let arithmetic = matches!(t, Term::Op(Op::Add | Op::Sub | Op::Neg | Op::Mul | Op::Div | Op::Mod, _));
    let mut counts = false;
    t.visit(&mut |s| counts |= matches!(s, Term::Op(Op::Card | Op::ProcCount, _)));
    arithmetic && !counts
}

/// The ground terms instantiation may use, per sort, with their depth.
pub(super) fn candidates(cc: &Congruence) -> Candidates {
    let mut out = Candidates::new();
    let literals = cc.literal_arguments();
    for sort in cc.sorts() {
        let reps: Vec<(Term, usize)> = cc
            .representatives(&sort)
            .into_iter()
            .filter(|(t, _)| matches!(t, Term::App(..)) || literals.contains(t) || is_arithmetic_data(t))
            .collect();
        out.insert(sort, reps);
    }
    out
}


impl<'a> Instantiator<'a> {
    /// `Err(Interrupted)` if the interrupt fired during a call (its output is
    /// then partial).
    pub fn check(&self) -> Result<(), ReduceError> {
        if self.interrupted { Err(ReduceError::Interrupted) } else { Ok(()) }
    }

    /// Whether no further round may start: interrupted, or the e-graph
    /// (`terms` ground terms, the size it is expected to reach) over the
    /// term budget.
    fn spent(&mut self, terms: usize) -> bool {
        self.interrupted |= self.interrupt.is_due();
        self.interrupted || terms > self.term_budget
    }

    /// How many more instances the whole run may make.
    fn budget_left(&self) -> usize {
        self.instance_budget.saturating_sub(self.stats.instances)
    }

    /// Eager rounds then the local pass; adds new ground terms to `cc`.
    /// A round starts only within the term budget (the rounds done are
    /// kept: each round's output contains the previous round's).
    pub fn run(&mut self, f: &Term, cc: &mut Congruence, depth: usize, local: bool) -> Term {
        let mut out = f.clone();
        let mut before = cc.len();
        for round in 1..=depth {
            // The next round's size, at the growth of the last one.
            let expected = cc.len().saturating_mul(cc.len()) / before.max(1);
            if round > 1 && self.spent(expected.max(cc.len())) {
                break;
            }
            before = cc.len();
            let cands = candidates(cc);
            out = self.expand(f, &cands, &Accept::Shallow(round));
            cc.add_ground_terms(&out, round);
            cc.merge_asserted(&out);
        }
        if local {
            let cands = candidates(cc);
            let snapshot = std::mem::take(cc);
            out = self.expand(f, &cands, &Accept::ShallowOrLocal(depth, &snapshot));
            *cc = snapshot;
            cc.add_ground_terms(&out, depth + 1);
            cc.merge_asserted(&out);
        } else if depth == 0 {
            out = self.expand(f, &Candidates::new(), &Accept::Shallow(0));
        }
        out
    }

    /// Instantiate comprehension definitions (`(symbol, parameters, formula)`)
    /// at the applications of their symbol in `cc`, for up to `rounds`
    /// rounds (an instance may mention further comprehensions). Universals
    /// left inside an instance are treated as in the local pass.
    pub fn definitions(
        &mut self,
        defs: &[(Fun, Vec<Var>, Term)],
        cc: &mut Congruence,
        depth: usize,
        rounds: usize,
    ) -> Vec<Term> {
        let mut done: HashSet<Term> = HashSet::new();
        let mut out = Vec::new();
        for _ in 0..rounds {
            if self.spent(cc.len()) {
                break;
            }
            let mut fresh = Vec::new();
            for (fun, params, formula) in defs {
                for app in cc.apps_of(fun) {
                    let Term::App(_, args) = &app else { continue };
                    if done.insert(app.clone()) {
                        let sigma: Vec<(Var, Term)> =
                            params.iter().cloned().zip(args.iter().cloned()).collect();
                        fresh.push(formula.subst(&sigma));
                    }
                }
            }
            if fresh.is_empty() {
                break;
            }
            let cands = candidates(cc);
            let expanded: Vec<Term> = fresh
                .iter()
                .map(|f| self.expand(f, &cands, &Accept::ShallowOrLocal(depth, cc)))
                .collect();
            for e in &expanded {
                cc.add_ground_terms(e, depth);
            }
            out.extend(expanded);
        }
        out
    }

    /// Instantiate the definitions of the comprehensions among each
    /// witness's sets at the witness: `w ∈ c(t̄) ⇔ ψ(w, t̄)`. This is the
    /// targeted form of "instantiate the axioms at the Venn witnesses".
    pub fn definitions_at_witnesses(
        &mut self,
        defs: &[(Fun, Vec<Var>, Term)],
        witness_sets: &[(Term, Vec<Term>)],
    ) -> Vec<Term> {
        let mut out = Vec::new();
        for (w, sets) in witness_sets {
            for set in sets {
                let Term::App(f, args) = set else { continue };
                let Some((_, params, formula)) = defs.iter().find(|(g, _, _)| g == f) else {
                    continue;
                };
                let sigma: Vec<(Var, Term)> =
                    params.iter().cloned().zip(args.iter().cloned()).collect();
                for part in syntax::conjuncts(formula.subst(&sigma)) {
                    if let Term::Bind(Binder::Forall, vs, body) = &part
                        && let Some(x) = vs.iter().find(|v| v.sort == w.sort())
                    {
                        if self.budget_left() == 0 {
                            self.stats.truncated += 1;
                            return out;
                        }
                        let rest: Vec<Var> = vs.iter().filter(|v| *v != x).cloned().collect();
                        out.push(syntax::forall(rest, body.subst(&[(x.clone(), w.clone())])));
                        self.stats.instances += 1;
                    }
                }
            }
        }
        out
    }

    /// The instances of the universals of `f` at the next generation of
    /// processes: those named by functions of data alone (`w(v, t)`, the
    /// witness of a negated `∀v t. ∃i. …` instantiated in the last round),
    /// with every other variable at a shallow term (depth below `depth`).
    /// Only the instances that are new to `done` (the conjuncts already
    /// produced). Their new ground terms are meant to stay out of the
    /// e-graph (no Venn groups or definitions for sets at these processes):
    /// the transition relation at the witness is what a negated invariant
    /// needs, and a generation more of sets would blow the query up.
    pub fn at_next_processes(&mut self, f: &Term, cc: &Congruence, depth: usize, done: &[Term]) -> Vec<Term> {
        let next: Vec<Term> = cc
            .representatives(&Sort::P)
            .into_iter()
            .filter(|(t, d)| *d == depth && named_by_data(t))
            .map(|(t, _)| t)
            .collect();
        if next.is_empty() {
            return Vec::new();
        }
        self.generation(f, &candidates(cc), &next, depth, &done.iter().collect())
    }

    /// The instances of the universals of `f` that mention a process of
    /// `next` (the other variables at terms of `cands` shallower than
    /// `depth`), without those already `seen`.
    fn generation(&mut self, f: &Term, cands: &Candidates, next: &[Term], depth: usize, seen: &HashSet<&Term>) -> Vec<Term> {
        let expanded = self.expand(f, cands, &Accept::Generation(next, depth));
        syntax::conjuncts(expanded).into_iter().filter(|c| !seen.contains(c)).collect()
    }

    /// One generation more for a universal over one value whose witness is
    /// a process (a negated `∃v. ∀i. ψ(i, v)`: `∀v. ¬ψ(w(v), v)`): its
    /// instances at the values it reads at its witnesses of the first
    /// round (`x'(w(t))` for the shallow terms `t` it was instantiated at),
    /// then every universal at the processes those instances name
    /// (`w(x'(w(t)))`), the other variables at shallow terms (depth below
    /// `depth`). "Every voter votes the same value" is refuted so: the
    /// witness of an arbitrary value votes `x'(w(t))`, the witness of that
    /// value votes another one, and the two hear from a common process. Only
    /// the instances new to `done`.
    pub fn at_witness_values(&mut self, f: &Term, cc: &Congruence, depth: usize, done: &[Term]) -> Vec<Term> {
        let mut cands = candidates(cc);
        let seen: HashSet<&Term> = done.iter().collect();
        let (mut values, mut out) = (Vec::new(), Vec::new());
        for part in syntax::conjuncts(f.clone()) {
            let Term::Bind(Binder::Forall, vs, body) = &part else { continue };
            let [v] = vs.as_slice() else { continue };
            if !is_data(&v.sort) {
                continue;
            }
            let mut read = Vec::new();
            body.visit(&mut |t| {
                if t.sort() == v.sort && !matches!(t, Term::Var(_)) && names_witness_of(t, v) && !read.contains(t) {
                    read.push(t.clone());
                }
            });
            let shallow: Vec<Term> = cands
                .get(&v.sort)
                .into_iter()
                .flatten()
                .filter(|(t, d)| *d < depth && self.kinds.fits(v, t))
                .map(|(t, _)| t.clone())
                .collect();
            for t in &shallow {
                for r in &read {
                    let value = r.subst(&[(v.clone(), t.clone())]);
                    if !values.contains(&value) {
                        let instance = body.subst(&[(v.clone(), value.clone())]);
                        values.push(value);
                        if !seen.contains(&instance) {
                            out.push(instance);
                        }
                    }
                }
            }
        }
        let mut named = Vec::new();
        for c in &out {
            c.visit(&mut |t| {
                if named_by_data(t) && t.children().iter().any(|a| values.contains(a)) && !named.contains(t) {
                    named.push(t.clone());
                }
            });
        }
        self.stats.instances += out.len();
        if named.is_empty() {
            return out;
        }
        cands.entry(Sort::P).or_default().extend(named.iter().map(|t| (t.clone(), depth)));
        let seen: HashSet<&Term> = done.iter().chain(&out).collect();
        let more = self.generation(f, &cands, &named, depth, &seen);
        out.extend(more);
        out
    }

    fn expand(&mut self, t: &Term, cands: &Candidates, accept: &Accept) -> Term {
        match t {
            Term::Op(Op::And, ps) => {
                and(ps.iter().map(|p| self.expand(p, cands, accept)).collect())
            }
            Term::Op(Op::Or, ps) => or(ps.iter().map(|p| self.expand(p, cands, accept)).collect()),
            Term::Bind(Binder::Forall, vs, body) => {
                let strat = self.graph.stratified(vs, body);
                let body = self.expand(body, cands, accept);
                let keep: Vec<Var> = vs
                    .iter()
                    .zip(&strat)
                    .filter(|(_, s)| **s)
                    .map(|(v, _)| v.clone())
                    .collect();
                let inst: Vec<Var> = vs
                    .iter()
                    .zip(&strat)
                    .filter(|(_, s)| !**s)
                    .map(|(v, _)| v.clone())
                    .collect();
                if inst.is_empty() {
                    let data: Vec<Var> = keep
                        .iter()
                        .filter(|v| self.data_instances && is_data(&v.sort))
                        .cloned()
                        .collect();
                    let whole = syntax::forall(vs.clone(), body.clone());
                    if data.is_empty() || matches!(accept, Accept::Generation(..)) {
                        return whole;
                    }
                    let rest: Vec<Var> = keep.iter().filter(|v| !data.contains(v)).cloned().collect();
                    let mut parts = vec![whole];
                    let own;
                    let cands = if self.data_at_named_processes {
                        cands
                    } else {
                        own = without_named_processes(cands);
                        &own
                    };
                    for b in self.instances(&data, &body, cands, &Accept::Shallow(usize::MAX)) {
                        parts.push(syntax::forall(rest.clone(), b));
                    }
                    return and(parts);
                }
                let instances = self.instances(&inst, &body, cands, accept);
                and(instances
                    .into_iter()
                    .map(|b| syntax::forall(keep.clone(), b))
                    .collect())
            }
            other => other.clone(),
        }
    }

    /// The accepted instances of `body` for the variables `xs`.
    fn instances(
        &mut self,
        xs: &[Var],
        body: &Term,
        cands: &Candidates,
        accept: &Accept,
    ) -> Vec<Term> {
        let pools: Vec<Vec<(Term, usize)>> = xs
            .iter()
            .map(|x| {
                let all = cands.get(&x.sort).map(Vec::as_slice).unwrap_or(&[]);
                all.iter().filter(|(t, _)| self.kinds.fits(x, t)).cloned().collect()
            })
            .collect();
        let mut out = Vec::new();
        if self.interrupted || pools.iter().any(|p| p.is_empty()) {
            return out;
        }
        let most = self.max_instances.min(self.budget_left());
        let mut idx = vec![0usize; xs.len()];
        let mut looked = 0usize;
        loop {
            if self.stats.tuples >= self.tuple_budget {
                self.stats.truncated += 1;
                break;
            }
            looked += 1;
            self.stats.tuples += 1;
            if looked.is_multiple_of(TUPLES_PER_LOOK) && self.interrupt.is_due() {
                self.interrupted = true;
                break;
            }
            let tuple: Vec<&(Term, usize)> = idx.iter().zip(&pools).map(|(i, p)| &p[*i]).collect();
            let shallow = |bound: usize| tuple.iter().all(|(_, d)| *d < bound);
            let sigma: Vec<(Var, Term)> = xs
                .iter()
                .cloned()
                .zip(tuple.iter().map(|(t, _)| t.clone()))
                .collect();
            let ok = match accept {
                Accept::Shallow(b) => shallow(*b),
                Accept::ShallowOrLocal(b, _) if shallow(*b) => true,
                Accept::ShallowOrLocal(_, cc) => cc.knows_ground_terms_of_instance(body, &sigma),
                Accept::Generation(ws, b) => {
                    tuple.iter().any(|(t, _)| ws.contains(t)) && tuple.iter().all(|(t, d)| *d < *b || ws.contains(t))
                }
            };
            if ok {
                if out.len() >= most {
                    self.stats.truncated += 1;
                    break;
                }
                out.push(body.subst(&sigma));
            }
            // Next tuple (odometer order: deterministic).
            let mut k = 0;
            loop {
                if k == idx.len() {
                    self.stats.instances += out.len();
                    return out;
                }
                idx[k] += 1;
                if idx[k] < pools[k].len() {
                    break;
                }
                idx[k] = 0;
                k += 1;
            }
        }
        self.stats.instances += out.len();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::{cnst, forall, fun, var};
    use std::collections::HashSet;
    use std::time::{Duration, Instant};

    /// `∀x y. r(f(x), f(y))` over 60 process constants and `f(c0)`:
    /// `f : P → P` makes both variables unstratified, so one eager round
    /// has 61 × 61 candidate tuples.
    fn universal_over_many_constants() -> (Term, Congruence) {
        let (f, r) = (fun("f", vec![Sort::P], Sort::P), fun("r", vec![Sort::P, Sort::P], Sort::Bool));
        let (x, y) = (var("x", Sort::P), var("y", Sort::P));
        let body = r.app(vec![f.app(vec![x.t()]), f.app(vec![y.t()])]);
        let mut cc = Congruence::default();
        for k in 0..60 {
            cc.add(&cnst(&format!("c{k}"), Sort::P), 0);
        }
        cc.add(&f.app(vec![cnst("c0", Sort::P)]), 0);
        (forall(vec![x, y], body), cc)
    }

    /// The same terms in a new e-graph.
    fn copy(cc: &Congruence) -> Congruence {
        let mut out = Congruence::default();
        for sort in cc.sorts() {
            for (t, d) in cc.representatives(&sort) {
                out.add(&t, d);
            }
        }
        out
    }

    fn instantiate(f: &Term, cc: &mut Congruence, instance_budget: usize, interrupt: &Interrupt) -> (Term, InstStats, bool) {
        let graph = SortGraph::build(f, &HashSet::new());
        let kinds = Kinds::of(f);
        let mut inst = Instantiator {
            graph: &graph,
            kinds: &kinds,
            max_instances: 4000,
            data_instances: false,
            data_at_named_processes: false,
            instance_budget,
            tuple_budget: 1_000_000,
            term_budget: 2_000,
            interrupt,
            interrupted: false,
            stats: InstStats::default(),
        };
        let out = inst.run(f, cc, 1, false);
        (out, inst.stats, inst.interrupted)
    }

    #[test]
    fn the_instance_budget_caps_the_instances_of_the_whole_run() {
        let (f, mut cc) = universal_over_many_constants();
        let (all, stats, _) = instantiate(&f, &mut copy(&cc), usize::MAX, &Interrupt::never());
        assert_eq!(stats.instances, 61 * 61);
        assert_eq!(syntax::conjuncts(all).len(), 61 * 61);
        assert_eq!(stats.truncated, 0);
        let (capped, stats, interrupted) = instantiate(&f, &mut cc, 100, &Interrupt::never());
        assert!(!interrupted);
        assert_eq!(stats.instances, 100);
        assert_eq!(stats.truncated, 1);
        // The instances kept are instances of the universal (a sound subset).
        assert_eq!(syntax::conjuncts(capped).len(), 100);
    }

    #[test]
    fn a_due_interrupt_stops_the_instantiation() {
        let (f, mut cc) = universal_over_many_constants();
        let past = Interrupt { deadline: Some(Instant::now() - Duration::from_millis(1)), cancel: None };
        let (_, stats, interrupted) = instantiate(&f, &mut cc, usize::MAX, &past);
        assert!(interrupted);
        assert!(stats.instances < 61 * 61, "stopped before the last tuple ({} instances)", stats.instances);
    }
}
