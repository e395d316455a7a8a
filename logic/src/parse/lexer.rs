//! Tokens of the query syntax, with their line:column positions.
//!
//! ASCII and Unicode spellings of an operator become the same token, so the
//! parser reads both what `{:#}` and what `{}` print.

use super::ParseError;

/// A token kind.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Tok {
    /// An identifier or keyword.
    Ident(String),
    /// A non-negative integer literal (negation is applied by the parser).
    Int(u64),
    LParen,
    RParen,
    LBrace,
    RBrace,
    Comma,
    Colon,
    Semi,
    Dot,
    Bar,
    Arrow,
    Forall,
    Exists,
    Iff,
    Implies,
    Or,
    And,
    Not,
    Eq,
    Neq,
    Lt,
    Le,
    Gt,
    Ge,
    Member,
    Subset,
    Union,
    Inter,
    Minus,
    SetMinus,
    Plus,
    Star,
    Slash,
    Percent,
    EmptySet,
    Eof,
}

/// A token at a 1-based line and column.
#[derive(Clone, Debug)]
pub(super) struct Token {
    pub tok: Tok,
    pub line: usize,
    pub col: usize,
}

/// Split `src` into tokens; comments (`//` or `#` to the end of the line) are skipped.
pub(super) fn lex(src: &str) -> Result<Vec<Token>, ParseError> {
    let chars: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let (mut k, mut line, mut col) = (0usize, 1usize, 1usize);
    while k < chars.len() {
        let c = chars[k];
        let at = |j: usize| chars.get(k + j).copied();
        if c == '\n' {
            k += 1;
            line += 1;
            col = 1;
            continue;
        }
        if c.is_whitespace() {
            k += 1;
            col += 1;
            continue;
        }
        if c == '#' || (c == '/' && at(1) == Some('/')) {
            while k < chars.len() && chars[k] != '\n' {
                k += 1;
            }
            continue;
        }
        let start_col = col;
        let (tok, len) = if c.is_ascii_alphabetic() || c == '_' {
            let mut j = k;
            while j < chars.len() && (chars[j].is_ascii_alphanumeric() || chars[j] == '_' || chars[j] == '\'') {
                j += 1;
            }
            let word: String = chars[k..j].iter().collect();
            (keyword(&word).unwrap_or(Tok::Ident(word)), j - k)
        } else if c.is_ascii_digit() {
            let mut j = k;
            while j < chars.len() && chars[j].is_ascii_digit() {
                j += 1;
            }
            let digits: String = chars[k..j].iter().collect();
            let value = digits.parse::<u64>().map_err(|_| ParseError {
                line,
                col,
                message: format!("integer literal {digits} is too large"),
            })?;
            (Tok::Int(value), j - k)
        } else {
            match symbol(c, at(1), at(2), at(3)) {
                Some(found) => found,
                None => return Err(ParseError { line, col, message: format!("unexpected character `{c}`") }),
            }
        };
        out.push(Token { tok, line, col: start_col });
        k += len;
        col += len;
    }
    out.push(Token { tok: Tok::Eof, line, col });
    Ok(out)
}

/// ASCII words that spell operators.
fn keyword(word: &str) -> Option<Tok> {
    Some(match word {
        "forall" => Tok::Forall,
        "exists" => Tok::Exists,
        "in" => Tok::Member,
        "subset" => Tok::Subset,
        "union" => Tok::Union,
        "inter" => Tok::Inter,
        "minus" => Tok::SetMinus,
        _ => return None,
    })
}

/// The operator or punctuation starting with `c` (followed by `c1 c2 c3`), and its length.
fn symbol(c: char, c1: Option<char>, c2: Option<char>, c3: Option<char>) -> Option<(Tok, usize)> {
    let t = match (c, c1, c2, c3) {
        ('<', Some('='), Some('='), Some('>')) => (Tok::Iff, 4),
        ('<', Some('='), _, _) => (Tok::Le, 2),
        ('<', _, _, _) => (Tok::Lt, 1),
        ('=', Some('='), Some('>'), _) => (Tok::Implies, 3),
        ('=', Some('='), _, _) => (Tok::Eq, 2),
        ('=', _, _, _) => (Tok::Eq, 1),
        ('>', Some('='), _, _) => (Tok::Ge, 2),
        ('>', _, _, _) => (Tok::Gt, 1),
        ('!', Some('='), _, _) => (Tok::Neq, 2),
        ('!', _, _, _) => (Tok::Not, 1),
        ('|', Some('|'), _, _) => (Tok::Or, 2),
        ('|', _, _, _) => (Tok::Bar, 1),
        ('&', Some('&'), _, _) => (Tok::And, 2),
        ('-', Some('>'), _, _) => (Tok::Arrow, 2),
        ('-', _, _, _) => (Tok::Minus, 1),
        ('(', ..) => (Tok::LParen, 1),
        (')', ..) => (Tok::RParen, 1),
        ('{', ..) => (Tok::LBrace, 1),
        ('}', ..) => (Tok::RBrace, 1),
        (',', ..) => (Tok::Comma, 1),
        (':', ..) => (Tok::Colon, 1),
        (';', ..) => (Tok::Semi, 1),
        ('.', ..) => (Tok::Dot, 1),
        ('+', ..) => (Tok::Plus, 1),
        ('*', ..) => (Tok::Star, 1),
        ('/', ..) => (Tok::Slash, 1),
        ('%', ..) => (Tok::Percent, 1),
        ('∀', ..) => (Tok::Forall, 1),
        ('∃', ..) => (Tok::Exists, 1),
        ('⇔', ..) => (Tok::Iff, 1),
        ('⇒', ..) => (Tok::Implies, 1),
        ('∨', ..) => (Tok::Or, 1),
        ('∧', ..) => (Tok::And, 1),
        ('¬', ..) => (Tok::Not, 1),
        ('≠', ..) => (Tok::Neq, 1),
        ('≤', ..) => (Tok::Le, 1),
        ('≥', ..) => (Tok::Ge, 1),
        ('∈', ..) => (Tok::Member, 1),
        ('⊆', ..) => (Tok::Subset, 1),
        ('∪', ..) => (Tok::Union, 1),
        ('∩', ..) => (Tok::Inter, 1),
        ('∖', ..) => (Tok::SetMinus, 1),
        ('∅', ..) => (Tok::EmptySet, 1),
        ('→', ..) => (Tok::Arrow, 1),
        _ => return None,
    };
    Some(t)
}
