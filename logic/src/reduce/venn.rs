//! Pass 7: Venn regions — cardinalities of ground sets as integer sums.
//!
//! Ground set terms (modulo congruence) are grouped by sort; for every group
//! of `k = min(venn_bound, m)` of the `m` sets of a sort, with its own region
//! constants `v_b`, `b ∈ {t,f}^k` (never shared between groups — PSync's
//! pairwise encoding shared them and made VCs vacuously unsat):
//! - `v_b ≥ 0` and `|S_i| = Σ_{b_i = t} v_b`;
//! - `Σ_b v_b = n` when the elements are processes (for other sorts the
//!   all-false region may be infinite, so it gets no constant and there is
//!   no total);
//! - `∀e. (⋀_i e ∈^{b_i} S_i) ⇒ v_b ≥ 1` (a non-empty region counts), or
//!   only its instances at the ground elements, or nothing
//!   ([`ElementCounts`]);
//! - `v_b ≥ 1 ⇒ ⋀_i w_b ∈^{b_i} S_i` for a fresh witness `w_b` (a counted
//!   region has an element: this is what turns two overlapping majorities
//!   into a common process), later instantiated into the universals.
//!
//! Besides the groups of `k` sets, every ground comprehension `c` gets a
//! group with the sets its definition relates it to (up to 4 sets): those
//! its body tests membership in, and the comprehensions whose bodies share
//! an atom with it. Pairs alone cannot relate `|{x | x ∈ A ∧ x ∈ B}|` to the
//! overlap of `A` and `B`; the three-set group can.
//! Globally `n ≥ 1`, and `0 ≤ |S| ≤ n` for sets of processes (`0 ≤ |S|` else).
//!
//! Soundness: in a model with finite sets, let `v_b` be the size of region
//! `b` and `w_b` one of its elements (any element if it is empty); every
//! constraint above then holds.

use std::collections::{BTreeSet, HashMap};

use super::congruence::Congruence;
use super::names::NameGen;
use super::syntax::{self, and, card, member, neg, or, proc_count, sum};
use crate::{Fun, Op, Sort, Term, Var};

/// Where a region's elements make it count (`e ∈ region b ⇒ v_b ≥ 1`).
///
/// The universal form links every element the solver meets to the counts;
/// it is also what makes the solver's instantiation explode when the kept
/// universals and witnesses create new processes in a loop (measured on the
/// benchmarks' dumped queries: dropping it cut Z3's time on OTR's progress
/// VC from 5.8 s to 0.67 s, and no part lost its proof). Weaker forms are
/// sound: they drop constraints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ElementCounts {
    /// `∀e`, instantiated by the solver.
    Universal,
    /// Instances at the input's own ground element terms (depth 0 in the
    /// congruence: the formula's ground terms and its Skolem constants),
    /// not at the terms instantiation made (on LastVoting those doubled
    /// Z3's time: 6.2 s for the benchmark instead of 10.2 s) nor at the
    /// region witnesses (a witness is in its region only when it counts
    /// already). Enough for a member of a ground set to make it non-empty
    /// (corpus `valid/member_nonempty`).
    Ground,
    /// No such constraint: only the witnesses tie counts to elements.
    Off,
}

/// The constraints of the Venn encoding and what it introduced.
#[derive(Default)]
pub struct Venn {
    /// The constraints.
    pub constraints: Vec<Term>,
    /// The region witnesses (to be instantiated into the universals).
    pub witnesses: Vec<Term>,
    /// Each witness with the sets of its group.
    pub witness_sets: Vec<(Term, Vec<Term>)>,
    /// The ground set terms (one per class) the regions are about.
    pub sets: Vec<Term>,
    /// `∀e. e ∈ region b ⇒ v_b ≥ 1` of each group whose counts are not
    /// universal ([`ElementCounts`]): schemas of model-guided refinement,
    /// so a term the solver's model puts in an empty region (a Skolem
    /// term of a mailbox's minimum, a re-count witness) gets its instance
    /// on demand.
    pub counted: Vec<Term>,
    /// Number of groups.
    pub groups: usize,
    /// Number of region constants.
    pub regions: usize,
}

fn ge1(v: &Term) -> Term {
    syntax::le(Term::Int(1), v.clone())
}

/// The k-element subsets of `0..m`, lexicographically.
fn combinations(m: usize, k: usize) -> Vec<Vec<usize>> {
    fn go(start: usize, m: usize, k: usize, cur: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
        if cur.len() == k {
            out.push(cur.clone());
            return;
        }
        for i in start..m {
            cur.push(i);
            go(i + 1, m, k, cur, out);
            cur.pop();
        }
    }
    let mut out = Vec::new();
    go(0, m, k, &mut Vec::new(), &mut out);
    out
}

/// Most sets in a group built from a comprehension's definition.
const RELATED_GROUP: usize = 4;

/// Comprehension bodies by symbol name: parameters, element variable, body.
pub type Bodies = HashMap<String, (Vec<Var>, Var, Term)>;

/// The atoms of a comprehension's body at `args` that mention its element
/// variable, with that variable renamed to one shared name.
fn body_atoms(set: &Term, bodies: &Bodies) -> Option<(Var, BTreeSet<Term>, Term)> {
    let Term::App(f, args) = set else { return None };
    let (params, x, body) = bodies.get(&f.name)?;
    let shared = Var::new("x$venn", x.sort.clone());
    let mut map: Vec<(Var, Term)> = params.iter().cloned().zip(args.iter().cloned()).collect();
    map.push((x.clone(), shared.t()));
    let body = body.subst(&map);
    let mut atoms = BTreeSet::new();
    body.visit(&mut |t| {
        let atom = match t {
            Term::Op(Op::Member | Op::Eq | Op::Lt | Op::Le, _) => true,
            Term::App(g, _) => g.ret == Sort::Bool,
            _ => false,
        };
        if atom && t.free_vars().contains(&shared) {
            atoms.insert(t.clone());
        }
    });
    Some((shared, atoms, body))
}

/// Groups of sets related by comprehension definitions (indices into `sets`).
fn related_groups(sets: &[Term], cc: &Congruence, bodies: &Bodies) -> Vec<Vec<usize>> {
    let classes: Vec<Option<egg::Id>> = sets.iter().map(|s| cc.lookup(s)).collect();
    let index_of = |t: &Term| {
        cc.lookup(t)
            .and_then(|id| classes.iter().position(|c| *c == Some(id)))
    };
    let atoms: Vec<Option<(Var, BTreeSet<Term>, Term)>> =
        sets.iter().map(|s| body_atoms(s, bodies)).collect();
    let mut out: Vec<Vec<usize>> = Vec::new();
    for (i, info) in atoms.iter().enumerate() {
        let Some((x, mine, _)) = info else { continue };
        let mut group = vec![i];
        for a in mine {
            if let Term::Op(Op::Member, es) = a
                && es[0] == x.t()
                && syntax::is_ground(&es[1])
                && let Some(j) = index_of(&es[1])
            {
                group.push(j);
            }
        }
        for (j, other) in atoms.iter().enumerate() {
            if let Some((_, theirs, _)) = other
                && j != i
                && !mine.is_disjoint(theirs)
            {
                group.push(j);
            }
        }
        let mut seen = BTreeSet::new();
        group.retain(|k| seen.insert(*k));
        group.truncate(RELATED_GROUP);
        group.sort();
        if !out.contains(&group) {
            out.push(group);
        }
    }
    out
}

/// Build the Venn constraints for the ground set terms of `cc`.
/// Sets for which `skip` holds (given the set and its depth) are listed
/// but get no groups (their regions are parameterized, see `regions.rs`).
pub fn venn(
    cc: &Congruence,
    bound: usize,
    counts: ElementCounts,
    bodies: &Bodies,
    skip: &dyn Fn(&Term, usize) -> bool,
    names: &mut NameGen,
) -> Venn {
    let mut out = Venn::default();
    out.constraints.push(syntax::le(Term::Int(1), proc_count()));
    for sort in cc.sorts() {
        let Some(elem) = sort.set_elem().cloned() else {
            continue;
        };
        let counted = match counts {
            ElementCounts::Universal => Counted::Universal,
            ElementCounts::Ground => Counted::At(cc.representatives(&elem).into_iter().filter(|(_, depth)| *depth == 0).map(|(t, _)| t).collect()),
            ElementCounts::Off => Counted::At(Vec::new()),
        };
        let reps: Vec<(Term, usize)> = cc
            .representatives(&sort)
            .into_iter()
            .filter(|(t, _)| matches!(t, Term::App(..)))
            .collect();
        out.sets.extend(reps.iter().map(|(t, _)| t.clone()));
        let sets: Vec<Term> = reps
            .into_iter()
            .filter(|(s, d)| !skip(s, *d))
            .map(|(s, _)| s)
            .collect();
        for s in &sets {
            out.constraints
                .push(syntax::le(Term::Int(0), card(s.clone())));
            if elem == Sort::P {
                out.constraints
                    .push(syntax::le(card(s.clone()), proc_count()));
            }
        }
        let k = bound.max(1).min(sets.len());
        if k == 0 {
            continue;
        }
        let mut groups = combinations(sets.len(), k);
        for g in related_groups(&sets, cc, bodies) {
            // A group contained in one of the k-groups adds nothing.
            if g.len() > k && !groups.contains(&g) {
                groups.push(g);
            }
        }
        for group in groups {
            let members: Vec<&Term> = group.iter().map(|i| &sets[*i]).collect();
            group_constraints(&members, &elem, &counted, names, &mut out);
        }
    }
    out
}

/// The elements at which regions count ([`ElementCounts`], resolved).
enum Counted {
    Universal,
    At(Vec<Term>),
}

fn group_constraints(sets: &[&Term], elem: &Sort, counted_at: &Counted, names: &mut NameGen, out: &mut Venn) {
    out.groups += 1;
    let k = sets.len();
    let e = names.fresh_var(&Var::new("e", elem.clone()));
    let mut regions: Vec<(Vec<bool>, Term)> = Vec::new();
    let mut counted = Vec::new();
    for code in 0..(1usize << k) {
        // Bit i set means "in S_i"; code 0 is the all-false region.
        let bits: Vec<bool> = (0..k).map(|i| code & (1 << (k - 1 - i)) != 0).collect();
        if code == 0 && elem != &Sort::P {
            continue;
        }
        let tag: String = bits.iter().map(|b| if *b { 't' } else { 'f' }).collect();
        let v = Fun::constant(names.fresh(&format!("venn${tag}$")), Sort::Int).app(Vec::new());
        let w = Fun::constant(names.fresh(&format!("wit${tag}$")), elem.clone()).app(Vec::new());
        let inside = |x: &Term| -> Term {
            and(bits
                .iter()
                .zip(sets)
                .map(|(b, s)| {
                    let m = member(x.clone(), (*s).clone());
                    if *b { m } else { neg(&m) }
                })
                .collect())
        };
        out.constraints.push(syntax::le(Term::Int(0), v.clone()));
        out.constraints.push(or(vec![neg(&ge1(&v)), inside(&w)]));
        counted.push(or(vec![neg(&inside(&e.t())), ge1(&v)]));
        out.witness_sets
            .push((w.clone(), sets.iter().map(|s| (*s).clone()).collect()));
        out.witnesses.push(w);
        regions.push((bits, v));
        out.regions += 1;
    }
    match counted_at {
        Counted::Universal => out.constraints.push(syntax::forall(vec![e], and(counted))),
        Counted::At(elems) => {
            let body = and(counted);
            for t in elems {
                out.constraints.push(body.subst(&[(e.clone(), t.clone())]));
            }
            out.counted.push(syntax::forall(vec![e], body));
        }
    }
    for (i, s) in sets.iter().enumerate() {
        let parts: Vec<Term> = regions
            .iter()
            .filter(|(b, _)| b[i])
            .map(|(_, v)| v.clone())
            .collect();
        out.constraints
            .push(syntax::eq(card((*s).clone()), sum(parts)));
    }
    if elem == &Sort::P {
        out.constraints.push(syntax::eq(
            sum(regions.into_iter().map(|(_, v)| v).collect()),
            proc_count(),
        ));
    }
}

/// `∀s. 0 ≤ |s| ≤ n` for set-of-process sorts whose cardinality is taken of
/// a non-ground set somewhere in `f` (ground ones get ground bounds above).
pub fn card_bounds_for_bound_sets(fs: &[Term], names: &mut NameGen) -> Vec<Term> {
    let mut sorts: Vec<Sort> = Vec::new();
    fs.iter().for_each(|f| f.visit(&mut |t| {
        if let Term::Op(Op::Card, s) = t
            && !syntax::is_ground(&s[0])
            && !sorts.contains(&s[0].sort())
        {
            sorts.push(s[0].sort());
        }
    }));
    sorts
        .into_iter()
        .map(|sort| {
            let s = names.fresh_var(&Var::new("s", sort.clone()));
            let c = card(s.t());
            let mut parts = vec![syntax::le(Term::Int(0), c.clone())];
            if sort.set_elem() == Some(&Sort::P) {
                parts.push(syntax::le(c, proc_count()));
            }
            syntax::forall(vec![s], and(parts))
        })
        .collect()
}
