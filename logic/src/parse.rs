//! A small textual syntax for CL queries, used by tests and corpus files.
//!
//! A query file is a list of statements:
//!
//! ```text
//! // comments run to the end of the line (also `#`)
//! expect unsat;                 // optional: what the query should be
//! sort V;                       // an uninterpreted sort
//! fun x: P -> Int;              // function symbols (arguments separated by `,`)
//! fun HO: P -> Set<P>;
//! const A, B: Set<P>;           // constants (nullary symbols)
//! assert 2 * |A| > n && 2 * |B| > n;
//! assert !(exists w: P. w in A inter B);
//! ```
//!
//! The query is the conjunction of its assertions; its constants are
//! existential: the question is whether it is satisfiable.
//!
//! Terms, loosest operators first: `forall x: S, y: S. φ` / `exists …`
//! (extending as far right as possible); `<==>`; `==>` (right associative);
//! `||`; `&&`; `!`; comparisons `== != < <= > >= in subset` (not chained);
//! `+ - union minus`; `* / % inter`; unary `-`; projection `t.0`. Atoms:
//! integer literals, `true`, `false`, `n`, `all`, `empty<S>`, `None<S>`,
//! `Some(a)`, `is_some(a)`, `get(a)`, `ite(c, a, b)`, `card(S)` or `|S|`,
//! `{a}`, `{i: S | φ}`, tuples `(a, b)`, `f(a, b)`, constants and variables,
//! and `and(…)`, `or(…)`, `add(…)` for chains of any length. Sorts: `Bool`,
//! `Int`, `P`, `Set<S>`, `Option<S>`, `(S, T)`, declared sorts. The Unicode
//! spellings printed by [`Term`]'s `Display` (`∀ ∃ ⇔ ⇒ ∨ ∧ ¬ = ≠ ≤ ≥ ∈ ⊆ ∪ ∖ ∩ ∅`)
//! are accepted too. Every operator node is type-checked as it is built, so
//! sort errors point at the operator.

mod lexer;
mod terms;

use std::fmt;

use lexer::{lex, Tok, Token};

use crate::sort::Sort;
use crate::term::{Fun, Op, Term, Var};
use crate::typecheck::{sort_of, typecheck_formula};

/// A syntax or sort error at a 1-based line and column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// Line, from 1.
    pub line: usize,
    /// Column in characters, from 1.
    pub col: usize,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.col, self.message)
    }
}

impl std::error::Error for ParseError {}

/// The expected answer recorded in a query file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expect {
    /// The query has a model.
    Sat,
    /// The query has no model (it is the negation of a valid entailment).
    Unsat,
}

/// The names a term may use: declared sorts, function symbols, free variables.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Signature {
    /// Uninterpreted sort names.
    pub sorts: Vec<String>,
    /// Function symbols and constants.
    pub funs: Vec<Fun>,
    /// Free variables.
    pub vars: Vec<Var>,
}

/// A parsed query file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Query {
    /// Declared uninterpreted sorts.
    pub sorts: Vec<String>,
    /// Declared function symbols and constants, in declaration order.
    pub funs: Vec<Fun>,
    /// The assertions, in order.
    pub assertions: Vec<Term>,
    /// The recorded expected answer, if any.
    pub expect: Option<Expect>,
}

impl Query {
    /// The query as one formula: the conjunction of the assertions.
    pub fn formula(&self) -> Term {
        match self.assertions.as_slice() {
            [single] => single.clone(),
            all => Term::Op(Op::And, all.to_vec()),
        }
    }

    /// The declared names, for [`parse_term`].
    pub fn signature(&self) -> Signature {
        Signature { sorts: self.sorts.clone(), funs: self.funs.clone(), vars: Vec::new() }
    }
}

/// Prints the query in the syntax [`parse_query`] reads.
impl fmt::Display for Query {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.expect {
            Some(Expect::Sat) => writeln!(f, "expect sat;")?,
            Some(Expect::Unsat) => writeln!(f, "expect unsat;")?,
            None => {}
        }
        for s in &self.sorts {
            writeln!(f, "sort {s};")?;
        }
        for g in &self.funs {
            if g.args.is_empty() {
                writeln!(f, "const {}: {};", g.name, g.ret)?;
            } else {
                let args: Vec<String> = g.args.iter().map(Sort::to_string).collect();
                writeln!(f, "fun {}: {} -> {};", g.name, args.join(", "), g.ret)?;
            }
        }
        for a in &self.assertions {
            writeln!(f, "assert {a:#};")?;
        }
        Ok(())
    }
}

/// Parse a query file.
pub fn parse_query(src: &str) -> Result<Query, ParseError> {
    let mut p = Parser::new(src, Signature::default())?;
    let mut q = Query { sorts: Vec::new(), funs: Vec::new(), assertions: Vec::new(), expect: None };
    while p.peek() != &Tok::Eof {
        p.statement(&mut q)?;
    }
    q.sorts = p.sorts;
    q.funs = p.funs;
    Ok(q)
}

/// Parse one term (of any sort) over the names of `sig`.
pub fn parse_term(src: &str, sig: &Signature) -> Result<Term, ParseError> {
    let mut p = Parser::new(src, sig.clone())?;
    let t = p.expr()?;
    p.expect(&Tok::Eof, "end of input")?;
    Ok(t)
}

/// Words with a fixed meaning, never usable as declared names.
const RESERVED: &[&str] = &[
    "true", "false", "n", "all", "ite", "Some", "None", "is_some", "get", "card", "empty", "and", "or", "add",
    "to_real", "Bool", "Int", "Real", "P", "Set", "Option", "Opt", "sort", "fun", "const", "assert", "expect",
];

struct Parser {
    toks: Vec<Token>,
    pos: usize,
    sorts: Vec<String>,
    funs: Vec<Fun>,
    vars: Vec<Var>,
    bound: Vec<Var>,
}

type PResult<T> = Result<T, ParseError>;

impl Parser {
    fn new(src: &str, sig: Signature) -> PResult<Parser> {
        Ok(Parser { toks: lex(src)?, pos: 0, sorts: sig.sorts, funs: sig.funs, vars: sig.vars, bound: Vec::new() })
    }

    fn peek(&self) -> &Tok {
        &self.toks[self.pos].tok
    }

    fn peek_at(&self, k: usize) -> &Tok {
        &self.toks[(self.pos + k).min(self.toks.len() - 1)].tok
    }

    fn bump(&mut self) -> Token {
        let t = self.toks[self.pos].clone();
        if self.pos + 1 < self.toks.len() {
            self.pos += 1;
        }
        t
    }

    fn error<T>(&self, message: impl Into<String>) -> PResult<T> {
        let t = &self.toks[self.pos];
        Err(ParseError { line: t.line, col: t.col, message: message.into() })
    }

    fn describe(&self) -> String {
        match self.peek() {
            Tok::Ident(s) => format!("`{s}`"),
            Tok::Int(k) => format!("`{k}`"),
            Tok::Eof => "end of input".into(),
            other => format!("{other:?}"),
        }
    }

    fn expect(&mut self, tok: &Tok, what: &str) -> PResult<Token> {
        if self.peek() == tok {
            Ok(self.bump())
        } else {
            self.error(format!("expected {what}, found {}", self.describe()))
        }
    }

    /// Consume one `|`; a `||` token is split in two (as in `||S| - 1|`).
    fn eat_bar(&mut self) -> bool {
        match self.peek() {
            Tok::Bar => {
                self.bump();
                true
            }
            Tok::Or => {
                self.toks[self.pos].tok = Tok::Bar;
                self.toks[self.pos].col += 1;
                true
            }
            _ => false,
        }
    }

    fn ident(&mut self, what: &str) -> PResult<String> {
        match self.peek().clone() {
            Tok::Ident(s) => {
                self.bump();
                Ok(s)
            }
            _ => self.error(format!("expected {what}, found {}", self.describe())),
        }
    }

    fn fresh_name(&self, name: &str, at: &Token) -> PResult<()> {
        let clash = RESERVED.contains(&name)
            || self.sorts.iter().any(|s| s == name)
            || self.funs.iter().any(|f| f.name == name)
            || self.vars.iter().any(|v| v.name == name);
        if clash {
            Err(ParseError { line: at.line, col: at.col, message: format!("`{name}` is reserved or already declared") })
        } else {
            Ok(())
        }
    }

    /// Type-check a node just built from the token `at`.
    fn checked(&self, t: Term, at: &Token) -> PResult<Term> {
        match sort_of(&t) {
            Ok(_) => Ok(t),
            Err(e) => Err(ParseError { line: at.line, col: at.col, message: format!("sort error: {}", e.message) }),
        }
    }

    // ---- statements ----

    fn statement(&mut self, q: &mut Query) -> PResult<()> {
        let at = self.toks[self.pos].clone();
        let word = self.ident("a statement (`sort`, `fun`, `const`, `assert`, `expect`)")?;
        match word.as_str() {
            "expect" => {
                let at_answer = self.toks[self.pos].clone();
                let answer = match self.ident("`sat` or `unsat`")?.as_str() {
                    "sat" => Expect::Sat,
                    "unsat" => Expect::Unsat,
                    other => {
                        return Err(ParseError {
                            line: at_answer.line,
                            col: at_answer.col,
                            message: format!("expected `sat` or `unsat`, found `{other}`"),
                        });
                    }
                };
                if q.expect.is_some() {
                    return Err(ParseError { line: at.line, col: at.col, message: "second `expect` line".into() });
                }
                q.expect = Some(answer);
            }
            "sort" => {
                let at_name = self.toks[self.pos].clone();
                let name = self.ident("a sort name")?;
                self.fresh_name(&name, &at_name)?;
                self.sorts.push(name);
            }
            "fun" => {
                let at_name = self.toks[self.pos].clone();
                let name = self.ident("a function name")?;
                self.fresh_name(&name, &at_name)?;
                self.expect(&Tok::Colon, "`:`")?;
                let mut sorts = vec![self.sort()?];
                while self.peek() == &Tok::Comma {
                    self.bump();
                    sorts.push(self.sort()?);
                }
                let ret = if self.peek() == &Tok::Arrow {
                    self.bump();
                    self.sort()?
                } else if sorts.len() == 1 {
                    sorts.pop().expect("one sort")
                } else {
                    return self.error("expected `->` after the argument sorts");
                };
                self.funs.push(Fun::new(name, sorts, ret));
            }
            "const" => {
                let mut names = Vec::new();
                loop {
                    let at_name = self.toks[self.pos].clone();
                    let name = self.ident("a constant name")?;
                    self.fresh_name(&name, &at_name)?;
                    if names.contains(&name) {
                        return Err(ParseError { line: at_name.line, col: at_name.col, message: format!("`{name}` declared twice") });
                    }
                    names.push(name);
                    if self.peek() != &Tok::Comma {
                        break;
                    }
                    self.bump();
                }
                self.expect(&Tok::Colon, "`:`")?;
                let sort = self.sort()?;
                self.funs.extend(names.into_iter().map(|n| Fun::constant(n, sort.clone())));
            }
            "assert" => {
                let at_formula = self.toks[self.pos].clone();
                let t = self.expr()?;
                if let Err(e) = typecheck_formula(&t) {
                    return Err(ParseError { line: at_formula.line, col: at_formula.col, message: e.message });
                }
                q.assertions.push(t);
            }
            other => {
                return Err(ParseError {
                    line: at.line,
                    col: at.col,
                    message: format!("unknown statement `{other}` (expected sort, fun, const, assert or expect)"),
                });
            }
        }
        self.expect(&Tok::Semi, "`;`")?;
        Ok(())
    }

    fn sort(&mut self) -> PResult<Sort> {
        if self.peek() == &Tok::LParen {
            self.bump();
            let mut parts = vec![self.sort()?];
            while self.peek() == &Tok::Comma {
                self.bump();
                parts.push(self.sort()?);
            }
            self.expect(&Tok::RParen, "`)`")?;
            return Ok(if parts.len() == 1 { parts.pop().expect("one sort") } else { Sort::Tuple(parts) });
        }
        let at = self.toks[self.pos].clone();
        let name = self.ident("a sort")?;
        match name.as_str() {
            "Bool" => Ok(Sort::Bool),
            "Int" => Ok(Sort::Int),
            "Real" => Ok(Sort::Real),
            "P" => Ok(Sort::P),
            "Set" | "Option" | "Opt" => {
                let inner = self.sort_argument()?;
                Ok(if name == "Set" { Sort::set(inner) } else { Sort::opt(inner) })
            }
            _ if self.sorts.contains(&name) => Ok(Sort::Uninterpreted(name)),
            _ => Err(ParseError { line: at.line, col: at.col, message: format!("unknown sort `{name}`") }),
        }
    }

    /// `<S>`
    fn sort_argument(&mut self) -> PResult<Sort> {
        self.expect(&Tok::Lt, "`<`")?;
        let s = self.sort()?;
        self.expect(&Tok::Gt, "`>`")?;
        Ok(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_query_file() {
        let q = parse_query(
            "expect unsat;\nconst A, B: Set<P>;\nassert 2 * |A| > n && 2 * |B| > n;\nassert !(exists w: P. w in A inter B);\n",
        )
        .unwrap();
        assert_eq!(q.expect, Some(Expect::Unsat));
        assert_eq!(q.funs.len(), 2);
        assert_eq!(q.assertions.len(), 2);
        assert_eq!(q.to_string().matches("assert").count(), 2);
    }

    #[test]
    fn errors_carry_line_and_column() {
        let e = parse_query("const A: Set<P>;\nassert |A| > ;\n").unwrap_err();
        assert_eq!((e.line, e.col), (2, 14), "{e}");
        let e = parse_query("const A: Set<P>;\nassert  A + 1 > 0;\n").unwrap_err();
        assert_eq!((e.line, e.col), (2, 11), "{e}");
        assert!(e.message.contains("sort error"), "{e}");
    }
}
