//! Round transition relations and the initial-state relation.
//!
//! `TR_k ≡ r mod K = k ∧ r.post = r + 1 ∧ coord.post = coord (inside a phase)
//!        ∧ Safety(HO) (∧ ∀p. AHO(p) ⊆ HO(p) with value faults) ∧ ∀i. x.post(i) = ⟦update⟧_x(i) ∧ ∀i. pc(i) ⇒ axiom(i)`
//! where `⟦update⟧` is the SSA execution of the update: each assignment makes
//! a new version, branches join with `ite`, unassigned fields keep their
//! value. The mailbox lives inside the update's terms as a comprehension over
//! `HO` and the round's `sendsTo`.

use psync_logic::{Sort, Term, Var, build};

use crate::ir::{Algorithm, Stmt, names};
use crate::terms;

use super::Labeled;
use super::rename::to_post;

/// The pieces of one round's transition relation.
#[derive(Clone, Debug)]
pub struct Transition {
    /// The relation, conjunct by conjunct.
    pub conjuncts: Vec<Labeled>,
    /// Proof obligations raised inside the update (helper preconditions):
    /// `(label, ∀i. pc(i) ⇒ cond(i))`.
    pub checks: Vec<Labeled>,
}

struct Exec {
    facts: Vec<Labeled>,
    checks: Vec<Labeled>,
}

fn lookup(env: &[(Var, Term)], v: &Var) -> Option<Term> {
    env.iter().rev().find(|(w, _)| w == v).map(|(_, t)| t.clone())
}

fn set(env: &mut Vec<(Var, Term)>, v: Var, t: Term) {
    env.retain(|(w, _)| w != &v);
    env.push((v, t));
}

impl Exec {
    fn run(&mut self, stmts: &[Stmt], env: &mut Vec<(Var, Term)>, pc: &Term, alg: &Algorithm) {
        for s in stmts {
            match s {
                Stmt::Let { var, value } => {
                    let v = value.subst(env);
                    set(env, var.clone(), v);
                }
                Stmt::Assign { field, value } => {
                    let f = alg.field(field).expect("the front end checked the field");
                    let v = value.subst(env);
                    set(env, names::cur_var(&f.name, &f.sort), v);
                }
                Stmt::If { cond, then, els } => {
                    let c = cond.subst(env);
                    let mut a = env.clone();
                    let mut b = env.clone();
                    self.run(then, &mut a, &terms::and(vec![pc.clone(), c.clone()]), alg);
                    self.run(els, &mut b, &terms::and(vec![pc.clone(), terms::not(c.clone())]), alg);
                    for f in &alg.fields {
                        let v = names::cur_var(&f.name, &f.sort);
                        let (ta, tb) = (lookup(&a, &v).expect("fields are in scope"), lookup(&b, &v).expect("fields are in scope"));
                        set(env, v, terms::ite(c.clone(), ta, tb));
                    }
                }
                Stmt::Choose { axiom: Term::Bool(true), .. } => {}
                Stmt::Choose { fun, axiom, what } => {
                    let me = names::self_var();
                    let body = terms::implies(pc.clone(), axiom.subst(env));
                    self.facts.push(Labeled::new(format!("{what} ({})", fun.name), build::forall(vec![me], body)));
                }
                // Unconditional: it holds of the chosen values whichever
                // path each process takes.
                Stmt::ChoiceOfHeard { fun, of_heard, unaltered_only, what } => {
                    // Over every process at once (not `self`): it relates
                    // the values of processes that hear one set.
                    let p = Var::new("p", Sort::P);
                    let mut same = build::eq(fun.at(p.t()), of_heard.at(names::ho(p.t())));
                    if *unaltered_only {
                        same = terms::implies(build::eq(build::card(names::aho(p.t())), Term::Int(0)), same);
                    }
                    let fact = build::forall(vec![p.clone()], same);
                    self.facts.push(Labeled::new(what.clone(), fact));
                }
                Stmt::Check { cond, label } => {
                    let me = names::self_var();
                    let body = terms::implies(pc.clone(), cond.subst(env));
                    self.checks.push(Labeled::new(label.clone(), build::forall(vec![me], body)));
                }
            }
        }
    }
}

/// `x(self)` for every field: the start of the SSA execution.
fn initial_env(alg: &Algorithm) -> Vec<(Var, Term)> {
    let me = names::self_var().t();
    alg.fields.iter().map(|f| (names::cur_var(&f.name, &f.sort), names::field_fun(&f.name, &f.sort).at(me.clone()))).collect()
}

/// The transition relation of round `k`.
pub fn transition(alg: &Algorithm, k: usize) -> Transition {
    let round = &alg.rounds[k];
    let kk = alg.phase_len() as i64;
    let r = names::round();
    let post = to_post(alg);
    let mut conjuncts = Vec::new();
    if kk > 1 {
        conjuncts.push(Labeled::new(format!("r mod {kk} = {k}"), build::eq(build::modulo(r.clone(), kk), Term::Int(k as i64))));
    }
    conjuncts.push(Labeled::new("r' = r + 1", build::eq(post.apply(&r), build::add(r.clone(), Term::Int(1)))));
    if k + 1 < alg.phase_len() {
        conjuncts.push(Labeled::new("same coordinator within the phase", build::eq(post.apply(&names::coord()), names::coord())));
    }
    if let Some(s) = &alg.spec.safety {
        conjuncts.push(Labeled::new("safety predicate on HO", s.term.clone()));
    }
    if alg.value_faults.is_some() {
        conjuncts.push(altered_within_heard());
    }
    let mut env = initial_env(alg);
    let mut exec = Exec { facts: Vec::new(), checks: Vec::new() };
    exec.run(&round.update, &mut env, &Term::Bool(true), alg);
    let me = names::self_var();
    for f in &alg.fields {
        let v = lookup(&env, &names::cur_var(&f.name, &f.sort)).expect("fields are in scope");
        let lhs = names::field_fun(&names::post(&f.name), &f.sort).at(me.t());
        conjuncts.push(Labeled::new(format!("update of `{}` in {}", f.name, round.name), build::forall(vec![me.clone()], terms::eq(lhs, v))));
    }
    conjuncts.extend(exec.facts);
    Transition { conjuncts, checks: exec.checks }
}

/// Value faults: `∀p. AHO(p) ⊆ HO(p)` (an altered message is a message
/// heard of).
pub fn altered_within_heard() -> Labeled {
    let p = psync_logic::Var::new("p", psync_logic::Sort::P);
    Labeled::new(ALTERED_LABEL, build::forall(vec![p.clone()], build::subset(names::aho(p.t()), names::ho(p.t()))))
}

/// The label of [`altered_within_heard`]'s conjunct.
pub const ALTERED_LABEL: &str = "altered senders are heard of";

/// The initial states: `r = 0` and every field at its `init` value.
pub fn initial(alg: &Algorithm) -> Vec<Labeled> {
    let me = names::self_var();
    let mut out = vec![Labeled::new("r = 0", build::eq(names::round(), Term::Int(0)))];
    for (name, value) in &alg.init {
        let f = alg.field(name).expect("the front end checked the field");
        let lhs = names::field_fun(&f.name, &f.sort).at(me.t());
        out.push(Labeled::new(format!("init of `{name}`"), build::forall(vec![me.clone()], terms::eq(lhs, value.clone()))));
    }
    out
}

/// Facts true in every reachable state: `r ≥ 0`, unsigned fields `≥ 0`,
/// and the spec's assumptions on the parameters and `n` (which hold for the
/// whole run: the parameters are rigid).
pub fn reachable_facts(alg: &Algorithm) -> Vec<Labeled> {
    let mut out = state_facts(alg);
    for a in &alg.spec.assumptions {
        let text: String = a.text.split_whitespace().collect::<Vec<_>>().join(" ");
        out.extend(terms::conjuncts(&a.term).into_iter().map(|c| Labeled::new(format!("assumption: {text}"), c)));
    }
    out
}

/// The facts of [`reachable_facts`] that come from the Rust types, not
/// from the spec: `r ≥ 0` and unsigned fields `≥ 0`.
pub fn state_facts(alg: &Algorithm) -> Vec<Labeled> {
    let me = names::self_var();
    let mut out = vec![Labeled::new("r ≥ 0", build::ge(names::round(), Term::Int(0)))];
    for f in alg.fields.iter().filter(|f| f.unsigned) {
        let t = names::field_fun(&f.name, &f.sort).at(me.t());
        out.push(Labeled::new(format!("`{}` is unsigned", f.name), build::forall(vec![me.clone()], build::ge(t, Term::Int(0)))));
    }
    out
}
