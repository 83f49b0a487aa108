//! Readers of registrar fields the way registrars actually send them:
//! strings that are numbers, numbers that are strings, `""` for absent,
//! `"true"` for `true`. Each takes a [`Value`] and fails with serde's
//! words ("invalid type: map, expected a string, a number or null"), as
//! the serde helpers they replace did (kept in [`was`] for the tests that
//! compare the two).

use crate::json::{invalid_type, invalid_value, Kind, Value};
use std::fmt;

/// An optional string that may arrive as a string, a number, a bool or
/// `null`. Empty or blank strings are `None`; others are trimmed.
pub(crate) fn opt_string(v: &Value<'_>) -> Result<Option<String>, String> {
    Ok(match &v.kind {
        Kind::Str(s) => {
            let t = s.trim();
            (!t.is_empty()).then(|| t.to_owned())
        }
        Kind::U64(n) => Some(n.to_string()),
        Kind::I64(n) => Some(n.to_string()),
        Kind::F64(f) => Some(crate::num::display(*f)),
        Kind::Bool(b) => Some(b.to_string()),
        Kind::Null => None,
        _ => return Err(invalid_type(v, "a string, a number or null")),
    })
}

/// An optional bool from `true`/`false`, `1`/`0`, `"true"`/`"yes"`/`"1"`
/// (any case), `""` or `null` (absent).
pub(crate) fn opt_bool(v: &Value<'_>) -> Result<Option<bool>, String> {
    const EXPECTED: &str = "a boolean, 0/1, \"true\"/\"false\" or null";
    Ok(match &v.kind {
        Kind::Bool(b) => Some(*b),
        Kind::U64(n) => Some(*n != 0),
        Kind::I64(n) => Some(*n != 0),
        Kind::Str(s) => match s.trim().to_ascii_lowercase().as_str() {
            "" => None,
            "true" | "yes" | "1" | "y" => Some(true),
            "false" | "no" | "0" | "n" => Some(false),
            _ => return Err(invalid_value(v, EXPECTED)),
        },
        Kind::Null => None,
        _ => return Err(invalid_type(v, EXPECTED)),
    })
}

/// An optional integer from a number, a string of digits, `""` or `null`.
pub(crate) fn opt_i64(v: &Value<'_>) -> Result<Option<i64>, String> {
    const EXPECTED: &str = "an integer, a string of digits or null";
    Ok(match &v.kind {
        Kind::I64(n) => Some(*n),
        Kind::U64(n) => Some(i64::try_from(*n).map_err(|_| invalid_value(v, EXPECTED))?),
        // grpc-gateway and PHP sometimes write integers as floats.
        Kind::F64(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Some(*f as i64),
        Kind::F64(_) => return Err(invalid_value(v, EXPECTED)),
        Kind::Str(s) => {
            let t = s.trim();
            if t.is_empty() {
                return Ok(None);
            }
            Some(t.parse().map_err(|_| invalid_value(v, EXPECTED))?)
        }
        Kind::Null => None,
        _ => return Err(invalid_type(v, EXPECTED)),
    })
}

/// A list of names from an array of strings (nulls and blanks skipped), a
/// single string, or `null`.
pub(crate) fn string_list(v: &Value<'_>) -> Result<Vec<String>, String> {
    match &v.kind {
        Kind::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                out.extend(opt_string(item)?);
            }
            Ok(out)
        }
        Kind::Str(s) => {
            let t = s.trim();
            Ok(if t.is_empty() { Vec::new() } else { vec![t.to_owned()] })
        }
        Kind::Null => Ok(Vec::new()),
        _ => Err(invalid_type(v, "a list of strings")),
    }
}

/// [`opt_string`] read as an [`EnumKey`]: the same values are accepted
/// (and refused), blank is `None`.
pub(crate) fn opt_enum_key(v: &Value<'_>) -> Result<Option<EnumKey>, String> {
    Ok(match &v.kind {
        Kind::Str(s) => {
            let t = s.trim();
            (!t.is_empty()).then(|| EnumKey::new(t))
        }
        _ => opt_string(v)?.map(|s| EnumKey::new(&s)),
    })
}

/// Normalises an enum value for matching: lower case, with spaces,
/// underscores and dashes removed (`"In Progress"`, `"in_progress"` and
/// `"inprogress"` all become `"inprogress"`).
pub(crate) fn enum_key(s: &str) -> String {
    s.chars()
        .filter(|c| !matches!(c, ' ' | '_' | '-' | '\t'))
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// [`enum_key`] without allocating, for fields read on every row of a
/// list: kept inline up to [`EnumKey::CAP`] bytes; a longer value (no
/// registrar documents one) reads as [`EnumKey::TOO_LONG`], which matches
/// nothing.
#[derive(Clone, Copy)]
pub(crate) struct EnumKey {
    len: u8,
    buf: [u8; EnumKey::CAP],
}

impl EnumKey {
    const CAP: usize = 24;
    /// What a value longer than `CAP` reads as.
    pub const TOO_LONG: &'static str = "\u{0}too long";

    pub fn new(s: &str) -> EnumKey {
        let mut key = EnumKey { len: 0, buf: [0; Self::CAP] };
        for &b in s.as_bytes() {
            if matches!(b, b' ' | b'_' | b'-' | b'\t') {
                continue;
            }
            if usize::from(key.len) == Self::CAP {
                key.len = u8::MAX;
                return key;
            }
            // Whole UTF-8 sequences are copied byte by byte (only ASCII
            // bytes are dropped or changed), so the bytes stay UTF-8.
            key.buf[usize::from(key.len)] = b.to_ascii_lowercase();
            key.len += 1;
        }
        key
    }

    pub fn as_str(&self) -> &str {
        match self.buf.get(..usize::from(self.len)) {
            Some(bytes) => std::str::from_utf8(bytes).unwrap_or(Self::TOO_LONG),
            None => Self::TOO_LONG,
        }
    }
}

impl fmt::Debug for EnumKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

/// The serde helpers these readers replace, as they were: the oracles of
/// the tests that compare the two.
#[cfg(test)]
pub(crate) mod was {
    use super::EnumKey;
    use serde::de::{self, Deserializer, SeqAccess, Visitor};
    use std::fmt;

    /// An optional string that may arrive as a string, a number, a bool or
    /// `null`. Empty or blank strings are `None`; others are trimmed.
    pub(crate) fn opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Option<String>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string, a number or null")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                let t = v.trim();
                Ok((!t.is_empty()).then(|| t.to_owned()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(Some(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(Some(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                Ok(Some(v.to_string()))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
                Ok(Some(v.to_string()))
            }
            fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(None)
            }
        }
        d.deserialize_any(V)
    }

    /// An optional bool from `true`/`false`, `1`/`0`, `"true"`/`"yes"`/`"1"`
    /// (any case), `""` or `null` (absent).
    pub(crate) fn opt_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Option<bool>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a boolean, 0/1, \"true\"/\"false\" or null")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
                Ok(Some(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(Some(v != 0))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(Some(v != 0))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                match v.trim().to_ascii_lowercase().as_str() {
                    "" => Ok(None),
                    "true" | "yes" | "1" | "y" => Ok(Some(true)),
                    "false" | "no" | "0" | "n" => Ok(Some(false)),
                    _ => Err(E::invalid_value(de::Unexpected::Str(v), &self)),
                }
            }
            fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(None)
            }
        }
        d.deserialize_any(V)
    }

    /// An optional integer from a number, a string of digits, `""` or `null`.
    pub(crate) fn opt_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Option<i64>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an integer, a string of digits or null")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(Some(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                i64::try_from(v)
                    .map(Some)
                    .map_err(|_| E::invalid_value(de::Unexpected::Unsigned(v), &self))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                // grpc-gateway and PHP sometimes write integers as floats.
                if v.fract() == 0.0 && v.abs() < 9.0e15 {
                    Ok(Some(v as i64))
                } else {
                    Err(E::invalid_value(de::Unexpected::Float(v), &self))
                }
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                let t = v.trim();
                if t.is_empty() {
                    return Ok(None);
                }
                t.parse().map(Some).map_err(|_| E::invalid_value(de::Unexpected::Str(v), &self))
            }
            fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(None)
            }
        }
        d.deserialize_any(V)
    }

    /// A list of names from an array of strings (nulls and blanks skipped), a
    /// single string, or `null`.
    pub(crate) fn string_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Vec<String>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list of strings")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(1));
                while let Some(Item(item)) = seq.next_element::<Item>()? {
                    out.extend(item);
                }
                Ok(out)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                let t = v.trim();
                Ok(if t.is_empty() { Vec::new() } else { vec![t.to_owned()] })
            }
            fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Vec::new())
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Vec::new())
            }
        }
        d.deserialize_any(V)
    }

    /// One list item: a trimmed non-blank string (copied once), or nothing.
    struct Item(Option<String>);

    impl<'de> de::Deserialize<'de> for Item {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            opt_string(d).map(Item)
        }
    }

    /// [`opt_string`] read as an [`EnumKey`]: the same values are accepted
    /// (and refused), blank is `None`.
    pub(crate) fn opt_enum_key<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<EnumKey>, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Option<EnumKey>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string, a number or null")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                let t = v.trim();
                Ok((!t.is_empty()).then(|| EnumKey::new(t)))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(Some(EnumKey::new(&v.to_string())))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(Some(EnumKey::new(&v.to_string())))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                Ok(Some(EnumKey::new(&v.to_string())))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
                Ok(Some(EnumKey::new(if v { "true" } else { "false" })))
            }
            fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(None)
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::{enum_key, was, EnumKey};
    use crate::json::{canonical, parse_strict};

    /// Each reader against the serde helper it replaces, on every value
    /// of the grid: the same result, or the same words.
    #[test]
    fn readers_read_as_the_serde_helpers_did() {
        fn same<T: PartialEq + std::fmt::Debug>(
            json: &str,
            new: Result<T, String>,
            old: Result<T, serde_json::Error>,
        ) {
            let old = old.map_err(|e| e.to_string());
            let old = old.map_err(|e| e[..e.rfind(" at line ").unwrap_or(e.len())].to_owned());
            assert_eq!(new, old, "{json}");
        }
        let mut n = 0;
        for json in crate::json::tests::tricky() {
            let Ok(v) = parse_strict(&json) else { continue };
            let text = canonical(&v);
            let de = || serde_json::Deserializer::from_str(&text);
            same(&json, super::opt_string(&v), was::opt_string(&mut de()));
            same(&json, super::opt_bool(&v), was::opt_bool(&mut de()));
            same(&json, super::opt_i64(&v), was::opt_i64(&mut de()));
            same(&json, super::string_list(&v), was::string_list(&mut de()));
            let key = |k: Option<EnumKey>| k.map(|k| k.as_str().to_owned());
            same(&json, super::opt_enum_key(&v).map(key), was::opt_enum_key(&mut de()).map(key));
            same(&json, crate::time::RawTime::read(&v), serde::Deserialize::deserialize(&mut de()));
            n += 1;
        }
        assert!(n > 50, "{n}");
    }

    #[test]
    fn enum_key_inline_matches_the_allocating_one() {
        for s in ["In Progress", "not_verified", "NOT-VERIFIED", "\tfailed ", "é Ü", "", "ÄCT", "x"]
        {
            assert_eq!(EnumKey::new(s).as_str(), enum_key(s), "{s:?}");
        }
        let long = "a".repeat(25);
        assert_eq!(EnumKey::new(&long).as_str(), EnumKey::TOO_LONG);
        assert_eq!(EnumKey::new(&"a".repeat(24)).as_str(), "a".repeat(24));
        // 24 bytes after dropping spaces still fit.
        assert_eq!(EnumKey::new(&format!("{} ", "b".repeat(24))).as_str(), "b".repeat(24));
    }
}
