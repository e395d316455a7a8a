//! Symmetry breaking: the processes of a bounded query in a fixed order.
//!
//! A CL formula cannot name a process: permuting the processes of a model
//! (and with them every symbol's interpretation) gives a model again. So
//! the processes `1 … k-1` may be asserted sorted by their *key*, the
//! tuple of the values of the formula's symbols `P → Int` and `P → Bool`
//! (its process-state fields), compared lexicographically: every model has
//! a permutation that sorts them. Process 0 keeps its place, since the
//! lowering makes it the default process (`get(None)`), which a formula
//! can observe. Sets of processes are not part of the key: a permutation
//! moves their members too.
//!
//! The constraint keeps a query satisfiable exactly when it was, so "no
//! model" stays exact; it spares the solver the `(k-1)!` copies of each
//! candidate when it rules out a size.

use crate::bounded::flat::{self, proc_const};
use crate::bounded::lower::fun_component;
use crate::{Fun, Op, Sort, Term};

/// The order constraints for `k` processes, keyed on the flat symbols of the
/// original symbols `P → Int` and `P → Bool` among `funs` (none when there
/// are none, or fewer than three processes).
pub(crate) fn order_constraints(funs: &[Fun], k: u32) -> Vec<Term> {
    let mut key: Vec<Fun> = funs
        .iter()
        .filter(|f| f.args == [Sort::P] && matches!(f.ret, Sort::Int | Sort::Bool))
        .map(|f| Fun::new(fun_component(&f.name, 0), vec![Sort::P], f.ret.clone()))
        .collect();
    key.sort();
    if key.is_empty() {
        return Vec::new();
    }
    (1..k.saturating_sub(1)).map(|i| lex_le(&key, &proc_const(i), &proc_const(i + 1))).collect()
}

/// `key(a) ≤ key(b)`, lexicographically.
fn lex_le(key: &[Fun], a: &Term, b: &Term) -> Term {
    let Some((f, rest)) = key.split_first() else { return Term::Bool(true) };
    let (x, y) = (f.app(vec![a.clone()]), f.app(vec![b.clone()]));
    let less = match f.ret {
        Sort::Bool => flat::and([flat::not(x.clone()), y.clone()]),
        _ => Term::Op(Op::Lt, vec![x.clone(), y.clone()]),
    };
    if rest.is_empty() {
        return flat::or([less, flat::eq(x, y)]);
    }
    flat::or([less, flat::and([flat::eq(x, y), lex_le(rest, a, b)])])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn processes_after_the_first_are_ordered_by_their_fields() {
        let x = Fun::new("x", vec![Sort::P], Sort::Int);
        let ho = Fun::new("HO", vec![Sort::P], Sort::set(Sort::P));
        let cs = order_constraints(&[x, ho], 4);
        // Pairs (1, 2) and (2, 3); `HO` is not part of the key.
        assert_eq!(cs.len(), 2);
        let text = cs[0].to_string();
        assert!(text.contains("x@0(bnd@p1)") && text.contains("x@0(bnd@p2)") && !text.contains("HO"), "{text}");
        assert!(order_constraints(&[Fun::new("c", vec![], Sort::Int)], 4).is_empty());
    }
}
