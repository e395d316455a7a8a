//! The spec-file front end: Rust source (parsed by `syn`) → [`Algorithm`].
//!
//! The accepted subset is documented in `SPEC_LANGUAGE.md`. Anything outside
//! it is a [`SpecError`] with file, line, column and the offending snippet;
//! nothing is silently dropped or replaced by `true`.

mod cx;
mod error;
mod expr;
mod items;
mod mailbox;
mod methods;
mod send;
mod spec;
mod stmt;
mod types;

use std::path::Path;

use crate::ir::{Algorithm, Loc};

pub use error::SpecError;

/// The location of a span's start.
pub(crate) fn loc(span: proc_macro2::Span) -> Loc {
    let s = span.start();
    Loc { line: s.line, column: s.column + 1 }
}

/// Parse spec source text; `file` names it in errors.
// A `SpecError` carries the source for its report; it is built once per
// rejected file, so its size costs nothing worth boxing it for.
#[allow(clippy::result_large_err)]
pub fn parse_spec(file: &str, text: &str) -> Result<Algorithm, SpecError> {
    let ast = syn::parse_file(text).map_err(|e| {
        error::FeError { span: e.span(), message: format!("syntax error: {e}"), label: "here".into(), help: None }.locate(file, text)
    })?;
    items::algorithm(&ast).map_err(|e| e.locate(file, text))
}

/// Read and parse a spec file.
#[allow(clippy::result_large_err)]
pub fn load_spec(path: impl AsRef<Path>) -> Result<Algorithm, SpecError> {
    let path = path.as_ref();
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| SpecError::unlocated(&name, format!("cannot read {name}: {e}")))?;
    parse_spec(&name, &text)
}
