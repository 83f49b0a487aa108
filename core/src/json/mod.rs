//! The core's JSON: one reader (`parse`, to a `Value` tree with the text
//! of each node), what serde says of a value in its errors, and JSON text
//! written back (strings escaped as serde_json escapes them, a value's
//! canonical text as `serde_json::Value` printed it).
//!
//! Every registrar payload is read through `parse`, natively and in the
//! widget's wasm alike, so a record cannot differ between the two.

mod parse;

pub use parse::{parse, parse_strict, Kind, SyntaxError, Value};
use std::borrow::Cow;
use std::fmt::Write as _;

/// An object's entries.
pub type Entries<'a> = [(Cow<'a, str>, Value<'a>)];

impl<'a> Value<'a> {
    /// The entries, if this is an object.
    pub fn entries(&self) -> Option<&Entries<'a>> {
        match &self.kind {
            Kind::Object(entries) => Some(entries),
            _ => None,
        }
    }

    /// The items, if this is an array.
    pub fn items(&self) -> Option<&[Value<'a>]> {
        match &self.kind {
            Kind::Array(items) => Some(items),
            _ => None,
        }
    }

    /// The string, if this is one.
    pub fn str(&self) -> Option<&str> {
        match &self.kind {
            Kind::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The value of `key` in an object, the last of repeated keys (as a
    /// map would hold it).
    pub fn get(&self, key: &str) -> Option<&Value<'a>> {
        self.entries()?.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// `null`.
    pub fn is_null(&self) -> bool {
        self.kind == Kind::Null
    }
}

/// An object's entries as a map holds them: sorted by key, each key once,
/// the last of repeated keys winning.
pub fn sorted<'v, 'a>(entries: &'v Entries<'a>) -> Vec<(&'v str, &'v Value<'a>)> {
    let mut out: Vec<(&str, &Value<'a>)> = Vec::with_capacity(entries.len());
    for (key, value) in entries {
        match out.binary_search_by(|(k, _)| (*k).cmp(key)) {
            Ok(i) => out[i].1 = value,
            Err(i) => out.insert(i, (key, value)),
        }
    }
    out
}

/// `s` quoted as `format!("{s:?}")` quotes it (serde's words use `Debug`),
/// without `Debug`'s Unicode tables (about 3.5 KB gzip of the wasm): the
/// same for ASCII and for text in any script, escaping controls and the
/// invisible formatting characters listed in [`invisible`]. Where `Debug`
/// also escapes a combining mark after a letter (`e\u{301}`) or an
/// unassigned code point, this writes the character.
pub(crate) fn debug_quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '\0' => out.push_str("\\0"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\n' => out.push_str("\\n"),
            '\\' | '"' => {
                out.push('\\');
                out.push(c);
            }
            c if invisible(c) => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Characters [`debug_quoted`] escapes as `\u{..}`, each one `Debug`
/// escapes too (a test checks every one): controls (C0, DEL, C1), spaces
/// other than the space, the soft hyphen, combining grapheme joiner,
/// Arabic number signs and letter mark, Mongolian selectors, zero-width
/// and direction marks, line and paragraph separators, embeddings and
/// overrides, word joiner and invisible operators, private use, variation
/// selectors, the byte order mark, specials that are not symbols, tags.
fn invisible(c: char) -> bool {
    matches!(u32::from(c),
        0x00..=0x1f | 0x7f..=0xa0 | 0xad | 0x34f | 0x600..=0x605 | 0x61c | 0x6dd
        | 0x70f | 0x1680 | 0x180b..=0x180f | 0x2000..=0x200f | 0x2028..=0x202f
        | 0x205f..=0x206f | 0x3000 | 0xe000..=0xf8ff | 0xfe00..=0xfe0f | 0xfeff
        | 0xfff0..=0xfffb | 0xfffe..=0xffff | 0xe0000..=0xe0fff | 0xf0000..)
}

/// What serde_json's errors call a value: "null", "boolean `true`",
/// "integer `5`", "floating point `1.5`", "string \"x\"", "sequence",
/// "map".
pub fn unexpected(v: &Value<'_>) -> String {
    match &v.kind {
        Kind::Null => "null".into(),
        Kind::Bool(b) => format!("boolean `{b}`"),
        Kind::U64(n) => format!("integer `{n}`"),
        Kind::I64(n) => format!("integer `{n}`"),
        Kind::F64(f) => format!("floating point `{}`", zmij::Buffer::new().format(*f)),
        Kind::Invalid(message) => (*message).into(),
        Kind::Str(s) => format!("string {}", debug_quoted(s)),
        Kind::Array(_) => "sequence".into(),
        Kind::Object(_) => "map".into(),
    }
}

/// serde's "invalid type" error for `v` where `expected` was wanted
/// (serde_json's own words for a [`Kind::Invalid`] value).
pub fn invalid_type(v: &Value<'_>, expected: &str) -> String {
    if let Kind::Invalid(message) = v.kind {
        return message.into();
    }
    format!("invalid type: {}, expected {expected}", unexpected(v))
}

/// serde's "invalid value" error for `v` where `expected` was wanted.
pub fn invalid_value(v: &Value<'_>, expected: &str) -> String {
    format!("invalid value: {}, expected {expected}", unexpected(v))
}

/// The text `serde_json::Value` printed for a value (its `to_string()`):
/// compact, objects' keys sorted and each once, numbers as the `u64`,
/// `i64` or `f64` they were read as.
pub fn canonical(v: &Value<'_>) -> String {
    let mut out = String::with_capacity(v.raw.len());
    write_canonical(&mut out, v);
    out
}

fn write_canonical(out: &mut String, v: &Value<'_>) {
    match &v.kind {
        Kind::Null => out.push_str("null"),
        Kind::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Kind::U64(n) => {
            let _ = write!(out, "{n}");
        }
        Kind::I64(n) => {
            let _ = write!(out, "{n}");
        }
        Kind::F64(f) => write_f64(out, *f),
        Kind::Invalid(_) => out.push_str(v.raw),
        Kind::Str(s) => write_str(out, s),
        Kind::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(out, item);
            }
            out.push(']');
        }
        Kind::Object(entries) => {
            out.push('{');
            for (i, (key, value)) in sorted(entries).into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_str(out, key);
                out.push(':');
                write_canonical(out, value);
            }
            out.push('}');
        }
    }
}

/// Writes `s` as a JSON string, escaped as serde_json escapes it.
pub fn write_str(out: &mut String, s: &str) {
    write_string(out, s, false);
}

/// JSON string escaping as serde_json does it (`/` not escaped); with
/// `ascii`, every non-ASCII character as `\uXXXX` UTF-16 units too (what
/// some signers hash, see `webhook.rs`).
pub(crate) fn write_string(out: &mut String, s: &str, ascii: bool) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if c < ' ' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c if ascii && !c.is_ascii() => {
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    let _ = write!(out, "\\u{u:04x}");
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Writes an `f64` read from JSON (so finite) as serde_json prints it.
pub(crate) fn write_f64(out: &mut String, v: f64) {
    if v.is_finite() {
        out.push_str(zmij::Buffer::new().format_finite(v));
    } else {
        out.push_str("null");
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::debug_quoted;

    /// `Debug`'s words where the text is ASCII or ordinary text of any
    /// script, and never an escape `Debug` would not write.
    #[test]
    fn debug_quoted_is_debug_for_text() {
        for s in [
            "",
            "plain",
            "quote \" and \\ and ' apostrophe",
            "\0\t\r\n\u{1}\u{1f}\u{7f}",
            "müller@exämple.de",
            "Ελληνικά, кириллица, עברית, العربية, 中文, 日本語, 한국어",
            "emoji 🎉 and ✓ and \u{fffd}",
            "nbsp\u{a0}zwsp\u{200b}bom\u{feff}rtl\u{202e}",
        ] {
            assert_eq!(debug_quoted(s), format!("{s:?}"), "{s}");
        }
        for c in (0..=0x10ffff).filter_map(char::from_u32) {
            let ours = debug_quoted(&c.to_string());
            let std = format!("{:?}", c.to_string());
            if ours != std {
                // Only where Debug escapes and this writes the character
                // (combining marks, unassigned code points).
                assert_eq!(ours, format!("\"{c}\""), "{:x}", u32::from(c));
            }
        }
    }

    use super::{canonical, parse, parse_strict, Kind};

    /// `serde_json::Value`'s private key: `Value` reads an object with it
    /// as the JSON text in its value. The core's reader does not (it was
    /// never a registrar's shape); texts with it are left out of the
    /// comparisons with `Value`.
    pub(crate) const RAW_VALUE_KEY: &str = "$serde_json::private::RawValue";

    /// Texts `Value` reads differently from a naive reader, or not at all.
    pub(crate) fn tricky() -> Vec<String> {
        let mut texts: Vec<String> = crate::providers::tests::VALUES
            .iter()
            .map(|s| (*s).to_owned())
            .chain(
                [
                    "",
                    " ",
                    "{",
                    "[",
                    "}",
                    "nul",
                    "nulx",
                    "tru",
                    "1e400",
                    "-1e400",
                    "1e-400",
                    "1e99999999999",
                    "0e99999999999",
                    "-1e-99999999999",
                    "123456789012345678901234567890",
                    "12345678901234567890123.5e3",
                    "1.234567890123456789012345678901",
                    "18446744073709551615",
                    "18446744073709551616",
                    "-9223372036854775808",
                    "-9223372036854775809",
                    "0.00001",
                    "0.000009999",
                    "1e16",
                    "9999999999999998",
                    "1.7976931348623157e308",
                    "5e-324",
                    "1.5e",
                    "1.5e+",
                    "1.e5",
                    "-a",
                    "\"\\ud800\"",
                    "\"\\ud800\\u0041\"",
                    "\"\\ud800x\"",
                    "\"\\ud800\\n\"",
                    "\"\\udc00x\"",
                    "\"\\ud83d\\ude00\"",
                    "\"\\u12\"",
                    "\"\\u12g4\"",
                    "\"\\q\"",
                    "\"\\",
                    "\"abc",
                    "\"\\u0001\\u001f\\u007f\\b\\f\\t\\r\\n\\/\\\\\"",
                    "\"\u{7f}\u{80}é😀\"",
                    "\"tab\there\"",
                    "[1,]",
                    "[1 2]",
                    "[,1]",
                    "01",
                    "1.",
                    "-",
                    "{\"a\":1,}",
                    "{\"a\"}",
                    "{\"a\":}",
                    "{\"a\" 1}",
                    "{\"a\":1 \"b\":2}",
                    "{\"a\":1,2}",
                    "{1:2}",
                    "{} x",
                    "{}  ",
                    "[] []",
                    "\n\n  {\"a\":\n [1,\n 2 x]}",
                    "{\"b\":1,\"a\":2,\"b\":3}",
                    "{\"b\":{\"y\":1,\"x\":[{\"q\":1,\"p\":2,\"q\":3}]},\"a\":null}",
                    "{\"a\\u0062c\":1,\"abc\":2,\"ab\\\"c\":3,\"\\u00e9\":4,\"z\":5,\"Z\":6,\"\":7}",
                    "{\"d\":{\"GetDetailsResult\":[{\"VerificationStatus\":\"Pending\"}]}}",
                    " \n\t{ \"a\" : [ 1 , 2 ] , \"b\" : { } } \n",
                ]
                .into_iter()
                .map(str::to_owned),
            )
            .collect();
        for depth in [126, 127, 128, 129, 200] {
            texts.push(format!("{}{}", "[".repeat(depth), "]".repeat(depth)));
            texts.push(format!("{}1{}", "{\"a\":".repeat(depth), "}".repeat(depth)));
        }
        texts
    }

    /// What serde_json says of `json`: the text `Value` prints, or its
    /// error.
    fn serde_json_reads(json: &str) -> Result<String, String> {
        serde_json::from_str::<serde_json::Value>(json)
            .map(|v| v.to_string())
            .map_err(|e| e.to_string())
    }

    fn check(json: &str) {
        let new = parse_strict(json).map(|v| canonical(&v)).map_err(|e| e.to_string());
        assert_eq!(new, serde_json_reads(json), "{json:?}");
        // The lenient reader differs only where it reads past a value
        // that serde_json skipped when it did not read it.
        let lenient = parse(json).map(|v| canonical(&v)).map_err(|e| e.to_string());
        if lenient != new {
            let e = new.unwrap_err();
            assert!(
                ["number out of range", "lone leading", "unexpected end of hex"]
                    .iter()
                    .any(|m| e.starts_with(m)),
                "{json:?}: {e}"
            );
        }
    }

    #[test]
    fn a_lone_surrogate_fails_only_where_it_is_read() {
        let v = parse(
            r#"{"a":"x\ud800y","b":"\udc00","c":"\ud800\u0041","d":"\ud83d\ude00","e":"\ud800\n"}"#,
        )
        .unwrap();
        let kind = |k| v.get(k).unwrap().kind.clone();
        assert_eq!(kind("a"), Kind::Invalid("unexpected end of hex escape"));
        assert_eq!(kind("b"), Kind::Invalid("lone leading surrogate in hex escape"));
        assert_eq!(kind("c"), Kind::Invalid("lone leading surrogate in hex escape"));
        assert_eq!(kind("d"), Kind::Str("😀".into()));
        assert_eq!(kind("e"), Kind::Invalid("unexpected end of hex escape"));
        // Not in a key, and not a bad escape.
        assert!(parse(r#"{"\ud800":1}"#).is_err());
        assert!(parse(r#"["\ud800\q"]"#).is_err());
        assert!(parse(r#"["\ud8"]"#).is_err());
    }

    #[test]
    fn a_number_beyond_f64_fails_only_where_it_is_read() {
        let v = parse("[1e400, -1.5e99999999999, 2]").unwrap();
        let items = v.items().unwrap();
        assert_eq!(items[0].kind, Kind::Invalid("number out of range"));
        assert_eq!(items[1].kind, Kind::Invalid("number out of range"));
        assert_eq!(items[1].raw, "-1.5e99999999999");
        assert_eq!(items[2].kind, Kind::U64(2));
        assert_eq!(crate::lenient::opt_string(&items[0]), Err("number out of range".into()));
        assert!(parse("[1e400x]").is_err());
        assert!(parse_strict("[1e400]").is_err());
    }

    #[test]
    fn reads_and_refuses_as_serde_json() {
        for json in tricky() {
            check(&json);
        }
    }

    /// Every fixture, and every prefix of it and every one-byte change of
    /// it at a sample of places: the same text, or the same error at the
    /// same line and column.
    #[test]
    fn fixtures_cut_and_changed_read_as_serde_json() {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures");
        let mut n = 0;
        for dir in std::fs::read_dir(root).unwrap() {
            for file in std::fs::read_dir(dir.unwrap().path()).unwrap() {
                let path = file.unwrap().path();
                if path.extension().and_then(|e| e.to_str()) != Some("json") {
                    continue;
                }
                let text = std::fs::read_to_string(&path).unwrap();
                if text.contains(RAW_VALUE_KEY) {
                    continue;
                }
                check(&text);
                let bytes = text.as_bytes();
                let step = (bytes.len() / 97).max(1);
                for cut in (0..bytes.len()).step_by(step) {
                    if text.is_char_boundary(cut) {
                        check(&text[..cut]);
                    }
                    for b in [b'"', b'\\', b',', b'}', b']', b'0', b'-', b'e', b'.', b' ', 0x01] {
                        if bytes[cut].is_ascii() {
                            let mut changed = bytes.to_vec();
                            changed[cut] = b;
                            check(std::str::from_utf8(&changed).unwrap());
                        }
                    }
                    n += 1;
                }
            }
        }
        assert!(n > 1000, "{n}");
    }

    #[test]
    fn a_value_keeps_its_text() {
        let v = parse(" {\"a\" : [1, \"x\\n\"], \"b\":null} ").unwrap();
        assert_eq!(v.raw, "{\"a\" : [1, \"x\\n\"], \"b\":null}");
        assert_eq!(v.get("a").unwrap().raw, "[1, \"x\\n\"]");
        assert_eq!(v.get("a").unwrap().items().unwrap()[1].str(), Some("x\n"));
        assert!(v.get("b").unwrap().is_null());
    }
}
