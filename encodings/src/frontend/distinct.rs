//! `w.distinct(|i| w[i].x)` and `w.distinct_where(|i| φ, |i| w[i].x)`: the
//! number of distinct values a state field takes (at the processes
//! satisfying `φ`), read as `|{v | ∃i. φ(i) ∧ x(i) = v}|` ([`crate::distinct`]).

use psync_logic::{Sort, Term};
use syn::spanned::Spanned;
use syn::{Expr, ExprMethodCall};

use crate::ir::names;

use super::cx::{Cx, Val};
use super::error::{FeResult, err, err_help};

impl Cx<'_> {
    /// `w.distinct(value)` / `w.distinct_where(filter, value)`.
    pub(super) fn distinct_call(&mut self, m: &ExprMethodCall, name: &str) -> FeResult<Val> {
        let want = if name == "distinct" { 1 } else { 2 };
        if m.args.len() != want {
            let shape = if want == 1 { "`w.distinct(|i| w[i].field)`" } else { "`w.distinct_where(|i| condition, |i| w[i].field)`" };
            return err_help(m.span(), format!("`{name}` takes {want} closure(s)"), "wrong number of arguments", format!("write {shape}"));
        }
        let value_fn = m.args.last().expect("one or two arguments");
        let base = self.closure_param_name(value_fn);
        let i = self.fresh_var(&base, Sort::P);
        let filter = match m.args.first() {
            Some(f) if want == 2 => match self.apply(f, vec![Val::T(i.t())])? {
                Val::T(t) if t.sort() == Sort::Bool => t,
                _ => return err(f.span(), "the condition of `distinct_where` must return a bool", "not a predicate"),
            },
            _ => Term::Bool(true),
        };
        let value = match self.apply(value_fn, vec![Val::T(i.t())])? {
            Val::T(t) => t,
            _ => return self.expected(value_fn.span(), "a state field"),
        };
        self.counted_field(value_fn, &value, &i)?;
        let v = self.fresh_var(&format!("{base}.value"), value.sort());
        Ok(Val::T(crate::distinct::count(i, v, filter, value)))
    }

    /// Only a field read at the closure's process is counted: `w[i].x`,
    /// `w.init(i).x` or `w.old(i).x`, of a sort other than a set.
    fn counted_field(&self, at: &Expr, value: &Term, i: &psync_logic::Var) -> FeResult<()> {
        let body = match at {
            Expr::Closure(c) => &*c.body,
            other => other,
        };
        let is_field = |f: &psync_logic::Fun| {
            self.fields.iter().any(|x| {
                f.name == x.name || f.name == names::init_fun(&x.name, &x.sort).name || f.name == names::old_fun(&x.name, &x.sort).name
            })
        };
        match value {
            Term::App(f, args) if is_field(f) && args.as_slice() == [i.t()] => {
                if matches!(value.sort(), Sort::Set(_)) {
                    return err_help(body.span(), "`distinct` cannot count set values", "a set-valued field", "count the values of a field of type integer, bool, ProcessId, Option or tuple");
                }
                Ok(())
            }
            _ => err_help(
                body.span(),
                "`distinct` counts the values of a state field",
                "not a field of the closure's process",
                "write `|i| w[i].field` (or `w.init(i).field`, `w.old(i).field`); to count the values of an expression, keep it in a (ghost) field",
            ),
        }
    }
}
