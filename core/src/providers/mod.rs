//! One adapter per registrar, and the plumbing they share: reading the body
//! as JSON, per-row parsing, and finishing observations into records.

pub mod dna;
pub mod namecom;
pub mod openprovider;

use crate::json::{self, parse, sorted, Entries, Kind, Value};
use crate::lenient::opt_string;
use crate::time::later;
use crate::{
    context::{Context, Response, PROPAGATION_WINDOW},
    error::{excerpt, Error, RowError},
    evaluation::{Evaluation, Page},
    observation::Observation,
    record::{Provider, Status},
};
use chrono::TimeDelta;

/// The body read as JSON.
///
/// A body that is not JSON is [`Error::Http`] when the status was an error
/// (a proxy's HTML page) and [`Error::InvalidJson`] otherwise.
pub(crate) fn read_json<'a>(
    provider: Provider,
    resp: &Response<'a>,
    ctx: &Context,
) -> Result<Value<'a>, Error> {
    parse(resp.body).map_err(|e| {
        if resp.is_success() {
            Error::InvalidJson {
                provider,
                line: e.line,
                column: e.column,
                message: e.message.to_owned(),
                excerpt: excerpt(resp.body, 80),
            }
        } else {
            http_error(provider, resp, ctx)
        }
    })
}

/// A `429 Too Many Requests` to a resend, from the registrar or the
/// reseller's backend in front of it: not sent, and when it may be tried
/// again (`x-ratelimit-reset` / `Retry-After`, else a timestamp in the
/// body, else the caller's cooldown applies).
pub(crate) fn throttled(resp: &Response<'_>, ctx: &Context) -> crate::resend::ResendOutcome {
    #[derive(Default)]
    struct Words {
        message: Option<String>,
        details: Option<String>,
        desc: Option<String>,
        operation_message: Option<String>,
    }
    impl Fields<'_, '_> for Words {
        const FIELDS: &'static [&'static [&'static str]] =
            &[&["message"], &["details"], &["desc"], &["OperationMessage"]];
        fn set(&mut self, i: usize, v: &Value<'_>) -> Result<(), String> {
            let s = opt_string(v)?;
            match i {
                0 => self.message = s,
                1 => self.details = s,
                2 => self.desc = s,
                _ => self.operation_message = s,
            }
            Ok(())
        }
    }
    let words = parse(resp.body)
        .ok()
        .and_then(|v| read_fields::<Words>(document_order(v.entries()?)).ok())
        .unwrap_or_default();
    // name.com documents `details` as the earliest retry time; a header
    // covers the rest.
    let next = words
        .details
        .as_deref()
        .and_then(crate::time::find_timestamp)
        .or_else(|| resp.retry_at(ctx.now));
    crate::resend::ResendOutcome {
        outcome: crate::resend::ResendKind::Throttled,
        next_eligible_at: next,
        message: words.message.or(words.desc).or(words.operation_message),
    }
}

/// An error status whose body is not the registrar's error envelope.
pub(crate) fn http_error(provider: Provider, resp: &Response<'_>, ctx: &Context) -> Error {
    Error::Http {
        provider,
        status: resp.status,
        excerpt: excerpt(resp.body, 80),
        retry_at: resp.retry_at(ctx.now),
    }
}

/// A struct read from an object's entries as serde's derive read one whose
/// fields are all `default`: other keys are skipped, a field given twice
/// is "duplicate field `name`", and the first field (in the order given)
/// that does not read is the error.
pub(crate) trait Fields<'v, 'a>: Default {
    /// Each field's names (aliases after the first, which errors use).
    const FIELDS: &'static [&'static [&'static str]];
    /// Reads field `i` (its index in `FIELDS`) from `value`.
    fn set(&mut self, i: usize, value: &'v Value<'a>) -> Result<(), String>;
}

/// The index of `key` in a [`Fields::FIELDS`] table.
pub(crate) fn field(fields: &[&[&str]], key: &str) -> Option<usize> {
    fields.iter().position(|names| names.contains(&key))
}

/// Reads a [`Fields`] struct from `entries`, in their order.
pub(crate) fn read_fields<'v, 'a, T: Fields<'v, 'a>>(
    entries: impl IntoIterator<Item = (&'v str, &'v Value<'a>)>,
) -> Result<T, String>
where
    'a: 'v,
{
    let mut t = T::default();
    let mut seen = 0u64;
    for (key, value) in entries {
        let Some(i) = field(T::FIELDS, key) else {
            continue;
        };
        if seen & 1 << i != 0 {
            return Err(format!("duplicate field `{}`", T::FIELDS[i][0]));
        }
        seen |= 1 << i;
        t.set(i, value)?;
    }
    Ok(t)
}

/// An object's entries in document order, repeated keys included.
pub(crate) fn document_order<'v, 'a>(
    entries: &'v Entries<'a>,
) -> impl Iterator<Item = (&'v str, &'v Value<'a>)> {
    entries.iter().map(|(k, v)| (k.as_ref(), v))
}

/// Reads `value`, an object, into `T`, or says what was found instead.
pub(crate) fn object<'v, 'a: 'v, T: Fields<'v, 'a>>(
    provider: Provider,
    value: &'v Value<'a>,
    expected: &'static str,
) -> Result<T, Error> {
    let Some(entries) = value.entries() else {
        return Err(Error::UnexpectedShape { provider, expected, found: describe(value) });
    };
    read_fields(document_order(entries)).map_err(|found| Error::UnexpectedShape {
        provider,
        expected,
        found,
    })
}

/// A short description of a JSON value for error messages.
pub(crate) fn describe(v: &Value<'_>) -> String {
    describe_text(v, v.raw)
}

/// [`describe`] quoting the value's canonical text ([`json::canonical`]),
/// as Domain Name API's adapter, which read `Value`'s text, always has.
pub(crate) fn describe_canonical(v: &Value<'_>) -> String {
    match &v.kind {
        Kind::Str(_) | Kind::Bool(_) | Kind::U64(_) | Kind::I64(_) | Kind::F64(_) => {
            describe_text(v, &json::canonical(v))
        }
        _ => describe(v),
    }
}

fn describe_text(v: &Value<'_>, text: &str) -> String {
    match &v.kind {
        Kind::Array(_) => "a JSON array".into(),
        Kind::Str(_) => format!("the string {}", excerpt(text, 40)),
        Kind::Object(entries) if entries.is_empty() => "an empty object".into(),
        Kind::Object(entries) => {
            let keys: Vec<&str> = sorted(entries).into_iter().take(6).map(|(k, _)| k).collect();
            format!("an object with keys {}", keys.join(", "))
        }
        Kind::Null => "null".into(),
        _ => format!("the value {}", excerpt(text, 40)),
    }
}

/// A row of a list payload.
pub(crate) trait Row: Sized {
    /// Reads a row from its entries, in the order given.
    fn read(entries: &[(&str, &Value<'_>)]) -> Result<Self, String>;

    /// What the row says, or why it cannot be read (with a key to find the
    /// row by).
    fn observe(self, ctx: &Context) -> Result<Observation, (String, Option<String>)>;
}

/// Reads the rows of a list so that one bad row does not hide the others.
/// With `canonical`, each row's keys are read sorted and each once (as
/// Domain Name API's adapter has always read them, from `Value`'s text).
pub(crate) fn rows<T: Row>(
    list: &[Value<'_>],
    canonical: bool,
    ctx: &Context,
) -> (Vec<Observation>, Vec<RowError>) {
    let mut good = Vec::with_capacity(list.len());
    let mut bad = Vec::new();
    let mut fields = Vec::new();
    for (index, row) in list.iter().enumerate() {
        match read_row::<T>(row, canonical, &mut fields).map(|r| r.observe(ctx)) {
            Ok(Ok(obs)) => good.push(obs),
            Ok(Err((message, key))) => bad.push(RowError { index, key, message }),
            Err(message) => bad.push(RowError { index, key: row_key(row), message }),
        }
    }
    (good, bad)
}

/// Reads one row, naming the field at fault: "`verificationId`: invalid
/// type: map, expected ...".
/// `fields` is scratch space, reused from row to row.
fn read_row<'v, 'a: 'v, T: Row>(
    row: &'v Value<'a>,
    canonical: bool,
    fields: &mut Vec<(&'v str, &'v Value<'a>)>,
) -> Result<T, String> {
    let Some(entries) = row.entries() else {
        let found = if canonical { describe_canonical(row) } else { describe(row) };
        return Err(format!("expected an object, found {found}"));
    };
    // (A slice, not a generic iterator: one copy of each row reader in
    // the wasm.)
    let read = if canonical {
        T::read(&sorted(entries))
    } else {
        fields.clear();
        fields.extend(document_order(entries));
        T::read(fields)
    };
    let err = match read {
        Ok(row) => return Ok(row),
        Err(e) => e,
    };
    // Only a bad row pays for this: every row field is optional, so the
    // first field (in key order, the last of repeated keys) that fails on
    // its own is the one at fault.
    for entry in sorted(entries) {
        if let Err(e) = T::read(&[entry]) {
            return Err(format!("`{}`: {e}", entry.0));
        }
    }
    Err(err)
}

/// Something to find a bad row by: its email, handle or id (a string, not
/// blank, trimmed, or a number as `Value` prints it).
fn row_key(row: &Value<'_>) -> Option<String> {
    ROW_KEYS.iter().find_map(|k| {
        let value = row.get(k)?;
        match &value.kind {
            Kind::Str(s) => {
                let s = s.trim();
                (!s.is_empty()).then(|| s.to_owned())
            }
            Kind::U64(_) | Kind::I64(_) | Kind::F64(_) => Some(json::canonical(value)),
            _ => None,
        }
    })
}

/// The keys [`row_key`] looks for, in order of preference.
const ROW_KEYS: [&str; 6] =
    ["email", "ContactEmail", "handle", "ExternalId", "verificationId", "domain"];

/// What it means when the subject is not in a list payload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Absence {
    /// name.com lists only unverified contacts: absent means verified, but
    /// only where that is proven: on the last page of the list (a page with
    /// more to come, or that names a next page, may hold the contact; a
    /// bare list, without the envelope, does not say whether it is whole),
    /// and outside the
    /// propagation window after a change. Otherwise `unknown`, with a time
    /// to check again. `whole_list`: the payload proves it is the list's
    /// last page.
    NamecomVerifiedUnlessRecent {
        /// The payload is the list's last page.
        whole_list: bool,
    },
    /// The registrar has no verification on record for the contact.
    NoRecord,
}

/// When to ask again about a name.com contact absent from a page that is
/// not the list's last (or from a list that does not say): soon, since the
/// backend, not the registrar, is the one to fix it.
pub const INCOMPLETE_LIST_RECHECK: TimeDelta = TimeDelta::minutes(1);

/// The rows of a list could not be read, not one of them: that is no list
/// at all (for name.com an empty list would read as "verified"), so it is
/// an error naming what was found.
fn nothing_readable(provider: Provider, row_errors: &[RowError]) -> Error {
    let n = row_errors.len();
    let first = &row_errors[0];
    let rows = if n == 1 { "1 row".to_owned() } else { format!("{n} rows") };
    Error::UnexpectedShape {
        provider,
        expected: "at least one readable row",
        found: format!("{rows}, none readable (row {}: {})", first.index, first.message),
    }
}

/// Filters to the subject (if any), fills in an absent subject, and applies
/// the rules to every observation.
///
/// # Errors
/// [`Error::UnexpectedShape`] when the payload had rows and none could be
/// read: one good row among bad ones still gives that row.
pub(crate) fn finish(
    provider: Provider,
    mut observations: Vec<Observation>,
    row_errors: Vec<RowError>,
    page: Option<Page>,
    absence: Option<Absence>,
    ctx: &Context,
) -> Result<Evaluation, Error> {
    if observations.is_empty() && !row_errors.is_empty() {
        return Err(nothing_readable(provider, &row_errors));
    }
    if let Some(subject) = &ctx.subject {
        observations.retain(|o| {
            subject.matches(o.email.as_deref(), o.verification_id.as_deref(), o.handle.as_deref())
        });
        // A bad row might be the subject: say nothing rather than "verified".
        if observations.is_empty() && row_errors.is_empty() {
            if let Some(absence) = absence {
                let mut o = Observation::new(provider, Status::Unknown);
                o.email = subject.email.clone();
                o.verification_id = subject.verification_id.clone();
                o.handle = subject.handle.clone();
                if let Absence::NamecomVerifiedUnlessRecent { whole_list } = absence {
                    let recent = ctx
                        .changed_at
                        .map(|changed| later(changed, PROPAGATION_WINDOW))
                        .filter(|until| ctx.now < *until);
                    let incomplete = (!whole_list).then(|| later(ctx.now, INCOMPLETE_LIST_RECHECK));
                    match recent.max(incomplete) {
                        Some(at) => o.recheck_at = Some(at),
                        None => o.status = Status::Verified,
                    }
                }
                observations.push(o);
            }
        }
    }
    let single = ctx.subject.is_some();
    let records = observations.into_iter().map(|o| o.into_record(ctx, single)).collect();
    Ok(Evaluation { records, row_errors, page })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::{read_row, Row};
    use crate::json::{self, parse_strict, tests::RAW_VALUE_KEY};
    use serde::de::DeserializeOwned;
    use std::fmt::Debug;

    /// serde_json appends " at line L column C".
    fn strip_position(message: &str) -> String {
        match message.rfind(" at line ") {
            Some(i) => message[..i].to_owned(),
            None => message.to_owned(),
        }
    }

    /// `describe` as it was, reading the keys from a `Map<String, Value>`.
    fn describe_from_values(json: &str) -> String {
        use crate::error::excerpt;
        match json.trim_start().as_bytes().first() {
            Some(b'{') => {
                match serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(json) {
                    Ok(map) if map.is_empty() => "an empty object".into(),
                    Ok(map) => {
                        let keys: Vec<&str> = map.keys().take(6).map(String::as_str).collect();
                        format!("an object with keys {}", keys.join(", "))
                    }
                    Err(_) => "an object".into(),
                }
            }
            Some(b'[') => "a JSON array".into(),
            Some(b'"') => format!("the string {}", excerpt(json, 40)),
            Some(b'n') => "null".into(),
            Some(_) => format!("the value {}", excerpt(json, 40)),
            None => "nothing".into(),
        }
    }

    /// `row_key` as it was, reading a `Map<String, Value>`.
    fn row_key_from_values(json: &str) -> Option<String> {
        let map: serde_json::Map<String, serde_json::Value> = serde_json::from_str(json).ok()?;
        super::ROW_KEYS.iter().find_map(|k| match map.get(*k)? {
            serde_json::Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
            serde_json::Value::Number(n) => Some(n.to_string()),
            _ => None,
        })
    }

    /// Objects built from `tricky()` texts and `VALUES` under `keys`, some
    /// repeated, some nested.
    fn objects(keys: &[&str]) -> Vec<String> {
        let mut values: Vec<String> = VALUES.iter().map(|v| (*v).to_owned()).collect();
        values.extend(json::tests::tricky());
        let mut out = json::tests::tricky();
        for (i, k) in keys.iter().enumerate() {
            for (j, v) in values.iter().enumerate() {
                let k2 = keys[(i * 7 + j) % keys.len()];
                let v2 = &values[(i * 3 + j * 7) % values.len()];
                out.push(format!("{{\"{k}\":{v}}}"));
                out.push(format!("{{\"{k}\":{v},\"{k2}\":{v2}}}"));
                out.push(format!("{{ \"{k2}\" : {v2} , \"{k}\":{v},\"{k}\":{v2}}}"));
                out.push(format!("{{\"{k}\":{v2},\"zzz\":{{\"{k}\":{v}}}}}"));
            }
        }
        out
    }

    #[test]
    fn describe_and_row_key_read_as_from_a_value_map() {
        let keys = ["email", "ContactEmail", "handle", "ExternalId", "verificationId", "domain"];
        let mut keys = keys.to_vec();
        keys.extend(["zzz", "a", "a\\u0062c"]);
        let mut n = 0;
        for json in objects(&keys) {
            let Ok(value) = parse_strict(&json) else { continue };
            assert_eq!(super::describe(&value), describe_from_values(&json), "{json}");
            assert_eq!(super::row_key(&value), row_key_from_values(&json), "{json}");
            n += 1;
        }
        assert!(n > 1000, "{n}");
    }

    /// `read_row` as it was first written: each field read from a `Value`.
    fn read_row_from_values<T: DeserializeOwned>(json: &str) -> Result<T, String> {
        if !json.trim_start().starts_with('{') {
            return Err(format!("expected an object, found {}", describe_from_values(json)));
        }
        let err = match serde_json::from_str(json) {
            Ok(row) => return Ok(row),
            Err(e) => strip_position(&e.to_string()),
        };
        let Ok(map) = serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(json)
        else {
            return Err(err);
        };
        for (key, value) in map {
            let single = serde_json::Value::Object([(key.clone(), value)].into_iter().collect());
            // (`from_value` appends no position: nothing to strip. The
            // serde_json reader stripped one anyway, and so cut a value
            // with " at line " in it short.)
            if let Err(e) = serde_json::from_value::<T>(single) {
                return Err(format!("`{key}`: {e}"));
            }
        }
        Err(err)
    }

    pub(crate) const VALUES: &[&str] = &[
        "null",
        "true",
        "false",
        "0",
        "-0",
        "1",
        "-1",
        "1.5",
        "-0.0",
        "1e300",
        "12345678901234567890",
        "-9223372036854775809",
        "0.1",
        "4503599627370495.5",
        "1.00000000000000011",
        "9007199254740993.0",
        "1768945798000",
        "\"\"",
        "\" \"",
        "\"x\"",
        "\"pending\"",
        "\"2026-01-01\"",
        "\"2026-02-30 10:00:00\"",
        "\"/Date(1768945798000)/\"",
        "\"12 at line 3 column 4\"",
        "\"yes at line 3\"",
        "\"\\u00e9\\n\"",
        "\"a\\\"b\"",
        "[]",
        "[1]",
        "[\"a\", null, 2.5]",
        "[[1]]",
        "[{}]",
        "{}",
        "{\"a\":1}",
        "{\"a\":{\"b\":[]}}",
    ];

    /// Checks that `read_row` says what it said when it read each field
    /// from a `Value` with serde's derive, for rows of one to three fields
    /// (some repeated) among `keys` and an unknown one, with values of
    /// every JSON type.
    ///
    /// `R` is the row type as it was, with serde's derive (its `Debug` must
    /// read the same). With `canonical`, rows are read as Domain Name API's
    /// always were: from `Value`'s text (keys sorted, each once).
    pub(crate) fn read_row_reads_fields_as_values_did<T, R>(keys: &[&str], canonical: bool)
    where
        T: Row + Debug,
        R: DeserializeOwned + Debug,
    {
        let mut keys: Vec<String> = keys.iter().map(|k| format!("\"{k}\"")).collect();
        keys.push("\"zzz\"".into());
        keys.push("\"a\\u0062c\"".into());
        let mut n = 0;
        let mut check = |json: &str| {
            let Ok(value) = parse_strict(json) else { return };
            if json.contains(RAW_VALUE_KEY) {
                return;
            }
            let text = if canonical { json::canonical(&value) } else { json.to_owned() };
            let old = read_row_from_values::<R>(&text).map(|t| format!("{t:?}"));
            let new = read_row::<T>(&value, canonical, &mut Vec::new()).map(|t| format!("{t:?}"));
            assert_eq!(new, old, "{json}");
            n += 1;
        };
        for (i, k) in keys.iter().enumerate() {
            for (j, v) in VALUES.iter().enumerate() {
                check(&format!("{{{k}:{v}}}"));
                let (k2, v2) =
                    (&keys[(i + j) % keys.len()], VALUES[(i * 7 + j * 3) % VALUES.len()]);
                let v3 = VALUES[(i * 5 + j * 11) % VALUES.len()];
                check(&format!("{{{k}:{v},{k2}:{v2}}}"));
                check(&format!("{{{k2}:{v2},{k}:{v}, {k}:{v3}}}"));
                check(&format!("{{ {k} : {v3} , \"zzz\":{v}, {k2}:{v}}}"));
            }
        }
        assert!(n > 100, "{n}");
    }
}
