//! Verification conditions: the PSync proof scheme over the IR.
//!
//! Every VC is an entailment `H ⇒ C` checked as `unsat(H ∧ ¬C)`; both sides
//! are kept as labelled conjuncts so a counterexample can say which
//! hypothesis shaped it and which conclusion conjunct it violates.

mod rename;
mod scheme;
mod transition;

use psync_logic::{Op, Term};

/// Most hypothesis cases a VC is split into (see [`Vc::parts`]).
pub const MAX_CASES: usize = 4;

use crate::terms;

pub use rename::{Renaming, init_to_pre, old_to_pre_and_post, to_post};
pub use scheme::generate_vcs;
pub use transition::{ALTERED_LABEL, Transition, altered_within_heard, initial, reachable_facts, state_facts, transition};

/// A formula with a human-readable label.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Labeled {
    /// What it is ("update of `x` in Vote", "Inv_0 [2/3]: …").
    pub label: String,
    /// The formula.
    pub term: Term,
}

impl Labeled {
    /// A labelled formula.
    pub fn new(label: impl Into<String>, term: Term) -> Labeled {
        Labeled { label: label.into(), term }
    }
}

/// The kind of a VC.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub enum VcKind {
    /// The initial states satisfy `Inv_0`.
    Init,
    /// Round `k` preserves invariant `j` (with the round invariants mid-phase).
    Inductive,
    /// Under liveness predicate `L_j`, round `k` makes progress from `Inv_j` towards `Inv_{j+1}`.
    Progress,
    /// A named property follows.
    Property,
    /// A helper's precondition holds where it is called.
    Requires,
    /// An unsigned field stays non-negative.
    Range,
}

impl VcKind {
    /// The kind as it appears in VC ids.
    pub fn as_str(self) -> &'static str {
        match self {
            VcKind::Init => "init",
            VcKind::Inductive => "inductive",
            VcKind::Progress => "progress",
            VcKind::Property => "property",
            VcKind::Requires => "requires",
            VcKind::Range => "range",
        }
    }
}

/// One verification condition.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Vc {
    /// Stable id `algorithm/kind/what/where`, e.g. `otr/inductive/inv0/round0`.
    pub id: String,
    /// Its kind.
    pub kind: VcKind,
    /// The invariant it is about, if any.
    pub invariant: Option<usize>,
    /// The round of the phase whose transition it contains, if any.
    pub round: Option<usize>,
    /// The property it is about, if any.
    pub property: Option<String>,
    /// Whether the formula speaks about a post-state (it contains a transition).
    pub has_post: bool,
    /// Hypotheses `H`, conjunct by conjunct.
    pub hypotheses: Vec<Labeled>,
    /// Conclusion `C`, conjunct by conjunct (never empty: `true` when trivial).
    pub conclusion: Vec<Labeled>,
}

impl Vc {
    /// `⋀ H`.
    pub fn hypothesis(&self) -> Term {
        terms::and(self.hypotheses.iter().map(|h| h.term.clone()).collect())
    }

    /// `⋀ C`.
    pub fn goal(&self) -> Term {
        terms::and(self.conclusion.iter().map(|c| c.term.clone()).collect())
    }

    /// The formula to refute: `H ∧ ¬C` (valid VC ⇔ unsatisfiable).
    pub fn formula(&self) -> Term {
        psync_logic::build::and(vec![self.hypothesis(), terms::not(self.goal())])
    }

    /// [`Vc::formula`] as a query for the solver or the bounded search:
    /// [`crate::distinct::lower`]ed, satisfiable iff the formula is, and
    /// each of its models (restricted to the formula's symbols) is one of
    /// the formula.
    pub fn query(&self) -> Term {
        crate::distinct::lower(&self.formula())
    }

    /// The VC as independent queries: one per conclusion conjunct `C_k`
    /// and per case of the hypotheses' top-level disjunctions (split in
    /// order while there are at most [`MAX_CASES`] cases). `H ∧ ¬C` is
    /// unsatisfiable iff every part is, and a model of a part is a model of
    /// [`Vc::formula`]: each part implies it. Smaller queries are easier
    /// for the reduction and the solver, and a refutation names its part.
    /// Each part is [`crate::distinct::lower`]ed (counts of values become
    /// counts of representative processes), which keeps both facts.
    pub fn parts(&self) -> Vec<Term> {
        let mut cases: Vec<Vec<Term>> = vec![Vec::new()];
        for h in &self.hypotheses {
            match &h.term {
                // (An empty disjunction stays whole: the solver sees it.)
                Term::Op(Op::Or, ds) if !ds.is_empty() && cases.len() * ds.len() <= MAX_CASES => {
                    cases = cases
                        .iter()
                        .flat_map(|c| {
                            ds.iter().map(move |d| {
                                let mut c = c.clone();
                                c.push(d.clone());
                                c
                            })
                        })
                        .collect();
                }
                t => cases.iter_mut().for_each(|c| c.push(t.clone())),
            }
        }
        let mut out = Vec::new();
        for c in &self.conclusion {
            for hs in &cases {
                out.push(crate::distinct::lower(&psync_logic::build::and(vec![
                    terms::and(hs.clone()),
                    terms::not(c.term.clone()),
                ])));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use psync_logic::{Model, Sort, build, holds};

    fn atom(name: &str) -> Term {
        build::cnst(name, Sort::Bool)
    }

    fn vc(hypotheses: Vec<Term>, conclusion: Vec<Term>) -> Vc {
        Vc {
            id: "t/inductive/inv0/round0".into(),
            kind: VcKind::Inductive,
            invariant: Some(0),
            round: Some(0),
            property: None,
            has_post: false,
            hypotheses: hypotheses.into_iter().map(|t| Labeled::new("h", t)).collect(),
            conclusion: conclusion.into_iter().map(|t| Labeled::new("c", t)).collect(),
        }
    }

    /// Every assignment of the atoms: the formula is satisfied exactly when
    /// some part is (so "every part unsat" is "the VC holds"), and every
    /// part implies the formula (so a part's model is a counterexample).
    fn parts_agree_with_formula(v: &Vc, names: &[&str]) {
        let parts = v.parts();
        for bits in 0..(1u32 << names.len()) {
            let mut m = Model { n: 1, ..Default::default() };
            let funs: Vec<_> = names.iter().map(|n| build::fun(n, vec![], Sort::Bool)).collect();
            m.complete(&funs);
            for (k, n) in names.iter().enumerate() {
                m.funs.get_mut(*n).expect("completed").default = Some(psync_logic::Value::Bool(bits & (1 << k) != 0));
            }
            let whole = holds(&v.formula(), &m).expect("closed");
            let some_part = parts.iter().any(|p| holds(p, &m).expect("closed"));
            assert_eq!(whole, some_part, "assignment {bits:b}");
            for p in &parts {
                assert!(!holds(p, &m).expect("closed") || whole, "a part holds where the VC's negation does not");
            }
        }
    }

    #[test]
    fn parts_split_conclusions_and_hypothesis_cases() {
        let v = vc(
            vec![build::or(vec![atom("a"), atom("b")]), atom("c")],
            vec![atom("d"), atom("e")],
        );
        assert_eq!(v.parts().len(), 4, "2 conclusion conjuncts × 2 cases");
        parts_agree_with_formula(&v, &["a", "b", "c", "d", "e"]);
    }

    #[test]
    fn cases_are_capped_and_empty_disjunctions_stay_whole() {
        let three = |x: &str| build::or(vec![atom(&format!("{x}1")), atom(&format!("{x}2")), atom(&format!("{x}3"))]);
        let v = vc(vec![three("a"), three("b")], vec![atom("d")]);
        // 3 cases, then 3 × 3 > MAX_CASES: the second disjunction stays whole.
        assert_eq!(v.parts().len(), 3);
        parts_agree_with_formula(&v, &["a1", "a2", "a3", "b1", "b2", "b3", "d"]);
        let empty = vc(vec![Term::Op(Op::Or, Vec::new())], vec![atom("d")]);
        assert_eq!(empty.parts().len(), 1, "a false hypothesis still reaches the solver");
    }
}
