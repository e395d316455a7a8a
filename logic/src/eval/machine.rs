//! Evaluation of compiled terms, exact in total structures and a sound
//! abstraction in partial ones.
//!
//! In a partial structure an unassigned entry evaluates to partial knowledge
//! ([`V::Unknown`], an integer interval, a pair of set bounds) and every
//! operator over-approximates: Kleene logic for the connectives and
//! quantifiers, interval arithmetic, and `must ⊆ S ⊆ may` bounds for sets,
//! so `|S|` is an interval. Hence a formula that evaluates to a truth value
//! in a partial structure has that value in every completion — the oracle's
//! pruning relies on this.

use super::program::{Node, Prim};
use super::value::{from_v, V};
use super::world::{Table, World};
use super::EvalError;
use num_rational::Rational64;
use num_traits::{CheckedAdd, CheckedDiv, CheckedMul, CheckedSub};

fn internal(what: &str, v: &V) -> EvalError {
    EvalError::IllSorted(format!("expected {what}, got {v:?}"))
}

/// The truth value (`None`: unknown).
fn truth(v: &V) -> Result<Option<bool>, EvalError> {
    match v {
        V::B(b) => Ok(Some(*b)),
        V::Unknown => Ok(None),
        other => Err(internal("a truth value", other)),
    }
}

fn kleene(b: Option<bool>) -> V {
    b.map_or(V::Unknown, V::B)
}

/// The interval an integer lies in.
fn range(v: &V) -> Result<(i128, i128), EvalError> {
    match v {
        V::I(k) => Ok((i128::from(*k), i128::from(*k))),
        V::IntIn(lo, hi) => Ok((i128::from(*lo), i128::from(*hi))),
        V::Unknown => Ok((i128::from(i64::MIN), i128::from(i64::MAX))),
        other => Err(internal("an integer", other)),
    }
}

fn int(v: &V) -> Result<Option<i64>, EvalError> {
    match v {
        V::I(k) => Ok(Some(*k)),
        V::IntIn(..) | V::Unknown => Ok(None),
        other => Err(internal("an integer", other)),
    }
}

/// An exact result (an error if it does not fit in an `i64`).
fn exact(k: i128) -> Result<V, EvalError> {
    i64::try_from(k).map(V::I).map_err(|_| EvalError::Overflow(format!("{k} does not fit in 64 bits")))
}

/// An interval result, clamped to the `i64` range (still sound: every value is an `i64`).
fn interval(lo: i128, hi: i128) -> V {
    let clamp = |k: i128| k.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64;
    let (lo, hi) = (clamp(lo), clamp(hi));
    if lo == hi { V::I(lo) } else { V::IntIn(lo, hi) }
}

fn real_overflow(what: &str) -> EvalError {
    EvalError::Overflow(format!("the rational {what} does not fit in 64-bit numerator and denominator"))
}

/// The sum of rationals; unknown if a summand is.
fn real_sum(vals: &[V]) -> Result<V, EvalError> {
    let mut acc = Rational64::from(0);
    for v in vals {
        match v {
            V::R(q) => acc = acc.checked_add(q).ok_or_else(|| real_overflow("sum"))?,
            V::Unknown | V::IntIn(..) => return Ok(V::Unknown),
            other => return Err(internal("a rational", other)),
        }
    }
    Ok(V::R(acc))
}

/// The operators other than `+` on rationals (`a` and `b` the evaluated
/// operands, `b` unknown for unary ones). Rationals are known exactly or
/// not at all: a partial operand makes the result unknown.
fn real_op(prim: &Prim, a: &V, b: &V) -> Result<V, EvalError> {
    let rat = |v: &V| -> Result<Option<Rational64>, EvalError> {
        match v {
            V::R(q) => Ok(Some(*q)),
            V::I(k) => Ok(Some(Rational64::from(*k))),
            V::Unknown | V::IntIn(..) => Ok(None),
            other => Err(internal("a rational", other)),
        }
    };
    if *prim == Prim::ToReal {
        return Ok(match a {
            V::I(k) => V::R(Rational64::from(*k)),
            V::IntIn(..) | V::Unknown => V::Unknown,
            other => return Err(internal("an integer", other)),
        });
    }
    let unary = matches!(prim, Prim::Neg);
    let (Some(x), Some(y)) = (rat(a)?, if unary { Ok(Some(Rational64::from(0))) } else { rat(b) }?) else {
        return Ok(V::Unknown);
    };
    let num = |r: Option<Rational64>, what: &str| r.map(V::R).ok_or_else(|| real_overflow(what));
    match prim {
        Prim::Eq => Ok(V::B(x == y)),
        Prim::Sub => num(x.checked_sub(&y), "difference"),
        Prim::Neg => num(Rational64::from(0).checked_sub(&x), "negation"),
        Prim::Mul => num(x.checked_mul(&y), "product"),
        Prim::Div if y > Rational64::from(0) => num(x.checked_div(&y), "quotient"),
        Prim::Lt => Ok(V::B(x < y)),
        Prim::Le => Ok(V::B(x <= y)),
        Prim::Gt => Ok(V::B(x > y)),
        Prim::Ge => Ok(V::B(x >= y)),
        other => Err(EvalError::IllSorted(format!("{other:?} on rationals ({a:?}, {b:?})"))),
    }
}

fn mask_bounds(v: &V) -> Result<Option<(u64, u64)>, EvalError> {
    match v {
        V::Mask(m) => Ok(Some((*m, *m))),
        V::MaskIn(must, may) => Ok(Some((*must, *may))),
        V::Unknown => Ok(Some((0, u64::MAX))),
        V::List(_) => Ok(None),
        other => Err(internal("a set", other)),
    }
}

fn mask(must: u64, may: u64) -> V {
    if must == may { V::Mask(must) } else { V::MaskIn(must, may) }
}

/// Compare two ordered quantities known to lie in intervals: `Some(true)` if
/// `rel` holds for all choices, `Some(false)` if for none.
fn compare(prim: &Prim, a: (i128, i128), b: (i128, i128)) -> Option<bool> {
    let (always, never) = match prim {
        Prim::Lt => (a.1 < b.0, a.0 >= b.1),
        Prim::Le => (a.1 <= b.0, a.0 > b.1),
        Prim::Gt => (a.0 > b.1, a.1 <= b.0),
        _ => (a.0 >= b.1, a.1 < b.0),
    };
    if always {
        Some(true)
    } else if never {
        Some(false)
    } else {
        None
    }
}

/// `a = b` on possibly partial values.
fn equal(a: &V, b: &V) -> Result<V, EvalError> {
    if a.is_known() && b.is_known() {
        return Ok(V::B(a == b));
    }
    match (a, b) {
        (V::I(_) | V::IntIn(..), V::I(_) | V::IntIn(..)) => {
            let (x, y) = (range(a)?, range(b)?);
            Ok(if x.1 < y.0 || y.1 < x.0 { V::B(false) } else { V::Unknown })
        }
        (V::Mask(_) | V::MaskIn(..), V::Mask(_) | V::MaskIn(..)) => {
            let (Some(x), Some(y)) = (mask_bounds(a)?, mask_bounds(b)?) else { return Ok(V::Unknown) };
            // A must-element of one set outside the other's may-bound tells them apart.
            Ok(if x.0 & !y.1 != 0 || y.0 & !x.1 != 0 { V::B(false) } else { V::Unknown })
        }
        _ => Ok(V::Unknown),
    }
}

/// Join of two partial values (the result of `ite` on an unknown condition).
fn join(a: V, b: V) -> Result<V, EvalError> {
    if a == b {
        return Ok(a);
    }
    Ok(match (&a, &b) {
        (V::I(_) | V::IntIn(..), V::I(_) | V::IntIn(..)) => {
            let (x, y) = (range(&a)?, range(&b)?);
            interval(x.0.min(y.0), x.1.max(y.1))
        }
        (V::Mask(_) | V::MaskIn(..), V::Mask(_) | V::MaskIn(..)) => match (mask_bounds(&a)?, mask_bounds(&b)?) {
            (Some(x), Some(y)) => mask(x.0 & y.0, x.1 | y.1),
            _ => V::Unknown,
        },
        _ => V::Unknown,
    })
}

fn set_op(prim: &Prim, a: &V, b: &V) -> Result<V, EvalError> {
    if let (Some(x), Some(y)) = (mask_bounds(a)?, mask_bounds(b)?) {
        let (must, may) = match prim {
            Prim::Union => (x.0 | y.0, x.1 | y.1),
            Prim::Inter => (x.0 & y.0, x.1 & y.1),
            _ => (x.0 & !y.1, x.1 & !y.0),
        };
        return Ok(mask(must, may));
    }
    let (V::List(xs), V::List(ys)) = (a, b) else { return Ok(V::Unknown) };
    let out: Vec<V> = match prim {
        Prim::Union => {
            let mut u: Vec<V> = xs.iter().chain(ys).cloned().collect();
            u.sort();
            u.dedup();
            return Ok(V::List(u));
        }
        Prim::Inter => xs.iter().filter(|x| ys.binary_search(x).is_ok()).cloned().collect(),
        _ => xs.iter().filter(|x| ys.binary_search(x).is_err()).cloned().collect(),
    };
    Ok(V::List(out))
}

impl World<'_> {
    /// Evaluate `node` with bound variables in `env`.
    pub(crate) fn ev(&self, node: &Node, env: &mut [V]) -> Result<V, EvalError> {
        match node {
            Node::Slot(k) => Ok(env[*k].clone()),
            Node::Lit(v) => Ok(v.clone()),
            Node::ProcCount => Ok(V::I(i64::from(self.sizes.n))),
            Node::AllProcs => Ok(V::Mask(if self.sizes.n >= 64 { u64::MAX } else { (1u64 << self.sizes.n) - 1 })),
            Node::Sym(s, args) => self.lookup(*s, args, env),
            Node::Quant { forall, slot, dom, body } => {
                let values = self.domains[*dom].as_ref().ok_or_else(|| self.no_domain(*dom))?;
                let mut unknown = false;
                for v in values {
                    self.tick()?;
                    env[*slot] = v.clone();
                    match truth(&self.ev(body, env)?)? {
                        Some(b) if b != *forall => return Ok(V::B(b)),
                        Some(_) => {}
                        None => unknown = true,
                    }
                }
                Ok(if unknown { V::Unknown } else { V::B(*forall) })
            }
            Node::Compr { slot, dom, mask: is_mask, body } => {
                let values = self.domains[*dom].as_ref().ok_or_else(|| self.no_domain(*dom))?;
                let (mut must, mut may, mut list, mut unknown) = (0u64, 0u64, Vec::new(), false);
                for v in values {
                    self.tick()?;
                    env[*slot] = v.clone();
                    let t = truth(&self.ev(body, env)?)?;
                    if *is_mask {
                        let bit = 1u64 << v.bit().ok_or_else(|| internal("a set element", v))?;
                        match t {
                            Some(true) => {
                                must |= bit;
                                may |= bit;
                            }
                            Some(false) => {}
                            None => may |= bit,
                        }
                    } else {
                        match t {
                            Some(true) => list.push(v.clone()),
                            Some(false) => {}
                            None => unknown = true,
                        }
                    }
                }
                Ok(if *is_mask {
                    mask(must, may)
                } else if unknown {
                    V::Unknown
                } else {
                    V::List(list)
                })
            }
            Node::Op(prim, args) => self.prim(prim, args, env),
        }
    }

    fn no_domain(&self, dom: usize) -> EvalError {
        EvalError::TooLarge(format!("the domain of {} is not enumerable", self.prog.sorts[dom]))
    }

    fn lookup(&self, s: usize, args: &[Node], env: &mut [V]) -> Result<V, EvalError> {
        let sym = &self.prog.syms[s];
        let slot = match &self.tables[s] {
            Table::Dense { strides, entries } => {
                let (mut idx, mut inside, mut known) = (0usize, true, true);
                for (k, a) in args.iter().enumerate() {
                    let v = self.ev(a, env)?;
                    if !v.is_known() {
                        known = false;
                    } else if inside {
                        match self.index_of(sym.args[k], &v) {
                            Some(i) => idx += i * strides[k],
                            None => inside = false,
                        }
                    }
                }
                if !known {
                    return Ok(self.unknown(s));
                }
                let slot = if inside { idx } else { entries.len() - 1 };
                if let Some(v) = &entries[slot] {
                    return Ok(v.clone());
                }
                slot
            }
            Table::Map { entries, default } => {
                let vals = args.iter().map(|a| self.ev(a, env)).collect::<Result<Vec<_>, _>>()?;
                if vals.iter().any(|v| !v.is_known()) {
                    return Ok(self.unknown(s));
                }
                if let Some(v) = entries.get(&vals).or(default.as_ref()) {
                    return Ok(v.clone());
                }
                if self.unknowns.is_some() {
                    return Err(EvalError::Unsupported(format!("`{}` has too many entries for a partial model", sym.fun.name)));
                }
                usize::MAX
            }
        };
        if self.unknowns.is_some() {
            let mut misses = self.misses.borrow_mut();
            if !misses.contains(&(s, slot)) {
                misses.push((s, slot));
            }
            return Ok(self.unknown(s));
        }
        let mut shown = Vec::with_capacity(args.len());
        for (k, a) in args.iter().enumerate() {
            let v = self.ev(a, env)?;
            shown.push(format!("{:?}", from_v(&v, &self.prog.sorts[sym.args[k]])?));
        }
        Err(EvalError::MissingInterpretation {
            symbol: sym.fun.name.clone(),
            args: shown.join(", "),
        })
    }

    fn prim(&self, prim: &Prim, args: &[Node], env: &mut [V]) -> Result<V, EvalError> {
        // The connectives evaluate their arguments lazily.
        match prim {
            Prim::Not => return Ok(kleene(truth(&self.ev(&args[0], env)?)?.map(|b| !b))),
            Prim::And | Prim::Or => {
                let absorbing = *prim == Prim::Or;
                let mut unknown = false;
                for a in args {
                    match truth(&self.ev(a, env)?)? {
                        Some(b) if b == absorbing => return Ok(V::B(b)),
                        Some(_) => {}
                        None => unknown = true,
                    }
                }
                return Ok(if unknown { V::Unknown } else { V::B(!absorbing) });
            }
            Prim::Implies => {
                let l = truth(&self.ev(&args[0], env)?)?;
                if l == Some(false) {
                    return Ok(V::B(true));
                }
                let r = truth(&self.ev(&args[1], env)?)?;
                return Ok(match (l, r) {
                    (_, Some(true)) => V::B(true),
                    (Some(true), Some(false)) => V::B(false),
                    _ => V::Unknown,
                });
            }
            Prim::Ite => {
                return match truth(&self.ev(&args[0], env)?)? {
                    Some(true) => self.ev(&args[1], env),
                    Some(false) => self.ev(&args[2], env),
                    None => join(self.ev(&args[1], env)?, self.ev(&args[2], env)?),
                };
            }
            Prim::Add => {
                let vals = args.iter().map(|n| self.ev(n, env)).collect::<Result<Vec<_>, _>>()?;
                if vals.iter().any(|v| matches!(v, V::R(_))) {
                    return real_sum(&vals);
                }
                let (mut lo, mut hi, mut known) = (0i128, 0i128, true);
                for v in vals {
                    let r = range(&v)?;
                    known &= v.is_known();
                    lo += r.0;
                    hi += r.1;
                }
                return if known { exact(lo) } else { Ok(interval(lo, hi)) };
            }
            _ => {}
        }
        let a = self.ev(&args[0], env)?;
        let b = match args.get(1) {
            Some(n) => self.ev(n, env)?,
            None => V::Unknown,
        };
        if *prim == Prim::ToReal || matches!(a, V::R(_)) || matches!(b, V::R(_)) {
            return real_op(prim, &a, &b);
        }
        match prim {
            Prim::Iff => Ok(match (truth(&a)?, truth(&b)?) {
                (Some(x), Some(y)) => V::B(x == y),
                _ => V::Unknown,
            }),
            Prim::Eq => equal(&a, &b),
            Prim::Sub => {
                let (x, y) = (range(&a)?, range(&b)?);
                if a.is_known() && b.is_known() { exact(x.0 - y.0) } else { Ok(interval(x.0 - y.1, x.1 - y.0)) }
            }
            Prim::Neg => {
                let x = range(&a)?;
                if a.is_known() { exact(-x.0) } else { Ok(interval(-x.1, -x.0)) }
            }
            Prim::Mul => {
                let (x, y) = (range(&a)?, range(&b)?);
                if a.is_known() && b.is_known() {
                    return exact(x.0 * y.0);
                }
                // Saturate first so the products fit in i128.
                let sat = |k: i128| k.clamp(-(1i128 << 62), 1i128 << 62);
                let products = [sat(x.0) * sat(y.0), sat(x.0) * sat(y.1), sat(x.1) * sat(y.0), sat(x.1) * sat(y.1)];
                let lo = *products.iter().min().expect("four products");
                let hi = *products.iter().max().expect("four products");
                Ok(interval(lo, hi))
            }
            Prim::Div | Prim::Mod => {
                let k = match int(&b)? {
                    Some(k) if k > 0 => i128::from(k),
                    _ => return Err(EvalError::IllSorted(format!("division by {b:?} (must be a positive literal)"))),
                };
                let x = range(&a)?;
                let (qlo, qhi) = (x.0.div_euclid(k), x.1.div_euclid(k));
                Ok(match (prim, a.is_known()) {
                    (Prim::Div, true) => exact(qlo)?,
                    (Prim::Div, false) => interval(qlo, qhi),
                    (_, true) => exact(x.0.rem_euclid(k))?,
                    (_, false) if qlo == qhi => interval(x.0.rem_euclid(k), x.1.rem_euclid(k)),
                    (_, false) => interval(0, k - 1),
                })
            }
            Prim::Lt | Prim::Le | Prim::Gt | Prim::Ge => Ok(kleene(compare(prim, range(&a)?, range(&b)?))),
            Prim::Member => self.member(&a, &b),
            Prim::Subset => {
                if let (Some(x), Some(y)) = (mask_bounds(&a)?, mask_bounds(&b)?) {
                    return Ok(if x.1 & !y.0 == 0 {
                        V::B(true)
                    } else if x.0 & !y.1 != 0 {
                        V::B(false)
                    } else {
                        V::Unknown
                    });
                }
                Ok(match (&a, &b) {
                    (V::List(xs), V::List(ys)) => V::B(xs.iter().all(|x| ys.binary_search(x).is_ok())),
                    _ => V::Unknown,
                })
            }
            Prim::Union | Prim::Inter | Prim::Diff => set_op(prim, &a, &b),
            Prim::Card => Ok(match (&a, mask_bounds(&a)?) {
                (V::List(xs), _) => V::I(xs.len() as i64),
                (_, Some((must, may))) => interval(i128::from(must.count_ones()), i128::from(may.count_ones())),
                _ => V::IntIn(0, i64::MAX),
            }),
            Prim::Singleton(is_mask) => Ok(match (a.is_known(), is_mask) {
                (false, true) => V::MaskIn(0, u64::MAX),
                (false, false) => V::Unknown,
                (true, true) => V::Mask(1u64 << a.bit().ok_or_else(|| internal("a set element", &a))?),
                (true, false) => V::List(vec![a]),
            }),
            Prim::Some => Ok(if a.is_known() { V::O(Some(Box::new(a))) } else { V::Unknown }),
            Prim::IsSome => Ok(match a {
                V::O(o) => V::B(o.is_some()),
                _ => V::Unknown,
            }),
            Prim::Get(default) => Ok(match a {
                V::O(Some(v)) => *v,
                V::O(None) => default.clone(),
                _ => V::Unknown,
            }),
            Prim::Tuple => {
                let mut vals = vec![a, b];
                for n in args.iter().skip(2) {
                    vals.push(self.ev(n, env)?);
                }
                Ok(if vals.iter().all(V::is_known) { V::T(vals) } else { V::Unknown })
            }
            Prim::Proj(k) => Ok(match a {
                V::T(mut vs) if *k < vs.len() => vs.swap_remove(*k),
                V::T(_) => return Err(internal("a wider tuple", &a)),
                _ => V::Unknown,
            }),
            Prim::Not | Prim::And | Prim::Or | Prim::Implies | Prim::Ite | Prim::Add | Prim::ToReal => {
                unreachable!("handled above")
            }
        }
    }

    fn member(&self, e: &V, s: &V) -> Result<V, EvalError> {
        if let Some((must, may)) = mask_bounds(s)? {
            return Ok(match e.bit() {
                Some(bit) if bit >= 64 => V::B(false),
                Some(bit) if must >> bit & 1 == 1 => V::B(true),
                Some(bit) if may >> bit & 1 == 0 => V::B(false),
                Some(_) => V::Unknown,
                None if may == 0 => V::B(false),
                None => V::Unknown,
            });
        }
        Ok(match s {
            V::List(xs) if e.is_known() => V::B(xs.binary_search(e).is_ok()),
            V::List(xs) if xs.is_empty() => V::B(false),
            _ => V::Unknown,
        })
    }
}
