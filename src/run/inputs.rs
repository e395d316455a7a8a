//! What each replica proposes in each instance: the values of `--input`,
//! or values drawn from `--seed`, the instance and the replica (the same in
//! `--local` and `--config` runs with the same seed).

use psync_encodings::Algorithm;
use psync_encodings::concrete::{State, value_from_json};
use psync_logic::{Sort, Value};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// Whether inputs of `sort` can be drawn ([`draw_input`]): integers,
/// booleans, processes, and tuples and options of them.
pub(crate) fn drawable(sort: &Sort) -> bool {
    match sort {
        Sort::Int | Sort::Bool | Sort::P => true,
        Sort::Tuple(cs) => cs.iter().all(drawable),
        Sort::Opt(inner) => drawable(inner),
        _ => false,
    }
}

/// A random input of a [`drawable`] sort among `n` processes: integers in
/// `0..values`, a tuple or an option component by component (`None` half
/// the time).
pub(crate) fn draw_input(sort: &Sort, n: usize, values: i64, rng: &mut StdRng) -> Value {
    match sort {
        Sort::Bool => Value::Bool(rng.random_bool(0.5)),
        Sort::P => Value::Proc(rng.random_range(0..n as u32)),
        Sort::Tuple(cs) => Value::Tuple(cs.iter().map(|c| draw_input(c, n, values, rng)).collect()),
        Sort::Opt(inner) => Value::Opt(rng.random_bool(0.5).then(|| Box::new(draw_input(inner, n, values, rng)))),
        _ => Value::Int(rng.random_range(0..values)),
    }
}

/// The inputs of a run.
pub struct Inputs {
    /// The input's name without `io.` (`initial`) and its sort.
    name: String,
    sort: Sort,
    /// `--input`: one value for every replica, or one per replica.
    given: Vec<Value>,
    seed: u64,
    values: i64,
    n: usize,
}

impl Inputs {
    /// Reads `--input` at the spec's input sort: none (values drawn), one
    /// value (every replica proposes it), or `n` values (replica `i`
    /// proposes the `i`-th), each as JSON (`3`, `true`, `[1, 2]`).
    pub fn new(alg: &Algorithm, given: &[String], n: usize, seed: u64, values: i64) -> Result<Inputs, String> {
        let [input] = alg.inputs.as_slice() else {
            return Err(format!("the spec has {} inputs; run supports specs with one (`Consensus<V>`)", alg.inputs.len()));
        };
        let name = input.name.strip_prefix("io.").unwrap_or(&input.name).to_string();
        let sort = input.ret.clone();
        if given.is_empty() && !matches!(sort, Sort::Int | Sort::Bool | Sort::P) {
            return Err(format!("the input has sort {sort}: give the values with --input (run draws only integer, boolean and process inputs)"));
        }
        if values < 1 {
            return Err("--values must be at least 1".into());
        }
        if !given.is_empty() && given.len() != 1 && given.len() != n {
            return Err(format!("--input gives {} values: give one (every replica proposes it) or {n} (one per replica)", given.len()));
        }
        let mut parsed = Vec::with_capacity(given.len());
        for g in given {
            let json: serde_json::Value = serde_json::from_str(g).map_err(|e| format!("--input {g}: not a JSON value ({e})"))?;
            let v = value_from_json(&sort, &json, "--input").map_err(|e| format!("--input {g}: {e}"))?;
            if matches!(v, Value::Proc(p) if p as usize >= n) {
                return Err(format!("--input {g}: not a process of 0..{n}"));
            }
            parsed.push(v);
        }
        Ok(Inputs { name, sort, given: parsed, seed, values, n })
    }

    /// The value replica `replica` proposes in `instance`.
    pub fn value(&self, instance: u64, replica: usize) -> Value {
        match self.given.as_slice() {
            [v] => return v.clone(),
            vs if !vs.is_empty() => return vs[replica].clone(),
            _ => {}
        }
        let mix = self.seed ^ instance.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (replica as u64).wrapping_mul(0xC2B2_AE3D_27D4_EB4F);
        draw_input(&self.sort, self.n, self.values, &mut StdRng::seed_from_u64(mix))
    }

    /// The input state of replica `replica` in `instance`.
    pub fn state(&self, instance: u64, replica: usize) -> State {
        [(self.name.clone(), self.value(instance, replica))].into()
    }
}

/// A value as the report prints it (`3`, `true`, `p1`, `(1, 2)`, `None`).
pub fn show(v: &Value) -> String {
    match v {
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Real(q) => q.to_string(),
        Value::Proc(p) => format!("p{p}"),
        Value::Opt(None) => "None".into(),
        Value::Opt(Some(x)) => format!("Some({})", show(x)),
        Value::Tuple(xs) => format!("({})", xs.iter().map(show).collect::<Vec<_>>().join(", ")),
        Value::Set(xs) => format!("{{{}}}", xs.iter().map(show).collect::<Vec<_>>().join(", ")),
        Value::Elem(s, k) => format!("{s}!{k}"),
    }
}

/// A value as JSON (as `serde_json` writes the Rust value; processes as numbers).
pub fn to_json(v: &Value) -> serde_json::Value {
    match v {
        Value::Bool(b) => (*b).into(),
        Value::Int(i) => (*i).into(),
        Value::Real(q) => serde_json::json!([q.numer(), q.denom()]),
        Value::Proc(p) => (*p).into(),
        Value::Opt(None) => serde_json::Value::Null,
        Value::Opt(Some(x)) => to_json(x),
        Value::Tuple(xs) => xs.iter().map(to_json).collect(),
        Value::Set(xs) => xs.iter().map(to_json).collect(),
        Value::Elem(s, k) => format!("{s}!{k}").into(),
    }
}
