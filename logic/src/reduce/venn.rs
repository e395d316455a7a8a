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
//!
//! A comprehension whose body cases on membership in a ground set `B`
//! (tests `x ∈ B` both ways: value faults read each received payload as
//! `ite(q ∈ AHO(p), alt(q, p), sent)`) also meets each *census* — a
//! comprehension testing no membership, such as `{j | x(j) = v}` — in a
//! group of three with `B`. "More than `E` messages carry `v`, at most
//! `α` of them altered" bounds `|{j | x(j) = v}|` from below only through
//! the regions of all three; the census and the received count need share
//! no atom (the state's count is over `x.post` and the decided value, the
//! received one over `x` and the chosen value). Without it a one-round
//! quorum vote under value faults timed out (`encodings/tests/specs/
//! value_quorum.rs`, proved in about 2 s with it). Two wider forms were
//! measured on A_T,E's `progress/inv2` (4.3 s alone before, 3.9 s with
//! this rule) and left out: every other comprehension instead of the
//! censuses (a timeout, its ground queries almost twice as large), and
//! the censuses also for per-value families of received counts (7.6 s:
//! the counts `min_most_often` compares, one comprehension symbol with a
//! data parameter, instantiated at every value term).
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
    /// Each witness with its region's size constant `v_b`.
    pub witness_counts: Vec<(Term, Term)>,
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
    // Censuses: comprehensions whose bodies test no membership.
    let census: Vec<bool> = atoms
        .iter()
        .map(|a| a.as_ref().is_some_and(|(_, theirs, _)| !theirs.iter().any(|t| matches!(t, Term::Op(Op::Member, _)))))
        .collect();
    let mut out: Vec<Vec<usize>> = Vec::new();
    for (i, info) in atoms.iter().enumerate() {
        let Some((x, mine, body)) = info else { continue };
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
        // A comprehension casing on membership in `B` meets each census
        // (a comprehension testing no membership) together with `B`; not
        // a per-value family (a symbol with a data parameter).
        let per_value = matches!(&sets[i], Term::App(f, _)
            if bodies.get(&f.name).is_some_and(|(params, _, _)| params.iter().any(|v| syntax::is_data(&v.sort))));
        let cases = if per_value { Vec::new() } else { case_sets(x, body) };
        for b in cases.iter().filter_map(&index_of) {
            for j in (0..sets.len()).filter(|&j| census[j] && j != i && j != b) {
                let mut triple = vec![i, b, j];
                triple.sort();
                if !out.contains(&triple) {
                    out.push(triple);
                }
            }
        }
    }
    out
}

/// The ground sets `B` whose membership `x ∈ B` the body (in negation
/// normal form) tests both positively and negatively: a case split, such
/// as the altered senders' `ite(x ∈ AHO(p), alt(x, p), sent)` of a
/// received count under value faults.
fn case_sets(x: &Var, body: &Term) -> Vec<Term> {
    fn literals(t: &Term, x: &Var, positive: &mut Vec<Term>, negative: &mut Vec<Term>) {
        let tested = |a: &Term| match a {
            Term::Op(Op::Member, es) if es[0] == x.t() && syntax::is_ground(&es[1]) => Some(es[1].clone()),
            _ => None,
        };
        match t {
            Term::Op(Op::And | Op::Or, parts) => parts.iter().for_each(|p| literals(p, x, positive, negative)),
            Term::Bind(_, _, b) => literals(b, x, positive, negative),
            Term::Op(Op::Not, a) => negative.extend(tested(&a[0])),
            atom => positive.extend(tested(atom)),
        }
    }
    let (mut positive, mut negative) = (Vec::new(), Vec::new());
    literals(body, x, &mut positive, &mut negative);
    positive.into_iter().filter(|b| negative.contains(b)).collect::<BTreeSet<_>>().into_iter().collect()
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
        out.witness_counts.push((w.clone(), v.clone()));
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

#[cfg(test)]
mod tests {
    use super::*;

    fn set_fun(name: &str, args: usize) -> Fun {
        Fun::new(name, vec![Sort::P; args], Sort::set(Sort::P))
    }

    /// A received count under value faults, `{q | q ∈ HO(p) ∧ ite(q ∈
    /// AHO(p), alt(q), x(q)) = v}` after ite lifting, meets the census
    /// `{j | x(j) = u}` in one group with `AHO(p)`, though they share no
    /// atom; a per-value family of received counts gets no such group.
    #[test]
    fn a_count_casing_on_membership_meets_each_census_with_its_case_set() {
        let (q, j) = (Var::new("q", Sort::P), Var::new("j", Sort::P));
        let (p, v, w) = (Fun::constant("p", Sort::P).app(vec![]), Fun::constant("v", Sort::Int).app(vec![]), Var::new("w", Sort::Int));
        let int_of = |f: &str, t: Term| Fun::new(f, vec![Sort::P], Sort::Int).app(vec![t]);
        let ho = set_fun("HO", 1).app(vec![p.clone()]);
        let aho = set_fun("AHO", 1).app(vec![p.clone()]);
        let received = |value: Term| {
            and(vec![
                syntax::member(q.t(), ho.clone()),
                or(vec![
                    and(vec![syntax::member(q.t(), aho.clone()), syntax::eq(int_of("alt", q.t()), value.clone())]),
                    and(vec![syntax::neg(&syntax::member(q.t(), aho.clone())), syntax::eq(int_of("x", q.t()), value)]),
                ]),
            ])
        };
        let mut bodies = Bodies::new();
        bodies.insert("recv".into(), (Vec::new(), q.clone(), received(v.clone())));
        bodies.insert("recv_at".into(), (vec![w.clone()], q.clone(), received(w.t())));
        // The census counts another value term (`u`): no atom is shared.
        let u = Fun::constant("u", Sort::Int).app(vec![]);
        bodies.insert("census".into(), (Vec::new(), j.clone(), syntax::eq(int_of("x", j.t()), u)));
        let sets = vec![
            set_fun("recv", 0).app(vec![]),
            aho.clone(),
            set_fun("census", 0).app(vec![]),
            ho.clone(),
            Fun::new("recv_at", vec![Sort::Int], Sort::set(Sort::P)).app(vec![v.clone()]),
        ];
        let mut cc = Congruence::default();
        for s in &sets {
            cc.add(s, 0);
        }
        let groups = related_groups(&sets, &cc, &bodies);
        assert!(groups.contains(&vec![0, 1, 2]), "{groups:?}");
        assert!(!groups.contains(&vec![1, 2, 4]), "a per-value family got a census group: {groups:?}");
        assert_eq!(case_sets(&q, &received(v.clone())), vec![aho]);
        assert!(case_sets(&j, &syntax::eq(int_of("x", j.t()), v)).is_empty());
    }
}
