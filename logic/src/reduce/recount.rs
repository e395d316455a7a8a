//! Model-guided refinement of set sizes: the Venn facts that exclude a
//! solver model whose set sizes its named processes cannot realize.
//!
//! Decoding clones the solver's processes so that `n` and the size of every
//! ground set come out right ([`super::decode`]). The ground Venn groups
//! relate the sizes of at most `venn_bound` sets at a time and count a
//! region's elements only at some terms, so the solver may answer with
//! sizes no cloning realizes: three sets of size 3 among 4 processes that
//! share no element (pairwise overlaps are all it was told), or a set of
//! size 0 with a named member (a witness of `∃s ∈ HO(p). φ(s)` made by a
//! Skolem function, a term below the depth at which regions count).
//!
//! [`Recount::facts`] finds a smallest group of sets whose sizes alone
//! cannot be realized (deleting sets one at a time while the multiplicity
//! problem stays infeasible) and returns, for that group:
//! - its Venn regions `v_b ≥ 0`, `|S_i| = Σ_{b_i = t} v_b`, `Σ_b v_b = n`,
//!   and a witness `v_b ≥ 1 ⇒ w_b ∈ b` per region (made once per group);
//! - for each region `b` and the named processes `t_1 … t_k` the model puts
//!   in it: `t_1 ∈ b ∧ … ∧ t_k ∈ b ∧ distinct(t_1 … t_k) ⇒ v_b ≥ k`.
//!
//! With them the group's sizes are realized by the named processes and the
//! witnesses (each region the solver counts has a named element to clone),
//! so the same model cannot come back. One model often has several such
//! groups (each family instance the solver sized freely: `HO(j)` of size 3
//! with no member it names), and one group per round spends a solve on
//! each: so after a group, the next is looked for among the sets it left,
//! up to [`MAX_CORES`] per model; another group may fail next, and the
//! loop in [`crate::check`] asks again.
//!
//! Soundness: these are the constraints of a Venn group ([`super::venn`]),
//! true in every model with finite sets when `v_b` is the size of region
//! `b` and `w_b` one of its elements (any process if it is empty), plus
//! counting facts: `k` distinct elements of a region make its size at
//! least `k`. Adding them keeps "unsat of the output implies unsat of the
//! input".

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Duration;

use super::decode::{self, DecodeError, DecodeInput};
use super::lower::{card_symbol, member_symbol};
use super::syntax::{and, eq, le, neg, or, sum};
use crate::smt::{Backend, Cancel, eval_flat};
use crate::{Fun, Model, Op, Sort, Term, Value};

/// Most sets in a refined group (a group has `2^k` regions).
const MAX_GROUP: usize = 5;

/// Most groups one model gets facts for (each next one among the sets
/// the earlier ones left).
const MAX_CORES: usize = 4;

/// Sets of processes are checked for realizability in at most this many
/// multiplicity searches per model (a deletion pass over the sets).
const MAX_SETS: usize = 64;

/// The Venn groups added by refinement so far, to reuse their regions.
#[derive(Debug, Default)]
pub struct Recount {
    /// Per group (its set terms, sorted): each region's membership pattern,
    /// size constant and witness.
    groups: HashMap<Vec<Term>, Vec<Region>>,
    fresh: usize,
}

#[derive(Clone, Debug)]
struct Region {
    bits: Vec<bool>,
    size: Term,
}

/// What a refinement adds: the facts (flat, ready for the query) and the
/// new process witnesses (terms to instantiate universals at and to clone).
#[derive(Debug, Default)]
pub struct Facts {
    /// The facts.
    pub assertions: Vec<Term>,
    /// The region witnesses made by this call.
    pub witnesses: Vec<Term>,
}

impl Recount {
    /// The facts that exclude `m` because the sizes of a group of ground
    /// sets cannot be realized by cloning its named processes (those of
    /// `input.ground_procs`, the signature and the witnesses); `None` when
    /// every set's size can be (so far as a bounded search tells).
    /// The multiplicity problems are solved by search, or by `backend`
    /// within `timeout` each (until `stop`).
    pub fn facts(
        &mut self,
        m: &Model,
        input: &DecodeInput,
        backend: &dyn Backend,
        timeout: Duration,
        stop: &Cancel,
    ) -> Result<Option<Facts>, DecodeError> {
        let n = decode::proc_count(m)?;
        let mut required = decode::values_of(m, input.ground_procs);
        required.extend(decode::signature_values(m, input.signature));
        let mut allowed = required.clone();
        allowed.extend(decode::values_of(m, input.witnesses));
        let sets = decode::denoted_sets(m, input.ground_sets)?;
        if sets.len() > MAX_SETS {
            return Ok(None);
        }
        let feasible = |chosen: &[(Vec<u32>, i64)], lower: &[i64], fixed: &[bool]| {
            // An error (a timeout, say) counts as feasible: nothing to refine.
            !matches!(decode::solve_multiplicities(n, lower, fixed, chosen, backend, timeout, stop), Ok(None))
        };
        let named = naming_terms(m, input);
        let mut facts = Facts::default();
        let mut left = sets;
        let mut cores = 0;
        while cores < MAX_CORES {
            let problem = Problem { required: &required, allowed: &allowed, sets: &left };
            let Some(core) = problem.unrealizable_core(&feasible) else { break };
            tracing::trace!(n, sets = left.len(), core = ?core.iter().map(|&i| (&left[i].0, &left[i].1, left[i].2)).collect::<Vec<_>>(), "unrealizable set sizes");
            let mut group: Vec<&(Term, Vec<u32>, i64)> = core.iter().map(|&i| &left[i]).collect();
            group.sort_by(|a, b| a.0.cmp(&b.0));
            if group.len() > MAX_GROUP {
                break;
            }
            self.group_facts(&group, &required, &named, &mut facts);
            cores += 1;
            // Without sets (more named processes than `n`) no other set
            // matters; otherwise the next core among the other sets: one
            // model may give several groups sizes no cloning realizes.
            if core.is_empty() {
                break;
            }
            left = left.into_iter().enumerate().filter(|(i, _)| !core.contains(i)).map(|(_, s)| s).collect();
        }
        Ok((cores > 0).then_some(facts))
    }

    /// The facts of an unrealizable `group` of sets (its regions, made
    /// once) and the counts of the `required` processes `named` in each
    /// of its regions.
    fn group_facts(
        &mut self,
        group: &[&(Term, Vec<u32>, i64)],
        required: &BTreeSet<u32>,
        named: &BTreeMap<u32, Term>,
        facts: &mut Facts,
    ) {
        let terms: Vec<Term> = group.iter().map(|s| s.0.clone()).collect();
        if !self.groups.contains_key(&terms) {
            let regions = self.new_group(&terms, facts);
            self.groups.insert(terms.clone(), regions);
        }
        for region in &self.groups[&terms] {
            let inside: Vec<&Term> = required
                .iter()
                .filter(|p| group.iter().zip(&region.bits).all(|(s, b)| s.1.contains(p) == *b))
                .filter_map(|p| named.get(p))
                .collect();
            if !inside.is_empty() {
                facts.assertions.push(count_fact(&terms, region, &inside));
            }
        }
    }

    /// The regions of a new group over `sets` and their constraints.
    fn new_group(&mut self, sets: &[Term], facts: &mut Facts) -> Vec<Region> {
        let k = sets.len();
        let mut regions = Vec::new();
        for code in 0..(1usize << k) {
            let bits: Vec<bool> = (0..k).map(|i| code & (1 << (k - 1 - i)) != 0).collect();
            self.fresh += 1;
            let size = Fun::constant(format!("recount$v${}", self.fresh), Sort::Int).app(Vec::new());
            facts.assertions.push(le(Term::Int(0), size.clone()));
            // Without sets the one region is every process: no witness to make.
            if k > 0 {
                let witness = Fun::constant(format!("recount$w${}", self.fresh), Sort::P).app(Vec::new());
                facts.assertions.push(or(vec![neg(&le(Term::Int(1), size.clone())), inside(sets, &bits, &witness)]));
                facts.witnesses.push(witness);
            }
            regions.push(Region { bits, size });
        }
        for (i, s) in sets.iter().enumerate() {
            let parts = regions.iter().filter(|r| r.bits[i]).map(|r| r.size.clone()).collect();
            facts.assertions.push(eq(card(s), sum(parts)));
        }
        let all = regions.iter().map(|r| r.size.clone()).collect();
        facts.assertions.push(eq(sum(all), Term::Op(Op::ProcCount, Vec::new())));
        regions
    }
}

/// `t_1 ∈ b ∧ … ∧ t_k ∈ b ∧ distinct(t_1 … t_k) ⇒ v_b ≥ k`.
fn count_fact(sets: &[Term], region: &Region, elems: &[&Term]) -> Term {
    let mut premises: Vec<Term> = elems.iter().map(|t| inside(sets, &region.bits, t)).collect();
    for (i, a) in elems.iter().enumerate() {
        for b in &elems[i + 1..] {
            premises.push(neg(&eq((*a).clone(), (*b).clone())));
        }
    }
    let at_least = le(Term::Int(elems.len() as i64), region.size.clone());
    or(vec![neg(&and(premises)), at_least])
}

/// `x` is in region `bits` of `sets` (flat).
fn inside(sets: &[Term], bits: &[bool], x: &Term) -> Term {
    let member = member_symbol(&Sort::set(Sort::P));
    and(sets
        .iter()
        .zip(bits)
        .map(|(s, b)| {
            let m = member.app(vec![x.clone(), s.clone()]);
            if *b { m } else { neg(&m) }
        })
        .collect())
}

fn card(s: &Term) -> Term {
    card_symbol(&Sort::set(Sort::P)).app(vec![s.clone()])
}

/// One ground term per solver process the query names (the shallowest of
/// the ground processes, then the witnesses).
fn naming_terms(m: &Model, input: &DecodeInput) -> BTreeMap<u32, Term> {
    let mut out = BTreeMap::new();
    for t in input.ground_procs.iter().chain(input.witnesses) {
        if let Ok(Value::Proc(p)) = eval_flat(t, m) {
            out.entry(p).or_insert_with(|| t.clone());
        }
    }
    out
}

/// A multiplicity problem: every `required` process cloned at least once,
/// only `allowed` ones cloned, each set its size (`n` in all is the
/// feasibility test's part).
struct Problem<'a> {
    required: &'a BTreeSet<u32>,
    allowed: &'a BTreeSet<u32>,
    sets: &'a [(Term, Vec<u32>, i64)],
}

/// Whether the chosen sets' sizes (members renumbered over the allowed
/// processes) can be realized with these lower bounds and fixed processes.
type Feasible<'f> = dyn Fn(&[(Vec<u32>, i64)], &[i64], &[bool]) -> bool + 'f;

impl Problem<'_> {
    /// The indices of a smallest-by-deletion subset of the sets whose sizes
    /// no multiplicities realize; `None` if all of them can be realized
    /// (or `feasible` cannot tell).
    fn unrealizable_core(&self, feasible: &Feasible) -> Option<Vec<usize>> {
        // Only the allowed processes take part: the others are cloned 0 times.
        let procs: Vec<u32> = self.allowed.iter().copied().collect();
        let index: HashMap<u32, u32> = procs.iter().enumerate().map(|(i, p)| (*p, i as u32)).collect();
        let lower: Vec<i64> = procs.iter().map(|p| i64::from(self.required.contains(p))).collect();
        let fixed = vec![false; procs.len()];
        let local: Vec<(Vec<u32>, i64)> = self
            .sets
            .iter()
            .map(|(_, members, card)| (members.iter().filter_map(|p| index.get(p).copied()).collect(), *card))
            .collect();
        let infeasible = |keep: &[usize]| {
            let chosen: Vec<(Vec<u32>, i64)> = keep.iter().map(|&i| local[i].clone()).collect();
            !feasible(&chosen, &lower, &fixed)
        };
        let mut core: Vec<usize> = (0..self.sets.len()).collect();
        if !infeasible(&core) {
            return None;
        }
        let mut i = 0;
        while i < core.len() {
            let mut without = core.clone();
            without.remove(i);
            if infeasible(&without) {
                core = without;
            } else {
                i += 1;
            }
        }
        Some(core)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::smt::Z3InProcess;

    fn set(members: &[u32], card: i64) -> (Term, Vec<u32>, i64) {
        let name = format!("S{members:?}{card}");
        (Fun::constant(name, Sort::set(Sort::P)).app(Vec::new()), members.to_vec(), card)
    }

    fn core(n: i64, required: &[u32], procs: u32, sets: &[(Term, Vec<u32>, i64)]) -> Option<Vec<usize>> {
        let required: BTreeSet<u32> = required.iter().copied().collect();
        let allowed: BTreeSet<u32> = (0..procs).collect();
        let backend = Z3InProcess::new();
        let feasible = |chosen: &[(Vec<u32>, i64)], lower: &[i64], fixed: &[bool]| {
            let got = decode::solve_multiplicities(n, lower, fixed, chosen, &backend, Duration::from_secs(5), &Cancel::new());
            got.expect("solved").is_some()
        };
        Problem { required: &required, allowed: &allowed, sets }.unrealizable_core(&feasible)
    }

    /// Two sets of size 1 with no member among 2 named processes, `n = 2`:
    /// each alone is unrealizable, and one call gives the Venn facts of
    /// both (a round per set made a fresh progress VC time out).
    #[test]
    fn one_model_gets_the_facts_of_several_unrealizable_groups() {
        use crate::model::FunTable;
        let set_sort = Sort::set(Sort::P);
        let table = |fun: Fun, entries: Vec<(Vec<Value>, Value)>| {
            (fun.name.clone(), FunTable { fun, entries: entries.into_iter().collect(), default: None })
        };
        let (a, b) = (Fun::constant("A", set_sort.clone()), Fun::constant("B", set_sort.clone()));
        let (c0, c1) = (Fun::constant("c0", Sort::P), Fun::constant("c1", Sort::P));
        let elem = |k| Value::Elem(set_sort.mangle(), k);
        let m = Model {
            n: 2,
            universes: [(set_sort.mangle(), 2)].into_iter().collect(),
            funs: [
                table(Fun::constant("n", Sort::Int), vec![(vec![], Value::Int(2))]),
                table(a.clone(), vec![(vec![], elem(0))]),
                table(b.clone(), vec![(vec![], elem(1))]),
                table(c0.clone(), vec![(vec![], Value::Proc(0))]),
                table(c1.clone(), vec![(vec![], Value::Proc(1))]),
                (member_symbol(&set_sort).name, FunTable { fun: member_symbol(&set_sort), entries: Default::default(), default: Some(Value::Bool(false)) }),
                table(card_symbol(&set_sort), vec![(vec![elem(0)], Value::Int(1)), (vec![elem(1)], Value::Int(1))]),
            ]
            .into_iter()
            .collect(),
            vars: BTreeMap::new(),
        };
        let sets = [a.app(Vec::new()), b.app(Vec::new())];
        let procs = [c0.app(Vec::new()), c1.app(Vec::new())];
        let signature = super::super::Signature::default();
        let input = DecodeInput { signature: &signature, ground_sets: &sets, ground_procs: &procs, witnesses: &[], unread: &Default::default() };
        let facts = Recount::default()
            .facts(&m, &input, &Z3InProcess::new(), Duration::from_secs(10), &Cancel::new())
            .expect("decodable")
            .expect("unrealizable");
        for s in &sets {
            let sized = format!("{} = recount$", card(s));
            assert!(facts.assertions.iter().any(|f| f.to_string().starts_with(&sized)), "no group of {s}: {:?}", facts.assertions);
        }
    }

    /// Three sets of size 3 among 4 processes, each pair sharing an element
    /// but no element in all three (pairwise Venn facts allow it): the
    /// three together are the core; any two are realizable.
    #[test]
    fn three_majorities_without_a_common_element_are_the_core() {
        let sets = [set(&[0, 1, 4], 3), set(&[1, 2, 5], 3), set(&[0, 2, 6], 3), set(&[3], 1)];
        assert_eq!(core(4, &[], 7, &sets), Some(vec![0, 1, 2]));
    }

    /// A named member of a set of size 0 is a core of one set.
    #[test]
    fn an_empty_set_with_a_named_member_is_a_core_of_one() {
        let sets = [set(&[0, 1], 2), set(&[2], 0)];
        assert_eq!(core(3, &[2], 3, &sets), Some(vec![1]));
        assert_eq!(core(2, &[], 3, &sets), None, "2 need not be cloned");
    }

    /// More named processes than `n`: the core has no set at all.
    #[test]
    fn more_named_processes_than_n_is_an_empty_core() {
        assert_eq!(core(2, &[0, 1, 2], 3, &[set(&[0], 1)]), Some(vec![]));
    }
}
