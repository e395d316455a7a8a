//! Hint files: the proof hints ([`psync_logic::hint`]) of a spec's VCs,
//! part by part, kept between runs as JSON.
//!
//! A part's hint is found by the key of the part's formula, not by its
//! position, so a hint recorded for another version of the spec is simply
//! not found for a part that changed. A VC's entry also keeps a model of
//! its hypotheses (the vacuity review's witness, see [`crate::vacuity`]),
//! which a later review evaluates instead of searching again. Whatever a
//! hint file holds, it cannot change a verdict (see
//! [`psync_logic::hint`]; a witness counts only if the evaluator finds the
//! hypotheses true in it): only how fast a verdict is found again.

use std::collections::BTreeMap;
use std::path::Path;

use psync_logic::hint::{Hint, TermKey};
use psync_logic::{Model, Term};

/// The version of the file format this build reads and writes.
pub const FORMAT: u32 = 2;

/// The hint of one part of a VC.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PartHint {
    /// The key of the part's formula ([`TermKey::of`]).
    pub formula: TermKey,
    /// The hint.
    #[serde(flatten)]
    pub hint: Hint,
}

impl PartHint {
    /// The hint for `part` among `hints`, if one was recorded for it.
    pub fn find<'a>(hints: &'a [PartHint], part: &Term) -> Option<&'a Hint> {
        let key = TermKey::of(part);
        hints.iter().find(|h| h.formula == key).map(|h| &h.hint)
    }
}

/// What a hint file keeps for one VC.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct VcHints {
    /// The hints of its proved parts, in part order.
    pub parts: Vec<PartHint>,
    /// A model of its hypotheses: the proof was not vacuous.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub witness: Option<Model>,
}

/// No hints: what [`HintFile::for_vc`] gives for a VC it has none for.
pub static NO_HINTS: VcHints = VcHints { parts: Vec::new(), witness: None };

/// The hints of every VC checked with a hint file, by VC id.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct HintFile {
    /// [`FORMAT`].
    pub format: u32,
    /// Each VC's hints.
    pub vcs: BTreeMap<String, VcHints>,
}

/// Why a hint file could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum HintFileError {
    /// Reading or writing failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The error.
        source: std::io::Error,
    },
    /// The file is not a hint file of this format.
    #[error("{path}: not a hint file of format {FORMAT}: {why}")]
    Format {
        /// The file.
        path: String,
        /// What is wrong (with line and column from the JSON reader).
        why: String,
    },
}

impl HintFile {
    /// An empty hint file.
    pub fn new() -> HintFile {
        HintFile { format: FORMAT, vcs: BTreeMap::new() }
    }

    /// Read `path`; a file that does not exist is an empty hint file (the
    /// first run records it).
    pub fn load(path: &Path) -> Result<HintFile, HintFileError> {
        let shown = path.display().to_string();
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(HintFile::new()),
            Err(source) => return Err(HintFileError::Io { path: shown, source }),
        };
        let file: HintFile =
            serde_json::from_str(&text).map_err(|e| HintFileError::Format { path: shown.clone(), why: e.to_string() })?;
        if file.format != FORMAT {
            return Err(HintFileError::Format { path: shown, why: format!("format {}", file.format) });
        }
        Ok(file)
    }

    /// Write the file to `path` (pretty-printed, keys sorted, so that a
    /// committed hint file changes only where a proof did).
    pub fn save(&self, path: &Path) -> Result<(), HintFileError> {
        let io = |source| HintFileError::Io { path: path.display().to_string(), source };
        let mut text = serde_json::to_string_pretty(self).map_err(|e| io(std::io::Error::other(e)))?;
        text.push('\n');
        std::fs::write(path, text).map_err(io)
    }

    /// The hints recorded for VC `id` (none: empty).
    pub fn for_vc(&self, id: &str) -> &VcHints {
        self.vcs.get(id).unwrap_or(&NO_HINTS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use psync_logic::check::Strategy;
    use psync_logic::{Sort, build};

    #[test]
    fn round_trips_and_finds_parts_by_formula() {
        let (a, b) = (build::cnst("a", Sort::Bool), build::cnst("b", Sort::Bool));
        let hint = Hint { strategy: Strategy::GlobalAnchors, core: vec![TermKey(1), TermKey(7)] };
        let mut file = HintFile::new();
        let mut witness = Model { n: 2, ..Model::default() };
        witness.complete(&[build::fun("x", vec![Sort::P], Sort::Int)]);
        witness.funs.get_mut("x").unwrap().entries.insert(vec![psync_logic::Value::Proc(1)], psync_logic::Value::Int(7));
        let parts = vec![PartHint { formula: TermKey::of(&a), hint: hint.clone() }];
        file.vcs.insert("otr/init/inv0/start".into(), VcHints { parts, witness: Some(witness) });
        let dir = std::env::temp_dir().join(format!("psync-hints-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("hints.json");
        file.save(&path).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("\"strategy\": \"global-anchors\""), "{text}");
        let back = HintFile::load(&path).unwrap();
        assert_eq!(back, file);
        let parts = &back.for_vc("otr/init/inv0/start").parts;
        assert_eq!(PartHint::find(parts, &a), Some(&hint));
        assert_eq!(PartHint::find(parts, &b), None, "a part that changed has no hint");
        assert_eq!(back.for_vc("otr/other"), &NO_HINTS);
        std::fs::write(&path, "{\"format\": 2, \"vcs\": {\"x\": {\"parts\": [{\"formula\": \"12\"}]}}}").unwrap();
        let err = HintFile::load(&path).unwrap_err().to_string();
        assert!(err.contains("not a hint file") && err.contains("line 1"), "{err}");
        assert_eq!(HintFile::load(&dir.join("missing.json")).unwrap(), HintFile::new());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
