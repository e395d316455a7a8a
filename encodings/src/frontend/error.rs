//! Located front-end errors, rendered rustc-style by miette.

use miette::{Diagnostic, SourceSpan};
use proc_macro2::Span;

use super::excerpt::{Excerpt, MAX_MESSAGE, MAX_SHOWN_LINE, cap};

/// An error in a spec file: what is wrong, and where.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("{message}")]
#[diagnostic(code(psync::spec))]
pub struct SpecError {
    /// What is wrong.
    pub message: String,
    /// The file (path as given).
    pub file: String,
    /// 1-based line of the offending code (0 when the file could not be read).
    pub line: usize,
    /// 1-based column of the offending code.
    pub column: usize,
    /// The offending source text (its first [`MAX_SHOWN_LINE`] characters).
    pub snippet: String,
    #[source_code]
    src: Excerpt,
    #[label("{label}")]
    span: Option<SourceSpan>,
    label: String,
    #[help]
    help: Option<String>,
}

impl SpecError {
    /// An error not tied to a location (e.g. the file cannot be read).
    pub fn unlocated(file: &str, message: impl Into<String>) -> SpecError {
        SpecError {
            message: message.into(),
            file: file.to_string(),
            line: 0,
            column: 0,
            snippet: String::new(),
            src: Excerpt::empty(file),
            span: None,
            label: String::new(),
            help: None,
        }
    }

    /// `file:line:column: message`, one line.
    pub fn short(&self) -> String {
        format!("{}:{}:{}: {}", self.file, self.line, self.column, self.message)
    }
}

/// An error inside the front end, before the source text is attached.
#[derive(Debug, Clone)]
pub struct FeError {
    /// Where.
    pub span: Span,
    /// What.
    pub message: String,
    /// Label under the snippet.
    pub label: String,
    /// A hint.
    pub help: Option<String>,
}

/// Result of front-end steps.
pub type FeResult<T> = Result<T, FeError>;

/// An error at `span`: `message`, labelled `label`.
pub fn err<T>(span: Span, message: impl Into<String>, label: impl Into<String>) -> FeResult<T> {
    Err(FeError { span, message: message.into(), label: label.into(), help: None })
}

/// An error with a hint.
pub fn err_help<T>(span: Span, message: impl Into<String>, label: impl Into<String>, help: impl Into<String>) -> FeResult<T> {
    Err(FeError { span, message: message.into(), label: label.into(), help: Some(help.into()) })
}

/// Byte offset of a (1-based line, 0-based char column) position in `text`.
fn offset(text: &str, line: usize, col: usize) -> usize {
    let mut start = 0;
    for (k, l) in text.split_inclusive('\n').enumerate() {
        if k + 1 == line {
            let within: usize = l.char_indices().nth(col).map(|(b, _)| b).unwrap_or(l.len());
            return start + within;
        }
        start += l.len();
    }
    text.len()
}

impl FeError {
    /// Attach the file so the error renders with the source lines around
    /// it; what is shown of them, and the message, are capped.
    pub fn locate(self, file: &str, text: &str) -> SpecError {
        let (s, e) = (self.span.start(), self.span.end());
        let a = offset(text, s.line, s.column);
        let b = offset(text, e.line, e.column).max(a);
        let (src, span) = Excerpt::around(file, text, a, b);
        SpecError {
            message: cap(&self.message, MAX_MESSAGE),
            file: file.to_string(),
            line: s.line,
            column: s.column + 1,
            snippet: cap(text.get(a..b).unwrap_or(""), MAX_SHOWN_LINE),
            src,
            span: Some(span),
            label: cap(&self.label, MAX_MESSAGE),
            help: self.help.map(|h| cap(&h, MAX_MESSAGE)),
        }
    }
}
