//! Expressions of the subset → CL terms: literals, names, operators, field
//! access, tuples, options, `if`, blocks and closures. Method calls on the
//! world, the context, the mailbox and values live in [`super::methods`].

use std::rc::Rc;

use psync_logic::{Op, Sort, Term, build};
use syn::spanned::Spanned;
use syn::{BinOp, Expr, Member, Pat, UnOp};

use crate::ir::names;
use crate::terms;

use super::cx::{Binding, Closure, Cx, Mode, StateRef, Val};
use super::error::{FeResult, err, err_help};
use super::types::{is_int_type, sort_of};

/// How to write a block that would return early.
const RETURN_HELP: &str = "end the block in an `if`/`else` whose branches are the values";

/// The span of the first `return` in `stmt`, at any depth.
fn return_in(stmt: &syn::Stmt) -> Option<proc_macro2::Span> {
    struct FirstReturn(Option<proc_macro2::Span>);
    impl<'ast> syn::visit::Visit<'ast> for FirstReturn {
        fn visit_expr_return(&mut self, r: &'ast syn::ExprReturn) {
            self.0.get_or_insert(r.span());
        }
    }
    let mut found = FirstReturn(None);
    syn::visit::Visit::visit_stmt(&mut found, stmt);
    found.0
}

/// A readable name for a sort in messages.
pub fn sort_name(s: &Sort) -> String {
    match s {
        Sort::Int => "an integer".into(),
        Sort::Real => "a Real".into(),
        Sort::Bool => "a bool".into(),
        Sort::P => "a ProcessId".into(),
        other => format!("a value of sort {other}"),
    }
}

/// Whether `t` is syntactically known to be non-negative.
pub fn nonneg(t: &Term) -> bool {
    match t {
        Term::Int(k) => *k >= 0,
        Term::Op(Op::Card | Op::ProcCount, _) => true,
        Term::App(f, args) => f.name == names::ROUND && args.is_empty(),
        Term::Op(Op::Add | Op::Div, args) => args.iter().all(nonneg),
        Term::Op(Op::Mul, args) => args.iter().all(nonneg),
        _ => false,
    }
}

impl Cx<'_> {
    /// Translate an expression that must be a term.
    pub fn term(&mut self, e: &Expr) -> FeResult<Term> {
        match self.expr(e)? {
            Val::T(t) => Ok(t),
            Val::NoneLit => err_help(e.span(), "cannot tell the type of `None` here", "type unknown", "compare it with a value of known type"),
            _ => self.expected(e.span(), "a value"),
        }
    }

    /// Translate an expression that must be a term of sort `sort`.
    pub fn term_of(&mut self, e: &Expr, sort: &Sort) -> FeResult<Term> {
        let v = self.expr(e)?;
        self.coerce(e, v, sort)
    }

    /// Check (and complete) a value against an expected sort.
    pub fn coerce(&self, e: &Expr, v: Val, sort: &Sort) -> FeResult<Term> {
        match v {
            Val::NoneLit => match sort {
                Sort::Opt(inner) => Ok(build::none((**inner).clone())),
                _ => err(e.span(), format!("type mismatch: expected {}, found `None`", sort_name(sort)), "wrong type"),
            },
            Val::T(t) => {
                let found = t.sort();
                if &found == sort {
                    Ok(t)
                } else {
                    err(e.span(), format!("type mismatch: expected {}, found {}", sort_name(sort), sort_name(&found)), "wrong type")
                }
            }
            _ => err(e.span(), format!("type mismatch: expected {}", sort_name(sort)), "not a value"),
        }
    }

    /// A boolean term.
    pub fn bool_term(&mut self, e: &Expr) -> FeResult<Term> {
        self.term_of(e, &Sort::Bool)
    }

    /// An integer term.
    pub fn int_term(&mut self, e: &Expr) -> FeResult<Term> {
        self.term_of(e, &Sort::Int)
    }

    /// Translate any expression of the subset.
    pub fn expr(&mut self, e: &Expr) -> FeResult<Val> {
        match e {
            Expr::Lit(l) => self.lit(&l.lit).map(Val::T),
            Expr::Paren(p) => self.expr(&p.expr),
            Expr::Group(g) => self.expr(&g.expr),
            Expr::Reference(r) if r.mutability.is_none() => self.expr(&r.expr),
            Expr::Unary(u) => self.unary(e, &u.op, &u.expr),
            Expr::Binary(b) => self.binary(e, &b.op, &b.left, &b.right).map(Val::T),
            Expr::Path(p) => self.path(e, &p.path),
            Expr::Field(f) => self.field_access(e, &f.base, &f.member),
            Expr::Index(ix) => match self.expr(&ix.expr)? {
                Val::World => {
                    let i = self.term_of(&ix.index, &Sort::P)?;
                    Ok(Val::State(StateRef::Pre(i)))
                }
                _ => err(e.span(), "indexing is only supported on the world (`w[i]`)", "unsupported indexing"),
            },
            Expr::Tuple(t) if t.elems.len() >= 2 => {
                let parts = t.elems.iter().map(|x| self.term(x)).collect::<FeResult<Vec<_>>>()?;
                Ok(Val::T(build::tuple(parts)))
            }
            Expr::Cast(c) => self.cast(c),
            Expr::If(i) => self.if_expr(i),
            Expr::Block(b) if b.label.is_none() => self.pure_block(&b.block),
            Expr::Closure(c) => {
                let params = c.inputs.iter().cloned().collect();
                Ok(Val::Closure(Rc::new(Closure { params, body: (*c.body).clone(), scope: self.scope.clone() })))
            }
            Expr::MethodCall(m) => self.method_call(e, m),
            Expr::Call(c) => self.call(e, c),
            Expr::Macro(m) => err_help(
                e.span(),
                format!("macro `{}!` is outside the verifiable subset", path_str(&m.mac.path)),
                "unsupported macro",
                "only `vec![…]` at the end of a spec method and `phase![…]` in `Process::phase` are understood",
            ),
            Expr::Match(_) => err_help(e.span(), "`match` is outside the verifiable subset", "unsupported expression", "use `if` / `if let`"),
            Expr::ForLoop(_) | Expr::While(_) | Expr::Loop(_) => err_help(
                e.span(),
                "loops are outside the verifiable subset",
                "unsupported expression",
                "use the mailbox queries (count, exists, forall, max_by_key, min_most_often) or a helper function with a contract",
            ),
            Expr::Return(r) => err_help(r.span(), "`return` is outside the verifiable subset", "early return", RETURN_HELP),
            _ => err(e.span(), "expression outside the verifiable subset", "unsupported expression"),
        }
    }

    pub(super) fn lit(&self, l: &syn::Lit) -> FeResult<Term> {
        match l {
            syn::Lit::Int(i) => match i.base10_parse::<i64>() {
                Ok(k) => Ok(Term::Int(k)),
                Err(_) => err(l.span(), "integer literal out of range", "too large"),
            },
            syn::Lit::Bool(b) => Ok(Term::Bool(b.value)),
            _ => err(l.span(), "only integer and boolean literals are supported", "unsupported literal"),
        }
    }

    fn unary(&mut self, e: &Expr, op: &UnOp, inner: &Expr) -> FeResult<Val> {
        match op {
            UnOp::Deref(_) => self.expr(inner),
            UnOp::Not(_) => Ok(Val::T(terms::not(self.bool_term(inner)?))),
            UnOp::Neg(_) => match self.num_term(inner)? {
                Term::Int(k) => Ok(Val::T(Term::Int(-k))),
                t => Ok(Val::T(terms::neg(t))),
            },
            _ => err(e.span(), "unsupported unary operator", "unsupported"),
        }
    }

    fn binary(&mut self, e: &Expr, op: &BinOp, l: &Expr, r: &Expr) -> FeResult<Term> {
        use BinOp as B;
        Ok(match op {
            B::And(_) | B::BitAnd(_) => terms::and(vec![self.bool_term(l)?, self.bool_term(r)?]),
            B::Or(_) | B::BitOr(_) => terms::or(vec![self.bool_term(l)?, self.bool_term(r)?]),
            B::BitXor(_) => terms::not(build::iff(self.bool_term(l)?, self.bool_term(r)?)),
            B::Add(_) => {
                let (a, b) = self.num_pair(e, l, r)?;
                build::add(a, b)
            }
            B::Sub(_) => {
                let (a, b) = self.num_pair(e, l, r)?;
                build::sub(a, b)
            }
            B::Mul(_) => {
                let (a, b) = (self.num_term(l)?, self.num_term(r)?);
                match (&a, &b) {
                    (Term::Int(k), _) => build::mul(*k, b),
                    (_, Term::Int(k)) => build::mul(*k, a),
                    _ => return err_help(e.span(), "non-linear multiplication", "neither side is a literal", "CL is linear: one factor must be an integer literal"),
                }
            }
            B::Div(_) | B::Rem(_) => {
                let a = self.num_term(l)?;
                if a.sort() == Sort::Real {
                    return match (op, self.term(r)?) {
                        (B::Div(_), Term::Int(k)) if k > 0 => Ok(build::div(a, k)),
                        (B::Div(_), _) => err_help(r.span(), "a Real is divided only by a positive integer literal", "not a positive literal", "division by a variable (such as a count) is non-linear, outside the decidable fragment"),
                        _ => err(e.span(), "`%` on a Real is outside the verifiable subset", "remainder of a Real"),
                    };
                }
                let k = match self.int_term(r)? {
                    Term::Int(k) if k > 0 => k,
                    _ => return err(r.span(), "division and remainder only by a positive integer literal", "not a positive literal"),
                };
                let div = matches!(op, B::Div(_));
                let f = |x: Term| if div { build::div(x, k) } else { build::modulo(x, k) };
                if nonneg(&a) {
                    f(a)
                } else {
                    // Rust rounds towards zero; the logic's div/mod round down.
                    let neg = terms::neg(f(terms::neg(a.clone())));
                    terms::ite(build::ge(a.clone(), Term::Int(0)), f(a), neg)
                }
            }
            B::Eq(_) | B::Ne(_) => {
                let t = self.equality(l, r)?;
                if matches!(op, B::Eq(_)) { t } else { terms::not(t) }
            }
            B::Lt(_) | B::Le(_) | B::Gt(_) | B::Ge(_) => {
                let (a, b) = self.num_pair(e, l, r)?;
                match op {
                    B::Lt(_) => build::lt(a, b),
                    B::Le(_) => build::le(a, b),
                    B::Gt(_) => build::gt(a, b),
                    _ => build::ge(a, b),
                }
            }
            _ => return err(e.span(), "operator outside the verifiable subset", "unsupported operator"),
        })
    }

    /// A number: an integer or a `Real` term.
    fn num_term(&mut self, e: &Expr) -> FeResult<Term> {
        let t = self.term(e)?;
        if t.sort().is_numeric() {
            Ok(t)
        } else {
            err(e.span(), format!("type mismatch: expected a number (an integer or a Real), found {}", sort_name(&t.sort())), "not a number")
        }
    }

    /// Two numbers of one sort: integers, or Reals (an integer next to a
    /// Real is converted explicitly, with `Real::from`).
    fn num_pair(&mut self, at: &Expr, l: &Expr, r: &Expr) -> FeResult<(Term, Term)> {
        let (a, b) = (self.num_term(l)?, self.num_term(r)?);
        if a.sort() != b.sort() {
            return err_help(
                at.span(),
                format!("type mismatch: {} and {}", sort_name(&a.sort()), sort_name(&b.sort())),
                "mixed number sorts",
                "a Real meets an integer only through `Real::from(k)`",
            );
        }
        Ok((a, b))
    }

    /// `l == r` at any sort, with `None` taking the other side's sort.
    fn equality(&mut self, l: &Expr, r: &Expr) -> FeResult<Term> {
        let (a, b) = (self.expr(l)?, self.expr(r)?);
        let (ta, tb) = match (a, b) {
            (Val::NoneLit, Val::NoneLit) => return Ok(Term::Bool(true)),
            (Val::NoneLit, Val::T(t)) => {
                let s = t.sort();
                (self.coerce(l, Val::NoneLit, &s)?, t)
            }
            (a, b) => {
                let ta = match a {
                    Val::T(t) => t,
                    Val::NoneLit => {
                        let s = match &b {
                            Val::T(t) => t.sort(),
                            _ => return self.expected(r.span(), "a value"),
                        };
                        self.coerce(l, Val::NoneLit, &s)?
                    }
                    _ => return self.expected(l.span(), "a value"),
                };
                let s = ta.sort();
                (ta, self.coerce(r, b, &s)?)
            }
        };
        Ok(terms::eq(ta, tb))
    }

    fn path(&mut self, e: &Expr, p: &syn::Path) -> FeResult<Val> {
        if let Some(id) = p.get_ident() {
            let name = id.to_string();
            if let Some(v) = self.lookup(&name) {
                return Ok(v);
            }
            if name == "None" {
                return Ok(Val::NoneLit);
            }
            return err(e.span(), format!("unknown name `{name}`"), "not in scope");
        }
        err(e.span(), format!("path `{}` is outside the verifiable subset", path_str(p)), "unsupported path")
    }

    fn field_access(&mut self, e: &Expr, base: &Expr, member: &Member) -> FeResult<Val> {
        let b = self.expr(base)?;
        match (b, member) {
            (Val::State(sr), Member::Named(id)) => {
                let f = self.field(id.span(), &id.to_string())?;
                if f.ghost {
                    if self.mode == Mode::Send {
                        return err_help(id.span(), format!("ghost field `{}` read in `send`", f.name), "ghost field", "ghost fields exist for the proof only; what is sent may not depend on them");
                    }
                    self.ghost_read = true;
                }
                let t = match sr {
                    StateRef::Pre(i) => names::field_fun(&f.name, &f.sort).at(i),
                    StateRef::Init(i) => names::init_fun(&f.name, &f.sort).at(i),
                    StateRef::Old(i) => {
                        self.used_old = true;
                        names::old_fun(&f.name, &f.sort).at(i)
                    }
                    StateRef::SelfCur => names::cur_var(&f.name, &f.sort).t(),
                };
                Ok(Val::T(t))
            }
            (Val::Io, Member::Named(id)) if id == "initial" => match &self.io {
                Some(s) => Ok(Val::T(psync_logic::Fun::new(format!("{}initial", names::IO), vec![Sort::P], s.clone()).at(names::self_var().t()))),
                None => err(e.span(), "no IO here", "unsupported"),
            },
            (Val::T(t), Member::Unnamed(ix)) => match t.sort() {
                Sort::Tuple(cs) if (ix.index as usize) < cs.len() => Ok(Val::T(terms::proj(t, ix.index as usize))),
                _ => err(e.span(), "no such tuple component", "not a tuple component"),
            },
            (Val::T(_), Member::Named(id)) => err(id.span(), format!("unknown field `{id}`"), "fields are read on process states only"),
            _ => err(e.span(), "unsupported field access", "unsupported"),
        }
    }

    fn cast(&mut self, c: &syn::ExprCast) -> FeResult<Val> {
        let target = match &*c.ty {
            syn::Type::Path(p) => p.path.get_ident().map(|i| i.to_string()).unwrap_or_default(),
            _ => String::new(),
        };
        if !is_int_type(&target) {
            return err(c.ty.span(), "only casts between integer types are supported", "unsupported cast");
        }
        Ok(Val::T(self.int_term(&c.expr)?))
    }

    /// `if c { a } else { b }` as a value (`None` in one branch takes the
    /// other's sort; in both, the `if` is an untyped `None` too).
    fn if_expr(&mut self, i: &syn::ExprIf) -> FeResult<Val> {
        let Some((_, els)) = &i.else_branch else {
            return err(i.span(), "an `if` used as a value needs an `else`", "missing else");
        };
        let (cond, binds) = self.condition(&i.cond)?;
        let a = self.scoped(binds, |cx| match cx.pure_block(&i.then_branch)? {
            v @ (Val::T(_) | Val::NoneLit) => Ok(v),
            _ => cx.expected(i.then_branch.span(), "a value"),
        })?;
        let v = self.expr(els)?;
        let (a, b) = match (a, v) {
            (Val::NoneLit, Val::NoneLit) => return Ok(Val::NoneLit),
            (Val::NoneLit, Val::T(b)) => match b.sort() {
                Sort::Opt(inner) => (build::none(*inner), b),
                other => return err(i.then_branch.span(), format!("type mismatch: the `else` is {}, this is `None`", sort_name(&other)), "wrong type"),
            },
            (Val::T(a), v) => {
                let b = self.coerce(els, v, &a.sort())?;
                (a, b)
            }
            (Val::NoneLit, _) => return self.expected(els.span(), "a value"),
            _ => unreachable!("the `then` branch is a value"),
        };
        Ok(Val::T(terms::ite(cond, a, b)))
    }

    /// A condition: a boolean, or `let pat = e` ([`Cx::test_pat`]).
    /// Returns the guard and the bindings valid where it holds.
    pub fn condition(&mut self, c: &Expr) -> FeResult<(Term, Vec<Binding>)> {
        if let Expr::Let(l) = c {
            let v = self.term(&l.expr)?;
            return self.test_pat(&l.pat, v);
        }
        Ok((self.bool_term(c)?, Vec::new()))
    }

    /// `{ let …; e }` without side effects: lets bind values directly.
    pub fn pure_block(&mut self, b: &syn::Block) -> FeResult<Val> {
        self.block_with(b, |cx, e| cx.expr(e))
    }

    /// A block of pure `let`s ending in an expression handled by `last`.
    pub fn block_with<T>(&mut self, b: &syn::Block, last: impl FnOnce(&mut Self, &Expr) -> FeResult<T>) -> FeResult<T> {
        let depth = self.scope.len();
        let out = self.pure_stmts(&b.stmts, b.span(), last);
        self.scope.truncate(depth);
        out
    }

    fn pure_stmts<T>(
        &mut self,
        stmts: &[syn::Stmt],
        span: proc_macro2::Span,
        last_expr: impl FnOnce(&mut Self, &Expr) -> FeResult<T>,
    ) -> FeResult<T> {
        for (k, s) in stmts.iter().enumerate() {
            let last = k + 1 == stmts.len();
            match s {
                syn::Stmt::Local(l) => {
                    let Some(init) = &l.init else {
                        return err(l.span(), "a `let` needs a value", "no value");
                    };
                    if init.diverge.is_some() {
                        return err(l.span(), "`let … else` is outside the subset", "unsupported");
                    }
                    let v = self.expr(&init.expr)?;
                    if let Val::T(t) = &v {
                        super::depth::check_term(t, l.span(), "this `let`")?;
                    }
                    let binds = self.bind_pat(&l.pat, v)?;
                    self.scope.extend(binds);
                }
                syn::Stmt::Expr(e, None) if last => return last_expr(self, e),
                other => {
                    if let Some(span) = return_in(other) {
                        return err_help(span, "`return` is outside the verifiable subset", "early return", RETURN_HELP);
                    }
                    return err(other.span(), "statement outside the subset of a value block", "unsupported statement");
                }
            }
        }
        err(span, "this block has no value", "missing final expression")
    }

    /// Apply a closure (given as an expression) to argument values, by inlining.
    pub fn apply(&mut self, f: &Expr, args: Vec<Val>) -> FeResult<Val> {
        let Val::Closure(c) = self.expr(f)? else {
            return self.expected(f.span(), "a closure");
        };
        self.apply_closure(f, &c, args)
    }

    /// Apply a closure value.
    pub fn apply_closure(&mut self, at: &Expr, c: &Closure, args: Vec<Val>) -> FeResult<Val> {
        if c.params.len() != args.len() {
            return err(at.span(), format!("this closure takes {} argument(s), {} given", c.params.len(), args.len()), "wrong number of arguments");
        }
        let mut binds = Vec::new();
        for (p, a) in c.params.iter().zip(args) {
            binds.extend(self.bind_pat(p, a)?);
        }
        let saved = std::mem::replace(&mut self.scope, c.scope.clone());
        self.scope.extend(binds);
        let out = self.expr(&c.body);
        self.scope = saved;
        out
    }

    /// The declared sort of a closure's single parameter, if annotated.
    pub fn closure_param_sort(&mut self, f: &Expr) -> FeResult<Option<Sort>> {
        let Val::Closure(c) = self.expr(f)? else {
            return self.expected(f.span(), "a closure");
        };
        match c.params.as_slice() {
            [Pat::Type(t)] => Ok(Some(sort_of(&t.ty)?.sort)),
            [_] => Ok(None),
            _ => err(f.span(), "expected a closure with one parameter", "wrong number of parameters"),
        }
    }

    /// The name of a closure's single parameter (for readable bound variables).
    pub fn closure_param_name(&mut self, f: &Expr) -> String {
        if let Expr::Closure(c) = f
            && let Some(p) = c.inputs.first()
            && let Pat::Ident(id) = strip_type(p)
        {
            return id.ident.to_string();
        }
        "x".to_string()
    }

    /// `Q x:sort. f(x)` for a one-parameter closure `f`.
    pub fn bind_closure(&mut self, f: &Expr, sort: Sort) -> FeResult<(psync_logic::Var, Term)> {
        let base = self.closure_param_name(f);
        let v = self.fresh_var(&base, sort);
        let body = match self.apply(f, vec![Val::T(v.t())])? {
            Val::T(t) if t.sort() == Sort::Bool => t,
            _ => return err(f.span(), "the closure must return a bool", "not a predicate"),
        };
        Ok((v, body))
    }
}

fn strip_type(p: &Pat) -> &Pat {
    match p {
        Pat::Type(t) => strip_type(&t.pat),
        Pat::Reference(r) => strip_type(&r.pat),
        other => other,
    }
}

/// `a::b::c` as text.
pub fn path_str(p: &syn::Path) -> String {
    p.segments.iter().map(|s| s.ident.to_string()).collect::<Vec<_>>().join("::")
}
