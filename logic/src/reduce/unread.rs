//! Definitions nothing reads: a top-level conjunct `c = t` or
//! `∀p̄. f(p̄) = t` (the `p̄` distinct process variables, `f` not in `t`)
//! whose symbol occurs in no other conjunct is dropped, and put back when a
//! model is decoded (`f := λp̄. t`).
//!
//! A VC states the post-state of every field and the frame of every
//! constant, read or not: a round that never looks at the coordinator
//! still has `coord.post = coord` inside a phase, and an invariant about
//! `x` still has the updates of the other fields. Each such symbol is a
//! ground term (or a family of them) that every universal is instantiated
//! at and every region group counts, for nothing: the One-Third Rule with a
//! second round had twice the Venn regions of its one-round form and timed
//! out on the step the one-round form proves in a second.
//!
//! Soundness and completeness: dropping a conjunct only weakens the query
//! (every model of the input is one of the output); and every model of the
//! output extends to one of the input by interpreting `f` as `λp̄. t`, which
//! changes nothing else the output reads (`f` occurs nowhere else, and not
//! in `t`). So the two are equisatisfiable, and [`Unread::complete`] turns
//! a model of the output into one of the input. Definitions are dropped
//! one after the other (dropping `f = t` may leave a symbol of `t` unread);
//! they are put back in the reverse order, so that `t` is evaluated once the
//! definitions it reads are back.

use std::collections::HashMap;

use crate::eval::{EvalError, eval_with};
use crate::{Binder, Fun, Model, Op, Sort, Term, Value, Var};

use super::syntax::and;

/// The definitions a query dropped, in the order they were dropped.
#[derive(Clone, Debug, Default)]
pub struct Unread {
    defs: Vec<Definition>,
}

/// `∀params. fun(params) = body`.
#[derive(Clone, Debug)]
struct Definition {
    fun: Fun,
    params: Vec<Var>,
    body: Term,
}

/// The most parameters of a dropped definition: putting it back
/// evaluates its body at every tuple of processes.
const MAX_PARAMS: usize = 2;

/// Drop the top-level definitions of symbols that nothing else in `f` reads.
pub fn drop_definitions(f: &Term) -> (Term, Unread) {
    let mut parts = Vec::new();
    flatten(f, &mut parts);
    let mut uses: HashMap<String, usize> = HashMap::new();
    for p in &parts {
        count_uses(p, &mut uses);
    }
    let mut unread = Unread::default();
    loop {
        let found = parts.iter().enumerate().find_map(|(k, p)| {
            let d = definition(p)?;
            // The definition's own left-hand side is its only use.
            (uses.get(&d.fun.name) == Some(&1)).then_some((k, d))
        });
        let Some((k, d)) = found else { break };
        let dropped = parts.remove(k);
        let mut gone = HashMap::new();
        count_uses(&dropped, &mut gone);
        for (name, c) in gone {
            if let Some(u) = uses.get_mut(&name) {
                *u -= c;
            }
        }
        unread.defs.push(d);
    }
    if unread.defs.is_empty() {
        return (f.clone(), unread);
    }
    (and(parts), unread)
}

impl Unread {
    /// Whether nothing was dropped.
    pub fn is_empty(&self) -> bool {
        self.defs.is_empty()
    }

    /// The names of the symbols whose definitions were dropped.
    pub fn symbols(&self) -> impl Iterator<Item = &str> {
        self.defs.iter().map(|d| d.fun.name.as_str())
    }

    /// Interpret each dropped symbol by its definition in `m` (a model of
    /// the query without them, every other symbol of their bodies
    /// interpreted): then `m` is a model of the query with them.
    pub fn complete(&self, m: &mut Model) -> Result<(), EvalError> {
        for d in self.defs.iter().rev() {
            let mut entries = std::collections::BTreeMap::new();
            for args in tuples(m.n, d.params.len()) {
                let env: Vec<(Var, Value)> = d.params.iter().cloned().zip(args.iter().cloned()).collect();
                let v = eval_with(&d.body, m, &env)?;
                entries.insert(args, v);
            }
            // Every argument is listed: no default.
            m.funs.insert(d.fun.name.clone(), crate::model::FunTable { fun: d.fun.clone(), entries, default: None });
        }
        Ok(())
    }
}

/// Every tuple of `k` processes among `n`.
fn tuples(n: u32, k: usize) -> Vec<Vec<Value>> {
    let mut out = vec![Vec::new()];
    for _ in 0..k {
        out = out
            .into_iter()
            .flat_map(|t| {
                (0..n).map(move |p| {
                    let mut t = t.clone();
                    t.push(Value::Proc(p));
                    t
                })
            })
            .collect();
    }
    out
}

fn flatten(t: &Term, out: &mut Vec<Term>) {
    match t {
        Term::Op(Op::And, ps) => ps.iter().for_each(|p| flatten(p, out)),
        other => out.push(other.clone()),
    }
}

fn count_uses(t: &Term, uses: &mut HashMap<String, usize>) {
    t.visit(&mut |s| {
        if let Term::App(f, _) = s {
            *uses.entry(f.name.clone()).or_default() += 1;
        }
    });
}

/// `p` as a definition `∀params. f(params) = body`, if it is one.
fn definition(p: &Term) -> Option<Definition> {
    let (params, eq) = match p {
        Term::Bind(Binder::Forall, vs, body) => (vs.clone(), body.as_ref()),
        other => (Vec::new(), other),
    };
    if params.len() > MAX_PARAMS || params.iter().any(|v| v.sort != Sort::P) {
        return None;
    }
    let Term::Op(Op::Eq | Op::Iff, ab) = eq else { return None };
    [(&ab[0], &ab[1]), (&ab[1], &ab[0])].into_iter().find_map(|(lhs, rhs)| {
        let Term::App(fun, args) = lhs else { return None };
        let is_params = args.len() == params.len() && args.iter().zip(&params).all(|(a, v)| *a == v.t());
        let reads_itself = rhs.funs().iter().any(|g| g.name == fun.name);
        (is_params && !reads_itself).then(|| Definition { fun: fun.clone(), params: params.clone(), body: rhs.clone() })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::{add, cnst, eq, forall, fun, var};
    use crate::holds;

    /// `coord' = coord ∧ ∀i. y'(i) = x(i) + 1 ∧ x(a) > 0` (nothing reads
    /// `coord'` or `y'`, and then nothing reads `coord`): the last conjunct
    /// stays; a model of it, completed, satisfies the whole.
    #[test]
    fn a_definition_nothing_reads_is_dropped_and_put_back_in_the_model() {
        let (x, y) = (fun("x", vec![Sort::P], Sort::Int), fun("y.post", vec![Sort::P], Sort::Int));
        let (coord, coord_post, a) = (cnst("coord", Sort::P), cnst("coord.post", Sort::P), cnst("a", Sort::P));
        let i = var("i", Sort::P);
        let read = Term::Op(Op::Gt, vec![x.app(vec![a.clone()]), Term::Int(0)]);
        let f = and(vec![
            eq(coord_post, coord),
            forall(vec![i.clone()], eq(y.app(vec![i.t()]), add(x.app(vec![i.t()]), Term::Int(1)))),
            read.clone(),
        ]);
        let (kept, unread) = drop_definitions(&f);
        assert_eq!(kept, read);
        assert_eq!(unread.symbols().collect::<Vec<_>>(), vec!["coord.post", "y.post"]);
        let mut m = Model { n: 2, ..Default::default() };
        m.complete(&[x.clone(), Fun::constant("a", Sort::P), Fun::constant("coord", Sort::P)]);
        m.funs.get_mut("x").unwrap().entries.insert(vec![Value::Proc(1)], Value::Int(7));
        m.funs.get_mut("a").unwrap().default = Some(Value::Proc(1));
        m.funs.get_mut("coord").unwrap().default = Some(Value::Proc(1));
        assert!(holds(&kept, &m).unwrap());
        unread.complete(&mut m).unwrap();
        assert!(holds(&f, &m).unwrap(), "the completed model satisfies the dropped definitions");
    }

    /// The solver's model of the query without the definitions, decoded,
    /// is a model of the whole formula: a satisfiable formula is `Sat`
    /// with the dropped symbols interpreted by their definitions.
    #[test]
    fn a_counterexample_of_the_query_satisfies_the_dropped_definitions() {
        use crate::check::{CheckConfig, CheckResult, check_sat};
        let (x, y) = (fun("x", vec![Sort::P], Sort::Int), fun("y.post", vec![Sort::P], Sort::Int));
        let (coord, coord_post, a) = (cnst("coord", Sort::P), cnst("coord.post", Sort::P), cnst("a", Sort::P));
        let i = var("i", Sort::P);
        let f = and(vec![
            eq(coord_post, coord),
            forall(vec![i.clone()], eq(y.app(vec![i.t()]), add(x.app(vec![i.t()]), Term::Int(1)))),
            Term::Op(Op::Gt, vec![x.app(vec![a]), Term::Int(0)]),
        ]);
        let cfg = CheckConfig { bounded_search: false, ..CheckConfig::default() };
        let checked = check_sat(&f, &cfg, &crate::smt::Z3InProcess::new()).unwrap();
        let CheckResult::Sat(m) = checked.result else { panic!("expected a model, got {:?}", checked.result) };
        assert!(m.funs.contains_key("coord.post") && m.funs.contains_key("y.post"));
        assert!(holds(&f, &m).unwrap());
    }

    /// A definition read elsewhere, one that reads itself, or one at a
    /// data-sorted parameter stays.
    #[test]
    fn definitions_that_are_read_or_not_tabulable_stay() {
        let (x, y) = (fun("x", vec![Sort::P], Sort::Int), fun("y", vec![Sort::P], Sort::Int));
        let g = fun("g", vec![Sort::Int], Sort::Int);
        let (i, v) = (var("i", Sort::P), var("v", Sort::Int));
        let a = cnst("a", Sort::P);
        let read = forall(vec![i.clone()], eq(y.app(vec![i.t()]), x.app(vec![i.t()])));
        let f = and(vec![read.clone(), Term::Op(Op::Gt, vec![y.app(vec![a.clone()]), Term::Int(0)])]);
        assert!(drop_definitions(&f).1.is_empty());
        let recursive = forall(vec![i.clone()], eq(x.app(vec![i.t()]), add(x.app(vec![i.t()]), Term::Int(0))));
        assert!(drop_definitions(&recursive).1.is_empty());
        let at_data = forall(vec![v.clone()], eq(g.app(vec![v.t()]), add(v.t(), Term::Int(1))));
        assert!(drop_definitions(&at_data).1.is_empty());
    }
}
