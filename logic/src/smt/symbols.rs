//! SMT-LIB symbols: which names are simple, which need `|…|`, which are taken.

use crate::Sort;
use crate::smt::SmtError;

/// Words reserved by SMT-LIB2, the symbols of the Core and Ints theories
/// (plus a few Z3 built-ins), and the command names, which the model
/// reader's lexer takes for commands wherever they stand: a quoted symbol
/// is the same symbol as the unquoted one, and Z3 prints a model's names
/// unquoted, so a printed query never uses these as its own symbols (a
/// function so named is printed under an alias, a bound variable renamed).
const RESERVED: &[&str] = &[
    "_", "!", "as", "let", "exists", "forall", "match", "par", "lambda", "NUMERAL", "DECIMAL",
    "STRING", "BINARY", "HEXADECIMAL", "true", "false", "not", "and", "or", "=>", "xor", "=",
    "distinct", "ite", "+", "-", "*", "/", "div", "mod", "abs", "<", "<=", ">", ">=", "to_real",
    "to_int", "is_int", "select", "store", "Bool", "Int", "Real", "Array", "assert", "check-sat",
    "check-sat-assuming", "declare-const", "declare-datatype", "declare-datatypes", "declare-fun",
    "declare-sort", "define-fun", "define-fun-rec", "define-funs-rec", "define-sort", "echo", "exit",
    "get-assertions", "get-assignment", "get-info", "get-model", "get-option", "get-proof",
    "get-unsat-assumptions", "get-unsat-core", "get-value", "pop", "push", "reset",
    "reset-assertions", "set-info", "set-logic", "set-option",
];

fn is_symbol_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "~!@$%^&*_-+=<>.?/".contains(c)
}

/// Is `name` a simple symbol (no quoting needed)?
pub(crate) fn is_simple(name: &str) -> bool {
    let mut chars = name.chars();
    match chars.next() {
        None => false,
        Some(c) if c.is_ascii_digit() => false,
        Some(c) => is_symbol_char(c) && chars.all(is_symbol_char),
    }
}

/// Is `name` reserved or a built-in symbol?
pub(crate) fn is_reserved(name: &str) -> bool {
    RESERVED.contains(&name)
}

/// Check that `name` can be a user symbol of a printed query: quotable,
/// and not of the form Z3 uses for model elements (`S!val!k`). (A reserved
/// word is printed under another name.)
pub(crate) fn check_user_symbol(name: &str) -> Result<(), SmtError> {
    let bad = |why: &str| Err(SmtError::BadSymbol(name.to_string(), why.to_string()));
    if name.is_empty() {
        return bad("empty name");
    }
    if name.contains('|') || name.contains('\\') {
        return bad("contains `|` or `\\`, which SMT-LIB cannot quote");
    }
    if name.contains("!val!") {
        return bad("contains `!val!`, which is how Z3 names model elements");
    }
    if name.chars().any(|c| c.is_control()) {
        return bad("contains a control character");
    }
    Ok(())
}

/// The SMT-LIB name of an uninterpreted sort: its [`Sort::mangle`]d name,
/// with every character that would need quoting written `_xHH_` (Z3 prints
/// quoted sort names unquoted in models, so sort names are kept simple).
pub(crate) fn sort_symbol(sort: &Sort) -> String {
    symbol_of_mangled(&sort.mangle())
}

/// [`sort_symbol`] from the mangled name alone.
pub(crate) fn symbol_of_mangled(m: &str) -> String {
    if is_simple(m) && !is_reserved(m) {
        return m.to_string();
    }
    let mut out = String::from("S_");
    for c in m.chars() {
        if c.is_ascii() && is_symbol_char(c) {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("_x{b:02X}_"));
            }
        }
    }
    out
}

/// The printed form of a symbol: itself if simple, else `|name|`.
/// The name must have passed [`check_user_symbol`] (or be a known-good name).
pub(crate) fn quote(name: &str) -> String {
    if is_simple(name) { name.to_string() } else { format!("|{name}|") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simple_and_quoted_symbols() {
        assert_eq!(quote("x"), "x");
        assert_eq!(quote("Set_P"), "Set_P");
        assert_eq!(quote("x'"), "|x'|");
        assert_eq!(quote("weird name"), "|weird name|");
        assert_eq!(quote("1st"), "|1st|");
        assert_eq!(quote("a.b-c"), "a.b-c");
    }

    #[test]
    fn sort_symbols_are_simple() {
        assert_eq!(sort_symbol(&Sort::set(Sort::P)), "Set_P");
        assert_eq!(sort_symbol(&Sort::Uninterpreted("my val".into())), "S_U_my_x20_val");
        assert_eq!(sort_symbol(&Sort::Uninterpreted("é".into())), "S_U__xC3__xA9_");
        assert!(is_simple(&sort_symbol(&Sort::Uninterpreted("a|b(c)".into()))));
    }

    #[test]
    fn bad_symbols_are_rejected() {
        assert!(check_user_symbol("and").is_ok());
        assert!(is_reserved("echo") && is_reserved("div"));
        assert!(check_user_symbol("a|b").is_err());
        assert!(check_user_symbol("P!val!0").is_err());
        assert!(check_user_symbol("").is_err());
        assert!(check_user_symbol("x'").is_ok());
        assert!(check_user_symbol("decision").is_ok());
    }
}
