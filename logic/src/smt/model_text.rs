//! Z3's textual `(get-model)` answer: parsing it with `smt2parser` and
//! evaluating its `define-fun` bodies (both back ends read their models as
//! this text).
//!
//! Z3 4.8 prints `( (declare-fun P!val!0 () P) (forall ((x P)) …) (define-fun …) … )`:
//! the outer parentheses are stripped, the `forall` cardinality constraints
//! dropped, the `declare-fun`s of universe elements give the universes (in
//! order), and the `define-fun`s are interpreted by a small evaluator
//! (`ite`, Boolean connectives, `=`, `distinct`, linear arithmetic, `let`,
//! numerals, element constants, calls of other definitions).

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;

use indexmap::IndexMap;
use smt2parser::concrete::{Command, Constant, QualIdentifier, Sort as PSort, Term as PTerm};
use smt2parser::visitors::Identifier;
use smt2parser::{CommandStream, concrete};

use crate::smt::SmtError;
use crate::smt::decode::{Explicit, RawModel};
use crate::smt::disjunct_index::{DisjunctIndex, MIN_DISJUNCTS};
use crate::smt::sexpr::split_top;
use crate::smt::symbols::{sort_symbol, symbol_of_mangled};
use crate::{Fun, Sort, Value};
use num_rational::Ratio;
use num_traits::{CheckedAdd, CheckedDiv, CheckedMul, CheckedSub, Zero};

/// The rationals of a model, wide enough for its intermediate sums.
type Q = Ratio<i128>;

/// A decimal or `num/den` as the parser prints its rationals.
fn parse_rational(text: &str) -> Result<Ratio<i128>, SmtError> {
    let bad = || derr(format!("rational {text} does not fit in 128 bits"));
    let int = |s: &str| s.trim().parse::<i128>().map_err(|_| bad());
    match text.split_once('/') {
        Some((n, d)) => {
            let d = int(d)?;
            if d == 0 {
                return Err(derr(format!("rational {text} with denominator 0")));
            }
            Ok(Ratio::new(int(n)?, d))
        }
        None => Ok(Ratio::from_integer(int(text)?)),
    }
}

/// `+ * - < <= > >=` over integers.
fn int_app(name: &str, v: &[i128]) -> Result<MVal, SmtError> {
    let over = || derr("integer overflow in a model");
    let cmp = |f: fn(&i128, &i128) -> bool| match v {
        [x, y] => Ok(MVal::Bool(f(x, y))),
        _ => Err(derr(format!("`{name}` with {} arguments", v.len()))),
    };
    Ok(match (name, v) {
        ("+", _) => MVal::Int(v.iter().try_fold(0i128, |s, k| s.checked_add(*k)).ok_or_else(over)?),
        ("*", _) => MVal::Int(v.iter().try_fold(1i128, |s, k| s.checked_mul(*k)).ok_or_else(over)?),
        ("-", [x]) => MVal::Int(x.checked_neg().ok_or_else(over)?),
        ("-", [x, rest @ ..]) => MVal::Int(rest.iter().try_fold(*x, |s, k| s.checked_sub(*k)).ok_or_else(over)?),
        ("-", []) => return Err(derr("`-` without arguments")),
        ("<", _) => cmp(|x, y| x < y)?,
        ("<=", _) => cmp(|x, y| x <= y)?,
        (">", _) => cmp(|x, y| x > y)?,
        _ => cmp(|x, y| x >= y)?,
    })
}

/// `+ - * / to_real < <= > >=` over the rationals (integer operands are
/// read as rationals, as SMT-LIB's mixed numerals are).
fn real_app(name: &str, vals: Vec<MVal>) -> Result<MVal, SmtError> {
    let mut v = Vec::with_capacity(vals.len());
    for x in vals {
        v.push(match x {
            MVal::Real(q) => q,
            MVal::Int(k) => Ratio::from_integer(k),
            other => return Err(derr(format!("expected a number, got {other:?}"))),
        });
    }
    let over = || derr("rational overflow in a model");
    let fold = |init: Q, f: fn(&Q, &Q) -> Option<Q>| v.iter().try_fold(init, |s, k| f(&s, k)).ok_or_else(over);
    let cmp = |f: fn(&Q, &Q) -> bool| match &v[..] {
        [x, y] => Ok(MVal::Bool(f(x, y))),
        _ => Err(derr(format!("`{name}` with {} arguments", v.len()))),
    };
    Ok(match (name, &v[..]) {
        ("+", _) => MVal::Real(fold(Ratio::zero(), |s, k| s.checked_add(k))?),
        ("*", _) => MVal::Real(fold(Ratio::from_integer(1), |s, k| s.checked_mul(k))?),
        ("-", [x]) => MVal::Real(Ratio::zero().checked_sub(x).ok_or_else(over)?),
        ("-", [x, rest @ ..]) => MVal::Real(rest.iter().try_fold(*x, |s, k| s.checked_sub(k)).ok_or_else(over)?),
        ("/", [x, y]) if !y.is_zero() => MVal::Real(x.checked_div(y).ok_or_else(over)?),
        ("/", [_, _]) => return Err(derr("division by zero in a model")),
        ("to_real", [x]) => MVal::Real(*x),
        ("<", _) => cmp(|x, y| x < y)?,
        ("<=", _) => cmp(|x, y| x <= y)?,
        (">", _) => cmp(|x, y| x > y)?,
        (">=", _) => cmp(|x, y| x >= y)?,
        _ => return Err(derr(format!("`{name}` with {} arguments", v.len()))),
    })
}

/// A value while evaluating a model's definitions.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum MVal {
    Bool(bool),
    Int(i128),
    /// A rational (a value of sort `Real`).
    Real(Ratio<i128>),
    /// Element `k` of the sort with this (SMT) name.
    Elem(Rc<str>, u32),
}

struct Def {
    params: Vec<String>,
    /// The leading entries of the definition's `ite` chain whose condition
    /// pins every parameter to a literal, in chain order (only the first of
    /// equal argument tuples: the chain tests them in order). A table of a
    /// large model is thousands of entries long; looked up, not walked at
    /// every tuple it is tabulated at.
    entries: IndexMap<Vec<MVal>, PTerm>,
    /// The rest of the chain: the value at every other argument.
    body: PTerm,
}

/// Function tables nest thousands of `ite`s deep, and the parser's terms
/// drop recursively: take them apart with an explicit stack instead.
impl Drop for Def {
    fn drop(&mut self) {
        let hole = || PTerm::Constant(Constant::String(String::new()));
        let mut todo = vec![std::mem::replace(&mut self.body, hole())];
        while let Some(mut t) = todo.pop() {
            match &mut t {
                PTerm::Application { arguments, .. } => todo.append(arguments),
                PTerm::Let { var_bindings, term } => {
                    todo.extend(var_bindings.drain(..).map(|(_, v)| v));
                    todo.push(std::mem::replace(&mut **term, hole()));
                }
                PTerm::Forall { term, .. } | PTerm::Exists { term, .. } | PTerm::Attributes { term, .. } => {
                    todo.push(std::mem::replace(&mut **term, hole()));
                }
                _ => {}
            }
        }
    }
}

/// A parsed `(get-model)` answer.
pub(crate) struct TextModel {
    elems: BTreeMap<String, (Rc<str>, u32)>,
    universes: BTreeMap<String, u32>,
    defs: BTreeMap<String, Def>,
    /// Results of calls already evaluated. Z3's tables test their argument
    /// through auxiliary functions (`(= (k!3 x!0) P!val!7)` in every entry
    /// of a chain hundreds long): without this, tabulating one function of
    /// a 276-process model took 4.8 s.
    calls: RefCell<HashMap<String, HashMap<Vec<MVal>, MVal>>>,
    /// The index of each long disjunction met so far (`None`: not a table
    /// of points), by the address of its disjuncts, which live as long as
    /// the definitions.
    disjunctions: RefCell<HashMap<usize, Option<Rc<DisjunctIndex<MVal>>>>>,
    /// The name the model gives a function printed under an alias
    /// ([`crate::smt::smtlib::Rendered::aliases`]).
    aliases: BTreeMap<String, String>,
}

const MAX_DEPTH: usize = 200;

fn perr(msg: impl Into<String>) -> SmtError {
    SmtError::Parse(msg.into())
}

fn derr(msg: impl Into<String>) -> SmtError {
    SmtError::Decode(msg.into())
}

fn sort_name(s: &PSort) -> Result<String, SmtError> {
    match s {
        PSort::Simple { identifier: Identifier::Simple { symbol } } => Ok(symbol.0.clone()),
        other => Err(perr(format!("unexpected sort in a model: {other}"))),
    }
}

pub(super) fn qual_name(q: &QualIdentifier) -> Result<&str, SmtError> {
    let id = match q {
        QualIdentifier::Simple { identifier } | QualIdentifier::Sorted { identifier, .. } => identifier,
    };
    match id {
        Identifier::Simple { symbol } => Ok(&symbol.0),
        other => Err(derr(format!("indexed identifier {other} in a model"))),
    }
}

/// Parse Z3's answer to `(get-model)`.
pub(crate) fn parse_model(text: &str) -> Result<TextModel, SmtError> {
    let items = split_top(text)?;
    let [outer] = &items[..] else {
        return Err(perr(format!("expected one parenthesised model, got {} items", items.len())));
    };
    if outer.toks.len() < 2 || !outer.text.starts_with('(') {
        return Err(perr("the model is not a list"));
    }
    let inner = &outer.text[1..outer.text.len() - 1];
    let mut kept = String::new();
    for item in split_top(inner)? {
        if item.head() != Some("forall") {
            kept.push_str(item.text);
            kept.push('\n');
        }
    }
    let mut m = TextModel { elems: BTreeMap::new(), universes: BTreeMap::new(), defs: BTreeMap::new(), calls: RefCell::default(), disjunctions: RefCell::default(), aliases: BTreeMap::new() };
    for cmd in CommandStream::new(kept.as_bytes(), concrete::SyntaxBuilder, None) {
        match cmd.map_err(|e| perr(e.to_string()))? {
            Command::DeclareFun { symbol, parameters, sort } if parameters.is_empty() => {
                let s = sort_name(&sort)?;
                let k = m.universes.entry(s.clone()).or_insert(0);
                m.elems.insert(symbol.0, (Rc::from(s.as_str()), *k));
                *k += 1;
            }
            Command::DefineFun { sig, term } => {
                let params = sig.parameters.iter().map(|(p, _)| p.0.clone()).collect();
                m.defs.insert(sig.name.0, Def { params, entries: IndexMap::new(), body: term });
            }
            other => return Err(perr(format!("unexpected command in a model: {other}"))),
        }
    }
    // Z3 omits the universe of a sort that does not matter, yet may name its
    // elements (`Q!val!0`): such a sort has one element, the one named.
    let mut implicit: Vec<(String, String)> = Vec::new();
    for d in m.defs.values() {
        collect_elements(&d.body, &d.params, &mut implicit);
    }
    for (name, sort) in implicit {
        if m.elems.contains_key(&name) {
            continue;
        }
        if m.universes.contains_key(&sort) || m.elems.values().any(|(s, _)| **s == *sort) {
            return Err(derr(format!("`{name}` is not in the model's universe of {sort}, or is a second element of a sort without universe")));
        }
        m.elems.insert(name, (Rc::from(sort.as_str()), 0));
    }
    // The literals of the entries are elements and numbers only, which
    // evaluate without the definitions.
    let mut defs = std::mem::take(&mut m.defs);
    for def in defs.values_mut() {
        let body = std::mem::replace(&mut def.body, PTerm::Constant(Constant::String(String::new())));
        let (entries, rest) = m.split_table(body, &def.params);
        def.entries = entries;
        def.body = rest;
    }
    m.defs = defs;
    // Indexed while the tables were split, a disjunction may have been
    // dropped since: its address could name another.
    m.disjunctions.borrow_mut().clear();
    Ok(m)
}

/// Names `S!val!k` used in `t` (not parameters), with their sort `S`.
/// With an explicit stack: function tables nest thousands deep.
fn collect_elements(t: &PTerm, params: &[String], out: &mut Vec<(String, String)>) {
    let mut todo = vec![t];
    while let Some(t) = todo.pop() {
        match t {
            PTerm::QualIdentifier(q) => {
                if let Ok(name) = qual_name(q)
                    && let Some(pos) = name.rfind("!val!")
                    && !params.iter().any(|p| p == name)
                    && !out.iter().any(|(n, _)| n == name)
                {
                    out.push((name.to_string(), name[..pos].to_string()));
                }
            }
            PTerm::Application { arguments, .. } => todo.extend(arguments.iter().rev()),
            PTerm::Let { var_bindings, term } => {
                todo.push(term);
                todo.extend(var_bindings.iter().rev().map(|(_, v)| v));
            }
            PTerm::Attributes { term, .. } => todo.push(term),
            _ => {}
        }
    }
}

impl TextModel {
    fn to_mval(v: &Value) -> Result<MVal, SmtError> {
        Ok(match v {
            Value::Bool(b) => MVal::Bool(*b),
            Value::Int(k) => MVal::Int(i128::from(*k)),
            Value::Real(q) => MVal::Real(Ratio::new_raw(i128::from(*q.numer()), i128::from(*q.denom()))),
            Value::Proc(k) => MVal::Elem(Rc::from(sort_symbol(&Sort::P)), *k),
            Value::Elem(s, k) => MVal::Elem(Rc::from(symbol_of_mangled(s)), *k),
            other => return Err(derr(format!("value {other:?} is not a flat value"))),
        })
    }

    fn to_value(v: MVal, sort: &Sort) -> Result<Value, SmtError> {
        match (v, sort) {
            (MVal::Bool(b), Sort::Bool) => Ok(Value::Bool(b)),
            (MVal::Int(k), Sort::Int) => {
                i64::try_from(k).map(Value::Int).map_err(|_| derr(format!("integer {k} does not fit in 64 bits")))
            }
            (MVal::Real(q), Sort::Real) => {
                let fit = |k: &i128| i64::try_from(*k).ok();
                match (fit(q.numer()), fit(q.denom())) {
                    (Some(n), Some(d)) => Ok(Value::Real(num_rational::Rational64::new(n, d))),
                    _ => Err(derr(format!("rational {q} does not fit in 64-bit numerator and denominator"))),
                }
            }
            (MVal::Int(k), Sort::Real) => i64::try_from(k)
                .map(|k| Value::Real(k.into()))
                .map_err(|_| derr(format!("rational {k} does not fit in 64 bits"))),
            (MVal::Elem(s, k), Sort::P) if *s == *sort_symbol(&Sort::P) => Ok(Value::Proc(k)),
            (MVal::Elem(s, k), other) if *s == *sort_symbol(other) => Ok(Value::Elem(other.mangle(), k)),
            (v, s) => Err(derr(format!("model value {v:?} where {s} was expected"))),
        }
    }

    /// This model read with the functions printed under `aliases` known
    /// by their own names.
    pub(crate) fn with_aliases(mut self, aliases: &BTreeMap<String, String>) -> TextModel {
        self.aliases = aliases.clone();
        self
    }

    /// The name under which the model defines `f`.
    fn model_name<'a>(&'a self, f: &'a Fun) -> &'a str {
        self.aliases.get(&f.name).unwrap_or(&f.name)
    }

    fn def_of(&self, f: &Fun) -> Result<Option<&Def>, SmtError> {
        match self.defs.get(self.model_name(f)) {
            Some(d) if d.params.len() != f.args.len() => {
                Err(derr(format!("the model defines `{}` with {} parameters, expected {}", f.name, d.params.len(), f.args.len())))
            }
            d => Ok(d),
        }
    }

    fn int(&self, t: &PTerm, env: &[(String, MVal)], depth: usize) -> Result<i128, SmtError> {
        match self.eval(t, env, depth)? {
            MVal::Int(k) => Ok(k),
            v => Err(derr(format!("expected an integer, got {v:?}"))),
        }
    }

    fn boolean(&self, t: &PTerm, env: &[(String, MVal)], depth: usize) -> Result<bool, SmtError> {
        match self.eval(t, env, depth)? {
            MVal::Bool(b) => Ok(b),
            v => Err(derr(format!("expected a truth value, got {v:?}"))),
        }
    }

    fn call(&self, name: &str, args: Vec<MVal>, depth: usize) -> Result<MVal, SmtError> {
        let def = self.defs.get(name).ok_or_else(|| derr(format!("the model refers to the undefined symbol `{name}`")))?;
        if def.params.len() != args.len() {
            return Err(derr(format!("`{name}` called with {} arguments", args.len())));
        }
        if let Some(v) = self.calls.borrow().get(name).and_then(|c| c.get(&args)) {
            return Ok(v.clone());
        }
        let env: Vec<(String, MVal)> = def.params.iter().cloned().zip(args.iter().cloned()).collect();
        let t = def.entries.get(&args).unwrap_or(&def.body);
        let v = self.eval(t, &env, depth + 1)?;
        self.calls.borrow_mut().entry(name.to_string()).or_default().insert(args, v.clone());
        Ok(v)
    }

    fn eval(&self, t: &PTerm, env: &[(String, MVal)], depth: usize) -> Result<MVal, SmtError> {
        if depth > MAX_DEPTH {
            return Err(derr("model definitions nest too deeply (recursive?)"));
        }
        // Function tables come as `ite` chains thousands deep, and as `let`
        // nests hundreds deep: walk both in a loop (recursing overflowed a
        // 2 MB thread stack in a debug build), with one environment for the
        // whole nest (copying it at every `let` made a table of a
        // 240-process model take 9–16 s to tabulate).
        let mut t = t;
        let mut bound: Option<Vec<(String, MVal)>> = None;
        loop {
            let here = bound.as_deref().unwrap_or(env);
            match t {
                PTerm::Application { qual_identifier, arguments: a }
                    if a.len() == 3 && qual_name(qual_identifier)? == "ite" =>
                {
                    t = &a[if self.boolean(&a[0], here, depth)? { 1 } else { 2 }];
                }
                PTerm::Let { var_bindings, term } => {
                    // Parallel binding: every right-hand side in the outer scope.
                    let values = var_bindings
                        .iter()
                        .map(|(s, v)| Ok((s.0.clone(), self.eval(v, here, depth)?)))
                        .collect::<Result<Vec<_>, SmtError>>()?;
                    bound.get_or_insert_with(|| env.to_vec()).extend(values);
                    t = term;
                }
                PTerm::Attributes { term, .. } => t = term,
                _ => break,
            }
        }
        let env = bound.as_deref().unwrap_or(env);
        match t {
            PTerm::Constant(Constant::Numeral(n)) => {
                n.to_string().parse().map(MVal::Int).map_err(|_| derr(format!("numeral {n} too large")))
            }
            PTerm::Constant(Constant::Decimal(d)) => parse_rational(&d.to_string()).map(MVal::Real),
            PTerm::Constant(c) => Err(derr(format!("unsupported constant {c:?} in a model"))),
            PTerm::QualIdentifier(q) => {
                let name = qual_name(q)?;
                if let Some((_, v)) = env.iter().rev().find(|(p, _)| p == name) {
                    return Ok(v.clone());
                }
                match name {
                    "true" => Ok(MVal::Bool(true)),
                    "false" => Ok(MVal::Bool(false)),
                    _ => match self.elems.get(name) {
                        Some((s, k)) => Ok(MVal::Elem(s.clone(), *k)),
                        None => self.call(name, Vec::new(), depth),
                    },
                }
            }
            PTerm::Application { qual_identifier, arguments: a } => {
                let name = qual_name(qual_identifier)?;
                self.app(name, a, env, depth)
            }
            PTerm::Let { .. } | PTerm::Attributes { .. } => unreachable!("walked above"),
            other => Err(derr(format!("unsupported term in a model: {other}"))),
        }
    }

    fn app(&self, name: &str, a: &[PTerm], env: &[(String, MVal)], depth: usize) -> Result<MVal, SmtError> {
        if matches!(name, "+" | "*" | "-" | "/" | "to_real" | "<" | "<=" | ">" | ">=") {
            // Each operand once: a model's arithmetic nests.
            let vals = a.iter().map(|x| self.eval(x, env, depth)).collect::<Result<Vec<_>, _>>()?;
            return if matches!(name, "/" | "to_real") || vals.iter().any(|v| matches!(v, MVal::Real(_))) {
                real_app(name, vals)
            } else {
                let ints = vals
                    .into_iter()
                    .map(|v| match v {
                        MVal::Int(k) => Ok(k),
                        v => Err(derr(format!("expected an integer, got {v:?}"))),
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                int_app(name, &ints)
            };
        }
        let ints = |s: &Self| a.iter().map(|x| s.int(x, env, depth)).collect::<Result<Vec<_>, _>>();
        let over = || derr("integer overflow in a model");
        let nargs = |k: usize| if a.len() == k { Ok(()) } else { Err(derr(format!("`{name}` with {} arguments", a.len()))) };
        Ok(match name {
            "not" => {
                nargs(1)?;
                MVal::Bool(!self.boolean(&a[0], env, depth)?)
            }
            "and" => MVal::Bool(a.iter().map(|x| self.boolean(x, env, depth)).collect::<Result<Vec<_>, _>>()?.iter().all(|b| *b)),
            "or" if a.len() >= MIN_DISJUNCTS && let Some(index) = self.disjunct_index(a) => {
                let values = index.keys().iter().map(|k| self.eval(k, env, depth)).collect::<Result<Vec<_>, _>>()?;
                MVal::Bool(index.holds(&values))
            }
            "or" => MVal::Bool(a.iter().map(|x| self.boolean(x, env, depth)).collect::<Result<Vec<_>, _>>()?.iter().any(|b| *b)),
            "xor" => MVal::Bool(a.iter().map(|x| self.boolean(x, env, depth)).collect::<Result<Vec<_>, _>>()?.iter().filter(|b| **b).count() % 2 == 1),
            "=>" => {
                nargs(2)?;
                MVal::Bool(!self.boolean(&a[0], env, depth)? || self.boolean(&a[1], env, depth)?)
            }
            "ite" => {
                nargs(3)?;
                let c = self.boolean(&a[0], env, depth)?;
                return self.eval(&a[if c { 1 } else { 2 }], env, depth);
            }
            "=" if a.len() == 2 => MVal::Bool(self.eval(&a[0], env, depth)? == self.eval(&a[1], env, depth)?),
            "=" | "distinct" => {
                let vs = a.iter().map(|x| self.eval(x, env, depth)).collect::<Result<Vec<_>, _>>()?;
                if name == "=" {
                    MVal::Bool(vs.windows(2).all(|w| w[0] == w[1]))
                } else {
                    MVal::Bool(vs.iter().enumerate().all(|(i, x)| vs[i + 1..].iter().all(|y| x != y)))
                }
            }
            "div" | "mod" => {
                nargs(2)?;
                let v = ints(self)?;
                let r = if name == "div" { v[0].checked_div_euclid(v[1]) } else { v[0].checked_rem_euclid(v[1]) };
                MVal::Int(r.ok_or_else(|| derr("division by zero in a model"))?)
            }
            "abs" => {
                nargs(1)?;
                MVal::Int(ints(self)?[0].checked_abs().ok_or_else(over)?)
            }
            user => {
                let args = a.iter().map(|x| self.eval(x, env, depth)).collect::<Result<Vec<_>, _>>()?;
                return self.call(user, args, depth);
            }
        })
    }

    /// The index of the disjunction of `disjuncts`, built at its first
    /// evaluation; `None` if it is not a disjunction of points.
    fn disjunct_index(&self, disjuncts: &[PTerm]) -> Option<Rc<DisjunctIndex<MVal>>> {
        let at = disjuncts.as_ptr() as usize;
        if let Some(known) = self.disjunctions.borrow().get(&at) {
            return known.clone();
        }
        let built = DisjunctIndex::build(disjuncts, |t| self.eval(t, &[], 0).ok()).map(Rc::new);
        self.disjunctions.borrow_mut().insert(at, built.clone());
        built
    }

    /// Take the leading entries of an `ite` chain (those whose condition
    /// pins every parameter, see [`TextModel::entry_args`]) out of `body`:
    /// the entries in chain order (the first of equal argument tuples),
    /// and the rest of the chain.
    fn split_table(&self, body: PTerm, params: &[String]) -> (IndexMap<Vec<MVal>, PTerm>, PTerm) {
        let mut entries = IndexMap::new();
        let mut body = body;
        while let PTerm::Application { qual_identifier, arguments } = &body {
            if qual_name(qual_identifier).ok() != Some("ite") || arguments.len() != 3 {
                break;
            }
            let Some(args) = self.entry_args(&arguments[0], params) else { break };
            let PTerm::Application { arguments, .. } = body else { unreachable!("matched above") };
            let Ok([_, then, rest]) = <[PTerm; 3]>::try_from(arguments) else { unreachable!("three arguments") };
            entries.entry(args).or_insert(then);
            body = rest;
        }
        (entries, body)
    }

    /// `(= p lit)` for a parameter `p` and a closed `lit`.
    fn param_eq(&self, t: &PTerm, params: &[String]) -> Option<(usize, MVal)> {
        let PTerm::Application { qual_identifier, arguments } = t else { return None };
        if qual_name(qual_identifier).ok()? != "=" || arguments.len() != 2 {
            return None;
        }
        let PTerm::QualIdentifier(q) = &arguments[0] else { return None };
        let i = params.iter().position(|p| p == qual_name(q).ok().unwrap_or(""))?;
        let v = self.eval(&arguments[1], &[], 0).ok()?;
        Some((i, v))
    }

    /// The arguments an `ite` condition pins all parameters to, if it does.
    fn entry_args(&self, cond: &PTerm, params: &[String]) -> Option<Vec<MVal>> {
        let conjuncts: Vec<&PTerm> = match cond {
            PTerm::Application { qual_identifier, arguments } if qual_name(qual_identifier).ok()? == "and" => {
                arguments.iter().collect()
            }
            other => vec![other],
        };
        let mut args: Vec<Option<MVal>> = vec![None; params.len()];
        for c in conjuncts {
            let (i, v) = self.param_eq(c, params)?;
            if args[i].replace(v).is_some() {
                return None;
            }
        }
        args.into_iter().collect()
    }
}

impl RawModel for TextModel {
    fn universe(&mut self, sort: &Sort) -> Result<Option<u32>, SmtError> {
        Ok(self.universes.get(&sort_symbol(sort)).copied())
    }

    fn interpreted(&mut self, f: &Fun) -> Result<bool, SmtError> {
        Ok(self.def_of(f)?.is_some())
    }

    fn apply(&mut self, f: &Fun, args: &[Value]) -> Result<Value, SmtError> {
        let vals = args.iter().map(Self::to_mval).collect::<Result<Vec<_>, _>>()?;
        let name = self.model_name(f).to_string();
        let v = self.call(&name, vals, 0)?;
        Self::to_value(v, &f.ret)
    }

    fn explicit(&mut self, f: &Fun) -> Result<Explicit, SmtError> {
        let def = self.def_of(f)?.ok_or_else(|| derr(format!("`{}` is not interpreted", f.name)))?;
        let mut entries = Vec::new();
        // An entry whose value does not evaluate leaves the table partial:
        // no default may stand for it.
        let mut partial = false;
        for (args, v) in &def.entries {
            let env: Vec<(String, MVal)> = def.params.iter().cloned().zip(args.iter().cloned()).collect();
            let Ok(v) = self.eval(v, &env, 0) else {
                partial = true;
                continue;
            };
            let args = args.iter().zip(&f.args).map(|(a, s)| Self::to_value(a.clone(), s)).collect::<Result<Vec<_>, _>>()?;
            entries.push((args, Self::to_value(v, &f.ret)?));
        }
        // The rest of the chain is the else-value when it is closed.
        let default = match self.eval(&def.body, &[], 0) {
            Ok(v) if !partial => Some(Self::to_value(v, &f.ret)?),
            _ => None,
        };
        Ok((entries, default))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const Z3_MODEL: &str = "(\n  ;; universe for P:\n  ;;   P!val!0 P!val!1 \n  (declare-fun P!val!0 () P)\n  (declare-fun P!val!1 () P)\n  \
        (forall ((x P)) (or (= x P!val!0) (= x P!val!1)))\n  (define-fun n () Int\n    3)\n  (define-fun p1 () P\n    P!val!0)\n  \
        (define-fun f ((x!0 Int) (x!1 Int)) Int\n    (ite (and (= x!0 4) (= x!1 2)) 7\n    (ite (and (= x!0 1) (= x!1 2)) (- 3)\n      0)))\n  \
        (define-fun x ((x!0 P)) Int\n    (ite (= x!0 P!val!1) 0\n      4))\n  (define-fun |weird name| ((x!0 P)) P\n    P!val!1)\n  \
        (define-fun g ((x!0 Int)) Int (g!1 (k!2 x!0)))\n  (define-fun k!2 ((x!0 Int)) Int (ite (<= x!0 5) 5 6))\n  \
        (define-fun g!1 ((x!0 Int)) Int (ite (= x!0 5) (let ((a!1 (* 2 x!0))) (+ a!1 1)) (- 1)))\n)\n";

    /// An entry of a table is looked up: the first of equal argument
    /// tuples answers, the rest of the chain answers every other tuple, and
    /// `explicit` lists the entries in chain order.
    #[test]
    fn a_table_answers_with_its_first_entry_for_an_argument() {
        let text = "((define-fun f ((x!0 Int) (x!1 Int)) Int (ite (and (= x!0 1) (= x!1 2)) 5 \
            (ite (and (= x!1 3) (= x!0 1)) 6 (ite (and (= x!0 1) (= x!1 2)) 7 (ite (= x!0 x!1) 8 0))))))";
        let mut m = parse_model(text).unwrap();
        let f = Fun::new("f", vec![Sort::Int, Sort::Int], Sort::Int);
        let at = |m: &mut TextModel, a: i64, b: i64| m.apply(&f, &[Value::Int(a), Value::Int(b)]).unwrap();
        assert_eq!(at(&mut m, 1, 2), Value::Int(5));
        assert_eq!(at(&mut m, 1, 3), Value::Int(6));
        assert_eq!(at(&mut m, 4, 4), Value::Int(8));
        assert_eq!(at(&mut m, 4, 5), Value::Int(0));
        let (entries, default) = m.explicit(&f).unwrap();
        let pair = |a: i64, b: i64, v: i64| (vec![Value::Int(a), Value::Int(b)], Value::Int(v));
        assert_eq!(entries, vec![pair(1, 2, 5), pair(1, 3, 6)]);
        assert_eq!(default, None, "the rest of the chain depends on the arguments");
    }

    /// `let` binds in parallel (each right-hand side in the outer scope),
    /// an inner binding shadows an outer one, and a nest thousands deep is
    /// evaluated in a loop, on a small stack.
    #[test]
    fn let_nests_bind_in_parallel_and_are_walked_in_a_loop() {
        let text = "((define-fun h ((x!0 Int)) Int (let ((a!1 (+ x!0 1))) (let ((a!1 (* a!1 2)) (a!2 a!1)) (+ a!1 a!2)))))";
        let mut m = parse_model(text).unwrap();
        let h = Fun::new("h", vec![Sort::Int], Sort::Int);
        assert_eq!(m.apply(&h, &[Value::Int(3)]).unwrap(), Value::Int(12), "a!1 = 8 inside, a!2 = the outer a!1 = 4");
        let k = 3000;
        let mut body = format!("a!{k}");
        for i in (1..=k).rev() {
            let prev = if i == 1 { "x!0".to_string() } else { format!("a!{}", i - 1) };
            body = format!("(let ((a!{i} (+ {prev} 1))) {body})");
        }
        let text = format!("((define-fun g ((x!0 Int)) Int {body}))");
        let g = Fun::new("g", vec![Sort::Int], Sort::Int);
        let run = move || parse_model(&text).unwrap().apply(&g, &[Value::Int(2)]).unwrap();
        let got = std::thread::Builder::new().stack_size(1 << 20).spawn(run).unwrap().join().unwrap();
        assert_eq!(got, Value::Int(2 + k));
    }

    #[test]
    fn a_deep_function_table_is_evaluated_without_deep_recursion() {
        // Z3 prints a table of k entries as k nested `ite`s; evaluating the
        // default at the bottom used to take a stack frame per entry.
        let k = 5000;
        let mut body = String::from("0");
        for i in 0..k {
            body = format!("(ite (= x!0 {}) {} {body})", i + 1, i + 2);
        }
        let text = format!("((define-fun f ((x!0 Int)) Int {body}))");
        let f = Fun::new("f", vec![Sort::Int], Sort::Int);
        let run = move || {
            let mut m = parse_model(&text).unwrap();
            (m.apply(&f, &[Value::Int(-5)]).unwrap(), m.apply(&f, &[Value::Int(1)]).unwrap())
        };
        // A small stack for parsing, evaluating and dropping the table: the
        // default at the bottom of the chain and an entry, found in a loop.
        let got = std::thread::Builder::new().stack_size(1 << 20).spawn(run).unwrap().join().unwrap();
        assert_eq!(got, (Value::Int(0), Value::Int(2)));
    }

    #[test]
    fn parses_and_evaluates_z3_models() {
        let mut m = parse_model(Z3_MODEL).unwrap();
        assert_eq!(m.universe(&Sort::P).unwrap(), Some(2));
        let int2 = Fun::new("f", vec![Sort::Int, Sort::Int], Sort::Int);
        let (entries, default) = m.explicit(&int2).unwrap();
        assert_eq!(
            entries,
            vec![
                (vec![Value::Int(4), Value::Int(2)], Value::Int(7)),
                (vec![Value::Int(1), Value::Int(2)], Value::Int(-3)),
            ]
        );
        assert_eq!(default, Some(Value::Int(0)));
        let x = Fun::new("x", vec![Sort::P], Sort::Int);
        assert_eq!(m.apply(&x, &[Value::Proc(1)]).unwrap(), Value::Int(0));
        assert_eq!(m.apply(&x, &[Value::Proc(0)]).unwrap(), Value::Int(4));
        let w = Fun::new("weird name", vec![Sort::P], Sort::P);
        assert_eq!(m.apply(&w, &[Value::Proc(0)]).unwrap(), Value::Proc(1));
        let g = Fun::new("g", vec![Sort::Int], Sort::Int);
        assert_eq!(m.apply(&g, &[Value::Int(3)]).unwrap(), Value::Int(11));
        assert_eq!(m.apply(&g, &[Value::Int(9)]).unwrap(), Value::Int(-1));
        assert_eq!(m.explicit(&g).unwrap(), (vec![], None), "g's body depends on its argument");
        assert!(!m.interpreted(&Fun::constant("absent", Sort::Int)).unwrap());
        assert!(m.interpreted(&Fun::constant("n", Sort::Int)).unwrap());
        assert!(m.interpreted(&Fun::new("n", vec![Sort::P], Sort::Int)).is_err(), "arity mismatch");
    }

    #[test]
    fn malformed_models_are_errors() {
        assert!(matches!(parse_model("sat"), Err(SmtError::Parse(_))));
        assert!(parse_model("((define-fun x () Int 1)").is_err());
        assert!(matches!(parse_model("((assert true))"), Err(SmtError::Parse(_))));
    }
}
