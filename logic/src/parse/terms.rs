//! The term grammar of the query syntax, loosest operators first (see the
//! parent module for the syntax).

use super::lexer::{Tok, Token};
use super::{PResult, ParseError, Parser, RESERVED};
use crate::term::{Binder, Op, Term, Var};

impl Parser {
    pub(super) fn expr(&mut self) -> PResult<Term> {
        let l = self.implication()?;
        if self.peek() != &Tok::Iff {
            return Ok(l);
        }
        let at = self.bump();
        let r = self.implication()?;
        if self.peek() == &Tok::Iff {
            return self.error("`<==>` is not associative: add parentheses");
        }
        self.checked(Term::Op(Op::Iff, vec![l, r]), &at)
    }

    fn implication(&mut self) -> PResult<Term> {
        let l = self.chain(Tok::Or)?;
        if self.peek() != &Tok::Implies {
            return Ok(l);
        }
        let at = self.bump();
        let r = self.implication()?;
        self.checked(Term::Op(Op::Implies, vec![l, r]), &at)
    }

    /// `a || b || …` (`tok` = Or) or `a && b && …` (`tok` = And), as one n-ary node.
    fn chain(&mut self, tok: Tok) -> PResult<Term> {
        let operand = |p: &mut Parser| if tok == Tok::Or { p.chain(Tok::And) } else { p.negation() };
        let first = operand(self)?;
        if self.peek() != &tok {
            return Ok(first);
        }
        let at = self.toks[self.pos].clone();
        let mut args = vec![first];
        while self.peek() == &tok {
            self.bump();
            args.push(operand(self)?);
        }
        let op = if tok == Tok::Or { Op::Or } else { Op::And };
        self.checked(Term::Op(op, args), &at)
    }

    fn negation(&mut self) -> PResult<Term> {
        if self.peek() != &Tok::Not {
            return self.comparison();
        }
        let at = self.bump();
        let a = self.negation()?;
        self.checked(Term::Op(Op::Not, vec![a]), &at)
    }

    fn comparison(&mut self) -> PResult<Term> {
        let l = self.additive()?;
        let op = match self.peek() {
            Tok::Eq | Tok::Neq => Op::Eq,
            Tok::Lt => Op::Lt,
            Tok::Le => Op::Le,
            Tok::Gt => Op::Gt,
            Tok::Ge => Op::Ge,
            Tok::Member => Op::Member,
            Tok::Subset => Op::Subset,
            _ => return Ok(l),
        };
        let at = self.bump();
        let r = self.additive()?;
        if matches!(self.peek(), Tok::Eq | Tok::Neq | Tok::Lt | Tok::Le | Tok::Gt | Tok::Ge | Tok::Member | Tok::Subset) {
            return self.error("comparisons do not chain: add parentheses");
        }
        let t = self.checked(Term::Op(op, vec![l, r]), &at)?;
        Ok(if at.tok == Tok::Neq { Term::Op(Op::Not, vec![t]) } else { t })
    }

    fn additive(&mut self) -> PResult<Term> {
        let mut acc = self.multiplicative()?;
        // Whether `acc` is a `+` chain built at this level (more summands join it).
        let mut open_sum = false;
        loop {
            let op = match self.peek() {
                Tok::Plus => Op::Add,
                Tok::Minus => Op::Sub,
                Tok::Union => Op::Union,
                Tok::SetMinus => Op::Diff,
                _ => return Ok(acc),
            };
            let at = self.bump();
            let r = self.multiplicative()?;
            acc = match (op, acc) {
                (Op::Add, Term::Op(Op::Add, mut args)) if open_sum => {
                    args.push(r);
                    Term::Op(Op::Add, args)
                }
                (op, l) => {
                    open_sum = op == Op::Add;
                    Term::Op(op, vec![l, r])
                }
            };
            acc = self.checked(acc, &at)?;
        }
    }

    fn multiplicative(&mut self) -> PResult<Term> {
        let mut acc = self.unary()?;
        loop {
            let op = match self.peek() {
                Tok::Star => Op::Mul,
                Tok::Slash => Op::Div,
                Tok::Percent => Op::Mod,
                Tok::Inter => Op::Inter,
                _ => return Ok(acc),
            };
            let at = self.bump();
            let r = self.unary()?;
            acc = self.checked(Term::Op(op, vec![acc, r]), &at)?;
        }
    }

    fn unary(&mut self) -> PResult<Term> {
        match self.peek().clone() {
            Tok::Minus => {
                let at = self.bump();
                if let Tok::Int(k) = *self.peek() {
                    self.bump();
                    return match 0i64.checked_sub_unsigned(k) {
                        Some(v) => Ok(Term::Int(v)),
                        None => Err(ParseError { line: at.line, col: at.col, message: format!("integer literal -{k} is too small") }),
                    };
                }
                let a = self.unary()?;
                self.checked(Term::Op(Op::Neg, vec![a]), &at)
            }
            Tok::Not => {
                let at = self.bump();
                let a = self.unary()?;
                self.checked(Term::Op(Op::Not, vec![a]), &at)
            }
            _ => self.postfix(),
        }
    }

    fn postfix(&mut self) -> PResult<Term> {
        let mut t = self.primary()?;
        while self.peek() == &Tok::Dot {
            let at = self.bump();
            let Tok::Int(k) = *self.peek() else {
                return self.error("expected a component number after `.`");
            };
            self.bump();
            t = self.checked(Term::Op(Op::Proj(k as usize), vec![t]), &at)?;
        }
        Ok(t)
    }

    /// `(a, b, …)` after the opening parenthesis was seen; returns the arguments.
    fn arguments(&mut self) -> PResult<Vec<Term>> {
        self.expect(&Tok::LParen, "`(`")?;
        let mut args = Vec::new();
        if self.peek() == &Tok::RParen {
            self.bump();
            return Ok(args);
        }
        loop {
            args.push(self.expr()?);
            match self.peek() {
                Tok::Comma => {
                    self.bump();
                }
                Tok::RParen => {
                    self.bump();
                    return Ok(args);
                }
                _ => return self.error(format!("expected `,` or `)`, found {}", self.describe())),
            }
        }
    }

    fn exactly(&self, at: &Token, name: &str, args: Vec<Term>, k: usize) -> PResult<Vec<Term>> {
        if args.len() == k {
            Ok(args)
        } else {
            Err(ParseError { line: at.line, col: at.col, message: format!("`{name}` takes {k} argument(s), got {}", args.len()) })
        }
    }

    /// `x: S, y: S` or `x, y: S` (binder variable declarations).
    fn bound_vars(&mut self) -> PResult<Vec<Var>> {
        let mut vs = Vec::new();
        loop {
            let mut names = Vec::new();
            loop {
                let at = self.toks[self.pos].clone();
                let name = self.ident("a variable name")?;
                if RESERVED.contains(&name.as_str()) {
                    return Err(ParseError { line: at.line, col: at.col, message: format!("`{name}` is reserved") });
                }
                names.push(name);
                if self.peek() != &Tok::Comma {
                    break;
                }
                self.bump();
            }
            self.expect(&Tok::Colon, "`:` and a sort")?;
            let sort = self.sort()?;
            vs.extend(names.into_iter().map(|n| Var::new(n, sort.clone())));
            if self.peek() != &Tok::Comma {
                return Ok(vs);
            }
            self.bump();
        }
    }

    fn binder(&mut self, b: Binder, at: &Token) -> PResult<Term> {
        let vs = self.bound_vars()?;
        let depth = self.bound.len();
        self.bound.extend(vs.iter().cloned());
        let body = if b == Binder::Comprehension {
            self.expect(&Tok::Bar, "`|`")?;
            let body = self.expr();
            self.expect(&Tok::RBrace, "`}`").and(body)
        } else {
            self.expect(&Tok::Dot, "`.`")?;
            self.expr()
        };
        self.bound.truncate(depth);
        self.checked(Term::Bind(b, vs, Box::new(body?)), at)
    }

    fn primary(&mut self) -> PResult<Term> {
        let at = self.toks[self.pos].clone();
        match at.tok.clone() {
            Tok::Int(k) => {
                self.bump();
                i64::try_from(k).map(Term::Int).or_else(|_| self.error(format!("integer literal {k} is too large")))
            }
            Tok::LParen => {
                self.bump();
                let first = self.expr()?;
                if self.peek() != &Tok::Comma {
                    self.expect(&Tok::RParen, "`)`")?;
                    return Ok(first);
                }
                let mut parts = vec![first];
                while self.peek() == &Tok::Comma {
                    self.bump();
                    parts.push(self.expr()?);
                }
                self.expect(&Tok::RParen, "`)`")?;
                self.checked(Term::Op(Op::Tuple, parts), &at)
            }
            Tok::LBrace => {
                self.bump();
                if matches!(self.peek(), Tok::Ident(_)) && self.peek_at(1) == &Tok::Colon {
                    return self.binder(Binder::Comprehension, &at);
                }
                let a = self.expr()?;
                self.expect(&Tok::RBrace, "`}`")?;
                self.checked(Term::Op(Op::Singleton, vec![a]), &at)
            }
            Tok::Bar | Tok::Or => {
                self.eat_bar();
                let s = self.expr()?;
                if !self.eat_bar() {
                    return self.error(format!("expected `|` closing the cardinality, found {}", self.describe()));
                }
                self.checked(Term::Op(Op::Card, vec![s]), &at)
            }
            Tok::Forall | Tok::Exists => {
                self.bump();
                let b = if at.tok == Tok::Forall { Binder::Forall } else { Binder::Exists };
                self.binder(b, &at)
            }
            Tok::EmptySet => {
                self.bump();
                let s = self.sort_argument()?;
                Ok(Term::Op(Op::Empty(s), Vec::new()))
            }
            Tok::Ident(name) => {
                self.bump();
                self.named(&name, &at)
            }
            _ => self.error(format!("expected a term, found {}", self.describe())),
        }
    }

    /// A term starting with the identifier `name` (already consumed).
    fn named(&mut self, name: &str, at: &Token) -> PResult<Term> {
        let unary = |p: &mut Parser, op: Op| -> PResult<Term> {
            let args = p.arguments()?;
            let args = p.exactly(at, name, args, 1)?;
            p.checked(Term::Op(op, args), at)
        };
        match name {
            "true" => Ok(Term::Bool(true)),
            "false" => Ok(Term::Bool(false)),
            "n" => Ok(Term::Op(Op::ProcCount, Vec::new())),
            "all" => Ok(Term::Op(Op::AllProcs, Vec::new())),
            "empty" => Ok(Term::Op(Op::Empty(self.sort_argument()?), Vec::new())),
            "None" => Ok(Term::Op(Op::None(self.sort_argument()?), Vec::new())),
            "Some" => unary(self, Op::Some),
            "is_some" => unary(self, Op::IsSome),
            "get" => unary(self, Op::Get),
            "card" => unary(self, Op::Card),
            "to_real" => unary(self, Op::ToReal),
            "ite" => {
                let args = self.arguments()?;
                let args = self.exactly(at, name, args, 3)?;
                self.checked(Term::Op(Op::Ite, args), at)
            }
            "and" | "or" | "add" => {
                let op = match name {
                    "and" => Op::And,
                    "or" => Op::Or,
                    _ => Op::Add,
                };
                let args = self.arguments()?;
                self.checked(Term::Op(op, args), at)
            }
            _ => self.symbol(name, at),
        }
    }

    /// A variable, a constant, or a function application.
    fn symbol(&mut self, name: &str, at: &Token) -> PResult<Term> {
        let fail = |message: String| Err(ParseError { line: at.line, col: at.col, message });
        if let Some(v) = self.bound.iter().rev().find(|v| v.name == name) {
            if self.peek() == &Tok::LParen {
                return fail(format!("`{name}` is a bound variable, not a function"));
            }
            return Ok(v.t());
        }
        if let Some(v) = self.vars.iter().find(|v| v.name == name) {
            return Ok(v.t());
        }
        let Some(f) = self.funs.iter().find(|f| f.name == name).cloned() else {
            return fail(format!("unknown identifier `{name}`"));
        };
        if f.args.is_empty() {
            if self.peek() == &Tok::LParen {
                return fail(format!("`{name}` is a constant, not a function"));
            }
            return Ok(f.app(Vec::new()));
        }
        if self.peek() != &Tok::LParen {
            return fail(format!("`{name}` is a function of {} argument(s): write `{name}(…)`", f.args.len()));
        }
        let args = self.arguments()?;
        let args = self.exactly(at, name, args, f.args.len())?;
        self.checked(f.app(args), at)
    }
}
