//! Pass 1b: an asserted non-empty set gets a member; an asserted empty or
//! full comprehension is its universal.
//!
//! A literal of the NNF formula that says a comprehension is not empty
//! (`0 < |{x | φ}|`, `1 ≤ |{x | φ}|`, `¬(|{x | φ}| = 0)`, `¬(|{x | φ}| ≤ 0)`)
//! and is asserted, i.e. reached from the root through `∧`, `∀` and `∃`
//! only, is conjoined with `∃x. φ`; a set built by `∪`, `∩` or `∖`
//! (`ho(p).intersects(&ho(q))` is `¬(|HO(p) ∩ HO(q)| = 0)`) likewise with
//! `∃x. x ∈ S`, which [`super::sets`] then expands. The cardinality alone gives a member
//! only where a Venn group has a witness (ground sets); with the `∃`,
//! Skolemization gives one for every instance, so
//! `∀p q. |{s | s ∈ HO(p) ∧ s ∈ HO(q)}| > 0` gets the same witness `s(p, q)`
//! as `∀p q. ∃s. s ∈ HO(p) ∧ s ∈ HO(q)`. An asserted literal saying a
//! comprehension of processes is empty (`|{x | φ}| = 0`) becomes `∀x. ¬φ`,
//! and one saying it holds everyone (`|{x | φ}| = n`) becomes `∀x. φ`:
//! "nobody decided" written as a count reads as its `∀` form (the
//! membership facts of `membership.rs` leave comprehensions out, and the
//! count's own family of sets only slowed the solver down). Inside a
//! disjunction, at any depth of its `∧`/`∨`, a census (a comprehension
//! testing no membership) said to be non-empty becomes its `∃`: the
//! negated conclusion of "every decision is `v`" written as a count,
//! `∀v. … ∨ |{i | d(i) ∧ y(i) ≠ v}| ≠ 0`, reads as its `∃` form. So does a
//! census of processes said to miss someone (`|{i | φ}| ≠ n` as `∃i. ¬φ`:
//! the negated conclusion of "everyone with a timestamp from `t` on holds
//! `v`" written as a count), which also gets its non-member when asserted.
//! A census said to be empty (or full) there becomes its
//! `∀`: the negated conclusion of "`m` is someone's id" written as a count,
//! `∀m. |{j | id(j) = m}| ≤ 0 ∨ …`, reads as `∀m. (∀j. id(j) ≠ m) ∨ …`,
//! which the solver instantiates at the member it knows; the count alone
//! needs the fact that a member makes the set non-empty, which
//! `membership.rs` states for no comprehension. Other literals inside a
//! disjunction (the cases of a lifted `ite`, such as a mailbox's
//! `mbox ≠ ∅` of `max_by_key`) are left alone: the equivalence holds
//! there too, but a Skolem function per case costs the solver more than it
//! gives (measured on the benchmarks).
//!
//! A quorum, an asserted lower bound `t < k·|S|` on a ground set `S` that is
//! not a comprehension (a set variable of a liveness predicate such as
//! `n < 2·|S₁|`), gets a member too: `t < 0 ∨ ∃x. x ∈ S`. A quorum's
//! members are what a property of the quorum (`∀p ∈ S₁. HO(p) = S₂`) is
//! instantiated at, and the instantiation runs before the solver, which
//! otherwise names a member only as the Venn witness of a region it finds
//! non-empty. Comprehensions (`quorum < |{i | x(i) = v}|` of an invariant)
//! are left out: their members add terms to every instantiation round and
//! cost more than they give (measured on the zoo); so does a bare
//! `0 < |S|` (`!s2.is_empty()`), which is no quorum; and sets under a `∀`
//! would need a Skolem function per quorum.
//!
//! Soundness: for a finite set, `|{x | φ}| ≥ 1 ⇔ ∃x. φ`, so the literal is
//! equivalent to its conjunction with `∃x. φ`, and to `∃x. φ` alone; over
//! the `n` processes, `|{x | φ}| = 0 ⇔ ∀x. ¬φ`, `|{x | φ}| = n ⇔ ∀x. φ`
//! and `|{x | φ}| ≠ n ⇔ ∃x. ¬φ`; and `|S| = 0` makes
//! `k·|S| = 0`, so `t < k·|S|` implies `t < 0 ∨ ∃x. x ∈ S`: the models are
//! unchanged.

use super::names::NameGen;
use super::syntax::{self, and};
use crate::{Binder, Op, Term};

/// `f` (in NNF) with every asserted non-emptiness literal conjoined with
/// its `∃`, and every asserted quorum bound on a ground set with its
/// guarded member.
pub fn add_members(f: &Term, names: &mut NameGen) -> Term {
    add_members_under(f, &mut Vec::new(), names)
}

/// [`add_members`] below binders: `varying` holds the variables whose value
/// depends on a `∀` (its own variables and those of an `∃` below one).
fn add_members_under(f: &Term, varying: &mut Vec<crate::Var>, names: &mut NameGen) -> Term {
    match f {
        Term::Op(Op::And, ps) => and(ps.iter().map(|p| add_members_under(p, varying, names)).collect()),
        Term::Op(Op::Or, ps) => syntax::or(ps.iter().map(|p| in_case(p, names)).collect()),
        Term::Bind(b @ (Binder::Forall | Binder::Exists), vs, body) => {
            let depth = varying.len();
            if depth > 0 || *b == Binder::Forall {
                varying.extend(vs.iter().cloned());
            }
            let body = add_members_under(body, varying, names);
            varying.truncate(depth);
            Term::Bind(*b, vs.clone(), Box::new(body))
        }
        literal => {
            if let Some(all) = empty_or_full_comprehension(literal, names) {
                return all;
            }
            let member = match witnessed_member(literal) {
                Some(member) => Some((None, member)),
                None => lower_bound(literal)
                    .filter(|(_, set)| set.free_vars().iter().all(|v| !varying.contains(v)))
                    .and_then(|(guard, set)| Some((guard, in_set(set)?))),
            };
            match member {
                Some((guard, (x, body))) => {
                    let fresh = names.fresh_var(&x);
                    let body = body.subst(&[(x, fresh.t())]);
                    let exists = syntax::exists(vec![fresh], body);
                    let member = match guard {
                        Some(guard) => syntax::or(vec![guard, exists]),
                        None => exists,
                    };
                    and(vec![literal.clone(), member])
                }
                None => literal.clone(),
            }
        }
    }
}

/// A literal that bounds a set's size from below, `t < k·|S|` or
/// `t ≤ k·|S|` with a literal `k > 0` and `S` not a comprehension: the set,
/// and the condition `t < 0` (`t ≤ 0`) under which it may be empty (`None`
/// when `t` is a literal that never allows it). A bare `0 < |S|` is not a
/// quorum and is left to the Venn witnesses. The caller keeps the ground sets.
fn lower_bound(literal: &Term) -> Option<(Option<Term>, Term)> {
    let (strict, t, bound) = match literal {
        Term::Op(Op::Lt, ab) => (true, &ab[0], &ab[1]),
        Term::Op(Op::Le, ab) => (false, &ab[0], &ab[1]),
        Term::Op(Op::Not, a) => match &a[0] {
            Term::Op(Op::Le, ab) => (true, &ab[1], &ab[0]),
            Term::Op(Op::Lt, ab) => (false, &ab[1], &ab[0]),
            _ => return None,
        },
        _ => return None,
    };
    let card = match bound {
        Term::Op(Op::Mul, ks) => match ks.as_slice() {
            [Term::Int(k), card] | [card, Term::Int(k)] if *k > 0 => card,
            _ => return None,
        },
        card => card,
    };
    let set = match card {
        Term::Op(Op::Card, s) if !matches!(s[0], Term::Bind(..)) => s[0].clone(),
        _ => return None,
    };
    let guard = match t {
        Term::Int(c) if (strict && *c >= 1) || (!strict && *c >= 2) => None,
        Term::Int(_) => return None,
        t if strict => Some(Term::Op(Op::Lt, vec![t.clone(), Term::Int(0)])),
        t => Some(syntax::le(t.clone(), Term::Int(0))),
    };
    Some((guard, set))
}

/// `x ∈ S` for a new `x` (`None` if `set` is not a set).
fn in_set(set: Term) -> Option<(crate::Var, Term)> {
    let x = crate::Var::new("x", set.sort().set_elem()?.clone());
    Some((x.clone(), Term::Op(Op::Member, vec![x.t(), set])))
}

/// The element variable and condition of a member a literal says exists:
/// the body of a comprehension it says is not empty (for a set built by an
/// operator, `x ∈ S` with a new `x`), or the negated body of a
/// comprehension over processes it says misses someone (`|{x | φ}| ≠ n`,
/// `< n`, not `≥ n`: `∃x. ¬φ`).
fn witnessed_member(literal: &Term) -> Option<(crate::Var, Term)> {
    not_full_comprehension(literal).or_else(|| nonempty_comprehension(literal))
}

/// The element variable and negated body of a comprehension over processes
/// a literal says misses someone (`|{x | φ}| ≠ n`, `|{x | φ}| < n`,
/// `¬(n ≤ |{x | φ}|)`).
fn not_full_comprehension(literal: &Term) -> Option<(crate::Var, Term)> {
    let n = crate::build::n();
    let (x, body) = match literal {
        Term::Op(Op::Lt, ab) if ab[1] == n => counted_process_comprehension(&ab[0])?,
        Term::Op(Op::Not, a) => match &a[0] {
            Term::Op(Op::Eq, ab) if ab[1] == n => counted_process_comprehension(&ab[0])?,
            Term::Op(Op::Eq, ab) if ab[0] == n => counted_process_comprehension(&ab[1])?,
            Term::Op(Op::Le, ab) if ab[0] == n => counted_process_comprehension(&ab[1])?,
            _ => return None,
        },
        _ => return None,
    };
    Some((x, syntax::neg(&body)))
}

/// The element variable and body of the comprehension a literal says is
/// not empty (for a set built by an operator, `x ∈ S` with a new `x`).
fn nonempty_comprehension(literal: &Term) -> Option<(crate::Var, Term)> {
    let comprehension = |t: &Term| {
        counted_comprehension(t).or_else(|| match t {
            Term::Op(Op::Card, s) if matches!(s[0], Term::Op(Op::Union | Op::Inter | Op::Diff, _)) => in_set(s[0].clone()),
            _ => None,
        })
    };
    match literal {
        Term::Op(Op::Lt, ab) if ab[0] == Term::Int(0) => comprehension(&ab[1]),
        Term::Op(Op::Le, ab) if ab[0] == Term::Int(1) => comprehension(&ab[1]),
        Term::Op(Op::Not, a) => match &a[0] {
            Term::Op(Op::Le, ab) if ab[1] == Term::Int(0) => comprehension(&ab[0]),
            Term::Op(Op::Eq, ab) if ab[1] == Term::Int(0) => comprehension(&ab[0]),
            Term::Op(Op::Eq, ab) if ab[0] == Term::Int(0) => comprehension(&ab[1]),
            _ => None,
        },
        _ => None,
    }
}

/// The element variable and body of the comprehension `t` counts
/// (`|{x | φ}|`).
fn counted_comprehension(t: &Term) -> Option<(crate::Var, Term)> {
    match t {
        Term::Op(Op::Card, s) => match &s[0] {
            Term::Bind(Binder::Comprehension, x, body) => Some((x[0].clone(), (**body).clone())),
            _ => None,
        },
        _ => None,
    }
}

/// [`counted_comprehension`] when its element is a process (what `n`
/// bounds).
fn counted_process_comprehension(t: &Term) -> Option<(crate::Var, Term)> {
    counted_comprehension(t).filter(|(x, _)| x.sort == crate::Sort::P)
}

/// A disjunct with each census literal of its `∧`/`∨` structure read by
/// [`census_member`] (`¬d(i) ∨ (d(i) ∧ |{j | y(j) = x(i)}| ≤ 0)`, the
/// negation of "a decided process's value is someone's" written as a
/// count, reads as `… ∧ ∀j. y(j) ≠ x(i)`).
fn in_case(disjunct: &Term, names: &mut NameGen) -> Term {
    match disjunct {
        Term::Op(Op::And, ps) => and(ps.iter().map(|p| in_case(p, names)).collect()),
        Term::Op(Op::Or, ps) => syntax::or(ps.iter().map(|p| in_case(p, names)).collect()),
        literal => census_member(literal, names),
    }
}

/// A disjunct that speaks of a census (a comprehension testing no
/// membership), as its quantified form: said to be non-empty
/// (`|{i | decided(i) ∧ decision(i) ≠ v}| ≠ 0`, the negation of "all
/// decisions are `v`" written as a count), the `∃` of its member; said to
/// be empty or full (`|{j | id(j) = m}| ≤ 0`, the negation of "`m` is
/// someone's id" written as a count), its `∀`. Any other disjunct as it is.
fn census_member(disjunct: &Term, names: &mut NameGen) -> Term {
    let Some((x, body)) = witnessed_member(disjunct) else {
        let mut membership = false;
        disjunct.visit(&mut |t| membership |= matches!(t, Term::Op(Op::Member, _)));
        return match membership {
            false => empty_or_full_comprehension(disjunct, names).unwrap_or_else(|| disjunct.clone()),
            true => disjunct.clone(),
        };
    };
    let mut membership = false;
    body.visit(&mut |t| membership |= matches!(t, Term::Op(Op::Member, _)));
    if membership {
        return disjunct.clone();
    }
    let fresh = names.fresh_var(&x);
    let body = body.subst(&[(x, fresh.t())]);
    syntax::exists(vec![fresh], body)
}

/// For a literal that says a comprehension over processes is empty
/// (`|{x | φ}| = 0`, `≤ 0`, `< 1`, not `> 0`) the universal `∀x. ¬φ`, and
/// for one that says it holds everyone (`|{x | φ}| = n`, `≥ n`, not `< n`)
/// the universal `∀x. φ`.
fn empty_or_full_comprehension(literal: &Term, names: &mut NameGen) -> Option<Term> {
    let n = crate::build::n();
    // (the comprehension, whether the literal says it is full)
    let (c, full) = match literal {
        Term::Op(Op::Eq, ab) => match (&ab[0], &ab[1]) {
            (Term::Int(0), t) | (t, Term::Int(0)) => (counted_process_comprehension(t)?, false),
            (m, t) | (t, m) if *m == n => (counted_process_comprehension(t)?, true),
            _ => return None,
        },
        Term::Op(Op::Le, ab) if ab[1] == Term::Int(0) => (counted_process_comprehension(&ab[0])?, false),
        Term::Op(Op::Lt, ab) if ab[1] == Term::Int(1) => (counted_process_comprehension(&ab[0])?, false),
        Term::Op(Op::Le, ab) if ab[0] == n => (counted_process_comprehension(&ab[1])?, true),
        Term::Op(Op::Not, a) => match &a[0] {
            Term::Op(Op::Lt, ab) if ab[0] == Term::Int(0) => (counted_process_comprehension(&ab[1])?, false),
            Term::Op(Op::Le, ab) if ab[0] == Term::Int(1) => (counted_process_comprehension(&ab[1])?, false),
            Term::Op(Op::Lt, ab) if ab[1] == n => (counted_process_comprehension(&ab[0])?, true),
            _ => return None,
        },
        _ => return None,
    };
    let (x, body) = c;
    let fresh = names.fresh_var(&x);
    let body = body.subst(&[(x, fresh.t())]);
    Some(syntax::forall(vec![fresh], if full { body } else { syntax::neg(&body) }))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The query's formula, and the same with its members added.
    fn with_members(src: &str) -> (Term, Term) {
        let f = crate::parse_query(src).expect("a query").formula();
        let mut names = NameGen::avoiding(&f);
        let added = add_members(&f, &mut names);
        (f, added)
    }

    /// An asserted empty comprehension of processes is its universal
    /// negation, a full one its universal; under `∨`, one that tests
    /// membership (a mailbox), or a set that is no comprehension, stays.
    #[test]
    fn an_empty_or_full_comprehension_is_a_universal() {
        let decided = "fun d: P -> Bool;";
        for (assertion, universal) in [
            ("|{i: P | d(i)}| == 0", "∀ i$1: P. ¬d(i$1)"),
            ("|{i: P | d(i)}| <= 0", "∀ i$1: P. ¬d(i$1)"),
            ("!(0 < |{i: P | d(i)}|)", "∀ i$1: P. ¬d(i$1)"),
            ("|{i: P | d(i)}| == n", "∀ i$1: P. d(i$1)"),
            ("n <= |{i: P | d(i)}|", "∀ i$1: P. d(i$1)"),
        ] {
            let (f, added) = with_members(&format!("{decided} assert {assertion};"));
            assert_eq!(added.to_string(), universal, "{assertion} (was {f})");
        }
        for src in [
            "fun HO: P -> Set<P>; const p: P; const b: Bool; assert |{i: P | i in HO(p)}| == 0 || b;",
            "const S: Set<P>; assert |S| == 0;",
        ] {
            let (f, added) = with_members(src);
            assert_eq!(f, added, "{src}");
        }
    }

    /// Under a disjunction, a census said to be non-empty is its member,
    /// one said to be empty or full its universal; a mailbox (a
    /// comprehension testing membership) is left alone.
    #[test]
    fn a_census_in_a_case_is_its_quantified_form() {
        let (_, added) = with_members("fun d: P -> Bool; const b: Bool; assert b || |{i: P | d(i)}| != 0;");
        assert_eq!(added.to_string(), "b ∨ (∃ i$1: P. d(i$1))");
        let (_, added) = with_members("fun d: P -> Bool; const b: Bool; assert b || |{i: P | d(i)}| <= 0;");
        assert_eq!(added.to_string(), "b ∨ (∀ i$1: P. ¬d(i$1))");
        let (_, added) = with_members("fun d: P -> Bool; const b: Bool; assert b || |{i: P | d(i)}| == n;");
        assert_eq!(added.to_string(), "b ∨ (∀ i$1: P. d(i$1))");
        for not_full in ["|{i: P | d(i)}| != n", "|{i: P | d(i)}| < n", "!(n <= |{i: P | d(i)}|)"] {
            let (_, added) = with_members(&format!("fun d: P -> Bool; const b: Bool; assert b || {not_full};"));
            assert_eq!(added.to_string(), "b ∨ (∃ i$1: P. ¬d(i$1))", "{not_full}");
        }
        let src = "fun HO: P -> Set<P>; const p: P; const b: Bool; assert b || |{i: P | i in HO(p)}| != 0;";
        let (f, added) = with_members(src);
        assert_eq!(f, added);
    }

    /// A census in a conjunction inside a case is read the same way: the
    /// negation of "a decided process's value is someone's initial value"
    /// written as a count.
    #[test]
    fn a_census_nested_in_a_case_is_its_quantified_form() {
        let src = "fun d: P -> Bool; fun y: P -> Int; fun x0: P -> Int; const p: P; \
                   assert !d(p) || (d(p) && |{j: P | x0(j) == y(p)}| <= 0);";
        let (_, added) = with_members(src);
        assert_eq!(added.to_string(), "¬d(p) ∨ d(p) ∧ (∀ j$1: P. x0(j$1) ≠ y(p))");
        let src = "fun d: P -> Bool; fun y: P -> Int; const b: Bool; const p0: P; assert b || (d(p0) && (b || 0 < |{j: P | y(j) == 1}|));";
        let (_, added) = with_members(src);
        assert!(added.to_string().contains("∃ j$1: P. y(j$1) = 1"), "{added}");
    }

    /// An asserted comprehension over processes that misses someone gets
    /// a non-member; a census of data values is no such comprehension.
    #[test]
    fn a_comprehension_short_of_everyone_gets_a_non_member() {
        let (_, added) = with_members("fun d: P -> Bool; assert |{i: P | d(i)}| < n;");
        assert_eq!(added.to_string(), "|{i: P | d(i)}| < n ∧ (∃ i$1: P. ¬d(i$1))");
        let src = "fun y: Int -> Bool; assert |{v: Int | y(v)}| < n;";
        let (f, added) = with_members(src);
        assert_eq!(f, added);
    }

    #[test]
    fn a_ground_quorum_gets_a_member() {
        let (_, added) = with_members("const S: Set<P>; assert n < 2 * |S|;");
        assert_eq!(added.to_string(), "n < 2 * |S| ∧ (n < 0 ∨ (∃ x$1: P. x$1 ∈ S))");
    }

    #[test]
    fn quorums_under_a_forall_of_comprehensions_and_bare_non_emptiness_get_none() {
        for src in [
            "fun HO: P -> Set<P>; assert forall p: P. n < 2 * |HO(p)|;",
            "fun y: P -> Int; const v: Int; assert n < 2 * |{i: P | y(i) == v}|;",
            "const S: Set<P>; assert 0 < |S|;",
            "const S: Set<P>; const t: Int; assert t < 2 * |S| || t == 3;",
        ] {
            let (f, added) = with_members(src);
            assert_eq!(f, added, "{src}");
        }
    }
}
