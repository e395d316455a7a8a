//! Soft sorts: the data values of a query split into *kinds* that never
//! meet, so instantiation does not try a round number where a proposed value
//! is meant.
//!
//! Every data-sorted (`Int` or uninterpreted) position gets a node, and so
//! does every position of an option of data, for its payload (`get(o)` and
//! `Some(v)` have the kind of `o` and `v`): a
//! variable, the result of a function symbol, each argument position of a
//! function symbol, and one node for cardinalities and `n`. Positions that
//! meet — the two sides of `=`, `<`, `≤`, the operands and result of `+`,
//! `-`, `*`, `/`, `mod`, the branches and result of `ite`, an argument and
//! the argument position it fills — are merged (union–find). Two terms of
//! the same sort but different kinds are never compared, added or passed to
//! the same argument anywhere in the query. Integer literals fit every
//! kind.
//!
//! Soundness: only the *choice* of instances depends on kinds, and every
//! instance of a universal is implied by it; leaving some out never turns a
//! satisfiable formula unsatisfiable.

use std::collections::HashMap;

use super::syntax::is_data;
use crate::{Op, Term};

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Node {
    Var(String),
    Ret(String),
    Arg(String, usize),
    Card,
}

/// The kinds of a query's data positions.
#[derive(Debug, Default)]
pub struct Kinds {
    ids: HashMap<Node, usize>,
    parent: Vec<usize>,
}

impl Kinds {
    /// The kinds of the positions of `f`.
    pub fn of(f: &Term) -> Kinds {
        let mut k = Kinds::default();
        k.visit(f);
        k
    }

    fn id(&mut self, n: Node) -> usize {
        if let Some(i) = self.ids.get(&n) {
            return *i;
        }
        let i = self.parent.len();
        self.parent.push(i);
        self.ids.insert(n, i);
        i
    }

    fn find(&self, mut i: usize) -> usize {
        while self.parent[i] != i {
            i = self.parent[i];
        }
        i
    }

    fn union(&mut self, a: Option<usize>, b: Option<usize>) -> Option<usize> {
        match (a, b) {
            (Some(a), Some(b)) => {
                let (ra, rb) = (self.find(a), self.find(b));
                if ra != rb {
                    self.parent[rb] = ra;
                }
                Some(ra)
            }
            (a, None) => a,
            (None, b) => b,
        }
    }

    /// Record the positions of `t`; its own node (`None` for literals and
    /// terms that are not data).
    fn visit(&mut self, t: &Term) -> Option<usize> {
        match t {
            Term::Var(v) => carries_data(&v.sort).then(|| self.id(Node::Var(v.name.clone()))),
            Term::App(f, args) => {
                for (k, a) in args.iter().enumerate() {
                    let mine = self.visit(a);
                    if carries_data(&a.sort()) {
                        let slot = self.id(Node::Arg(f.name.clone(), k));
                        self.union(mine, Some(slot));
                    }
                }
                carries_data(&f.ret).then(|| self.id(Node::Ret(f.name.clone())))
            }
            Term::Bind(_, vs, body) => {
                for v in vs {
                    if carries_data(&v.sort) {
                        self.id(Node::Var(v.name.clone()));
                    }
                }
                self.visit(body);
                None
            }
            Term::Op(op, args) => {
                let kids: Vec<Option<usize>> = args.iter().map(|a| self.visit(a)).collect();
                match op {
                    Op::Card | Op::ProcCount => Some(self.id(Node::Card)),
                    Op::Eq | Op::Lt | Op::Le | Op::Gt | Op::Ge => {
                        kids.into_iter().fold(None, |acc, k| self.union(acc, k));
                        None
                    }
                    Op::Add | Op::Sub | Op::Neg | Op::Mul | Op::Div | Op::Mod => {
                        kids.into_iter().fold(None, |acc, k| self.union(acc, k))
                    }
                    Op::Ite => {
                        let branches = kids.into_iter().skip(1);
                        branches.fold(None, |acc, k| self.union(acc, k))
                    }
                    Op::Some | Op::Get => kids.into_iter().next().flatten(),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// The kind of a term's own position, without recording anything new
    /// (`None`: a literal, a term the query never mentions, or not data).
    fn kind(&self, t: &Term) -> Option<usize> {
        let node = match t {
            Term::Var(v) => Node::Var(v.name.clone()),
            Term::App(f, _) => Node::Ret(f.name.clone()),
            Term::Op(Op::Card | Op::ProcCount, _) => Node::Card,
            Term::Op(Op::Add | Op::Sub | Op::Neg | Op::Mul | Op::Div | Op::Mod, args) => {
                return args.iter().find_map(|a| self.kind(a));
            }
            Term::Op(Op::Ite, args) => return args[1..].iter().find_map(|a| self.kind(a)),
            Term::Op(Op::Some | Op::Get, args) => return args.first().and_then(|a| self.kind(a)),
            _ => return None,
        };
        self.ids.get(&node).map(|i| self.find(*i))
    }

    /// Give the constant `c` the kind of the variable `x` (a placeholder
    /// made for `x`'s kind, which no ground term has).
    pub fn adopt(&mut self, c: &crate::Fun, x: &crate::Var) {
        let (ret, var) = (self.id(Node::Ret(c.name.clone())), self.id(Node::Var(x.name.clone())));
        self.union(Some(ret), Some(var));
    }

    /// Whether the ground term `t` may instantiate the variable `x`: not
    /// data, or of the same kind, or of a kind unknown on either side.
    pub fn fits(&self, x: &crate::Var, t: &Term) -> bool {
        if !is_data(&x.sort) {
            return true;
        }
        match (self.kind(&Term::Var(x.clone())), self.kind(t)) {
            (Some(a), Some(b)) => a == b,
            _ => true,
        }
    }
}

/// Whether a position of sort `s` holds data: a data sort, or an option of
/// one (whose kind is its payload's: `get(o)` and `Some(v)` share it).
fn carries_data(s: &crate::Sort) -> bool {
    match s {
        crate::Sort::Opt(inner) => carries_data(inner),
        s => is_data(s),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Sort;
    use crate::build::{and, cnst, eq, forall, fun, get, not, some, var};

    /// `∀i. vote(i) = Some(x(i))`, `r ≥ 0`, `∀v. get(vote(d)) ≠ v`: the
    /// payload of a vote has the kind of `x`, so `x(d)` may instantiate `v`
    /// and the round number `r` may not.
    #[test]
    fn an_options_payload_has_the_kind_of_the_values_put_in_it() {
        let (x, vote) = (fun("x", vec![Sort::P], Sort::Int), fun("vote", vec![Sort::P], Sort::opt(Sort::Int)));
        let (i, v) = (var("i", Sort::P), var("v", Sort::Int));
        let (d, r) = (cnst("d", Sort::P), cnst("r", Sort::Int));
        let f = and(vec![
            forall(vec![i.clone()], eq(vote.app(vec![i.t()]), some(x.app(vec![i.t()])))),
            crate::Term::Op(crate::Op::Ge, vec![r.clone(), crate::Term::Int(0)]),
            forall(vec![v.clone()], not(eq(get(vote.app(vec![d.clone()])), v.t()))),
        ]);
        let kinds = Kinds::of(&f);
        assert!(kinds.fits(&v, &x.app(vec![d])));
        assert!(!kinds.fits(&v, &r));
    }
}
