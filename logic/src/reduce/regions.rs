//! Pass 7b: parameterized Venn regions for *families* of sets of processes.
//!
//! A family is a set-valued symbol with parameters: a comprehension symbol
//! `c(ā) = {x | ψ(x, ā)}` with at least one parameter, or an uninterpreted
//! function `F : Ā → Set<P>` (`HO(p)`). Instead of a Venn group per ground
//! instance (which needs the instances to exist before the solver runs, and
//! a new round of groups for every set created at a witness), a group of set
//! *templates* `S_1(ȳ) … S_k(ȳ)` over variables `ȳ` gets region-count
//! functions `r_b(ȳ)`, constrained by universals that the solver
//! instantiates by E-matching at whatever instances arise during its search:
//! - `r_b(ȳ) ≥ 0`, `Σ_b r_b(ȳ) = n`, `|S_i(ȳ)| = Σ_{b_i = t} r_b(ȳ)`;
//! - *static emptiness*: a region whose membership profile (the definitions
//!   of its sets, or their negations, with atoms read as propositional
//!   variables) is propositionally unsatisfiable gets no function at all: its
//!   count is 0 in every sum (`{x | x ∈ HO(p) ∧ x(k) = v} ∖ HO(p)` is empty
//!   by definition, so `|recv(p, v)| ≤ |HO(p)|` costs nothing);
//! - *conditional emptiness*: `r_b(ȳ) ≥ 1 ⇒ ⋁ conds` when every member of
//!   the region forces one of `conds` (`recv(p, u) ∩ A(v)` is empty unless
//!   `u = v`; `recv(p, v) ∖ recv(q, v)` unless `HO(p) ≠ HO(q)`), see
//!   `conditionally_empty`;
//! - only with `ReduceConfig::common_witnesses`: for a group of
//!   uninterpreted sets (`HO(y₁), HO(y₂)`), a witness function of the
//!   region inside all of them, `r_{t…t}(ȳ) ≥ 1 ⇒ ⋀_i w(ȳ) ∈ S_i(ȳ)`: the
//!   member two quorums share;
//! - only with `ReduceConfig::region_witnesses` (experimental, off: it
//!   loops in Z3): witness functions `w_b(ȳ)` with `seed(p̄) ∧ r_b(ȳ) ≥ 1 ⇒
//!   ⋀_i w_b(ȳ) ∈^{b_i} S_i(ȳ)` for the process parameters `p̄`, and the
//!   `(⋀_i e ∈^{b_i} S_i(ȳ)) ⇒ r_b(ȳ) ≥ 1` universals. Without them no
//!   region creates a process term, so the solver's term universe over `P`
//!   stays the ground one (plus Skolem applications); witnesses come from
//!   the ground Venn groups (`venn.rs`) of the input's family instances.
//!
//! Groups: every pair of templates (variables renamed apart; a family with
//! itself too; without witnesses only pairs with a statically or
//! conditionally empty region), every comprehension with the sets its body tests membership
//! in and the comprehensions whose bodies share an atom with it (up to
//! renaming of their parameters), and every comprehension with a copy of
//! itself varying one parameter, plus the sets its body tests membership in
//! that do not depend on that parameter (`{HO(p), recv(p, u), recv(p, v)}`:
//! two different values split the heard-of set), and once more with the
//! sets both copies test (`{recv(p, v), recv(q, v), HO(p), HO(q)}`: what
//! `q` hears of those `p` heard with `v`). At most [`MAX_GROUP`] sets.
//!
//! Soundness: in a model with finite sets, let `r_b(ȳ)` be the size of the
//! region `b` of the sets at `ȳ` and `w_b(ȳ)` one of its elements (any
//! process if it is empty), `seed` as true everywhere; every constraint
//! holds (conditional emptiness: see `conditionally_empty`). A statically empty
//! region is empty in every model: a member would satisfy the profile, which
//! is a propositional instance of an unsatisfiable formula.

use super::names::NameGen;
use super::syntax::{self, and, card, member, neg, or, proc_count, sum};
use super::venn::Bodies;
use crate::{Fun, Op, Sort, Term, Var};

/// Most sets in a parameterized group.
pub const MAX_GROUP: usize = 4;

/// Most distinct atoms in a region profile for the static emptiness test
/// (the test enumerates assignments; beyond this no region is called empty).
const MAX_ATOMS: usize = 14;

/// A set template: a set term with free variables, and its membership
/// formula at the shared element variable [`elem`].
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Template {
    set: Term,
    /// `x ∈ set` unfolded by the definition (comprehensions) or kept.
    body: Term,
}

/// The shared element variable of profiles.
fn elem() -> Var {
    Var::new("x$reg", Sort::P)
}

/// The families among the symbols of `f`: comprehension symbols with
/// parameters and uninterpreted functions with arguments, both of sort
/// `Set<P>`.
pub fn families(f: &Term, bodies: &Bodies) -> Vec<Fun> {
    let mut out: Vec<Fun> = Vec::new();
    f.visit(&mut |t| {
        if let Term::App(g, args) = t
            && !args.is_empty()
            && g.ret == Sort::set(Sort::P)
            && !out.contains(g)
        {
            out.push(g.clone());
        }
    });
    for (name, (params, x, _)) in bodies {
        if !params.is_empty() && x.sort == Sort::P {
            let g = Fun::new(
                name.clone(),
                params.iter().map(|p| p.sort.clone()).collect(),
                Sort::set(Sort::P),
            );
            if !out.contains(&g) {
                out.push(g);
            }
        }
    }
    out.sort();
    out
}

/// The template of family `f` at fresh variables named with `tag`.
fn template(f: &Fun, tag: &str, bodies: &Bodies) -> Template {
    let vars: Vec<Var> = f
        .args
        .iter()
        .enumerate()
        .map(|(k, s)| Var::new(format!("y${tag}{k}"), s.clone()))
        .collect();
    let set = f.app(vars.iter().map(Var::t).collect());
    instance(&set, bodies)
}

/// The template of a set term (its membership formula at [`elem`]).
fn instance(set: &Term, bodies: &Bodies) -> Template {
    let x = elem();
    let body = match set {
        Term::App(f, args) => match bodies.get(&f.name) {
            Some((params, bx, body)) => {
                let mut map: Vec<(Var, Term)> =
                    params.iter().cloned().zip(args.iter().cloned()).collect();
                map.push((bx.clone(), x.t()));
                body.subst(&map)
            }
            None => member(x.t(), set.clone()),
        },
        _ => member(x.t(), set.clone()),
    };
    Template {
        set: set.clone(),
        body,
    }
}

/// The atoms of a profile body (maximal non-connective subformulas).
fn atoms(t: &Term, out: &mut Vec<Term>) {
    match t {
        Term::Op(Op::And | Op::Or | Op::Not, ps) => ps.iter().for_each(|p| atoms(p, out)),
        Term::Bool(_) => {}
        other => {
            if !out.contains(other) {
                out.push(other.clone())
            }
        }
    }
}

fn eval_prop(t: &Term, atoms: &[Term], bits: u32) -> bool {
    match t {
        Term::Op(Op::And, ps) => ps.iter().all(|p| eval_prop(p, atoms, bits)),
        Term::Op(Op::Or, ps) => ps.iter().any(|p| eval_prop(p, atoms, bits)),
        Term::Op(Op::Not, p) => !eval_prop(&p[0], atoms, bits),
        Term::Bool(b) => *b,
        other => {
            let k = atoms.iter().position(|a| a == other).expect("collected atom");
            bits & (1 << k) != 0
        }
    }
}

/// The membership profile of region `bits` of `sets` and its atoms; `None`
/// beyond [`MAX_ATOMS`] atoms (too many assignments to enumerate).
fn profile(sets: &[Template], bits: &[bool]) -> Option<(Term, Vec<Term>)> {
    let profile = and(sets
        .iter()
        .zip(bits)
        .map(|(s, b)| if *b { s.body.clone() } else { neg(&s.body) })
        .collect());
    let mut ats = Vec::new();
    atoms(&profile, &mut ats);
    (ats.len() <= MAX_ATOMS).then_some((profile, ats))
}

/// Whether the region `bits` of `sets` is empty by the definitions alone.
fn statically_empty(sets: &[Template], bits: &[bool]) -> bool {
    let Some((profile, ats)) = profile(sets, bits) else { return false };
    !(0..(1u32 << ats.len())).any(|v| eval_prop(&profile, &ats, v))
}

/// `(s, t)` when `a` is an equation `s = t` or `t = s` whose side `s`
/// mentions the element variable and `t` does not.
fn element_equation(a: &Term) -> Option<(Term, Term)> {
    let x = elem();
    let Term::Op(Op::Eq, es) = a else { return None };
    let has = |t: &Term| t.free_vars().contains(&x);
    match (has(&es[0]), has(&es[1])) {
        (true, false) => Some((es[0].clone(), es[1].clone())),
        (false, true) => Some((es[1].clone(), es[0].clone())),
        _ => None,
    }
}

/// `T` when `a` is `x ∈ T` for the element variable `x`, `T` free of it.
fn element_member(a: &Term) -> Option<&Term> {
    let x = elem();
    match a {
        Term::Op(Op::Member, es) if es[0] == x.t() && !es[1].free_vars().contains(&x) => {
            Some(&es[1])
        }
        _ => None,
    }
}

/// *Conditional emptiness*: element-free conditions such that the region
/// `bits` is empty unless one of them holds; `None` when some
/// propositionally satisfying assignment of the profile has no clash
/// (below). Each condition
/// is `t_1 = t_2` (or `T_1 ≠ T_2` when `e ∈ T_1` and `e ∉ T_2`, or
/// `t_1 ≠ t_2` when `s = t_1` and `s ≠ t_2`) with the element-free atoms
/// as one satisfying assignment sets them. Example: `recv(p, u) ∩ A(v)` with bodies `x(e) = u`,
/// `x(e) = v` is empty unless `u = v`. Sound: a member `e` of the region
/// satisfies the profile, its atoms' truth values are a satisfying
/// assignment, whose clash holds at `e` (`s(e) = t_1 ∧ s(e) = t_2` gives
/// `t_1 = t_2`, and so on), and its element-free atoms are as assigned.
fn conditionally_empty(sets: &[Template], bits: &[bool]) -> Option<Vec<Term>> {
    let (profile, ats) = profile(sets, bits)?;
    // A quantified subformula of a definition (`∃s ∈ HO(y). …` in
    // `{x | x ∈ HO(y) ∧ (∃s. …)}`) is an atom of the profile; as a
    // condition it would put a quantifier that Skolemization has not seen
    // into the output, so such a region gets no condition (sound: a
    // constraint dropped).
    if ats.iter().any(has_binder) {
        return None;
    }
    let eqs: Vec<Option<(Term, Term)>> = ats.iter().map(element_equation).collect();
    let mut conds: Vec<Term> = Vec::new();
    for v in 0..(1u32 << ats.len()) {
        if !eval_prop(&profile, &ats, v) {
            continue;
        }
        let true_eqs: Vec<&(Term, Term)> = eqs
            .iter()
            .enumerate()
            .filter(|(k, _)| v & (1 << k) != 0)
            .filter_map(|(_, e)| e.as_ref())
            .collect();
        let clash = true_eqs.iter().enumerate().find_map(|(i, (s1, t1))| {
            true_eqs[i + 1..]
                .iter()
                .find(|(s2, t2)| s1 == s2 && t1 != t2)
                .map(|(_, t2)| (t1.clone(), t2.clone()))
        });
        // Or `e ∈ T_1` true and `e ∈ T_2` false: then `T_1 ≠ T_2`.
        let set_clash = || {
            let mems: Vec<(usize, &Term)> = ats
                .iter()
                .enumerate()
                .filter_map(|(k, a)| element_member(a).map(|t| (k, t)))
                .collect();
            mems.iter().find_map(|(k, t1)| {
                mems.iter()
                    .find(|(l, t2)| v & (1 << k) != 0 && v & (1 << l) == 0 && t1 != t2)
                    .map(|(_, t2)| neg(&syntax::eq((*t1).clone(), (*t2).clone())))
            })
        };
        // Or `s = t_1` true and `s = t_2` false: then `t_1 ≠ t_2`.
        let eq_diseq = || {
            let false_eqs: Vec<&(Term, Term)> = eqs
                .iter()
                .enumerate()
                .filter(|(k, _)| v & (1 << k) == 0)
                .filter_map(|(_, e)| e.as_ref())
                .collect();
            true_eqs.iter().find_map(|(s1, t1)| {
                false_eqs
                    .iter()
                    .find(|(s2, t2)| s1 == s2 && t1 != t2)
                    .map(|(_, t2)| neg(&syntax::eq(t1.clone(), t2.clone())))
            })
        };
        let first = match clash {
            Some((t1, t2)) => syntax::eq(t1, t2),
            None => set_clash().or_else(eq_diseq)?,
        };
        // With the element-free atoms as this assignment sets them.
        let mut parts = vec![first];
        for (k, a) in ats.iter().enumerate() {
            if !a.free_vars().contains(&elem()) {
                parts.push(if v & (1 << k) != 0 { a.clone() } else { neg(a) });
            }
        }
        let c = and(parts);
        if !conds.contains(&c) {
            conds.push(c);
        }
    }
    if conds.is_empty() { None } else { Some(conds) }
}

/// Whether a quantifier or comprehension occurs in `t`.
fn has_binder(t: &Term) -> bool {
    let mut found = false;
    t.visit(&mut |s| found |= matches!(s, Term::Bind(..)));
    found
}

/// Whether some region of `sets` is statically or conditionally empty.
fn has_empty_region(sets: &[Template]) -> bool {
    (0..(1usize << sets.len())).any(|code| {
        let bits: Vec<bool> = (0..sets.len()).map(|i| code & (1 << i) != 0).collect();
        statically_empty(sets, &bits) || conditionally_empty(sets, &bits).is_some()
    })
}

/// Rename the variables of `t` apart from `taken` (suffixing `tag`).
fn rename_apart(t: &Template, tag: &str) -> Template {
    let map: Vec<(Var, Term)> = t
        .set
        .free_vars()
        .into_iter()
        .map(|v| (v.clone(), Var::new(format!("{}{tag}", v.name), v.sort.clone()).t()))
        .collect();
    Template {
        set: t.set.subst(&map),
        body: t.body.subst(&map),
    }
}

/// The set terms `S` with `x ∈ S` an atom of `body`, not mentioning `x`.
fn tested_sets(body: &Term) -> Vec<Term> {
    let x = elem();
    let mut out = Vec::new();
    body.visit(&mut |t| {
        if let Term::Op(Op::Member, es) = t
            && es[0] == x.t()
            && !es[1].free_vars().contains(&x)
            && !out.contains(&es[1])
        {
            out.push(es[1].clone());
        }
    });
    out
}

/// The groups of templates (before renaming to canonical form).
fn groups(fams: &[Fun], ground: &[Term], bodies: &Bodies, pairs: bool) -> Vec<Vec<Template>> {
    let temps: Vec<Template> = fams
        .iter()
        .map(|f| template(f, "", bodies))
        .chain(ground.iter().map(|g| instance(g, bodies)))
        .collect();
    let mut out: Vec<Vec<Template>> = Vec::new();
    // Pairs (renamed apart), at least one of them a family. Without
    // witnesses only pairs with a (conditionally) empty region: the counts
    // of two unrelated sets bound nothing else.
    for i in 0..temps.len() {
        for j in i..temps.len() {
            if j >= fams.len() && i >= fams.len() {
                continue;
            }
            if i == j && temps[i].set.free_vars().is_empty() {
                continue;
            }
            let pair = vec![rename_apart(&temps[i], "a"), rename_apart(&temps[j], "b")];
            if pairs || has_empty_region(&pair) {
                out.push(pair);
            }
        }
    }
    let x = elem();
    for t in temps.iter().filter(|t| bodies_of(t, bodies)) {
        // Related: the sets its body tests, the comprehensions sharing an atom.
        let mut group = vec![t.clone()];
        for s in tested_sets(&t.body) {
            group.push(instance(&s, bodies));
        }
        let mut mine = Vec::new();
        atoms(&t.body, &mut mine);
        mine.retain(|a| a.free_vars().contains(&x));
        for other in temps.iter().filter(|o| *o != t && bodies_of(o, bodies)) {
            let o = rename_apart(other, "c");
            let ovars: Vec<Var> = o.set.free_vars();
            let mut theirs = Vec::new();
            atoms(&o.body, &mut theirs);
            let base = group.clone();
            let mut full_match = false;
            for a in &theirs {
                for m in &mine {
                    let mut sub = Vec::new();
                    if !syntax::match_pattern(a, m, &ovars, &mut sub) || sub.is_empty() {
                        continue;
                    }
                    let matched = instance(&o.set.subst(&sub), bodies);
                    if sub.len() == ovars.len() && !full_match {
                        full_match = true;
                        group.push(matched.clone());
                    }
                    // Its own group too, with the sets its body tests;
                    // variables the atom does not bind stay variables
                    // (`recv(p, m(q))` next to `recv(q, m(q))` and `HO(p)`).
                    let mut own = base.clone();
                    own.extend(tested_sets(&matched.body).iter().map(|s| instance(s, bodies)));
                    own.insert(1, matched);
                    push_group(&mut out, own);
                }
            }
        }
        push_group(&mut out, group);
        // One parameter varied.
        for v in t.set.free_vars() {
            let v2 = Var::new(format!("{}v", v.name), v.sort.clone());
            let copy = Template {
                set: t.set.subst(&[(v.clone(), v2.t())]),
                body: t.body.subst(&[(v.clone(), v2.t())]),
            };
            let mut group = vec![t.clone(), copy.clone()];
            let mut with_both = group.clone();
            for s in tested_sets(&t.body) {
                if !s.free_vars().contains(&v) {
                    group.push(instance(&s, bodies));
                }
                with_both.push(instance(&s, bodies));
            }
            push_group(&mut out, group);
            // And with the sets both bodies test (`{recv(p, v), recv(q, v),
            // HO(p), HO(q)}`: what a process `q` hears of the processes
            // `p` heard with value `v`).
            for s in tested_sets(&copy.body) {
                with_both.push(instance(&s, bodies));
            }
            push_group(&mut out, with_both);
        }
    }
    out
}

fn bodies_of(t: &Template, bodies: &Bodies) -> bool {
    matches!(&t.set, Term::App(f, args) if !args.is_empty() && bodies.contains_key(&f.name))
}

fn push_group(out: &mut Vec<Vec<Template>>, mut group: Vec<Template>) {
    let mut seen: Vec<Term> = Vec::new();
    group.retain(|t| {
        let fresh = !seen.contains(&t.set);
        seen.push(t.set.clone());
        fresh
    });
    group.truncate(MAX_GROUP);
    if group.len() < 2 {
        return;
    }
    let key = canonical_key(&group);
    if !out.iter().any(|g| canonical_key(g) == key) {
        out.push(group);
    }
}

/// The least, over the orders of a group's sets, of the list of its sets
/// with variables renamed by first occurrence: equal keys mean the same
/// group up to renaming and order.
fn canonical_key(group: &[Template]) -> Vec<Term> {
    let mut best: Option<Vec<Term>> = None;
    for perm in permutations(group.len()) {
        let mut map: Vec<(Var, Term)> = Vec::new();
        let mut key = Vec::new();
        for &i in &perm {
            for v in group[i].set.free_vars() {
                if !map.iter().any(|(w, _)| *w == v) {
                    let k = map.len();
                    map.push((v.clone(), Var::new(format!("z${k}"), v.sort.clone()).t()));
                }
            }
            key.push(group[i].set.subst(&map));
        }
        if best.as_ref().is_none_or(|b| key < *b) {
            best = Some(key);
        }
    }
    best.unwrap_or_default()
}

fn permutations(k: usize) -> Vec<Vec<usize>> {
    if k == 0 {
        return vec![Vec::new()];
    }
    let mut out = Vec::new();
    for p in permutations(k - 1) {
        for pos in 0..=p.len() {
            let mut q = p.clone();
            q.insert(pos, k - 1);
            out.push(q);
        }
    }
    out
}

/// The constraints of the parameterized groups (and of their anchored
/// instances at the ground sets `anchors`, see [`anchored`]); the number of
/// groups and of region functions.
pub fn parameterized(
    fams: &[Fun],
    ground: &[Term],
    anchors: &[Term],
    bodies: &Bodies,
    seed: Option<&Fun>,
    common_witnesses: bool,
    names: &mut NameGen,
) -> (Vec<Term>, usize, usize) {
    let mut out = Vec::new();
    let mut regions = 0;
    let gs = groups(fams, ground, bodies, seed.is_some());
    for g in &gs {
        regions += group_constraints(g, seed, common_witnesses, names, &mut out);
    }
    let instances = anchored(&gs, anchors);
    for g in &instances {
        regions += group_constraints(g, None, common_witnesses, names, &mut out);
    }
    (out, gs.len() + instances.len(), regions)
}

/// Most anchored instances per query.
const MAX_ANCHORED: usize = 300;

/// *Anchored* instances of the groups: all variables but one process
/// variable `p` instantiated so that every set of the group without `p` is
/// one of the ground `anchors` (`{recv(p, v), recv(i, v), HO(p), HO(i)}` at
/// the ground `recv(i, v)`). Their region counts are functions of `p`
/// alone, so the solver's E-matching fires them at every process term it
/// meets (`HO(w)` of a witness `w`), which the fully parameterized group —
/// whose region functions take every variable — cannot do.
fn anchored(gs: &[Vec<Template>], anchors: &[Term]) -> Vec<Vec<Template>> {
    let mut out: Vec<Vec<Template>> = Vec::new();
    let mut keys: Vec<Vec<Term>> = Vec::new();
    for g in gs {
        let mut vars: Vec<Var> = Vec::new();
        for t in g {
            for v in t.set.free_vars() {
                if !vars.contains(&v) {
                    vars.push(v);
                }
            }
        }
        for p in vars.iter().filter(|v| v.sort == Sort::P) {
            let others: Vec<Var> = vars.iter().filter(|v| *v != p).cloned().collect();
            let fixed: Vec<&Template> = g.iter().filter(|t| !t.set.free_vars().contains(p)).collect();
            if fixed.is_empty() {
                continue;
            }
            let mut subs = vec![Vec::new()];
            for t in &fixed {
                let mut next = Vec::new();
                for sub in &subs {
                    for a in anchors {
                        let mut s2: Vec<(Var, Term)> = sub.clone();
                        if syntax::match_pattern(&t.set, a, &others, &mut s2) {
                            next.push(s2);
                        }
                    }
                }
                subs = next;
            }
            for sub in subs {
                if !others.iter().all(|v| sub.iter().any(|(w, _)| w == v)) {
                    continue;
                }
                let inst: Vec<Template> = g
                    .iter()
                    .map(|t| Template { set: t.set.subst(&sub), body: t.body.subst(&sub) })
                    .collect();
                let key = canonical_key(&inst);
                if !keys.contains(&key) {
                    keys.push(key);
                    out.push(inst);
                    if out.len() >= MAX_ANCHORED {
                        return out;
                    }
                }
            }
        }
    }
    out
}

fn group_constraints(
    sets: &[Template],
    seed: Option<&Fun>,
    common_witness: bool,
    names: &mut NameGen,
    out: &mut Vec<Term>,
) -> usize {
    let mut ys: Vec<Var> = Vec::new();
    for s in sets {
        for v in s.set.free_vars() {
            if !ys.contains(&v) {
                ys.push(v);
            }
        }
    }
    // Fresh names for the bound variables (unique across the query).
    let fresh: Vec<Var> = ys.iter().map(|v| names.fresh_var(&Var::new("y", v.sort.clone()))).collect();
    let map: Vec<(Var, Term)> = ys.iter().cloned().zip(fresh.iter().map(Var::t)).collect();
    let sets_at: Vec<Term> = sets.iter().map(|s| s.set.subst(&map)).collect();
    let arg_sorts: Vec<Sort> = fresh.iter().map(|v| v.sort.clone()).collect();
    let args: Vec<Term> = fresh.iter().map(Var::t).collect();
    // Witnesses only for seeded process parameters (one generation of
    // witnesses: a witness is no seed, so no witness of a witness's sets).
    let proc_params: Vec<Term> = fresh.iter().filter(|v| v.sort == Sort::P).map(Var::t).collect();
    let guard: Vec<Term> = match seed {
        Some(seed) => proc_params.iter().map(|p| neg(&seed.app(vec![p.clone()]))).collect(),
        None => Vec::new(),
    };
    let k = sets.len();
    let inside = |x: &Term, bits: &[bool]| -> Term {
        and(bits
            .iter()
            .zip(&sets_at)
            .map(|(b, s)| {
                let m = member(x.clone(), s.clone());
                if *b { m } else { neg(&m) }
            })
            .collect())
    };
    let mut regions: Vec<(Vec<bool>, Term)> = Vec::new();
    let mut facts = Vec::new();
    for code in 0..(1usize << k) {
        let bits: Vec<bool> = (0..k).map(|i| code & (1 << (k - 1 - i)) != 0).collect();
        if statically_empty(sets, &bits) {
            continue;
        }
        let tag: String = bits.iter().map(|b| if *b { 't' } else { 'f' }).collect();
        let r = Fun::new(names.fresh(&format!("reg${tag}$")), arg_sorts.clone(), Sort::Int)
            .app(args.clone());
        let ge1 = syntax::le(Term::Int(1), r.clone());
        facts.push(syntax::le(Term::Int(0), r.clone()));
        if let Some(conds) = conditionally_empty(sets, &bits) {
            // Empty unless one of `conds` holds (see `conditionally_empty`).
            let conds = conds.into_iter().map(|c| c.subst(&map));
            facts.push(or(std::iter::once(neg(&ge1)).chain(conds).collect()));
        }
        if seed.is_some() {
            let w = Fun::new(names.fresh(&format!("rwit${tag}$")), arg_sorts.clone(), Sort::P)
                .app(args.clone());
            let mut clause = guard.clone();
            clause.push(neg(&ge1));
            clause.push(inside(&w, &bits));
            facts.push(or(clause));
        } else if common_witness
            && k >= 2
            && bits.iter().all(|b| *b)
            && sets.iter().all(|t| t.body == member(elem().t(), t.set.clone()))
        {
            // The common part of the group's sets, when not empty, has a
            // member: what two quorums' intersection is used for. Only
            // for uninterpreted sets (`HO(y₁) ∩ HO(y₂)`): a witness in
            // common of comprehensions (mailboxes with a value) made
            // OTR's step time out.
            let w = Fun::new(names.fresh("rwit$common$"), arg_sorts.clone(), Sort::P).app(args.clone());
            facts.push(or(vec![neg(&ge1), inside(&w, &bits)]));
        }
        regions.push((bits, r));
    }
    for (i, s) in sets_at.iter().enumerate() {
        let parts = regions.iter().filter(|(b, _)| b[i]).map(|(_, r)| r.clone()).collect();
        facts.push(syntax::eq(card(s.clone()), sum(parts)));
    }
    facts.push(syntax::eq(
        sum(regions.iter().map(|(_, r)| r.clone()).collect()),
        proc_count(),
    ));
    for f in facts {
        out.push(syntax::forall(fresh.clone(), f));
    }
    regions.len()
}
