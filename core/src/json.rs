//! JSON read as `serde_json::Value` reads it (failing on the same text with
//! the same error, objects' keys sorted and each once, the last of repeated
//! keys winning), without `Value`: its deserializer, serializer, `Display`
//! and `BTreeMap` cost kilobytes of the widget's wasm, and only a little of
//! what it holds is ever looked at.

use serde::de::{self, Deserialize, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use std::fmt::{self, Write as _};

/// Puts `key` (with `value`) in `entries`, which are sorted by key, as a
/// `BTreeMap` does: a repeated key keeps its place and takes the new value.
fn insert_sorted<T>(entries: &mut Vec<(String, T)>, key: String, value: T) {
    match entries.binary_search_by(|(k, _)| k.as_str().cmp(&key)) {
        Ok(i) => entries[i].1 = value,
        Err(i) => entries.insert(i, (key, value)),
    }
}

/// An object's entries as `Map<String, Value>` holds them (failing where
/// reading one fails): sorted by key, each key once (the last of repeated
/// keys wins), each value as `Value` prints it ([`Canonical`]).
pub(crate) struct Entries(pub(crate) Vec<(String, String)>);

impl<'de> Deserialize<'de> for Entries {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Entries;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Entries, A::Error> {
                let mut entries = Vec::new();
                while let Some(key) = map.next_key::<String>()? {
                    let mut value = String::new();
                    map.next_value_seed(Append(&mut value))?;
                    insert_sorted(&mut entries, key, value);
                }
                Ok(Entries(entries))
            }
        }
        d.deserialize_map(V)
    }
}

impl Entries {
    /// The value of `key`, as `Value` prints it.
    pub(crate) fn get(&self, key: &str) -> Option<&str> {
        let i = self.0.binary_search_by(|(k, _)| k.as_str().cmp(key)).ok()?;
        Some(&self.0[i].1)
    }
}

/// An object's entries, in document order, with each value as written
/// (not checked as `Value` would check them). Read from [`Canonical`]
/// text, they are the entries of the `Value`'s map.
#[derive(Debug)]
pub struct RawEntries<'a>(pub Vec<(String, &'a RawValue)>);

impl<'de> Deserialize<'de> for RawEntries<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawEntries<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry::<String, &'de RawValue>()? {
                    entries.push(entry);
                }
                Ok(RawEntries(entries))
            }
        }
        d.deserialize_map(V)
    }
}

/// The text `Value` prints for a JSON value once read (its `to_string()`):
/// compact, objects' keys sorted and each once, numbers as the `u64`,
/// `i64` or `f64` they were read as.
#[derive(Debug)]
pub struct Canonical(pub String);

impl<'de> Deserialize<'de> for Canonical {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let mut out = String::new();
        Append(&mut out).deserialize(d)?;
        Ok(Canonical(out))
    }
}

/// Writes a value's canonical text at the end of a string.
struct Append<'a>(&'a mut String);

impl<'de> DeserializeSeed<'de> for Append<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Append<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<(), E> {
        self.0.push_str(if v { "true" } else { "false" });
        Ok(())
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<(), E> {
        let _ = write!(self.0, "{v}");
        Ok(())
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<(), E> {
        let _ = write!(self.0, "{v}");
        Ok(())
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<(), E> {
        write_f64(self.0, v);
        Ok(())
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        write_str(self.0, v);
        Ok(())
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.0.push_str("null");
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        self.0.push('[');
        let mut first = true;
        loop {
            let mark = self.0.len();
            if !first {
                self.0.push(',');
            }
            if seq.next_element_seed(Append(self.0))?.is_none() {
                self.0.truncate(mark);
                break;
            }
            first = false;
        }
        self.0.push(']');
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut entries: Vec<(String, String)> = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            if entries.is_empty() && key == RAW_VALUE_KEY {
                let RawText(text) = map.next_value()?;
                let Canonical(value) = serde_json::from_str(&text).map_err(de::Error::custom)?;
                self.0.push_str(&value);
                return Ok(());
            }
            let mut value = String::new();
            map.next_value_seed(Append(&mut value))?;
            insert_sorted(&mut entries, key, value);
        }
        self.0.push('{');
        for (i, (key, value)) in entries.iter().enumerate() {
            if i > 0 {
                self.0.push(',');
            }
            write_str(self.0, key);
            self.0.push(':');
            self.0.push_str(value);
        }
        self.0.push('}');
        Ok(())
    }
}

/// Writes `s` as a JSON string, escaped as serde_json escapes it (a
/// hand-written loop is smaller in the wasm than `serde_json::to_string`).
pub(crate) fn write_str(out: &mut String, s: &str) {
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
    match serde_json::Number::from_f64(v) {
        Some(n) => {
            let _ = write!(out, "{n}");
        }
        None => out.push_str("null"),
    }
}

/// The first key that makes `Value` read an object as the JSON text in its
/// (string) value: `{"$serde_json::private::RawValue": "[1]"}` is `[1]`.
/// [`Canonical`] does the same.
pub(crate) const RAW_VALUE_KEY: &str = "$serde_json::private::RawValue";

/// The JSON text after [`RAW_VALUE_KEY`], read as `Value` reads it (same
/// errors); `Value` then reads that text (an error in it is a custom
/// error).
struct RawText(String);

impl<'de> Deserialize<'de> for RawText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawText;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("raw value")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawText, E> {
                Ok(RawText(v.to_owned()))
            }
        }
        d.deserialize_str(V)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::{Canonical, Entries};
    use serde_json::{Map, Value};

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
                    "1e400",
                    "-1e400",
                    "1e-400",
                    "123456789012345678901234567890",
                    "0.00001",
                    "0.000009999",
                    "1e16",
                    "9999999999999998",
                    "1.7976931348623157e308",
                    "5e-324",
                    "\"\\ud800\"",
                    "\"\\udc00x\"",
                    "\"\\ud83d\\ude00\"",
                    "\"\\u12\"",
                    "\"\\u0001\\u001f\\u007f\\b\\f\\t\\r\\n\\/\\\\\"",
                    "\"\u{7f}\u{80}é😀\"",
                    "\"tab\there\"",
                    "[1,]",
                    "01",
                    "1.",
                    "-",
                    "{\"a\":1,}",
                    "{\"a\"}",
                    "{\"a\":}",
                    "{1:2}",
                    "{} x",
                    "{}  ",
                    "[] []",
                    "{\"b\":1,\"a\":2,\"b\":3}",
                    "{\"b\":{\"y\":1,\"x\":[{\"q\":1,\"p\":2,\"q\":3}]},\"a\":null}",
                    "{\"a\\u0062c\":1,\"abc\":2,\"ab\\\"c\":3,\"\\u00e9\":4,\"z\":5,\"Z\":6,\"\":7}",
                    "{\"d\":{\"GetDetailsResult\":[{\"VerificationStatus\":\"Pending\"}]}}",
                    "{\"$serde_json::private::RawValue\":\"1\"}",
                    "{\"$serde_json::private::RawValue\":1}",
                    " \n\t{ \"a\" : [ 1 , 2 ] , \"b\" : { } } \n",
                    r#"{"a":{"$serde_json::private::RawValue":"[1,{\"b\":2,\"a\":1}]"}}"#,
                    r#"{"$serde_json::private::RawValue":"1","b":2}"#,
                    r#"{"$serde_json::private::RawValue":"1"} "#,
                    r#"{"$serde_json::private::RawValue":"nope"}"#,
                    r#"{"$serde_json::private::RawValue":"1 2"}"#,
                    r#"{"a":{"$serde_json::private::RawValue":1}}"#,
                    r#"{"a":{"$serde_json::private::RawValue":null}}"#,
                    r#"{"a":{"$serde_json::private::RawValue":"\"x\"","b":1}}"#,
                    r#"{"a":{"b":1,"$serde_json::private::RawValue":"1"}}"#,
                    r#"{"b":1,"$serde_json::private::RawValue":"1"}"#,
                    r#"[{"$serde_json::private::RawValue":"{\"$serde_json::private::RawValue\":\"[2]\"}"}]"#,
                    r#"{"email":{"$serde_json::private::RawValue":"\" a@b \""},"c":[{"$serde_json::private::RawValue":"\"\\u00e9\""}]}"#,
                    r#"{"$serde_json::private::RawValue":"{\"z\":1,\"a\":{\"$serde_json::private::RawValue\":\"[[[]]]\"}}"}"#,
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

    #[test]
    fn canonical_text_is_what_value_prints() {
        for json in tricky() {
            let old = serde_json::from_str::<Value>(&json)
                .map(|v| v.to_string())
                .map_err(|e| e.to_string());
            let new =
                serde_json::from_str::<Canonical>(&json).map(|c| c.0).map_err(|e| e.to_string());
            assert_eq!(new, old, "{json}");
        }
    }

    #[test]
    fn entries_are_those_of_a_value_map() {
        for json in tricky() {
            let old = serde_json::from_str::<Map<String, Value>>(&json)
                .map(|m| m.into_iter().map(|(k, v)| (k, v.to_string())).collect::<Vec<_>>())
                .map_err(|e| e.to_string());
            let new =
                serde_json::from_str::<Entries>(&json).map(|e| e.0).map_err(|e| e.to_string());
            // Errors on what is not an object may be worded otherwise.
            if old.is_ok() || json.trim_start().starts_with('{') {
                assert_eq!(new, old, "{json}");
            } else {
                assert!(new.is_err(), "{json}");
            }
        }
    }
}
