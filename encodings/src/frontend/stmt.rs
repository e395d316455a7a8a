//! `update` bodies → IR statements: `let`, assignments to state fields
//! (plain and compound), `if`/`else if`/`else`, `if let Some(..)`, blocks.
//! Also enforces the ghost discipline: non-ghost state never depends on a
//! ghost field.

use psync_logic::Sort;
use syn::spanned::Spanned;
use syn::{BinOp, Expr, Member};

use crate::ir::Stmt;

use super::cx::{Binding, Cx, StateRef, Val};
use super::error::{FeResult, err, err_help};

impl Cx<'_> {
    /// Translate an `update` block.
    pub fn update_block(&mut self, b: &syn::Block) -> FeResult<Vec<Stmt>> {
        let depth = self.scope.len();
        let mut out = Vec::new();
        let res = b.stmts.iter().try_for_each(|s| self.update_stmt(s, &mut out));
        self.scope.truncate(depth);
        res.map(|()| out)
    }

    /// Translate `f` while watching whether it reads ghost state.
    fn probe_ghost<T>(&mut self, f: impl FnOnce(&mut Self) -> FeResult<T>) -> FeResult<(T, bool)> {
        let before = std::mem::replace(&mut self.ghost_read, false);
        let out = f(self);
        let ghost = self.ghost_read || self.ghost_ctx;
        self.ghost_read = before;
        out.map(|t| (t, ghost))
    }

    fn flush(&mut self, out: &mut Vec<Stmt>) {
        out.append(&mut self.pending);
    }

    /// Bindings become SSA `let`s so later assignments cannot change them.
    fn let_bindings(&mut self, binds: Vec<Binding>, ghost: bool, out: &mut Vec<Stmt>) -> Vec<Binding> {
        binds
            .into_iter()
            .map(|b| match b.val {
                Val::T(t) => {
                    let var = self.fresh_var(&b.name, t.sort());
                    out.push(Stmt::Let { var: var.clone(), value: t });
                    Binding { name: b.name, val: Val::T(var.t()), ghost }
                }
                val => Binding { name: b.name, val, ghost },
            })
            .collect()
    }

    fn update_stmt(&mut self, s: &syn::Stmt, out: &mut Vec<Stmt>) -> FeResult<()> {
        match s {
            syn::Stmt::Local(l) => {
                let Some(init) = &l.init else {
                    return err(l.span(), "a `let` needs a value", "no value");
                };
                if init.diverge.is_some() {
                    return err(l.span(), "`let … else` is outside the subset", "unsupported");
                }
                let (v, ghost) = self.probe_ghost(|cx| cx.expr(&init.expr))?;
                let binds = self.bind_pat(&l.pat, v)?;
                self.flush(out);
                let binds = self.let_bindings(binds, ghost, out);
                self.scope.extend(binds);
                Ok(())
            }
            syn::Stmt::Expr(e, _) => self.update_expr_stmt(e, out),
            syn::Stmt::Macro(m) => err_help(
                m.span(),
                "macro statement outside the verifiable subset",
                "unsupported macro",
                "the verifier cannot see through macros; move logging or assertions out of `update`",
            ),
            syn::Stmt::Item(i) => err(i.span(), "items inside `update` are outside the subset", "unsupported item"),
        }
    }

    fn update_expr_stmt(&mut self, e: &Expr, out: &mut Vec<Stmt>) -> FeResult<()> {
        match e {
            Expr::Assign(a) => {
                let field = self.assign_target(&a.left)?;
                let (value, ghost) = self.probe_ghost(|cx| cx.term_of(&a.right, &field.1))?;
                self.assign(e, field.0, value, ghost, out)
            }
            Expr::Binary(b) if compound(&b.op).is_some() => {
                let field = self.assign_target(&b.left)?;
                let op = compound(&b.op).expect("checked above");
                let plain = Expr::Binary(syn::ExprBinary { attrs: Vec::new(), left: b.left.clone(), op, right: b.right.clone() });
                let (value, ghost) = self.probe_ghost(|cx| cx.term_of(&plain, &field.1))?;
                self.assign(e, field.0, value, ghost, out)
            }
            Expr::If(i) => self.if_stmt(i, out),
            Expr::Block(b) if b.label.is_none() => {
                let inner = self.update_block(&b.block)?;
                out.extend(inner);
                Ok(())
            }
            Expr::Paren(p) => self.update_expr_stmt(&p.expr, out),
            Expr::Return(_) => err_help(e.span(), "`return` is outside the verifiable subset", "early return", "use `if`/`else`"),
            _ => {
                // Report the construct's own error (loops, match, …) when it has one.
                self.expr(e)?;
                err(e.span(), "statement outside the verifiable subset", "unsupported statement")
            }
        }
    }

    fn assign(&mut self, e: &Expr, field: String, value: psync_logic::Term, ghost: bool, out: &mut Vec<Stmt>) -> FeResult<()> {
        let f = self.field(e.span(), &field)?;
        if ghost && !f.ghost {
            return err_help(
                e.span(),
                format!("non-ghost field `{field}` depends on ghost state"),
                "ghost value flows here",
                "ghost fields exist for the proof only: they may be read only to update other ghost fields",
            );
        }
        self.flush(out);
        out.push(Stmt::Assign { field, value });
        Ok(())
    }

    /// `p.field` on the left of an assignment: the field's name and sort.
    fn assign_target(&mut self, left: &Expr) -> FeResult<(String, Sort)> {
        if let Expr::Field(f) = left
            && let Member::Named(id) = &f.member
            && let Val::State(StateRef::SelfCur) = self.expr(&f.base)?
        {
            let name = id.to_string();
            if !self.fields.iter().any(|fd| fd.name == name) && self.params.iter().any(|p| p.name == name) {
                return err_help(id.span(), format!("`{name}` is a parameter: it cannot be assigned"), "a parameter", "parameters are rigid, one value for the whole run; keep values that change in state fields");
            }
            let fld = self.field(id.span(), &id.to_string())?;
            return Ok((fld.name.clone(), fld.sort.clone()));
        }
        if let Expr::MethodCall(m) = left
            && m.method == "param"
        {
            return err_help(left.span(), "a parameter cannot be assigned: it is rigid, one value for the whole run", "a parameter", "keep values that change in state fields");
        }
        if let Expr::Path(path) = left
            && path.path.get_ident().is_some()
        {
            return err_help(
                left.span(),
                "only fields of the process state can be assigned: a local `let` binding is immutable",
                "a local binding",
                "bind the final value once (`let v = if c { a } else { b };`), or keep it in a state field",
            );
        }
        err(left.span(), "only fields of the process state can be assigned", "not a state field")
    }

    fn if_stmt(&mut self, i: &syn::ExprIf, out: &mut Vec<Stmt>) -> FeResult<()> {
        let ((cond, binds), ghost) = self.probe_ghost(|cx| cx.condition(&i.cond))?;
        self.flush(out);
        let saved = self.ghost_ctx;
        self.ghost_ctx = ghost;
        let res = (|| {
            let mut then = Vec::new();
            let binds = self.let_bindings(binds, ghost, &mut then);
            let body = self.scoped(binds, |cx| cx.update_block(&i.then_branch))?;
            then.extend(body);
            let els = match &i.else_branch {
                None => Vec::new(),
                Some((_, e)) => match &**e {
                    Expr::Block(b) => self.update_block(&b.block)?,
                    Expr::If(i2) => {
                        let mut v = Vec::new();
                        self.if_stmt(i2, &mut v)?;
                        v
                    }
                    other => return err(other.span(), "unsupported `else`", "unsupported"),
                },
            };
            Ok((then, els))
        })();
        self.ghost_ctx = saved;
        let (then, els) = res?;
        out.push(Stmt::If { cond, then, els });
        Ok(())
    }
}

/// The plain operator of a compound assignment (`+=` → `+`).
fn compound(op: &BinOp) -> Option<BinOp> {
    Some(match op {
        BinOp::AddAssign(t) => BinOp::Add(syn::token::Plus(t.spans[0])),
        BinOp::SubAssign(t) => BinOp::Sub(syn::token::Minus(t.spans[0])),
        BinOp::MulAssign(t) => BinOp::Mul(syn::token::Star(t.spans[0])),
        BinOp::DivAssign(t) => BinOp::Div(syn::token::Slash(t.spans[0])),
        BinOp::RemAssign(t) => BinOp::Rem(syn::token::Percent(t.spans[0])),
        BinOp::BitAndAssign(t) => BinOp::BitAnd(syn::token::And(t.spans[0])),
        BinOp::BitOrAssign(t) => BinOp::BitOr(syn::token::Or(t.spans[0])),
        _ => return None,
    })
}

