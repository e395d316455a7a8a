//! What a located error shows of its file: a few lines around the error,
//! each cut to a window of at most [`MAX_SHOWN_LINE`] characters, so that
//! the report of an error in a huge file, or on a huge line, stays small.
//! Line and column numbers are those of the whole file.

use miette::{MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents};

/// The most characters of one source line an error shows.
pub const MAX_SHOWN_LINE: usize = 200;
/// The most lines of the offending code an error shows.
const MAX_SHOWN_LINES: usize = 8;
/// Lines shown before and after the offending code (miette's default).
const CONTEXT_LINES: usize = 1;
/// Characters shown before the error's column on a cut line.
const BEFORE_COLUMN: usize = 60;
/// The most characters of a message, label or hint.
pub const MAX_MESSAGE: usize = 500;
/// Marks where shown text was cut.
const CUT: &str = "…";

/// `s`, cut to `max` characters with an ellipsis.
pub fn cap(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((k, _)) => format!("{}{CUT}", &s[..k]),
        None => s.to_string(),
    }
}

/// One shown line: where its kept part is in the file and in the excerpt.
struct Shown {
    /// Byte range of the kept characters in the file.
    kept: (usize, usize),
    /// Byte offset of the kept characters in the excerpt.
    at: usize,
}

impl Shown {
    /// The excerpt offset of file offset `o`, clamped to the kept part.
    fn map(&self, o: usize) -> usize {
        self.at + o.clamp(self.kept.0, self.kept.1) - self.kept.0
    }
}

/// The shown part of a file, as miette reads it.
#[derive(Debug, Default)]
pub struct Excerpt {
    name: String,
    text: String,
    /// 0-based line of the file where the excerpt starts.
    first_line: usize,
    /// The excerpt line holding the error, and how many bytes its cut
    /// removed before the error (less the ellipsis): added to columns there.
    error_line: usize,
    column_shift: usize,
}

/// Byte offset of the `k`-th character of `line` (its length past the end).
fn char_offset(line: &str, k: usize) -> usize {
    line.char_indices().nth(k).map(|(b, _)| b).unwrap_or(line.len())
}

impl Excerpt {
    /// An excerpt without source.
    pub fn empty(name: &str) -> Excerpt {
        Excerpt { name: name.to_string(), ..Excerpt::default() }
    }

    /// The excerpt of `text` around the bytes `a..b`, and that range in it.
    pub fn around(name: &str, text: &str, a: usize, b: usize) -> (Excerpt, SourceSpan) {
        let starts: Vec<usize> = std::iter::once(0).chain(text.match_indices('\n').map(|(k, _)| k + 1)).collect();
        let line_of = |o: usize| starts.partition_point(|&s| s <= o) - 1;
        let (la, lb) = (line_of(a), line_of(b.saturating_sub(1).max(a)));
        let last_error_line = lb.min(la + MAX_SHOWN_LINES - 1);
        let first = la.saturating_sub(CONTEXT_LINES);
        let last = (last_error_line + CONTEXT_LINES).min(starts.len() - 1);
        let mut out = Excerpt { name: name.to_string(), first_line: first, error_line: la - first, ..Excerpt::default() };
        let mut shown = Vec::new();
        for l in first..=last {
            let start = starts[l];
            let end = starts.get(l + 1).map(|s| s - 1).unwrap_or(text.len());
            let line = &text[start..end];
            let from_char = if l == la { text[start..a].chars().count().saturating_sub(BEFORE_COLUMN) } else { 0 };
            let from = char_offset(line, from_char);
            let to = from + char_offset(&line[from..], MAX_SHOWN_LINE);
            if from > 0 {
                out.text.push_str(CUT);
            }
            if l == la {
                out.column_shift = from - if from > 0 { CUT.len() } else { 0 };
            }
            shown.push(Shown { kept: (start + from, start + to), at: out.text.len() });
            out.text.push_str(&line[from..to]);
            if to < line.len() {
                out.text.push_str(CUT);
            }
            if l < last {
                out.text.push('\n');
            }
        }
        let wa = shown[la - first].map(a);
        let wb = shown[last_error_line - first].map(b).max(wa);
        (out, SourceSpan::new(wa.into(), wb - wa))
    }
}

impl SourceCode for Excerpt {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let c = self.text.as_str().read_span(span, context_lines_before, context_lines_after)?;
        let column = if c.line() == self.error_line && c.column() > 0 { c.column() + self.column_shift } else { c.column() };
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            c.data(),
            *c.span(),
            c.line() + self.first_line,
            column,
            c.line_count(),
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_line_is_cut_around_the_error() {
        let text = format!("fn a() {{}}\n{}ERR{}\nfn b() {{}}\n", "x".repeat(10_000), "y".repeat(10_000));
        let a = text.find("ERR").unwrap();
        let (e, span) = Excerpt::around("f.rs", &text, a, a + 3);
        assert!(e.text.len() < 3 * MAX_SHOWN_LINE, "{}", e.text.len());
        assert_eq!(&e.text[span.offset()..span.offset() + span.len()], "ERR");
        assert!(e.text.starts_with("fn a() {}\n…x") && e.text.ends_with("y…\nfn b() {}"), "{}", e.text);
        let c = e.read_span(&span, 0, 0).unwrap();
        assert_eq!((c.line(), c.column()), (1, 10_000), "line and column of the whole file");
    }

    #[test]
    fn a_span_over_many_lines_shows_its_first_lines() {
        let text = (0..100).map(|k| format!("line {k}")).collect::<Vec<_>>().join("\n");
        let (a, b) = (text.find("line 10").unwrap(), text.find("line 90").unwrap());
        let (e, span) = Excerpt::around("f.rs", &text, a, b);
        assert!(e.text.starts_with("line 9\nline 10\n") && e.text.ends_with("line 17\nline 18"), "{}", e.text);
        assert!(span.offset() + span.len() <= e.text.len());
    }

    #[test]
    fn messages_are_capped() {
        assert_eq!(cap("abc", 5), "abc");
        assert_eq!(cap("abcdef", 3), "abc…");
    }
}
