//! Named integer parameters of an algorithm (`f`, `k`, …): declared by
//! `Process::PARAMS`, given values for a run, read by rounds through
//! `cx.param("f")` and by the spec through `w.param("f")`. They are rigid:
//! one value for the whole run, the same at every process.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The values of an algorithm's parameters for one run, by name.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Params(BTreeMap<String, i64>);

impl Params {
    /// No parameters.
    pub fn new() -> Params {
        Params::default()
    }

    /// These parameters with `name` set to `value`.
    pub fn with(mut self, name: &str, value: i64) -> Params {
        self.0.insert(name.to_string(), value);
        self
    }

    /// The value of `name`, if it has one.
    pub fn get(&self, name: &str) -> Option<i64> {
        self.0.get(name).copied()
    }

    /// The parameters and their values, by name.
    pub fn iter(&self) -> impl Iterator<Item = (&str, i64)> {
        self.0.iter().map(|(k, v)| (k.as_str(), *v))
    }

    /// Parses one `name=value` setting (as on a command line: `f=1`).
    pub fn parse_setting(s: &str) -> Result<(String, i64), String> {
        let (name, value) = s.split_once('=').ok_or_else(|| format!("`{s}`: expected `name=value`"))?;
        let name = name.trim();
        if name.is_empty() || !name.chars().all(|c| c.is_alphanumeric() || c == '_') {
            return Err(format!("`{s}`: `{name}` is not a parameter name"));
        }
        let value = value.trim().parse::<i64>().map_err(|e| format!("`{s}`: the value is not an integer ({e})"))?;
        Ok((name.to_string(), value))
    }

    /// Whether these values fit the `declared` parameters: every declared
    /// one has a value and nothing else has. The error names the first
    /// missing or unknown parameter.
    pub fn check_declared(&self, declared: &[&str]) -> Result<(), String> {
        if let Some(missing) = declared.iter().find(|d| !self.0.contains_key(**d)) {
            return Err(format!("parameter `{missing}` has no value"));
        }
        if let Some(unknown) = self.0.keys().find(|k| !declared.contains(&k.as_str())) {
            let list = if declared.is_empty() { "none".to_string() } else { declared.join(", ") };
            return Err(format!("`{unknown}` is not a parameter of the algorithm (its parameters: {list})"));
        }
        Ok(())
    }

    /// The value of `name`, for `cx.param` and `w.param`.
    ///
    /// # Panics
    /// If `name` has no value: the simulator checks before a run that every
    /// declared parameter has one, and the verifier rejects a spec that
    /// reads an undeclared one, so this only fails in unverified code.
    pub(crate) fn value(&self, name: &str) -> i64 {
        match self.get(name) {
            Some(v) => v,
            None => panic!("parameter `{name}` has no value in this run (declare it in `Process::PARAMS` and give it a value)"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_parse_and_declarations_are_checked() {
        assert_eq!(Params::parse_setting("f=1"), Ok(("f".to_string(), 1)));
        assert_eq!(Params::parse_setting(" k = -2 "), Ok(("k".to_string(), -2)));
        assert!(Params::parse_setting("f").is_err());
        assert!(Params::parse_setting("f=x").is_err());
        assert!(Params::parse_setting("f g=1").is_err());
        let p = Params::new().with("f", 1);
        assert_eq!(p.get("f"), Some(1));
        assert_eq!(p.check_declared(&["f"]), Ok(()));
        assert!(p.check_declared(&["f", "k"]).unwrap_err().contains("`k` has no value"));
        assert!(p.check_declared(&[]).unwrap_err().contains("`f` is not a parameter"));
    }
}
