//! A disjunction of Z3's tables, looked up instead of walked.
//!
//! Z3 prints a membership relation of a large model as one disjunction of
//! points, `(or (and (= (k!2 x!0) P!val!7) (= x!1 Set_P!val!3)) …)`,
//! hundreds of disjuncts long. Decoding evaluates the relation at every
//! argument tuple: walking the disjunction each time is quadratic in the
//! model (2 s for one table of a 155-process model). Every disjunct pins
//! the same *key* terms to literals, so the disjunction holds exactly when
//! the keys' values are one of the disjuncts' literal tuples: a set.

use std::collections::HashSet;
use std::hash::Hash;

use smt2parser::concrete::Term as PTerm;

use crate::smt::model_text::qual_name;

/// The fewest disjuncts worth an index: a short disjunction is walked.
pub(crate) const MIN_DISJUNCTS: usize = 8;

/// `⋁ₖ ⋀ᵢ keyᵢ = litₖᵢ`, as the keys and the set of literal tuples.
#[derive(Debug)]
pub(crate) struct DisjunctIndex<V> {
    keys: Vec<PTerm>,
    points: HashSet<Vec<V>>,
}

impl<V: Eq + Hash> DisjunctIndex<V> {
    /// The index of `disjuncts` if every one is a conjunction of equalities
    /// (or one equality) between the same key terms, in any order, and
    /// literals; `literal` gives the value of a closed term and `None` for
    /// a term that depends on the definition's parameters. The first side of
    /// an equality whose both sides are closed is taken as its key (its
    /// value is then the same at every argument).
    pub(crate) fn build(disjuncts: &[PTerm], literal: impl Fn(&PTerm) -> Option<V>) -> Option<Self> {
        let mut keys: Vec<PTerm> = Vec::new();
        let mut points = HashSet::with_capacity(disjuncts.len());
        for d in disjuncts {
            let conjuncts: &[PTerm] = match application(d) {
                Some(("and", cs)) => cs,
                _ => std::slice::from_ref(d),
            };
            let mut point: Vec<Option<V>> = Vec::new();
            point.resize_with(conjuncts.len(), || None);
            if keys.is_empty() {
                keys = conjuncts.iter().map(|c| equality(c, &literal).map(|(k, _)| k.clone())).collect::<Option<_>>()?;
            }
            if conjuncts.len() != keys.len() {
                return None;
            }
            for c in conjuncts {
                let (key, value) = equality(c, &literal)?;
                let at = keys.iter().position(|k| k == key)?;
                if point[at].replace(value).is_some() {
                    return None;
                }
            }
            points.insert(point.into_iter().collect::<Option<Vec<V>>>()?);
        }
        Some(DisjunctIndex { keys, points })
    }

    /// The key terms, in the order of a point's values.
    pub(crate) fn keys(&self) -> &[PTerm] {
        &self.keys
    }

    /// Whether the disjunction holds where the keys have `values`.
    pub(crate) fn holds(&self, values: &[V]) -> bool {
        self.points.contains(values)
    }
}

/// `(name args…)` of an application term.
fn application(t: &PTerm) -> Option<(&str, &[PTerm])> {
    let PTerm::Application { qual_identifier, arguments } = t else { return None };
    Some((qual_name(qual_identifier).ok()?, arguments.as_slice()))
}

/// `(= key lit)` or `(= lit key)`: the key term and the literal's value.
fn equality<'t, V>(t: &'t PTerm, literal: &impl Fn(&PTerm) -> Option<V>) -> Option<(&'t PTerm, V)> {
    let Some(("=", [a, b])) = application(t) else { return None };
    match literal(b) {
        Some(v) => Some((a, v)),
        None => literal(a).map(|v| (b, v)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use smt2parser::{CommandStream, concrete};

    /// The body of the one `define-fun` of `text`.
    fn body(text: &str) -> PTerm {
        let mut cmds = CommandStream::new(text.as_bytes(), concrete::SyntaxBuilder, None);
        match cmds.next() {
            Some(Ok(concrete::Command::DefineFun { term, .. })) => term,
            other => panic!("not a definition: {other:?}"),
        }
    }

    /// Numerals are the literals; anything else depends on the parameters.
    fn numeral(t: &PTerm) -> Option<u64> {
        match t {
            PTerm::Constant(concrete::Constant::Numeral(n)) => n.to_string().parse().ok(),
            _ => None,
        }
    }

    fn disjuncts(t: &PTerm) -> &[PTerm] {
        match application(t) {
            Some(("or", ds)) => ds,
            _ => panic!("not a disjunction"),
        }
    }

    #[test]
    fn points_over_the_same_keys_in_any_order_are_indexed() {
        let t = body("(define-fun r ((x!0 Int) (x!1 Int)) Bool (or (and (= (k x!0) 1) (= x!1 2)) (and (= 3 x!1) (= (k x!0) 4)) (= x!1 5)))");
        assert!(DisjunctIndex::build(disjuncts(&t), numeral).is_none(), "the last disjunct pins one key only");
        let t = body("(define-fun r ((x!0 Int) (x!1 Int)) Bool (or (and (= (k x!0) 1) (= x!1 2)) (and (= 3 x!1) (= (k x!0) 4))))");
        let index = DisjunctIndex::build(disjuncts(&t), numeral).expect("two points");
        assert_eq!(index.keys().len(), 2);
        assert!(index.holds(&[1, 2]));
        assert!(index.holds(&[4, 3]), "the second disjunct, its equalities reordered");
        assert!(!index.holds(&[1, 3]));
        assert!(!index.holds(&[2, 1]));
    }

    #[test]
    fn a_disjunct_that_is_no_point_leaves_the_disjunction_unindexed() {
        for text in [
            "(define-fun r ((x!0 Int)) Bool (or (= x!0 1) (< x!0 0)))",
            "(define-fun r ((x!0 Int)) Bool (or (= x!0 1) (= x!0 x!1)))",
            "(define-fun r ((x!0 Int) (x!1 Int)) Bool (or (= x!0 1) (= x!1 2)))",
            "(define-fun r ((x!0 Int)) Bool (or (and (= x!0 1) (= x!0 2)) (= x!0 3)))",
        ] {
            let t = body(text);
            assert!(DisjunctIndex::build(disjuncts(&t), numeral).is_none(), "{text}");
        }
    }
}
