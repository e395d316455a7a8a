//! Printing flat queries as SMT-LIB2 scripts (deterministic output).
//!
//! Sorts are declared in the order of their mangled names, functions in the
//! order of their names, assertions in query order. Symbols that are not
//! simple SMT-LIB symbols are quoted with `|…|`; bound variables are renamed
//! (`x` ↦ `x_1`) only when their name is taken by a function symbol or by an
//! enclosing variable of another sort, or is reserved; a function whose
//! name is reserved (`echo`, `and`) is printed under an alias (`echo_1`,
//! [`Rendered::aliases`]) by which its model is read back.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::time::Duration;

use crate::smt::query::{PROC_COUNT, is_uninterpreted};
use crate::smt::symbols::{is_reserved, quote, sort_symbol};
use crate::smt::{Signature, SmtError, SmtQuery, SolverConfig};
use crate::{Binder, Op, Sort, Term, Var, fresh_name};

/// A query printed in SMT-LIB2, split into its parts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rendered {
    /// The query's signature.
    pub signature: Signature,
    /// `declare-sort` and `declare-fun` lines.
    pub declarations: String,
    /// One `(assert …)` line per assertion of the query.
    pub assertions: Vec<String>,
    /// The printed name of each function whose own name is reserved
    /// (a state field named `echo`): how the model names it.
    pub aliases: BTreeMap<String, String>,
}

impl Rendered {
    /// Declarations and assertions, without options or commands.
    pub fn body(&self) -> String {
        let mut s = self.declarations.clone();
        for a in &self.assertions {
            s.push_str(a);
            s.push('\n');
        }
        s
    }

    /// A complete script: the option lines, the body, `(check-sat)`.
    pub fn script(&self, options: &[String]) -> String {
        let mut s = String::new();
        for o in options {
            s.push_str(o);
            s.push('\n');
        }
        s.push_str(&self.body());
        s.push_str("(check-sat)\n");
        s
    }
}

/// The SMT-LIB2 name of a sort: `Bool`, `Int`, or the mangled name of an
/// uninterpreted sort (characters that would need quoting are escaped as
/// `_xHH_`, with an `S_` prefix).
pub fn print_sort(s: &Sort) -> String {
    if is_uninterpreted(s) { sort_symbol(s) } else { s.mangle() }
}

/// Z3's `set-option` lines for a configuration, with an optional timeout.
pub fn z3_options(config: &SolverConfig, timeout: Option<Duration>) -> Vec<String> {
    let mut v = vec![
        "(set-option :print-success false)".to_string(),
        "(set-option :produce-models true)".to_string(),
        format!("(set-option :smt.random_seed {})", config.seed),
        format!("(set-option :smt.mbqi {})", config.mbqi),
    ];
    if let Some(t) = timeout {
        v.push(format!("(set-option :timeout {})", timeout_millis(t)));
    }
    v
}

/// A timeout in milliseconds as solvers take it: at least 1, below `u32::MAX`.
pub(crate) fn timeout_millis(t: Duration) -> u32 {
    t.as_millis().clamp(1, u128::from(u32::MAX - 1)) as u32
}

/// Check the fragment and print the query.
pub fn render(q: &SmtQuery) -> Result<Rendered, SmtError> {
    let signature = q.signature()?;
    let mut taken: BTreeSet<String> = signature.funs.iter().map(|f| f.name.clone()).collect();
    for a in &q.assertions {
        a.visit(&mut |t| {
            if let Term::Bind(_, vs, _) = t {
                taken.extend(vs.iter().map(|v| v.name.clone()));
            }
        });
    }
    let mut aliases = BTreeMap::new();
    for f in signature.funs.iter().filter(|f| is_reserved(&f.name)) {
        let alias = fresh_name(&f.name, &taken.iter().cloned().collect::<Vec<_>>());
        taken.insert(alias.clone());
        aliases.insert(f.name.clone(), alias);
    }
    let printed = |f: &crate::Fun| aliases.get(&f.name).cloned().unwrap_or_else(|| f.name.clone());
    let mut declarations = String::new();
    for s in &signature.sorts {
        let _ = writeln!(declarations, "(declare-sort {} 0)", print_sort(s));
    }
    for f in &signature.funs {
        let args: Vec<String> = f.args.iter().map(print_sort).collect();
        let _ = writeln!(declarations, "(declare-fun {} ({}) {})", quote(&printed(f)), args.join(" "), print_sort(&f.ret));
    }
    let printer = Printer { funs: signature.funs.iter().map(printed).collect(), taken, aliases: aliases.clone() };
    let assertions = q
        .assertions
        .iter()
        .map(|a| {
            let mut out = String::from("(assert ");
            printer.term(a, &mut Vec::new(), &mut out);
            out.push(')');
            out
        })
        .collect();
    Ok(Rendered { signature, declarations, assertions, aliases })
}

/// The whole script Z3 is given for `q` (options, declarations, assertions,
/// `(check-sat)`).
pub fn to_script(q: &SmtQuery, config: &SolverConfig, timeout: Option<Duration>) -> Result<String, SmtError> {
    Ok(render(q)?.script(&z3_options(config, timeout)))
}

struct Printer {
    /// Function symbol names (bound variables must not reuse them).
    funs: BTreeSet<String>,
    /// Every name in the query, for fresh renaming.
    taken: BTreeSet<String>,
    /// [`Rendered::aliases`].
    aliases: BTreeMap<String, String>,
}

impl Printer {
    fn bind_name(&self, v: &Var, env: &[(Var, String)]) -> String {
        let clashes = |cand: &str| {
            self.funs.contains(cand)
                || is_reserved(cand)
                || env.iter().any(|(w, printed)| printed == cand && w != v)
        };
        if !clashes(&v.name) {
            return v.name.clone();
        }
        let mut taken: Vec<String> = self.taken.iter().cloned().collect();
        taken.extend(env.iter().map(|(_, p)| p.clone()));
        loop {
            let cand = fresh_name(&v.name, &taken);
            if !clashes(&cand) {
                return cand;
            }
            taken.push(cand);
        }
    }

    fn list(&self, head: &str, args: &[Term], env: &mut Vec<(Var, String)>, out: &mut String) {
        out.push('(');
        out.push_str(head);
        for a in args {
            out.push(' ');
            self.term(a, env, out);
        }
        out.push(')');
    }

    /// `k * a` or `a / k` on `Real`: the integer literal `k` printed as a
    /// decimal (SMT-LIB's `Real` operators take `Real` operands).
    fn real_scale(&self, op: &Op, args: &[Term], env: &mut Vec<(Var, String)>, out: &mut String) {
        out.push_str(if *op == Op::Mul { "(*" } else { "(/" });
        for a in args {
            out.push(' ');
            match a {
                Term::Int(k) if *k < 0 => {
                    let _ = write!(out, "(- {}.0)", k.unsigned_abs());
                }
                Term::Int(k) => {
                    let _ = write!(out, "{k}.0");
                }
                other => self.term(other, env, out),
            }
        }
        out.push(')');
    }

    /// `head` applied to `args`, with the neutral element for none and the
    /// argument itself for one.
    fn nary(&self, head: &str, unit: &str, args: &[Term], env: &mut Vec<(Var, String)>, out: &mut String) {
        match args {
            [] => out.push_str(unit),
            [a] => self.term(a, env, out),
            _ => self.list(head, args, env, out),
        }
    }

    fn term(&self, t: &Term, env: &mut Vec<(Var, String)>, out: &mut String) {
        match t {
            Term::Var(v) => {
                let printed = env.iter().rev().find(|(w, _)| w == v).map(|(_, p)| p.clone());
                out.push_str(&quote(&printed.unwrap_or_else(|| v.name.clone())));
            }
            Term::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Term::Int(k) if *k < 0 => {
                let _ = write!(out, "(- {})", k.unsigned_abs());
            }
            Term::Int(k) => {
                let _ = write!(out, "{k}");
            }
            Term::App(f, args) => {
                let name = quote(self.aliases.get(&f.name).unwrap_or(&f.name));
                match args.is_empty() {
                    true => out.push_str(&name),
                    false => self.list(&name, args, env, out),
                }
            }
            Term::Bind(b, vs, body) => {
                if vs.is_empty() {
                    return self.term(body, env, out);
                }
                let k = env.len();
                let q = if *b == Binder::Forall { "forall" } else { "exists" };
                let _ = write!(out, "({q} (");
                for (i, v) in vs.iter().enumerate() {
                    let name = self.bind_name(v, env);
                    let _ = write!(out, "{}({} {})", if i > 0 { " " } else { "" }, quote(&name), print_sort(&v.sort));
                    env.push((v.clone(), name));
                }
                out.push_str(") ");
                self.term(body, env, out);
                out.push(')');
                env.truncate(k);
            }
            Term::Op(op, args) => match op {
                Op::Not => self.list("not", args, env, out),
                Op::And => self.nary("and", "true", args, env, out),
                Op::Or => self.nary("or", "false", args, env, out),
                Op::Implies => self.list("=>", args, env, out),
                Op::Iff | Op::Eq => self.list("=", args, env, out),
                Op::Ite => self.list("ite", args, env, out),
                Op::Add => self.nary("+", "0", args, env, out),
                Op::Sub | Op::Neg => self.list("-", args, env, out),
                Op::Mul | Op::Div if t.sort() == Sort::Real => self.real_scale(op, args, env, out),
                Op::Mul => self.list("*", args, env, out),
                Op::Div => self.list("div", args, env, out),
                Op::ToReal => self.list("to_real", args, env, out),
                Op::Mod => self.list("mod", args, env, out),
                Op::Lt => self.list("<", args, env, out),
                Op::Le => self.list("<=", args, env, out),
                Op::Gt => self.list(">", args, env, out),
                Op::Ge => self.list(">=", args, env, out),
                Op::ProcCount => out.push_str(PROC_COUNT),
                // `render` checked the fragment first.
                other => {
                    let _ = write!(out, "(unsupported {other:?})");
                }
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::*;

    #[test]
    fn prints_declarations_and_assertions_deterministically() {
        let x = fun("x'", vec![Sort::P], Sort::Int);
        let a = cnst("A", Sort::set(Sort::P));
        let inn = fun("in", vec![Sort::P, Sort::set(Sort::P)], Sort::Bool);
        let p = var("p", Sort::P);
        let q = SmtQuery::new(vec![
            forall(vec![p.clone()], implies(inn.app(vec![p.t(), a.clone()]), gt(mul(3, x.at(p.t())), n()))),
            and(vec![]),
            ge(sub(add(int(-2), n()), modulo(div(n(), 3), 2)), neg_(int(1))),
        ]);
        let r = render(&q).unwrap();
        assert_eq!(
            r.declarations,
            "(declare-sort P 0)\n(declare-sort Set_P 0)\n(declare-fun A () Set_P)\n\
             (declare-fun in (P Set_P) Bool)\n(declare-fun n () Int)\n(declare-fun |x'| (P) Int)\n"
        );
        assert_eq!(
            r.assertions,
            vec![
                "(assert (forall ((p P)) (=> (in p A) (> (* 3 (|x'| p)) n))))".to_string(),
                "(assert true)".to_string(),
                "(assert (>= (- (+ (- 2) n) (mod (div n 3) 2)) (- 1)))".to_string(),
            ]
        );
        assert_eq!(render(&q).unwrap(), r, "printing is deterministic");
        let script = r.script(&z3_options(&SolverConfig::default(), Some(Duration::from_millis(1500))));
        assert!(script.starts_with("(set-option :print-success false)\n"));
        assert!(script.contains("(set-option :timeout 1500)\n"));
        assert!(script.ends_with(")\n(check-sat)\n"));
    }

    fn neg_(t: Term) -> Term {
        Term::Op(Op::Neg, vec![t])
    }

    #[test]
    fn bound_variables_avoid_function_names_and_enclosing_variables() {
        // a bound `n` must not capture the constant n; a bound `x : Int` inside
        // a binder of `x : P` must not hide the outer one.
        let f = fun("f", vec![Sort::P], Sort::Int);
        let xp = var("x", Sort::P);
        let xi = var("x", Sort::Int);
        let nv = var("n", Sort::Int);
        let q = SmtQuery::new(vec![forall(
            vec![xp.clone()],
            exists(vec![xi.clone(), nv.clone()], and(vec![eq(f.at(xp.t()), xi.t()), lt(nv.t(), n())])),
        )]);
        let r = render(&q).unwrap();
        assert_eq!(
            r.assertions[0],
            "(assert (forall ((x P)) (exists ((x_1 Int) (n_1 Int)) (and (= (f x) x_1) (< n_1 n)))))"
        );
    }
}
