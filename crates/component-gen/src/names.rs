//! Rust names for WIT names.

use heck::{ToShoutySnakeCase, ToSnakeCase, ToUpperCamelCase};

const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate",
    "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl",
    "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref",
    "return", "self", "Self", "static", "struct", "super", "trait", "true", "try", "type",
    "typeof", "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// Type names the generated code itself relies on (prelude types, the per-interface `Host`
/// trait): a WIT type of that name gets a `Type` suffix.
const TAKEN_TYPES: &[&str] = &[
    "Option", "Result", "String", "Vec", "Box", "Some", "None", "Ok", "Err", "Host", "Self",
];

fn escape(s: String) -> String {
    if KEYWORDS.contains(&s.as_str()) {
        s + "_"
    } else {
        s
    }
}

/// `add-one` → `add_one`; keywords get a trailing `_` (`type` → `type_`, `self` → `self_`).
pub fn snake(s: &str) -> String {
    escape(s.to_snake_case())
}

/// `flag-set` → `FlagSet`; names the generated code needs keep clear (`result` → `ResultType`).
pub fn camel(s: &str) -> String {
    let c = s.to_upper_camel_case();
    if TAKEN_TYPES.contains(&c.as_str()) {
        c + "Type"
    } else {
        c
    }
}

/// A variant or enum case: `bit0` → `Bit0` (`self` → `Self_`).
pub fn case(s: &str) -> String {
    let c = s.to_upper_camel_case();
    if c == "Self" {
        c + "_"
    } else {
        c
    }
}

/// A flags constant: `read` → `READ`; `all` → `ALL_` (`ALL` is every flag, from `abi_flags!`).
pub fn shouty(s: &str) -> String {
    let c = escape(s.to_shouty_snake_case());
    if c == "ALL" {
        c + "_"
    } else {
        c
    }
}

/// A Rust string literal.
pub fn lit(s: &str) -> String {
    format!("{s:?}")
}

/// `#[doc = ...]` lines for WIT docs, or for `fallback` when there are none.
pub fn docs(docs: &wit_parser::Docs, fallback: &str) -> String {
    let text = docs.contents.as_deref().unwrap_or(fallback);
    let mut out = String::new();
    for line in text.lines() {
        out.push_str(&format!(
            "#[doc = {}]\n",
            lit(&format!(" {}", line.trim_end()))
        ));
    }
    if out.is_empty() {
        out.push_str("#[doc = \"\"]\n");
    }
    out
}

/// Whether `s` mentions the identifier `ident` as a whole token.
pub fn uses_ident(s: &str, ident: &str) -> bool {
    let is_ident = |c: char| c.is_alphanumeric() || c == '_';
    let mut rest = s;
    while let Some(i) = rest.find(ident) {
        let before = rest[..i].chars().next_back();
        let after = rest[i + ident.len()..].chars().next();
        if !before.is_some_and(is_ident) && !after.is_some_and(is_ident) {
            return true;
        }
        rest = &rest[i + ident.len()..];
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(snake("add-one"), "add_one");
        assert_eq!(snake("self"), "self_");
        assert_eq!(snake("type"), "type_");
        assert_eq!(camel("flag-set"), "FlagSet");
        assert_eq!(camel("result"), "ResultType");
        assert_eq!(case("bit0"), "Bit0");
        assert_eq!(shouty("t11"), "T11");
        assert_eq!(shouty("all"), "ALL_");
        assert!(uses_ident("f(cx, 1)", "cx"));
        assert!(!uses_ident("f(cx_, 1) P::Cx", "cx"));
        assert!(uses_ident("|cx| 1", "cx"));
        assert!(!uses_ident("", "cx"));
    }
}
