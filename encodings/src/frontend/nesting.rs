//! A bound on how deeply a spec nests, checked on the token trees before
//! `syn` parses them.
//!
//! `syn` parses nested parentheses, prefix operators (`!`, `-`, `*`, `&`),
//! closures and `return`s by recursion, and builds left-nested trees for
//! chains of binary operators, method calls, fields, casts and indexing,
//! which it drops by recursion; the translator, the VC generator and every
//! pass over the resulting terms recurse over them too. `proc_macro2`'s
//! tokenizer is iterative, so the nesting is measured on its token trees with
//! an explicit stack, and a file nesting deeper than [`MAX_NESTING`] is
//! rejected, with its location, before any of those passes sees it.
//!
//! The measure, `depth`, bounds the depth of every syntax tree `syn` can
//! build from the tokens (up to the few tree levels one token makes). Within
//! one delimited group, the tokens form *runs*, separated by `;` and by a
//! `{…}` group followed by an identifier other than `else` and `as` or by an
//! attribute's `#`: no expression, type or pattern continues past those.
//! Every tree level inside a run is made by one of its tokens: a punctuation
//! character (`,` excepted: it separates siblings), a keyword, or a group.
//! So `depth(run)` is the number of such tokens in the run plus the deepest
//! `depth` of a group in it, and a group's `depth` is the largest of its
//! runs'. This over-counts (`a.x == b.x && …` counts 6 per conjunct), which
//! costs nothing at the bound chosen: the benchmark specs measure 44 (OTR)
//! and 62 (LastVoting).

use proc_macro2::{Delimiter, Span, TokenStream, TokenTree, token_stream};

use super::error::{FeResult, err_help};

/// The deepest nesting a spec may have, in the measure of this module.
///
/// Far above what a spec writes (the benchmarks measure 44 and 62), and far
/// below what the passes over the syntax and the terms survive on the
/// stacks they run on: the front end runs on a thread of
/// [`super::FRONT_END_STACK`] bytes, the VC generator on the caller's
/// thread, the reduction and the solvers on threads of 64 MB.
pub const MAX_NESTING: usize = 256;

/// Keywords that make a tree level without a punctuation character
/// (`return x`, `x as T`, `else if`, `box x`, …); counting all of them is
/// only conservative.
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "do", "dyn", "else", "enum",
    "extern", "final", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "macro", "match", "mod", "move", "mut",
    "override", "priv", "pub", "raw", "ref", "return", "safe", "static", "struct", "trait", "try", "type", "typeof",
    "union", "unsafe", "unsized", "use", "virtual", "where", "while", "yield", "default",
];

/// One delimited group being measured.
struct Level {
    tokens: token_stream::IntoIter,
    /// The sum of the enclosing runs' counts so far: with this level's own
    /// count, a lower bound of the whole file's depth that only grows.
    outer: usize,
    /// Tokens of the current run that make a tree level.
    run: usize,
    /// The deepest group of the current run, plus one.
    run_child: usize,
    /// The deepest finished run.
    best: usize,
    /// Whether the previous token was a `{…}` group.
    after_brace: bool,
}

impl Level {
    fn new(tokens: TokenStream, outer: usize) -> Level {
        Level { tokens: tokens.into_iter(), outer, run: 0, run_child: 0, best: 0, after_brace: false }
    }

    fn end_run(&mut self) {
        self.best = self.best.max(self.run + self.run_child);
        self.run = 0;
        self.run_child = 0;
    }

    /// This level's depth so far.
    fn depth(&self) -> usize {
        self.best.max(self.run + self.run_child)
    }

    /// The lower bound of the file's depth this level gives.
    fn bound(&self) -> usize {
        self.outer + self.run + self.run_child
    }
}

/// Whether `t` starts a new run after a `{…}` group.
fn starts_run_after_brace(t: &TokenTree) -> bool {
    match t {
        TokenTree::Ident(i) => i != "else" && i != "as",
        TokenTree::Punct(p) => p.as_char() == '#',
        _ => false,
    }
}

/// The nesting depth of `tokens`, or an error at the first token where it
/// exceeds `limit`.
pub fn check_nesting(tokens: TokenStream, limit: usize) -> FeResult<usize> {
    let mut stack = vec![Level::new(tokens, 0)];
    loop {
        let top = stack.last_mut().expect("the file's level is never popped here");
        let Some(t) = top.tokens.next() else {
            let done = stack.pop().expect("non-empty");
            let depth = done.depth();
            let Some(parent) = stack.last_mut() else { return Ok(depth) };
            parent.run_child = parent.run_child.max(depth);
            continue;
        };
        if top.after_brace && starts_run_after_brace(&t) {
            top.end_run();
        }
        top.after_brace = false;
        let at: Span = t.span();
        match t {
            TokenTree::Punct(p) if p.as_char() == ';' => top.end_run(),
            TokenTree::Punct(p) if p.as_char() == ',' => {}
            TokenTree::Punct(_) => top.run += 1,
            TokenTree::Ident(i) if KEYWORDS.iter().any(|k| i == k) => top.run += 1,
            TokenTree::Ident(_) | TokenTree::Literal(_) => {}
            TokenTree::Group(g) => {
                top.run += 1;
                top.after_brace = g.delimiter() == Delimiter::Brace;
                let outer = top.outer + top.run;
                stack.push(Level::new(g.stream(), outer));
            }
        }
        let top = stack.last().expect("non-empty");
        if top.bound() > limit {
            return err_help(
                at,
                format!("this spec nests deeper than the verifier accepts (more than {limit} levels)"),
                "nesting limit reached here",
                "split the expression: bind parts to `let`s, or use a helper predicate; \
                 the limit counts nested groups, prefix operators and chained operators or method calls",
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn depth(src: &str) -> usize {
        check_nesting(src.parse().expect("lexes"), usize::MAX).expect("no limit")
    }

    #[test]
    fn groups_prefix_operators_and_chains_all_count() {
        assert_eq!(depth("x"), 0);
        assert_eq!(depth("(x)"), 1);
        assert_eq!(depth("((x))"), 2);
        assert_eq!(depth("!!x"), 2);
        assert_eq!(depth("a && b && c"), 4);
        assert_eq!(depth("a.f().g()"), 4);
        assert_eq!(depth("a[0][0][0]"), 3);
        assert_eq!(depth("return return x"), 2);
        assert_eq!(depth("x as i64 as i64"), 2);
    }

    #[test]
    fn siblings_do_not_add_up() {
        assert_eq!(depth("f(a, b, c)"), 1, "commas separate siblings");
        assert_eq!(depth("!a; !b; !c;"), 1, "statements are siblings");
        assert_eq!(depth("fn f() { !a } fn g() { !b }"), depth("fn f() { !a }"), "items are siblings");
        assert!(depth("if a { b } else if c { d } else { e }") > depth("if a { b }"), "else-if chains nest");
    }

    #[test]
    fn the_limit_is_reported_where_it_is_reached() {
        let src = format!("fn f() {{ {}x }}", "!".repeat(300));
        let e = check_nesting(src.parse().unwrap(), 100).expect_err("too deep");
        let col = e.span.start().column;
        // `fn f() { ` is 9 characters.
        assert!(col > 9 && col < 9 + 100, "at the `!` that crosses the limit, not at the end: {col}");
    }

    #[test]
    fn the_benchmarks_nest_far_below_the_limit() {
        for name in ["otr", "last_voting"] {
            let path = format!("{}/../zoo/{name}.rs", env!("CARGO_MANIFEST_DIR"));
            let d = depth(&std::fs::read_to_string(path).expect("the benchmark is readable"));
            println!("{name}: {d}");
            assert!(d < 80, "{name} nests {d} deep");
        }
    }
}
