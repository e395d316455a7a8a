//! The VC scheme (PSync's, with its mistakes fixed):
//! 1. init: `Init ∧ r = 0 ⇒ Inv_0` (`init`/`old` copies read as the state);
//! 2. inductive, every invariant `j`, every round `k`:
//!    `Inv_j^k ∧ TR_k ⇒ (Inv_j^{k+1})'`, with `Inv_j^k = Inv_j ∧ R[k−1][0]` mid-phase;
//!    for `j > 0` the hypothesis also has `Inv_0^k` (sound: every reachable
//!    state satisfies it, by the `inv0` VCs; PSync left it out, and then
//!    e.g. OTR's `Inv_2` alone is not inductive);
//! 3. progress, every `j < m`, every round `k`:
//!    `Inv_j^k ∧ R[k−1][j+1] ∧ L_j ∧ TR_k ⇒ (R[k][j+1])'`, and `⇒ Inv_{j+1}'` after the last round;
//! 4. properties: state properties from `Inv_0` only; `old` properties
//!    across every round from `Inv_0^k ∧ TR_k`; `eventually` properties from `Inv_m`;
//! 5. helper preconditions at their call sites, unsigned fields stay `≥ 0`.

use psync_logic::Term;

use crate::ir::{Algorithm, Pred, PropertyKind, names};
use crate::terms;

use super::rename::{init_to_pre, old_to_pre_and_post, to_post};
use super::transition::{initial, reachable_facts, transition};
use super::{Labeled, Vc, VcKind};

/// The conjuncts of a predicate, labelled `name [k/n]: source`.
fn split(name: &str, p: &Pred, f: impl Fn(&Term) -> Term) -> Vec<Labeled> {
    let t = f(&p.term);
    let cs = terms::conjuncts(&t);
    let total = cs.len();
    if total == 0 {
        return vec![Labeled::new(format!("{name}: true"), Term::Bool(true))];
    }
    let text: String = p.text.split_whitespace().collect::<Vec<_>>().join(" ");
    cs.into_iter()
        .enumerate()
        .map(|(k, c)| {
            let label = if total == 1 { format!("{name}: {text}") } else { format!("{name} [{}/{total}] of: {text}", k + 1) };
            Labeled::new(label, c)
        })
        .collect()
}

fn id_part(s: &str) -> String {
    s.to_lowercase().replace(|c: char| !c.is_alphanumeric(), "_")
}

struct Gen<'a> {
    alg: &'a Algorithm,
    out: Vec<Vc>,
}

impl Gen<'_> {
    fn round_inv(&self, k: usize, j: usize) -> Option<&Pred> {
        self.alg.spec.round_invariants.get(k).and_then(|row| row.get(j))
    }

    /// `Inv_j^k` at round position `k` of the phase (pre-state); for `j > 0`
    /// also `Inv_0^k`, which every reachable state satisfies (VCs inductive/inv0).
    fn inv_at(&self, j: usize, k: usize) -> Vec<Labeled> {
        let mut out = if j > 0 { self.inv_at(0, k) } else { Vec::new() };
        out.extend(split(&format!("Inv_{j}"), &self.alg.spec.invariants[j], Term::clone));
        if k > 0
            && let Some(r) = self.round_inv(k - 1, 0)
            && j == 0
        {
            out.extend(split(&format!("R[{}][0]", k - 1), r, Term::clone));
        }
        out
    }

    fn push(&mut self, kind: VcKind, what: String, place: String, hyps: Vec<Labeled>, concl: Vec<Labeled>, meta: (Option<usize>, Option<usize>, Option<String>)) {
        let has_post = meta.1.is_some();
        let mut hypotheses = reachable_facts(self.alg);
        hypotheses.extend(hyps);
        let conclusion = if concl.is_empty() { vec![Labeled::new("true", Term::Bool(true))] } else { concl };
        let id = format!("{}/{}/{}/{}", self.alg.name, kind.as_str(), what, place);
        self.out.push(Vc { id, kind, invariant: meta.0, round: meta.1, property: meta.2, has_post, hypotheses, conclusion });
    }

    fn init(&mut self) {
        let ren = init_to_pre(self.alg);
        let concl = split("Inv_0", &self.alg.spec.invariants[0], |t| ren.apply(t));
        let mut concl = concl;
        concl.extend(unsigned_ok(self.alg, false));
        self.push(VcKind::Init, "inv0".into(), "start".into(), initial(self.alg), concl, (Some(0), None, None));
    }

    fn inductive(&mut self) {
        let kk = self.alg.phase_len();
        let post = to_post(self.alg);
        for j in 0..self.alg.spec.invariants.len() {
            for k in 0..kk {
                let mut hyps = self.inv_at(j, k);
                hyps.extend(transition(self.alg, k).conjuncts);
                let mut concl = split(&format!("Inv_{j}'"), &self.alg.spec.invariants[j], |t| post.apply(t));
                if k + 1 < kk && j == 0
                    && let Some(r) = self.round_inv(k, 0)
                {
                    concl.extend(split(&format!("R[{k}][0]'"), r, |t| post.apply(t)));
                }
                self.push(VcKind::Inductive, format!("inv{j}"), format!("round{k}"), hyps, concl, (Some(j), Some(k), None));
            }
        }
    }

    fn progress(&mut self) {
        let kk = self.alg.phase_len();
        let post = to_post(self.alg);
        for (j, live) in self.alg.spec.liveness.iter().enumerate() {
            for k in 0..kk {
                let mut hyps = self.inv_at(j, k);
                if k > 0
                    && let Some(r) = self.round_inv(k - 1, j + 1)
                {
                    hyps.extend(split(&format!("R[{}][{}]", k - 1, j + 1), r, Term::clone));
                }
                hyps.extend(split(&format!("L_{j}"), live, Term::clone));
                hyps.extend(transition(self.alg, k).conjuncts);
                let concl = if k + 1 == kk {
                    split(&format!("Inv_{}'", j + 1), &self.alg.spec.invariants[j + 1], |t| post.apply(t))
                } else {
                    match self.round_inv(k, j + 1) {
                        Some(r) => split(&format!("R[{k}][{}]'", j + 1), r, |t| post.apply(t)),
                        None => Vec::new(),
                    }
                };
                self.push(VcKind::Progress, format!("inv{j}"), format!("round{k}"), hyps, concl, (Some(j), Some(k), None));
            }
        }
    }

    fn properties(&mut self) {
        let last = self.alg.spec.invariants.len() - 1;
        let kk = self.alg.phase_len();
        for p in &self.alg.spec.properties {
            let what = id_part(&p.name);
            match p.kind {
                PropertyKind::Safety | PropertyKind::Eventually => {
                    let j = if p.kind == PropertyKind::Safety { 0 } else { last };
                    let hyps = self.inv_at(j, 0);
                    let concl = split(&p.name, &p.pred, Term::clone);
                    self.push(VcKind::Property, what, format!("inv{j}"), hyps, concl, (Some(j), None, Some(p.name.clone())));
                }
                PropertyKind::Transition => {
                    let ren = old_to_pre_and_post(self.alg);
                    for k in 0..kk {
                        let mut hyps = self.inv_at(0, k);
                        hyps.extend(transition(self.alg, k).conjuncts);
                        let concl = split(&p.name, &p.pred, |t| ren.apply(t));
                        self.push(VcKind::Property, what.clone(), format!("round{k}"), hyps, concl, (Some(0), Some(k), Some(p.name.clone())));
                    }
                }
            }
        }
    }

    fn obligations(&mut self) {
        for k in 0..self.alg.phase_len() {
            let tr = transition(self.alg, k);
            for (c, check) in tr.checks.iter().enumerate() {
                let mut hyps = self.inv_at(0, k);
                hyps.extend(tr.conjuncts.clone());
                let what = if tr.checks.len() > 1 { format!("{}_{c}", id_part(&check.label)) } else { id_part(&check.label) };
                self.push(VcKind::Requires, what, format!("round{k}"), hyps, vec![check.clone()], (Some(0), Some(k), None));
            }
            for f in self.alg.fields.iter().filter(|f| f.unsigned) {
                let mut hyps = self.inv_at(0, k);
                hyps.extend(tr.conjuncts.clone());
                let one = unsigned_ok(self.alg, true).into_iter().filter(|l| l.label.contains(&format!("`{}`", f.name))).collect();
                self.push(VcKind::Range, f.name.clone(), format!("round{k}"), hyps, one, (Some(0), Some(k), None));
            }
        }
    }
}

/// `∀i. x(i) ≥ 0` for the unsigned fields (in the post-state if `post`).
fn unsigned_ok(alg: &Algorithm, post: bool) -> Vec<Labeled> {
    let me = names::self_var();
    alg.fields
        .iter()
        .filter(|f| f.unsigned)
        .map(|f| {
            let name = if post { names::post(&f.name) } else { f.name.clone() };
            let t = names::field_fun(&name, &f.sort).at(me.t());
            Labeled::new(format!("`{}` is non-negative", f.name), psync_logic::build::forall(vec![me.clone()], psync_logic::build::ge(t, Term::Int(0))))
        })
        .collect()
}

/// All VCs of an algorithm, in a stable order.
pub fn generate_vcs(alg: &Algorithm) -> Vec<Vc> {
    let mut g = Gen { alg, out: Vec::new() };
    g.init();
    g.inductive();
    g.progress();
    g.properties();
    g.obligations();
    g.out
}
