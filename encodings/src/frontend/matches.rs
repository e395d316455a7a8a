//! `match` read as the `if let` chain it means: a rewrite of the syntax
//! tree before translation, so every place that reads conditions
//! (`update`, `send`'s outbox, event handlers, the spec) reads a `match`.
//!
//! The arms become conditions tried in order: an arm whose pattern can
//! fail is `if let pat = e` (the patterns of [`super::patterns`]: `Some(p)`,
//! `None`, literals, tuples of them, or-patterns), and `_` or a binding
//! `x` (`{ let x = e; … }`) always holds. A guard nests inside its arm's
//! condition, with the rest of the chain in both `else`s (so the chain
//! grows with the number of guards; at most [`MAX_GUARDS`]). Arms after
//! one that always holds are unreachable (rustc warns) and not read.
//!
//! The chain never falls through silently: the arms must end in one that
//! always holds, or cover `Some(_)` and `None` (or `true` and `false`)
//! with unguarded arms. In the second case the arm that completes the
//! cover is reached only when its pattern matches, so its condition is
//! not tested: a `None` or literal arm is the chain's `else`, and a
//! `Some(p)` arm is `if let Some(p) = e { … } else { <the None arm> }`,
//! whose `else` cannot run.

use syn::spanned::Spanned;
use syn::visit_mut::VisitMut;
use syn::{Expr, Pat};

use super::error::{FeError, FeResult, err_help};
use super::patterns::is_none_pat;

/// The most guarded arms one `match` may have: each guard doubles the
/// arms after it in the chain.
pub const MAX_GUARDS: usize = 4;

/// Rewrite every `match` of `file` (innermost first) into its chain.
pub(crate) fn desugar(file: &mut syn::File) -> FeResult<()> {
    let mut pass = Desugar { error: None };
    pass.visit_file_mut(file);
    match pass.error {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

struct Desugar {
    error: Option<FeError>,
}

impl VisitMut for Desugar {
    fn visit_expr_mut(&mut self, e: &mut Expr) {
        if self.error.is_some() {
            return;
        }
        syn::visit_mut::visit_expr_mut(self, e);
        if let Expr::Match(m) = e {
            match chain(m) {
                Ok(c) => *e = c,
                Err(err) => self.error = Some(err),
            }
        }
    }
}

/// What one arm's pattern tests.
enum Test {
    /// Always holds; binds the pattern (`_`, `x`, `(a, b)`, …) to the value.
    Always(Pat),
    /// `if let` the pattern.
    Refutable(Pat),
}

/// Which cases of the scrutinee the unguarded arms so far cover.
#[derive(Default)]
struct Cover {
    some: bool,
    none: bool,
    yes: bool,
    no: bool,
}

impl Cover {
    fn complete(&self) -> bool {
        (self.some && self.none) || (self.yes && self.no)
    }
}

/// One arm, read: its test, guard and body.
struct Arm<'a> {
    test: Test,
    guard: Option<&'a Expr>,
    body: &'a Expr,
}

fn chain(m: &syn::ExprMatch) -> FeResult<Expr> {
    let scrutinee = &operand(&m.expr);
    let mut arms = Vec::new();
    let mut cover = Cover::default();
    let mut guards = 0;
    // The body of the first unguarded `None` arm: the dead `else` of a
    // completing `Some(p)` arm.
    let mut none_body = None;
    let mut ended = false;
    for arm in &m.arms {
        let (pat, guard) = match &arm.pat {
            Pat::Guard(g) => (&*g.pat, Some(&*g.guard)),
            p => (p, None),
        };
        let pat = strip(pat);
        let test = if irrefutable(pat) { Test::Always(pat.clone()) } else { Test::Refutable(pat.clone()) };
        if let Some(g) = guard {
            guards += 1;
            if guards > MAX_GUARDS {
                return err_help(g.span(), format!("a `match` with more than {MAX_GUARDS} guarded arms"), "one guard too many", "split the `match`, or test the guards with `if` inside fewer arms");
            }
        } else if is_none_pat(pat) {
            cover.none = true;
            none_body.get_or_insert(&*arm.body);
        } else if some_of_anything(pat) {
            cover.some = true;
        } else if let Some(b) = bool_literal(pat) {
            if b { cover.yes = true } else { cover.no = true }
        }
        // An unguarded arm that always holds, or that completes a cover,
        // is the last one reached.
        ended = guard.is_none() && (matches!(test, Test::Always(_)) || cover.complete());
        arms.push(Arm { test, guard, body: &arm.body });
        if ended {
            break;
        }
    }
    if !ended {
        return err_help(
            m.span(),
            "the verifier cannot see that this `match` is exhaustive",
            "no arm for the remaining values",
            "end it with a `_ => …` arm, or cover `Some(_)` and `None` (or `true` and `false`) with unguarded arms",
        );
    }
    let final_arm = arms.pop().expect("the completing arm was pushed");
    let mut rest = match final_arm.test {
        Test::Always(p) => bind(&p, scrutinee, final_arm.body),
        // Completes a cover: reached only where its pattern matches.
        Test::Refutable(p) if some_of_anything(&p) => {
            let dead = none_body.expect("a cover of Some and None has a None arm");
            let (then, els) = (block(final_arm.body), block(dead));
            syn::parse_quote_spanned!(final_arm.body.span()=> if let #p = #scrutinee #then else #els)
        }
        Test::Refutable(_) => block_expr(final_arm.body),
    };
    for arm in arms.into_iter().rev() {
        let then = match arm.guard {
            None => block(arm.body),
            Some(g) => {
                let (body, els) = (block(arm.body), block(&rest));
                block(&syn::parse_quote_spanned!(g.span()=> if #g #body else #els))
            }
        };
        let els = block(&rest);
        rest = match arm.test {
            Test::Always(p) => {
                // Only a guarded arm that always holds gets here.
                let inner = Expr::Block(syn::ExprBlock { attrs: Vec::new(), label: None, block: then });
                bind(&p, scrutinee, &inner)
            }
            Test::Refutable(p) => syn::parse_quote_spanned!(arm.body.span()=> if let #p = #scrutinee #then else #els),
        };
    }
    Ok(rest)
}

/// `e` as it may stand after `if let p =`: parenthesized unless it is a
/// primary expression (`if let true = a && b` would read as a let chain).
fn operand(e: &Expr) -> Expr {
    match e {
        Expr::Path(_) | Expr::MethodCall(_) | Expr::Field(_) | Expr::Call(_) | Expr::Lit(_) | Expr::Paren(_) | Expr::Index(_) | Expr::Tuple(_) => e.clone(),
        e => syn::parse_quote_spanned!(e.span()=> (#e)),
    }
}

/// `pat` without references and parentheses around it.
fn strip(pat: &Pat) -> &Pat {
    match pat {
        Pat::Reference(r) => strip(&r.pat),
        Pat::Paren(p) => strip(&p.pat),
        p => p,
    }
}

/// Whether `pat` matches every value (and only binds).
fn irrefutable(pat: &Pat) -> bool {
    match strip(pat) {
        Pat::Wild(_) => true,
        Pat::Ident(id) => id.subpat.is_none() && !is_none_pat(strip(pat)),
        Pat::Tuple(t) => t.elems.iter().all(irrefutable),
        Pat::Type(t) => irrefutable(&t.pat),
        _ => false,
    }
}

/// `Some(p)` with `p` matching everything.
fn some_of_anything(pat: &Pat) -> bool {
    match strip(pat) {
        Pat::TupleStruct(ts) => ts.path.is_ident("Some") && ts.elems.len() == 1 && irrefutable(&ts.elems[0]),
        _ => false,
    }
}

fn bool_literal(pat: &Pat) -> Option<bool> {
    match strip(pat) {
        Pat::Lit(syn::ExprLit { lit: syn::Lit::Bool(b), .. }) => Some(b.value),
        _ => None,
    }
}

/// `{ let pat = scrutinee; body }`, or `body` when `pat` binds nothing.
fn bind(pat: &Pat, scrutinee: &Expr, body: &Expr) -> Expr {
    if matches!(strip(pat), Pat::Wild(_)) {
        return block_expr(body);
    }
    let body = block(body);
    let stmts = &body.stmts;
    syn::parse_quote_spanned!(pat.span()=> { let #pat = #scrutinee; #(#stmts)* })
}

/// An arm's body as a block (a block body as it is).
fn block(body: &Expr) -> syn::Block {
    match body {
        Expr::Block(b) if b.label.is_none() && b.attrs.is_empty() => b.block.clone(),
        e => syn::parse_quote_spanned!(e.span()=> { #e }),
    }
}

fn block_expr(body: &Expr) -> Expr {
    Expr::Block(syn::ExprBlock { attrs: Vec::new(), label: None, block: block(body) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::ToTokens;

    fn rewritten(src: &str) -> Result<String, String> {
        let mut file: syn::File = syn::parse_str(&format!("fn f() {{ {src} }}")).expect("parses");
        desugar(&mut file).map_err(|e| e.message)?;
        let syn::Item::Fn(f) = &file.items[0] else { unreachable!() };
        Ok(f.block.stmts.iter().map(|s| s.to_token_stream().to_string()).collect::<Vec<_>>().join(" "))
    }

    #[test]
    fn option_arms_become_if_let_with_the_none_arm_as_the_dead_else() {
        let out = rewritten("match o { Some(x) => x + 1, None => 0 }").unwrap();
        assert_eq!(out, "if let Some (x) = o { x + 1 } else { 0 }");
        let out = rewritten("match o { None => 0, Some(x) => x + 1 }").unwrap();
        assert_eq!(out, "if let None = o { 0 } else { if let Some (x) = o { x + 1 } else { 0 } }");
    }

    #[test]
    fn literals_guards_and_a_catch_all_keep_the_order_of_the_arms() {
        let out = rewritten("match k { 0 | 1 => a, n if n > 5 => b, _ => c }").unwrap();
        assert_eq!(out, "if let 0 | 1 = k { a } else { let n = k ; if n > 5 { b } else { c } }");
        let out = rewritten("match b { true => 1, false => 2 }").unwrap();
        assert_eq!(out, "if let true = b { 1 } else { 2 }");
        // A scrutinee that is not a primary expression is parenthesized.
        let out = rewritten("match a && b { true => 1, false => 2 }").unwrap();
        assert_eq!(out, "if let true = (a && b) { 1 } else { 2 }");
        // Nested: the inner `match` is rewritten first.
        let out = rewritten("match o { Some(Some(v)) => match v { 0 => a, _ => b }, _ => c }").unwrap();
        assert_eq!(out, "if let Some (Some (v)) = o { if let 0 = v { a } else { b } } else { c }");
    }

    #[test]
    fn a_match_the_verifier_cannot_see_is_exhaustive_is_an_error() {
        assert!(rewritten("match k { 0 => a, 1 => b }").unwrap_err().contains("exhaustive"));
        // A guarded `None` arm does not complete the cover, nor does `Some(0)`.
        assert!(rewritten("match o { Some(x) => x, None if c => 0 }").unwrap_err().contains("exhaustive"));
        assert!(rewritten("match o { Some(0) => 1, None => 0 }").unwrap_err().contains("exhaustive"));
        let many = "match k { a if a == 1 => 1, b if b == 2 => 2, c if c == 3 => 3, d if d == 4 => 4, e if e == 5 => 5, _ => 0 }";
        assert!(rewritten(many).unwrap_err().contains("guarded arms"));
    }
}
