//! Pass 5: congruence closure of the ground terms, in an `egg` e-graph.
//!
//! Every ground non-boolean subterm is added (with the instantiation depth
//! at which it appeared); the ground equalities asserted at the top level
//! are merged. Later passes ask for "the ground terms of sort S modulo
//! equality" (instantiation candidates, Venn sets) and whether a term is
//! already known (local instantiation).
//!
//! Soundness: the e-graph only *selects* terms; merging classes by asserted
//! equalities means fewer (never wrong) instances are generated.

use std::collections::{BTreeMap, HashMap, HashSet};

use egg::{EGraph, Id, Language};

use super::syntax::{self, is_ground};
use crate::{Fun, Op, Sort, Term, Var};

/// Head symbol of an e-node.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Head {
    Fun(Fun),
    Op(Op),
    Int(i64),
    Bool(bool),
}

/// An e-node: an interned head symbol and the classes of the arguments.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Node {
    head: u32,
    children: Vec<Id>,
}

impl Language for Node {
    type Discriminant = u32;
    fn discriminant(&self) -> u32 {
        self.head
    }
    fn matches(&self, other: &Self) -> bool {
        self.head == other.head && self.children.len() == other.children.len()
    }
    fn children(&self) -> &[Id] {
        &self.children
    }
    fn children_mut(&mut self) -> &mut [Id] {
        &mut self.children
    }
}

/// The ground terms of a formula modulo its asserted ground equalities.
pub struct Congruence {
    egraph: EGraph<Node, ()>,
    heads: HashMap<Head, u32>,
    /// Every term added, with its class and depth, in insertion order.
    added: Vec<(Term, Id, usize)>,
    index: HashMap<Term, Id>,
}

impl Default for Congruence {
    fn default() -> Self {
        Congruence {
            egraph: EGraph::new(()),
            heads: HashMap::new(),
            added: Vec::new(),
            index: HashMap::new(),
        }
    }
}

fn head_of(t: &Term) -> Option<Head> {
    Some(match t {
        Term::App(f, _) => Head::Fun(f.clone()),
        Term::Op(op, _) => Head::Op(op.clone()),
        Term::Int(k) => Head::Int(*k),
        Term::Bool(b) => Head::Bool(*b),
        _ => return None,
    })
}

impl Congruence {
    fn intern(&mut self, h: Head) -> u32 {
        let next = self.heads.len() as u32;
        *self.heads.entry(h).or_insert(next)
    }

    /// Add a ground term and its subterms; returns its class.
    pub fn add(&mut self, t: &Term, depth: usize) -> Id {
        if let Some(id) = self.index.get(t) {
            return *id;
        }
        let children: Vec<Id> = t.children().iter().map(|c| self.add(c, depth)).collect();
        let head = self.intern(head_of(t).expect("only ground terms are added"));
        let id = self.egraph.add(Node { head, children });
        self.index.insert(t.clone(), id);
        self.added.push((t.clone(), id, depth));
        id
    }

    /// How many terms were added (each once; not modulo equality).
    pub fn len(&self) -> usize {
        self.added.len()
    }

    /// Whether no term was added.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty()
    }

    /// Add every ground non-boolean subterm of `f` at `depth`.
    pub fn add_ground_terms(&mut self, f: &Term, depth: usize) {
        for t in ground_terms(f) {
            self.add(&t, depth);
        }
    }

    /// Merge the classes of the ground equalities among the top-level conjuncts of `f`.
    pub fn merge_asserted(&mut self, f: &Term) {
        let parts = syntax::conjuncts(f.clone());
        for p in parts {
            if let Term::Op(Op::Eq, ab) = &p
                && ab[0].sort() != Sort::Bool
                && is_ground(&p)
            {
                let (a, b) = (self.add(&ab[0], 0), self.add(&ab[1], 0));
                self.egraph.union(a, b);
            }
        }
        self.egraph.rebuild();
    }

    /// The class of `t` if `t` (modulo congruence) is already in the e-graph.
    pub fn lookup(&self, t: &Term) -> Option<Id> {
        if let Some(id) = self.index.get(t) {
            return Some(self.egraph.find(*id));
        }
        let children = t
            .children()
            .iter()
            .map(|c| self.lookup(c))
            .collect::<Option<Vec<Id>>>()?;
        let head = *self.heads.get(&head_of(t)?)?;
        self.egraph.lookup(Node { head, children })
    }

    /// Whether every term of [`ground_terms`]`(f)` is in the e-graph (without
    /// collecting them: stops at the first one that is not).
    pub fn knows_ground_terms_of(&self, f: &Term) -> bool {
        each_ground_term(f, &mut |t| self.lookup(t).is_some())
    }

    /// [`Congruence::knows_ground_terms_of`]`(&t.subst(sigma))`, without
    /// building the instance: the instantiation pass asks this of every
    /// candidate tuple of a universal and keeps few of them, and building
    /// each instance was most of its time.
    pub fn knows_ground_terms_of_instance(&self, t: &Term, sigma: &[(Var, Term)]) -> bool {
        // With ground terms for the variables, substitution renames no
        // binder; otherwise, the instance itself.
        if !sigma.iter().all(|(_, s)| is_ground(s)) {
            return self.knows_ground_terms_of(&t.subst(sigma));
        }
        self.knows_under(t, sigma)
    }

    /// [`Congruence::knows_ground_terms_of_instance`] with ground `sigma`,
    /// walking `t` as [`each_ground_term`] walks its instance.
    fn knows_under(&self, t: &Term, sigma: &[(Var, Term)]) -> bool {
        let image = |v: &Var| sigma.iter().find(|(w, _)| w == v).map(|(_, s)| s);
        // Ground once substituted: no binder, every variable substituted.
        let ground = |t: &Term| {
            let mut ground = true;
            t.visit(&mut |s| match s {
                Term::Bind(..) => ground = false,
                Term::Var(v) if image(v).is_none() => ground = false,
                _ => {}
            });
            ground
        };
        let known = |t: &Term| self.lookup(&t.subst(sigma)).is_some();
        match t {
            // The substituted term is walked where the variable was.
            Term::Var(v) => image(v).is_none_or(|s| self.knows_ground_terms_of(s)),
            Term::App(_, args) => {
                for a in args {
                    let literal = match a {
                        Term::Int(_) => Some(a),
                        Term::Var(v) => image(v).filter(|s| matches!(s, Term::Int(_))),
                        _ => None,
                    };
                    if literal.is_some_and(|l| self.lookup(l).is_none()) {
                        return false;
                    }
                }
                if t.sort() != Sort::Bool && ground(t) && !known(t) {
                    return false;
                }
                args.iter().all(|a| self.knows_under(a, sigma))
            }
            Term::Op(op, args) => {
                if t.sort() != Sort::Bool && !matches!(op, Op::Ite) && ground(t) && !known(t) {
                    return false;
                }
                args.iter().all(|a| self.knows_under(a, sigma))
            }
            Term::Bind(_, vs, body) => {
                let inner: Vec<(Var, Term)> = sigma.iter().filter(|(w, _)| !vs.contains(w)).cloned().collect();
                self.knows_under(body, &inner)
            }
            _ => true,
        }
    }

    /// Whether two ground terms are known equal.
    pub fn same(&self, a: &Term, b: &Term) -> bool {
        matches!((self.lookup(a), self.lookup(b)), (Some(x), Some(y)) if x == y)
    }

    /// The processes the input names: the representatives of sort `P` at
    /// depth 0 (its ground process terms and Skolem constants).
    pub fn named_processes(&self) -> Vec<Term> {
        self.representatives(&Sort::P).into_iter().filter(|(_, depth)| *depth == 0).map(|(t, _)| t).collect()
    }

    /// One representative per class of sort `sort` (the shallowest, then
    /// smallest term), with the class depth; deterministic order.
    pub fn representatives(&self, sort: &Sort) -> Vec<(Term, usize)> {
        let mut best: BTreeMap<Id, (usize, usize, Term)> = BTreeMap::new();
        for (t, id, depth) in &self.added {
            if &t.sort() != sort {
                continue;
            }
            let class = self.egraph.find(*id);
            let cand = (*depth, t.size(), t.clone());
            match best.get(&class) {
                Some(cur) if cur <= &cand => {}
                _ => {
                    best.insert(class, cand);
                }
            }
        }
        let mut out: Vec<(Term, usize)> = best.into_values().map(|(d, _, t)| (t, d)).collect();
        out.sort_by(|a, b| (a.1, a.0.size(), &a.0).cmp(&(b.1, b.0.size(), &b.0)));
        out
    }

    /// The applications of `f` in the e-graph, one per class, in insertion order.
    pub fn apps_of(&self, f: &Fun) -> Vec<Term> {
        let mut classes = Vec::new();
        let mut out = Vec::new();
        for (t, id, _) in &self.added {
            if let Term::App(g, _) = t
                && g == f
            {
                let class = self.egraph.find(*id);
                if !classes.contains(&class) {
                    classes.push(class);
                    out.push(t.clone());
                }
            }
        }
        out
    }

    /// The integer literals that occur as arguments of uninterpreted symbols
    /// (the only literals worth instantiating with: `3` in `3·|A|` is not).
    pub fn literal_arguments(&self) -> Vec<Term> {
        let mut out: Vec<Term> = Vec::new();
        for (t, _, _) in &self.added {
            if let Term::App(_, args) = t {
                for a in args {
                    if matches!(a, Term::Int(_)) && !out.contains(a) {
                        out.push(a.clone());
                    }
                }
            }
        }
        out
    }

    /// The sorts of all terms in the e-graph.
    pub fn sorts(&self) -> Vec<Sort> {
        let mut out: Vec<Sort> = self.added.iter().map(|(t, _, _)| t.sort()).collect();
        out.sort();
        out.dedup();
        out
    }
}

/// The ground subterms of `f` that are terms (not formulas) and not literals
/// of `Int`/`Bool`, plus the integer literals used as arguments of symbols;
/// each once, in the order of a pre-order walk.
pub fn ground_terms(f: &Term) -> Vec<Term> {
    let mut found: Vec<&Term> = Vec::new();
    // A set beside the list: a linear search of the list for every subterm
    // was quadratic, and the largest cost of the instantiation pass.
    let mut seen: HashSet<&Term> = HashSet::new();
    each_ground_term(f, &mut |t| {
        if seen.insert(t) {
            found.push(t);
        }
        true
    });
    found.into_iter().cloned().collect()
}

/// Call `visit` on every term [`ground_terms`] collects, in its order and
/// with repetitions, until `visit` answers `false`; whether it never did.
fn each_ground_term<'a>(t: &'a Term, visit: &mut impl FnMut(&'a Term) -> bool) -> bool {
    let keep = match t {
        Term::App(_, args) => {
            for a in args {
                if matches!(a, Term::Int(_)) && !visit(a) {
                    return false;
                }
            }
            t.sort() != Sort::Bool
        }
        Term::Op(op, _) => t.sort() != Sort::Bool && !matches!(op, Op::Ite),
        _ => false,
    };
    if keep && is_ground(t) && !visit(t) {
        return false;
    }
    t.children().iter().all(|c| each_ground_term(c, visit))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::{add, eq, forall, fun, int, var};

    /// The check without building the instance agrees with the check of the
    /// built instance: binders that shadow a substituted variable, integer
    /// arguments (literal and substituted), a Bool-sorted application,
    /// arithmetic, and substituted terms that are and are not known.
    #[test]
    fn checking_an_instance_in_place_agrees_with_building_it() {
        let (f, g, p) = (fun("f", vec![Sort::P, Sort::Int], Sort::Int), fun("g", vec![Sort::P], Sort::P), fun("p", vec![Sort::Int], Sort::Bool));
        let (a, b) = (Term::App(fun("a", vec![], Sort::P), vec![]), Term::App(fun("b", vec![], Sort::P), vec![]));
        let (x, v) = (var("x", Sort::P), var("v", Sort::Int));
        let mut cc = Congruence::default();
        for t in [Term::App(f.clone(), vec![a.clone(), int(1)]), Term::App(g.clone(), vec![a.clone()]), int(2), b.clone()] {
            cc.add(&t, 0);
        }
        let fxv = Term::App(f.clone(), vec![x.t(), v.t()]);
        let bodies = [
            eq(fxv.clone(), int(0)),
            eq(Term::App(f.clone(), vec![Term::App(g.clone(), vec![x.t()]), int(1)]), add(v.t(), int(1))),
            Term::App(p.clone(), vec![v.t()]),
            eq(x.t(), b.clone()),
            forall(vec![x.clone()], eq(fxv.clone(), Term::App(f.clone(), vec![a.clone(), v.t()]))),
            forall(vec![v.clone()], eq(Term::App(g.clone(), vec![x.t()]), x.t())),
        ];
        let points = [a.clone(), b.clone(), Term::App(g.clone(), vec![a.clone()]), Term::App(g.clone(), vec![b.clone()])];
        let values = [int(1), int(2), int(3), Term::App(f.clone(), vec![a.clone(), int(1)])];
        let (mut known, mut unknown) = (0, 0);
        for body in &bodies {
            for pt in &points {
                for val in &values {
                    let sigma = vec![(x.clone(), pt.clone()), (v.clone(), val.clone())];
                    let want = cc.knows_ground_terms_of(&body.subst(&sigma));
                    assert_eq!(cc.knows_ground_terms_of_instance(body, &sigma), want, "{body} at {pt}, {val}");
                    if want { known += 1 } else { unknown += 1 }
                }
            }
        }
        assert!(known > 0 && unknown > 0, "both answers occur ({known} known, {unknown} not)");
    }
}
