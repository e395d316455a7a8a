//! The spec-file front end: Rust source (parsed by `syn`) → [`Algorithm`].
//!
//! The accepted subset is documented in `SPEC_LANGUAGE.md`. Anything outside
//! it is a [`SpecError`] with file, line, column and the offending snippet;
//! nothing is silently dropped or replaced by `true`.

mod cx;
mod depth;
mod distinct;
mod error;
mod event;
mod event_fold;
mod excerpt;
mod expr;
mod items;
mod mailbox;
mod matches;
mod methods;
mod nesting;
mod params;
mod patterns;
mod runtime_fns;
mod send;
mod spec;
mod stmt;
mod types;
mod value_faults;

use std::path::Path;

use crate::ir::{Algorithm, Loc};

pub use depth::MAX_TERM_DEPTH;
pub use error::SpecError;
pub use nesting::MAX_NESTING;
pub use runtime_fns::{RuntimeFns, runtime_fns};

/// Stack of the thread the front end runs on: `syn` and the translator
/// recurse over the syntax tree, whose depth [`MAX_NESTING`] bounds; a
/// thread of its own gives every caller (a test's 2 MB thread, the CLI's
/// main thread) the same headroom. Only touched pages are committed.
pub const FRONT_END_STACK: usize = 64 << 20;

/// The location of a span's start.
pub(crate) fn loc(span: proc_macro2::Span) -> Loc {
    let s = span.start();
    Loc { line: s.line, column: s.column + 1 }
}

/// Parse spec source text; `file` names it in errors.
///
/// Runs on a thread of [`FRONT_END_STACK`] bytes (on the caller's thread
/// when no thread can be started), after checking that the text nests at
/// most [`MAX_NESTING`] deep.
// A `SpecError` carries the source for its report; it is built once per
// rejected file, so its size costs nothing worth boxing it for.
#[allow(clippy::result_large_err)]
pub fn parse_spec(file: &str, text: &str) -> Result<Algorithm, SpecError> {
    on_front_end_stack(|| parse_here(file, text))
}

/// Runs `f` on a thread of [`FRONT_END_STACK`] bytes (on the caller's
/// thread when no thread can be started).
fn on_front_end_stack<T: Send>(f: impl FnOnce() -> T + Send + Copy) -> T {
    std::thread::scope(|scope| {
        let spawned = std::thread::Builder::new().stack_size(FRONT_END_STACK).spawn_scoped(scope, f);
        match spawned {
            Ok(handle) => handle.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            Err(_) => f(),
        }
    })
}

/// [`parse_spec`] on the current thread.
#[allow(clippy::result_large_err)]
fn parse_here(file: &str, text: &str) -> Result<Algorithm, SpecError> {
    nesting::check_nesting(tokens(text).map_err(|e| e.locate(file, text))?, MAX_NESTING).map_err(|e| e.locate(file, text))?;
    let mut ast = syn::parse_file(text).map_err(|e| {
        error::FeError { span: e.span(), message: format!("syntax error: {e}"), label: "here".into(), help: None }.locate(file, text)
    })?;
    matches::desugar(&mut ast).map_err(|e| e.locate(file, text))?;
    items::algorithm(&ast).map_err(|e| e.locate(file, text))
}

/// The token trees of `text` as `syn::parse_file` sees them: without a
/// byte-order mark, and without a first line `#!…` that is not an inner
/// attribute when the whole text does not tokenize (line numbers kept).
fn tokens(text: &str) -> error::FeResult<proc_macro2::TokenStream> {
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    let lex_error = |e: proc_macro2::LexError| error::FeError {
        span: e.span(),
        message: format!("syntax error: {e}"),
        label: "here".into(),
        help: None,
    };
    match body.parse() {
        Ok(t) => Ok(t),
        Err(e) => match body.strip_prefix("#!").and_then(|rest| rest.find('\n').map(|k| &rest[k..])) {
            Some(after_shebang) => after_shebang.parse().map_err(lex_error),
            None => Err(lex_error(e)),
        },
    }
}

/// Read and parse a spec file.
#[allow(clippy::result_large_err)]
pub fn load_spec(path: impl AsRef<Path>) -> Result<Algorithm, SpecError> {
    let path = path.as_ref();
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| SpecError::unlocated(&name, format!("cannot read {name}: {e}")))?;
    parse_spec(&name, &text)
}
