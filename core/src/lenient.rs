//! Serde helpers that read registrar fields the way registrars actually send
//! them: strings that are numbers, numbers that are strings, `""` for absent,
//! `"true"` for `true`. Used with `#[serde(deserialize_with = "...")]`.

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

/// [`opt_string`] read as an [`EnumKey`]: the same values are accepted
/// (and refused), blank is `None`.
pub(crate) fn opt_enum_key<'de, D: Deserializer<'de>>(d: D) -> Result<Option<EnumKey>, D::Error> {
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

/// [`opt_i64`] as a type, for hand-written visitors.
pub(crate) struct OptI64(pub Option<i64>);

impl<'de> serde::Deserialize<'de> for OptI64 {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        opt_i64(d).map(OptI64)
    }
}

#[cfg(test)]
mod tests {
    use super::{enum_key, EnumKey};

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
