//! A small S-expression tokenizer: enough to cut SMT-LIB text into top-level
//! commands (respecting comments, strings and `|quoted|` symbols).

use crate::smt::SmtError;

/// A token of SMT-LIB text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Tok {
    /// `(`
    Open,
    /// `)`
    Close,
    /// A symbol (unquoted), numeral, keyword or other atom.
    Atom(String),
    /// A string literal (unescaped).
    Str(String),
}

/// Tokens with their byte ranges in `text`.
pub(crate) fn tokenize(text: &str) -> Result<Vec<(Tok, usize, usize)>, SmtError> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        match c {
            b';' => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            c if c.is_ascii_whitespace() => i += 1,
            b'(' => {
                out.push((Tok::Open, i, i + 1));
                i += 1;
            }
            b')' => {
                out.push((Tok::Close, i, i + 1));
                i += 1;
            }
            b'|' => {
                let start = i;
                let close = text[i + 1..]
                    .find('|')
                    .ok_or_else(|| SmtError::Parse(format!("unterminated |symbol| at byte {start}")))?;
                let end = i + 1 + close + 1;
                out.push((Tok::Atom(text[i + 1..end - 1].to_string()), start, end));
                i = end;
            }
            b'"' => {
                let start = i;
                let mut s = String::new();
                i += 1;
                loop {
                    let rest = &text[i..];
                    let q = rest.find('"').ok_or_else(|| SmtError::Parse(format!("unterminated string at byte {start}")))?;
                    s.push_str(&rest[..q]);
                    i += q + 1;
                    if b.get(i) == Some(&b'"') {
                        s.push('"');
                        i += 1;
                    } else {
                        break;
                    }
                }
                out.push((Tok::Str(s), start, i));
            }
            _ => {
                let start = i;
                while i < b.len() && !b[i].is_ascii_whitespace() && !matches!(b[i], b'(' | b')' | b';' | b'"' | b'|') {
                    i += 1;
                }
                out.push((Tok::Atom(text[start..i].to_string()), start, i));
            }
        }
    }
    Ok(out)
}

/// One top-level S-expression: its source text and its tokens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Item<'a> {
    /// The exact source text.
    pub text: &'a str,
    /// Its tokens.
    pub toks: Vec<Tok>,
}

impl Item<'_> {
    /// For a list `(head …)`, the head atom.
    pub fn head(&self) -> Option<&str> {
        match (self.toks.first(), self.toks.get(1)) {
            (Some(Tok::Open), Some(Tok::Atom(h))) => Some(h),
            _ => None,
        }
    }
}

/// Split `text` into its top-level S-expressions.
pub(crate) fn split_top(text: &str) -> Result<Vec<Item<'_>>, SmtError> {
    let mut items = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    let mut cur = Vec::new();
    for (tok, s, e) in tokenize(text)? {
        match tok {
            Tok::Open => {
                if depth == 0 {
                    start = s;
                }
                depth += 1;
                cur.push(tok);
            }
            Tok::Close => {
                if depth == 0 {
                    return Err(SmtError::Parse(format!("unbalanced `)` at byte {s}")));
                }
                depth -= 1;
                cur.push(tok);
                if depth == 0 {
                    items.push(Item { text: &text[start..e], toks: std::mem::take(&mut cur) });
                }
            }
            atom => {
                if depth == 0 {
                    items.push(Item { text: &text[s..e], toks: vec![atom] });
                } else {
                    cur.push(atom);
                }
            }
        }
    }
    if depth > 0 {
        return Err(SmtError::Parse("unbalanced `(`: the text ends inside an expression".into()));
    }
    Ok(items)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_commands_with_comments_strings_and_quoted_symbols() {
        let text = "; a comment (with parens\n(echo \"a \"\"(quoted\") ; x\n(declare-fun |a )b| () Int)\nsat\n";
        let items = split_top(text).unwrap();
        assert_eq!(items.len(), 3);
        assert_eq!(items[0].head(), Some("echo"));
        assert_eq!(items[0].toks[2], Tok::Str("a \"(quoted".into()));
        assert_eq!(items[1].text, "(declare-fun |a )b| () Int)");
        assert_eq!(items[1].toks[2], Tok::Atom("a )b".into()));
        assert_eq!(items[2].toks, vec![Tok::Atom("sat".into())]);
        assert!(split_top("(a (b)").is_err());
        assert!(split_top("a)").is_err());
        assert!(split_top("(echo \"x)").is_err());
    }
}
