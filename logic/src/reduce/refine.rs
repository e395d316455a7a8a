//! Model-guided refinement: the instances of the reduction's universals
//! that a solver model falsifies, at the query's own ground terms.
//!
//! The reduction instantiates the input's universals (and the definitions
//! of its comprehension symbols) eagerly, at the ground terms it has when
//! it instantiates; terms made later (Venn witnesses, cardinality
//! witnesses, the terms of the instances themselves) get instances only
//! where a pass adds them. A solver model of the query may therefore
//! falsify an instance the query lacks: `w ∉ C(a) ∨ ψ(w, a)` at a witness
//! `w`, say, and then its decoding is spurious. [`Schemas::conflicts`]
//! evaluates every universal at every tuple of the query's ground terms
//! (one term per value the model gives them) and returns the falsified
//! instances; the caller adds them to the query and solves again, so the
//! same model cannot come back.
//!
//! The first time a model falsifies a universal at a Venn region witness,
//! [`Schemas::sweep`] also instantiates the input's universals at the
//! witnesses of the regions the model counts (with the named processes at
//! their other process variables), true in that model or not: such a
//! witness is the element a counting argument is about, and one instance
//! per model let each next model move the falsified facts to a witness
//! still without them.
//!
//! Soundness: each schema is a conjunct of the skolemized input or the
//! definition of a comprehension symbol, both of which the reduction's
//! output is already justified by (see [`super`]); an instance of a
//! universal is implied by it. Adding implied formulas to the query keeps
//! "unsat of the output implies unsat of the input".

use std::collections::{BTreeMap, HashSet};

use super::{Interrupt, ReduceError, lower, syntax};
use crate::smt::flat_eval::Evaluator;
use crate::{Binder, Model, Sort, Term, Value, Var};

/// Candidate tuples evaluated per call, over all schemas (each costs a
/// substitution, a lowering and an evaluation).
const TUPLE_BUDGET: usize = 200_000;

/// Instances returned per schema and call: the first few falsified ones
/// exclude the model; the rest would mostly repeat them at other terms.
const PER_SCHEMA: usize = 8;

/// Instances returned per call in all.
const PER_CALL: usize = 400;

/// Instances of the sweep at the region witnesses ([`Schemas::sweep`]).
const SWEEP: usize = 5000;

/// Evaluation steps per instance (an instance with nested quantifiers over
/// a large universe is skipped, not evaluated to the end).
const STEPS_PER_INSTANCE: u64 = 100_000;

/// The universals a reduction started from and the ground terms of its
/// output, kept to refine the query against a solver's models.
#[derive(Clone, Debug, Default)]
pub struct Schemas {
    /// `∀x̄. φ`: the variables and the body (CL, before lowering), in
    /// tiers: the region counts of the Venn groups, then the input's own
    /// universals and definitions (see [`Schemas::conflicts`]).
    tiers: [Vec<(Vec<Var>, Term)>; 2],
    /// The ground terms of the output by sort, one per congruence class
    /// (CL, before lowering), shallowest first.
    ground: BTreeMap<Sort, Vec<Term>>,
    /// The region witnesses among the ground processes (CL), each with its
    /// region's size constant (none for a witness of [`super::recount`]:
    /// it always counts). A universal falsified at one of them starts
    /// [`Schemas::sweep`].
    witnesses: Vec<(Term, Option<Term>)>,
    /// The processes the input names (its ground process terms and Skolem
    /// constants, depth 0): the sweep's other processes.
    named: Vec<Term>,
    /// How many of the second tier's universals are the input's (they
    /// come first; the definitions' follow): those the sweep takes.
    inputs: usize,
    /// Whether [`Schemas::sweep`] was made.
    swept: bool,
}

impl Schemas {
    /// Schemas of the top-level universals among `counts` (the Venn
    /// groups' `∀e. e ∈ region ⇒ v ≥ 1`) and `formulas` (the input, then
    /// its definitions); conjunctions are split, universals directly
    /// nested are merged. `ground` holds the output's ground terms,
    /// `witnesses` the Venn region witnesses among its processes with
    /// their regions' size constants, `named` the processes the input
    /// names.
    pub fn new(
        counts: &[Term],
        formulas: &[Term],
        ground: BTreeMap<Sort, Vec<Term>>,
        witnesses: Vec<(Term, Term)>,
        named: Vec<Term>,
    ) -> Schemas {
        let tier = |fs: &[Term]| {
            let mut universals = Vec::new();
            for f in fs {
                for part in syntax::conjuncts(f.clone()) {
                    flatten(&part, &mut universals);
                }
            }
            universals
        };
        let split = formulas.len().min(1);
        let mut universals = tier(&formulas[..split]);
        let inputs = universals.len();
        universals.extend(tier(&formulas[split..]));
        let witnesses = witnesses.into_iter().map(|(w, size)| (w, Some(size))).collect();
        Schemas { tiers: [tier(counts), universals], ground, witnesses, named, inputs, swept: false }
    }

    /// Add a ground process term made after the reduction (a region
    /// witness of [`super::recount`]) to the terms instances are taken at.
    pub fn add_ground(&mut self, t: Term) {
        self.ground.entry(Sort::P).or_default().push(t.clone());
        self.witnesses.push((t, None));
    }

    /// How many universals there are to refine with.
    pub fn len(&self) -> usize {
        self.tiers.iter().map(Vec::len).sum()
    }

    /// Whether there is nothing to refine with.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The lowered instances falsified by `m` (at most [`PER_CALL`]), not
    /// among `known` (which gets them), found before `stop` is due. An
    /// instance that cannot be evaluated on `m` (a quantifier over `Int`
    /// inside, a symbol the model lacks) is skipped.
    ///
    /// Both tiers are searched, the region counts first: a model that puts
    /// a term in a region it counts as empty is excluded by that ground
    /// linear fact, and the input's universals falsified at the same terms
    /// (a liveness predicate or an update at a Venn witness) come in the
    /// same round. Fixing the counts alone first lets the next model move
    /// the witnesses to other regions round after round, and the input's
    /// instances a proof needs never get their turn. The first call whose
    /// model falsifies a universal of the input or a definition at a
    /// region witness also returns [`Schemas::sweep`].
    pub fn conflicts(&mut self, m: &Model, known: &mut HashSet<Term>, stop: &Interrupt) -> Result<Vec<Term>, ReduceError> {
        let candidates = self.candidates(m);
        let mut tuples = 0;
        let witnesses: HashSet<&Term> = self.witnesses.iter().map(|(w, _)| w).collect();
        let (mut out, _) =
            Self::tier_conflicts(&self.tiers[0], &candidates, m, known, stop, &mut tuples, PER_CALL, &HashSet::new())?;
        let room = PER_CALL - out.len();
        let (input, at_witness) =
            Self::tier_conflicts(&self.tiers[1], &candidates, m, known, stop, &mut tuples, room, &witnesses)?;
        out.extend(input);
        if at_witness && !self.swept {
            self.swept = true;
            out.extend(self.sweep(m, known, stop)?);
        }
        Ok(out)
    }

    /// The instances of the input's universals (not the definitions':
    /// the reduction has those at the witnesses already) with one witness
    /// of a region `m` counts at a process variable (a witness of an empty
    /// region is any process) and processes the input names at the others;
    /// universals over fewer variables first, at most [`SWEEP`] instances,
    /// true in `m` or not. Made once, the first time a model falsifies a
    /// universal at a witness: instances at single witnesses let each next
    /// model move the counted elements to witnesses still without them,
    /// round after round, while a region's witness is what a counting
    /// argument is about (an element of `S \ T` when `|S| > |T|`) and
    /// needs the facts about processes there.
    fn sweep(&self, m: &Model, known: &mut HashSet<Term>, stop: &Interrupt) -> Result<Vec<Term>, ReduceError> {
        let mut out = Vec::new();
        let mut tuples = 0;
        let counted: Vec<Term> = self
            .witnesses
            .iter()
            .filter(|(_, size)| match size {
                None => true,
                Some(v) => {
                    let mut ev = Evaluator::with_budget(m, STEPS_PER_INSTANCE);
                    lower::lower(v).ok().and_then(|v| ev.eval(&v, &mut Vec::new()).ok()) != Some(Value::Int(0))
                }
            })
            .map(|(w, _)| w.clone())
            .collect();
        let is_counted: HashSet<&Term> = counted.iter().collect();
        let procs: Vec<Term> = counted.iter().chain(self.named.iter().filter(|t| !is_counted.contains(t))).cloned().collect();
        let mut inputs: Vec<&(Vec<Var>, Term)> = self.tiers[1][..self.inputs].iter().collect();
        inputs.sort_by_key(|(vars, _)| vars.len());
        for (vars, body) in inputs {
            let pools: Option<Vec<&Vec<Term>>> =
                vars.iter().map(|v| if v.sort == Sort::P { Some(&procs) } else { self.ground.get(&v.sort) }).collect();
            let Some(pools) = pools else { continue };
            let at: Vec<usize> = (0..vars.len()).filter(|&k| vars[k].sort == Sort::P).collect();
            for tuple in Tuples::new(&pools) {
                tuples += 1;
                if out.len() >= SWEEP || tuples > TUPLE_BUDGET || (tuples.is_multiple_of(64) && stop.is_due()) {
                    return Ok(out);
                }
                if at.iter().filter(|&&k| is_counted.contains(&tuple[k])).count() != 1 {
                    continue;
                }
                let instance = instance(vars, body, &tuple)?;
                if known.insert(instance.clone()) {
                    out.push(instance);
                }
            }
        }
        Ok(out)
    }

    /// [`Schemas::conflicts`] of one tier, at most `room` of them, and
    /// whether one of them has a term of `witnesses` at a process
    /// variable; `tuples` counts the candidate tuples looked at over all
    /// tiers.
    #[allow(clippy::too_many_arguments)]
    fn tier_conflicts(
        tier: &[(Vec<Var>, Term)],
        candidates: &BTreeMap<Sort, Vec<Term>>,
        m: &Model,
        known: &mut HashSet<Term>,
        stop: &Interrupt,
        tuples: &mut usize,
        room: usize,
        witnesses: &HashSet<&Term>,
    ) -> Result<(Vec<Term>, bool), ReduceError> {
        let mut out = Vec::new();
        let mut at_witness = false;
        for (vars, body) in tier {
            let pools: Option<Vec<&Vec<Term>>> = vars.iter().map(|v| candidates.get(&v.sort)).collect();
            let Some(pools) = pools else { continue };
            let mut found = 0;
            for tuple in Tuples::new(&pools) {
                *tuples += 1;
                if *tuples > TUPLE_BUDGET || out.len() >= room || (tuples.is_multiple_of(64) && stop.is_due()) {
                    return Ok((out, at_witness));
                }
                let instance = instance(vars, body, &tuple)?;
                let mut ev = Evaluator::with_budget(m, STEPS_PER_INSTANCE);
                if matches!(ev.eval_bool(&instance, &mut Vec::new()), Ok(false)) && known.insert(instance.clone()) {
                    out.push(instance);
                    at_witness |= vars.iter().zip(&tuple).any(|(v, t)| v.sort == Sort::P && witnesses.contains(t));
                    found += 1;
                    if found == PER_SCHEMA {
                        break;
                    }
                }
            }
        }
        Ok((out, at_witness))
    }

    /// Per sort, one ground term for each value `m` gives the sort's terms
    /// (the shallowest): instances at two terms with the same value are
    /// the same instance for `m`.
    fn candidates(&self, m: &Model) -> BTreeMap<Sort, Vec<Term>> {
        let mut out = BTreeMap::new();
        for (sort, terms) in &self.ground {
            let mut seen: HashSet<Value> = HashSet::new();
            let mut kept = Vec::new();
            for t in terms {
                let Ok(lowered) = lower::lower(t) else { continue };
                let mut ev = Evaluator::with_budget(m, STEPS_PER_INSTANCE);
                if let Ok(v) = ev.eval(&lowered, &mut Vec::new())
                    && seen.insert(v)
                {
                    kept.push(t.clone());
                }
            }
            out.insert(sort.clone(), kept);
        }
        out
    }
}

/// The lowered instance of `∀vars. body` at `tuple`.
fn instance(vars: &[Var], body: &Term, tuple: &[Term]) -> Result<Term, ReduceError> {
    let sigma: Vec<(Var, Term)> = vars.iter().cloned().zip(tuple.iter().cloned()).collect();
    lower::lower(&body.subst(&sigma))
}

/// The universals of `f` with their variables merged and conjunctions
/// split: `∀x̄. (A ∧ ∀ȳ. B)` gives `(x̄, A)` and `(x̄ȳ, B)`; a formula that
/// is not a universal gives none.
fn flatten(f: &Term, out: &mut Vec<(Vec<Var>, Term)>) {
    let Term::Bind(Binder::Forall, vs, body) = f else { return };
    let mut stack = vec![(vs.clone(), (**body).clone())];
    while let Some((vars, body)) = stack.pop() {
        match body {
            Term::Bind(Binder::Forall, more, inner) => {
                let mut vars = vars;
                vars.extend(more.iter().cloned());
                stack.push((vars, *inner));
            }
            Term::Op(crate::Op::And, parts) => stack.extend(parts.into_iter().map(|p| (vars.clone(), p))),
            body => out.push((vars, body)),
        }
    }
}

/// The tuples of a product of pools, in lexicographic order.
struct Tuples<'a> {
    pools: &'a [&'a Vec<Term>],
    next: Option<Vec<usize>>,
}

impl<'a> Tuples<'a> {
    fn new(pools: &'a [&'a Vec<Term>]) -> Tuples<'a> {
        let next = pools.iter().all(|p| !p.is_empty()).then(|| vec![0; pools.len()]);
        Tuples { pools, next }
    }
}

impl Iterator for Tuples<'_> {
    type Item = Vec<Term>;

    fn next(&mut self) -> Option<Vec<Term>> {
        let cur = self.next.take()?;
        let tuple = cur.iter().zip(self.pools).map(|(&k, p)| p[k].clone()).collect();
        let mut succ = cur;
        for k in (0..succ.len()).rev() {
            succ[k] += 1;
            if succ[k] < self.pools[k].len() {
                self.next = Some(succ);
                break;
            }
            succ[k] = 0;
        }
        Some(tuple)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::{cnst, fun};
    use crate::{Fun, FunTable, Op};

    fn table(f: Fun, entries: Vec<(Vec<Value>, Value)>) -> FunTable {
        FunTable { fun: f, entries: entries.into_iter().collect(), default: None }
    }

    /// `∀x:P. f(x) > 0` with ground terms `a`, `b` where the model has
    /// `f(a) = 1`, `f(b) = 0`: the instance at `b` is the conflict, once.
    #[test]
    fn the_falsified_instance_at_a_ground_term_is_returned_once() {
        let x = Var::new("x", Sort::P);
        let f = fun("f", vec![Sort::P], Sort::Int);
        let body = Term::Op(Op::Lt, vec![Term::Int(0), f.app(vec![x.t()])]);
        let all = Term::Bind(Binder::Forall, vec![x], Box::new(body));
        let (a, b) = (cnst("a", Sort::P), cnst("b", Sort::P));
        let ground = BTreeMap::from([(Sort::P, vec![a, b.clone()])]);
        let mut schemas = Schemas::new(&[], &[all], ground, Vec::new(), Vec::new());
        let mut m = Model { n: 2, ..Model::default() };
        m.funs.insert("a".into(), table(fun("a", vec![], Sort::P), vec![(vec![], Value::Proc(0))]));
        m.funs.insert("b".into(), table(fun("b", vec![], Sort::P), vec![(vec![], Value::Proc(1))]));
        let f_table = vec![(vec![Value::Proc(0)], Value::Int(1)), (vec![Value::Proc(1)], Value::Int(0))];
        m.funs.insert("f".into(), table(f.clone(), f_table));
        let mut known = HashSet::new();
        let got = schemas.conflicts(&m, &mut known, &Interrupt::never()).expect("lowers");
        let expected = Term::Op(Op::Lt, vec![Term::Int(0), f.app(vec![b])]);
        assert_eq!(got, vec![expected]);
        assert!(schemas.conflicts(&m, &mut known, &Interrupt::never()).expect("lowers").is_empty(), "an instance is returned once");
    }

    /// A region count and an input universal both falsified at `b`: one
    /// round returns both instances, the count's first.
    #[test]
    fn both_tiers_are_refined_in_one_round() {
        let x = Var::new("x", Sort::P);
        let positive = |f: &Fun, t: Term| Term::Op(Op::Lt, vec![Term::Int(0), f.app(vec![t])]);
        let (f, g) = (fun("f", vec![Sort::P], Sort::Int), fun("g", vec![Sort::P], Sort::Int));
        let all = |h: &Fun| Term::Bind(Binder::Forall, vec![x.clone()], Box::new(positive(h, x.t())));
        let b = cnst("b", Sort::P);
        let ground = BTreeMap::from([(Sort::P, vec![b.clone()])]);
        let mut schemas = Schemas::new(&[all(&g)], &[all(&f)], ground, Vec::new(), Vec::new());
        let mut m = Model { n: 1, ..Model::default() };
        m.funs.insert("b".into(), table(fun("b", vec![], Sort::P), vec![(vec![], Value::Proc(0))]));
        for h in [&f, &g] {
            m.funs.insert(h.name.clone(), table(h.clone(), vec![(vec![Value::Proc(0)], Value::Int(0))]));
        }
        let got = schemas.conflicts(&m, &mut HashSet::new(), &Interrupt::never()).expect("lowers");
        assert_eq!(got, vec![positive(&g, b.clone()), positive(&f, b)]);
    }

    /// The input `∀x. f(x) > 0 ∧ ∀x. g(x) > 0` with `f` false at the
    /// witness `w₁` only and `g` true everywhere, and a definition `∀x.
    /// h(x) > 0` true everywhere: the conflict at `w₁`, then every
    /// instance of the input at the witnesses of counted regions `w₁`,
    /// `w₂` (not at the named `a`, not at `w₃` whose region the model
    /// counts empty, not of the definition), once.
    #[test]
    fn a_universal_falsified_at_a_witness_sweeps_the_input_over_the_counted_witnesses() {
        let x = Var::new("x", Sort::P);
        let positive = |f: &Fun, t: Term| Term::Op(Op::Lt, vec![Term::Int(0), f.app(vec![t])]);
        let (f, g, h) = (fun("f", vec![Sort::P], Sort::Int), fun("g", vec![Sort::P], Sort::Int), fun("h", vec![Sort::P], Sort::Int));
        let all = |h: &Fun| Term::Bind(Binder::Forall, vec![x.clone()], Box::new(positive(h, x.t())));
        let (a, w1, w2, w3) = (cnst("a", Sort::P), cnst("w1", Sort::P), cnst("w2", Sort::P), cnst("w3", Sort::P));
        let ground = BTreeMap::from([(Sort::P, vec![a.clone(), w1.clone(), w2.clone(), w3.clone()])]);
        let input = Term::Op(Op::And, vec![all(&f), all(&g)]);
        let witnesses = vec![(w1.clone(), cnst("v1", Sort::Int)), (w2.clone(), cnst("v2", Sort::Int)), (w3.clone(), cnst("v3", Sort::Int))];
        let mut schemas = Schemas::new(&[], &[input, all(&h)], ground, witnesses, vec![a.clone()]);
        let mut m = Model { n: 4, ..Model::default() };
        for (k, c) in (0u32..).zip(["a", "w1", "w2", "w3"]) {
            m.funs.insert(c.into(), table(fun(c, vec![], Sort::P), vec![(vec![], Value::Proc(k))]));
        }
        for (c, size) in [("v1", 1), ("v2", 2), ("v3", 0)] {
            m.funs.insert(c.into(), table(fun(c, vec![], Sort::Int), vec![(vec![], Value::Int(size))]));
        }
        let at = |v: i64| (0u32..4).map(|k| (vec![Value::Proc(k)], Value::Int(if k == 1 { v } else { 1 }))).collect();
        m.funs.insert("f".into(), table(f.clone(), at(0)));
        m.funs.insert("g".into(), table(g.clone(), at(1)));
        m.funs.insert("h".into(), table(h.clone(), at(1)));
        let mut known = HashSet::new();
        let got = schemas.conflicts(&m, &mut known, &Interrupt::never()).expect("lowers");
        let expected = vec![positive(&f, w1.clone()), positive(&f, w2.clone()), positive(&g, w1), positive(&g, w2.clone())];
        assert_eq!(got, expected);
        assert!(!got.contains(&positive(&g, a)), "the sweep is over the witnesses only");
        assert!(!got.contains(&positive(&h, w2)), "the sweep is over the input only");
        assert!(!got.contains(&positive(&g, w3)), "the sweep is over the witnesses of counted regions only");
        assert!(schemas.conflicts(&m, &mut known, &Interrupt::never()).expect("lowers").is_empty(), "the sweep is made once");
    }
}
