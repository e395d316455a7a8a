//! Pass 7d: a count of messages against the processes that sent them.
//!
//! Threshold algorithms argue from a mailbox count to a count of states: a
//! process that heard more than `E` votes for `v̄` (the value it picked)
//! knows that more than `E − α` processes voted `v̄`, because every message
//! it counted came from a voter for `v̄` or from one of at most `α` altered
//! senders; and one that heard more than `T` messages heard `v̄` from all
//! but `n − |voters of v̄|` of them. In sets, for a mailbox count
//! `C(ȳ) = {s | s ∈ H(ȳ) ∧ β(s, ȳ)}` whose body tests membership in sets
//! `S₁(ȳ) … S_k(ȳ)` (the altered senders `AHO(p)`), the *senders*
//! `M(ū) = {s | β₀(s, ū)}`, where `β₀` is `β` with every `s ∈ S_i` false
//! and every value term `u(ȳ)` the body compares with a term of `s` (the
//! picked value) abstracted to a variable, are a family over values, and
//! by the definitions alone:
//! - `C(ȳ) ⊆ S₁(ȳ) ∪ … ∪ S_k(ȳ) ∪ M(ū)`, so `|C(ȳ)| ≤ Σ |S_i(ȳ)| + |M(ū)|`;
//! - `H(ȳ) ∩ M(ū) ⊆ S₁(ȳ) ∪ … ∪ S_k(ȳ) ∪ C(ȳ)`, so
//!   `|H(ȳ)| + |M(ū)| ≤ n + Σ |S_i(ȳ)| + |C(ȳ)|`.
//!
//! The Venn groups never relate these sets: `M` is not in the input when
//! the spec counts the state only after the round (`{i | x'(i) = v}`), and
//! `M(ū)` is an instance at a term of the receiver. So this pass defines
//! `M` (or reuses the input's comprehension with that body), states both
//! facts, and relates `M` to every other family over the same values by
//! the witnesses of their differences (`∀v. |D(v)| < |M(v)| ⇒ d(v) ∈ M(v) ∖
//! D(v)`: a sender of `v` that does not hold `v` after the round; the
//! other direction only in a deeper reduction), as
//! `witnesses.rs` does for ground sets, and to everyone: a member when it
//! is non-empty, a non-member when it is short of `n` (so "everyone holds
//! `u`" makes `M(u)` full and every other `M(w)` empty, and a receiver
//! hears `u` from all but its altered senders). Each mailbox count also gets a
//! witness of `C(ȳ) ∖ S_i(ȳ)` when it is the larger (a sender that was not
//! altered), which the solver follows to that sender's state, and of
//! `C(ȳ) ∖ (S₁(ȳ) ∪ … ∪ D(ū))` for each family `D` of the input over those
//! values (a message from a sender that does not hold the value).
//!
//! Soundness: `M`'s definition is a conservative extension (a fresh
//! symbol). For `s ∈ C(ȳ)` with `s ∉ S_i` for all `i`, `β(s, ȳ)` is `β₀(s,
//! ū)` (the atoms set false are false), so `s ∈ M(ū)`: the first inclusion.
//! For `s ∈ H(ȳ) ∩ M(ū)` not in any `S_i`, `β(s, ȳ)` holds by the same
//! equation, so `s ∈ C(ȳ)`: the second (with `|H ∩ M| ≥ |H| + |M| − n`).
//! A witness is an element of the difference when it is non-empty, which
//! a larger set makes it.

use super::names::NameGen;
use super::syntax::{self, and, card, conjuncts, member, neg, or};
use super::venn::Bodies;
use super::witnesses;
use crate::{Fun, Op, Sort, Term, Var};

/// Most constraints one query gets (each witness is a process term per
/// instance, at which the solver instantiates the kept universals).
const MAX_COVERS: usize = 64;

/// A comprehension over processes: its symbol, parameters, element
/// variable and body.
struct Comprehension<'a> {
    fun: Fun,
    params: &'a [Var],
    x: &'a Var,
    body: &'a Term,
}

impl Comprehension<'_> {
    fn at_params(&self) -> Term {
        self.fun.app(self.params.iter().map(Var::t).collect())
    }

    /// A family over values only (`{i | x(i) = v}`).
    fn over_values(&self) -> bool {
        !self.params.is_empty() && self.params.iter().all(|p| syntax::is_data(&p.sort))
    }
}

/// The comprehensions over processes with parameters, by name.
fn comprehensions(bodies: &Bodies) -> Vec<Comprehension<'_>> {
    let mut names: Vec<&String> = bodies.keys().collect();
    names.sort();
    names
        .into_iter()
        .filter_map(|name| {
            let (params, x, body) = &bodies[name];
            (x.sort == Sort::P && !params.is_empty()).then(|| Comprehension {
                fun: Fun::new(name.clone(), params.iter().map(|p| p.sort.clone()).collect(), Sort::set(Sort::P)),
                params,
                x,
                body,
            })
        })
        .collect()
}

/// `x ∈ S` with `S` free of `x` and of every variable but `params`.
fn membership<'t>(t: &'t Term, x: &Var, params: &[Var]) -> Option<&'t Term> {
    match t {
        Term::Op(Op::Member, es) if es[0] == x.t() && es[1].free_vars().iter().all(|v| params.contains(v)) => {
            Some(&es[1])
        }
        _ => None,
    }
}

/// The body with constants folded after a substitution of atoms.
fn fold(t: Term) -> Term {
    t.map_bottom_up(&mut |s| match s {
        Term::Op(Op::And, ps) => and(ps),
        Term::Op(Op::Or, ps) => or(ps),
        Term::Op(Op::Not, ps) if matches!(ps[0], Term::Bool(_)) => neg(&ps[0]),
        other => other,
    })
}

/// A mailbox count taken apart: the sets its elements are drawn from, the
/// sets its body tests, and its senders (`M` at `args`, by the body `β₀`
/// over the variables `vars`).
struct Count {
    domains: Vec<Term>,
    tested: Vec<Term>,
    senders: Term,
    vars: Vec<Var>,
    args: Vec<Term>,
}

/// `c` as a mailbox count, when its body has a domain conjunct and its
/// senders are a family over values.
fn as_count(c: &Comprehension, names: &mut NameGen) -> Option<Count> {
    let (mut domains, mut rest) = (Vec::new(), Vec::new());
    for t in conjuncts(c.body.clone()) {
        match membership(&t, c.x, c.params) {
            Some(h) => domains.push(h.clone()),
            None => rest.push(t),
        }
    }
    if domains.is_empty() {
        return None;
    }
    let rest = and(rest);
    let mut tested: Vec<Term> = Vec::new();
    rest.visit(&mut |t| {
        if let Some(s) = membership(t, c.x, c.params)
            && !tested.contains(s)
        {
            tested.push(s.clone());
        }
    });
    let sent = fold(rest.map_bottom_up(&mut |t| {
        if membership(&t, c.x, c.params).is_some_and(|s| tested.contains(s)) { Term::Bool(false) } else { t }
    }));
    let mut binder = false;
    sent.visit(&mut |t| binder |= matches!(t, Term::Bind(..)));
    if binder || matches!(sent, Term::Bool(_)) {
        return None;
    }
    // The values the body compares with a term of the element, each a
    // variable of the senders' family.
    let mut compared: Vec<Term> = Vec::new();
    sent.visit(&mut |t| {
        let Term::Op(Op::Eq, es) = t else { return };
        let has_x = |s: &Term| s.free_vars().contains(c.x);
        let u = match (has_x(&es[0]), has_x(&es[1])) {
            (true, false) => &es[1],
            (false, true) => &es[0],
            _ => return,
        };
        if syntax::is_data(&u.sort()) && !compared.contains(u) {
            compared.push(u.clone());
        }
    });
    let vars: Vec<Var> = compared.iter().map(|u| names.fresh_var(&Var::new("sent", u.sort()))).collect();
    let sent = sent.map_bottom_up(&mut |t| match compared.iter().position(|u| *u == t) {
        Some(k) => vars[k].t(),
        None => t,
    });
    let free = sent.free_vars();
    if vars.is_empty() || free.iter().any(|v| v != c.x && !vars.contains(v)) {
        return None;
    }
    Some(Count { domains, tested, senders: sent, vars, args: compared })
}

/// The senders' body with its variables and element renamed canonically,
/// to find the same family among the comprehensions.
fn canonical(body: &Term, vars: &[Var], x: &Var) -> Term {
    let mut map: Vec<(Var, Term)> =
        vars.iter().enumerate().map(|(k, v)| (v.clone(), Var::new(format!("z${k}"), v.sort.clone()).t())).collect();
    map.push((x.clone(), Var::new("x$sent", Sort::P).t()));
    body.subst(&map)
}

/// `Σ |outside| < |c| ⇒ w ∈ c ∧ ⋀ w ∉ outside`, closed over `params`.
fn witness(c: &Term, outside: &[Term], params: &[Var], names: &mut NameGen) -> Term {
    witnesses::difference(c, outside, params, "cover", names)
}

/// The senders' families found so far: symbol and canonical body.
struct Senders {
    known: Vec<(Fun, Term)>,
    /// Definitions of the families this pass made.
    definitions: Vec<Term>,
}

impl Senders {
    /// The family with `count`'s senders as body: an input comprehension
    /// with that body, or a fresh one, defined.
    fn family(&mut self, count: &Count, x: &Var, names: &mut NameGen) -> Fun {
        let key = canonical(&count.senders, &count.vars, x);
        if let Some((f, _)) = self.known.iter().find(|(_, k)| *k == key) {
            return f.clone();
        }
        let f = Fun::new(names.fresh("sent$"), count.vars.iter().map(|v| v.sort.clone()).collect(), Sort::set(Sort::P));
        let at = f.app(count.vars.iter().map(Var::t).collect());
        let mut bound = count.vars.clone();
        bound.push(x.clone());
        let def = |holds: bool, body: &Term| {
            let m = member(x.t(), at.clone());
            or(vec![if holds { neg(&m) } else { m }, if holds { body.clone() } else { neg(body) }])
        };
        self.definitions.push(syntax::forall(bound.clone(), def(true, &count.senders)));
        self.definitions.push(syntax::forall(bound, def(false, &count.senders)));
        self.known.push((f.clone(), key));
        f
    }
}

/// The cover constraints of the mailbox counts among the comprehensions of
/// `bodies`; with `deeper`, also the witnesses of the other families over
/// values outside the senders (`D(v) ∖ M(v)`: a process term per value
/// term, at which the solver instantiates the kept universals; in a first
/// reduction they slowed one part of OTR's step from 0.14 s to 1.1 s).
pub fn cover_constraints(bodies: &Bodies, deeper: bool, names: &mut NameGen) -> Vec<Term> {
    let comps = comprehensions(bodies);
    let mut senders = Senders {
        known: comps
            .iter()
            .filter(|c| c.over_values())
            .map(|c| (c.fun.clone(), canonical(c.body, c.params, c.x)))
            .collect(),
        definitions: Vec::new(),
    };
    let holders: Vec<Fun> = senders.known.iter().map(|(f, _)| f.clone()).collect();
    let mut out = Vec::new();
    let mut used: Vec<Fun> = Vec::new();
    for c in &comps {
        let Some(count) = as_count(c, names) else { continue };
        if out.len() + 2 + count.tested.len() > MAX_COVERS {
            break;
        }
        let set = c.at_params();
        let m = senders.family(&count, c.x, names);
        let sent = m.app(count.args.clone());
        let tested: Vec<Term> = count.tested.iter().map(|s| card(s.clone())).collect();
        // |C| ≤ Σ |S_i| + |M(ū)|.
        let mut upper = tested.clone();
        upper.push(card(sent.clone()));
        out.push(syntax::forall(c.params.to_vec(), syntax::le(card(set.clone()), syntax::sum(upper))));
        // |H| + |M(ū)| ≤ n + Σ |S_i| + |C|, for a count drawn from one set.
        if let [h] = &count.domains[..] {
            let mut lower = tested.clone();
            lower.push(syntax::proc_count());
            lower.push(card(set.clone()));
            let large = syntax::sum(vec![card(h.clone()), card(sent)]);
            out.push(syntax::forall(c.params.to_vec(), syntax::le(large, syntax::sum(lower))));
        }
        for s in &count.tested {
            out.push(witness(&set, std::slice::from_ref(s), c.params, names));
        }
        // The holders of the compared values among the input's families.
        for d in holders.iter().filter(|d| **d != m && d.args == m.args) {
            let held = d.app(count.args.clone());
            if !count.tested.is_empty() {
                let mut outside = count.tested.clone();
                outside.push(held.clone());
                out.push(witness(&set, &outside, c.params, names));
            }
            out.push(witness(&set, std::slice::from_ref(&held), c.params, names));
        }
        if !used.contains(&m) {
            used.push(m);
        }
    }
    // The senders against everyone (someone sent the value if anyone did;
    // someone did not unless everyone did), and against the other families
    // over the same values.
    let families: Vec<Fun> = senders.known.iter().map(|(f, _)| f.clone()).collect();
    for m in &used {
        if out.len() + 2 > MAX_COVERS {
            break;
        }
        let vars: Vec<Var> = m.args.iter().map(|s| names.fresh_var(&Var::new("v", s.clone()))).collect();
        let ms = m.app(vars.iter().map(Var::t).collect());
        out.push(witness(&ms, &[], &vars, names));
        out.push(witnesses::outside(&ms, &vars, "cover", names));
        for d in families.iter().filter(|d| *d != m && d.args == m.args) {
            if out.len() + 2 > MAX_COVERS {
                break;
            }
            let vars: Vec<Var> = m.args.iter().map(|s| names.fresh_var(&Var::new("v", s.clone()))).collect();
            let (ms, ds) = (m.app(vars.iter().map(Var::t).collect()), d.app(vars.iter().map(Var::t).collect()));
            out.push(witness(&ms, std::slice::from_ref(&ds), &vars, names));
            if deeper {
                out.push(witness(&ds, std::slice::from_ref(&ms), &vars, names));
            }
        }
    }
    out.extend(senders.definitions);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::{compr, fun, var};
    use crate::{Model, Value, holds};

    /// `c(y, v) = {s | s ∈ HO(y) ∧ (s ∈ A(y) ∧ alt(s, y) = v ∨ s ∉ A(y) ∧
    /// x(s) = v)}`: a count of the messages carrying `v` when the senders
    /// in `A(y)` are altered.
    fn altered_count() -> (Bodies, Vec<Fun>) {
        let ho = fun("HO", vec![Sort::P], Sort::set(Sort::P));
        let a = fun("A", vec![Sort::P], Sort::set(Sort::P));
        let alt = fun("alt", vec![Sort::P, Sort::P], Sort::Int);
        let x = fun("x", vec![Sort::P], Sort::Int);
        let (y, v, s) = (var("y", Sort::P), var("v", Sort::Int), var("s", Sort::P));
        let altered = member(s.t(), a.app(vec![y.t()]));
        let body = and(vec![
            member(s.t(), ho.app(vec![y.t()])),
            or(vec![
                and(vec![altered.clone(), syntax::eq(alt.app(vec![s.t(), y.t()]), v.t())]),
                and(vec![neg(&altered), syntax::eq(x.app(vec![s.t()]), v.t())]),
            ]),
        ]);
        let mut bodies = Bodies::new();
        bodies.insert("c".into(), (vec![y, v], s, body));
        (bodies, vec![ho, a, alt, x])
    }

    /// Every symbol with a body replaced by its comprehension.
    fn inline(t: &Term, bodies: &Bodies) -> Term {
        t.map_bottom_up(&mut |s| match &s {
            Term::App(f, args) if bodies.contains_key(&f.name) => {
                let (params, x, body) = &bodies[&f.name];
                let map: Vec<(Var, Term)> = params.iter().cloned().zip(args.iter().cloned()).collect();
                compr(x.clone(), body.subst(&map))
            }
            _ => s,
        })
    }

    /// The senders' family is `{s | x(s) = v}`, and the two bounds on the
    /// count hold, with the comprehensions inlined, in every model with two
    /// processes, values in `0..=1`, and any heard-of and altered sets.
    #[test]
    fn a_count_of_altered_messages_is_bounded_by_its_senders() {
        let (mut bodies, funs) = altered_count();
        let mut names = NameGen::avoiding(&Term::Bool(true));
        let out = cover_constraints(&bodies, false, &mut names);
        // The senders' definition, read back as a body.
        let sent: Vec<&Term> = out
            .iter()
            .filter(|t| t.to_string().contains("∈ sent$") && !t.to_string().contains("cwit$"))
            .collect();
        assert_eq!(sent.len(), 2, "{out:#?}");
        let Term::Bind(_, vs, def) = sent[0] else { unreachable!() };
        let parts = syntax::disjuncts((**def).clone());
        let (m, beta): (Vec<Term>, Vec<Term>) = parts.into_iter().partition(|p| p.to_string().contains("∈ sent$"));
        assert_eq!(beta.len(), 1, "{def}");
        assert!(beta[0].to_string().contains("x("), "{def}");
        assert!(!beta[0].to_string().contains("alt"), "{def}");
        let Term::Op(Op::Not, inner) = &m[0] else { panic!("{def}") };
        let Term::Op(Op::Member, es) = &inner[0] else { panic!("{def}") };
        let Term::App(f, _) = &es[1] else { panic!("{def}") };
        bodies.insert(f.name.clone(), (vec![vs[0].clone()], vs[1].clone(), beta[0].clone()));
        let bounds: Vec<Term> = out
            .iter()
            .filter(|t| !t.to_string().contains("cwit$") && !t.to_string().contains("∈ sent$"))
            .map(|t| inline(t, &bodies))
            .collect();
        assert_eq!(bounds.len(), 2, "{out:#?}");
        let n = 2u32;
        let subsets: Vec<Value> = (0..4u32).map(|b| Value::Set((0..n).filter(|p| b >> p & 1 == 1).map(Value::Proc).collect())).collect();
        for code in 0..(1u32 << 16) {
            let mut m = Model { n, ..Default::default() };
            m.complete(&funs);
            let bits = |k: u32, w: u32| (code >> k) & ((1 << w) - 1);
            for p in 0..n {
                let arg = vec![Value::Proc(p)];
                m.funs.get_mut("HO").unwrap().entries.insert(arg.clone(), subsets[bits(2 * p, 2) as usize].clone());
                m.funs.get_mut("A").unwrap().entries.insert(arg.clone(), subsets[bits(4 + 2 * p, 2) as usize].clone());
                m.funs.get_mut("x").unwrap().entries.insert(arg, Value::Int(bits(8 + p, 1) as i64));
                for q in 0..n {
                    let arg = vec![Value::Proc(q), Value::Proc(p)];
                    m.funs.get_mut("alt").unwrap().entries.insert(arg, Value::Int(bits(10 + 2 * p + q, 1) as i64));
                }
            }
            for b in &bounds {
                assert_eq!(holds(b, &m), Ok(true), "{b} at code {code:b}");
            }
        }
    }

    /// A comprehension drawn from no set, or whose senders still depend on
    /// the receiver, gets no bounds.
    #[test]
    fn a_count_without_a_domain_or_with_receiver_dependent_senders_gets_none() {
        let x = fun("x", vec![Sort::P], Sort::Int);
        let e = fun("e", vec![Sort::P, Sort::P], Sort::Bool);
        let ho = fun("HO", vec![Sort::P], Sort::set(Sort::P));
        let (y, v, s) = (var("y", Sort::P), var("v", Sort::Int), var("s", Sort::P));
        let mut bodies = Bodies::new();
        bodies.insert("free".into(), (vec![v.clone()], s.clone(), syntax::eq(x.app(vec![s.t()]), v.t())));
        let linked = and(vec![member(s.t(), ho.app(vec![y.t()])), e.app(vec![s.t(), y.t()])]);
        bodies.insert("linked".into(), (vec![y], s, linked));
        let mut names = NameGen::avoiding(&Term::Bool(true));
        assert_eq!(cover_constraints(&bodies, true, &mut names), Vec::<Term>::new());
    }
}
