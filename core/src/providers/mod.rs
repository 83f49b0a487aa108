//! One adapter per registrar, and the plumbing they share: reading the body
//! as JSON, per-row parsing, and finishing observations into records.

pub mod dna;
pub mod namecom;
pub mod openprovider;

use crate::json::{Entries, RawEntries};
use crate::time::later;
use crate::{
    context::{Context, Response, PROPAGATION_WINDOW},
    error::{excerpt, Error, RowError},
    observation::Observation,
    record::{Provider, Status},
    Evaluation, Page,
};
use chrono::TimeDelta;
use serde::de::{DeserializeOwned, DeserializeSeed, SeqAccess, Visitor};
use serde_json::{error::Category, value::RawValue};
use std::{fmt, marker::PhantomData};

/// The body, checked to be JSON.
///
/// A body that is not JSON is [`Error::Http`] when the status was an error
/// (a proxy's HTML page) and [`Error::InvalidJson`] otherwise. An object is
/// not scanned here: [`object`] reports its syntax errors the same way, so a
/// large list page is read once, not twice.
pub(crate) fn read_json<'a>(
    provider: Provider,
    resp: &Response<'a>,
    ctx: &Context,
) -> Result<&'a str, Error> {
    if resp.body.trim_start().starts_with('{') {
        return Ok(resp.body);
    }
    match serde_json::from_str::<&RawValue>(resp.body) {
        Ok(raw) => Ok(raw.get()),
        Err(_) if !resp.is_success() => Err(http_error(provider, resp, ctx)),
        Err(e) => Err(invalid_json(provider, &e, resp.body)),
    }
}

/// A body that failed to parse: [`Error::InvalidJson`] on a success
/// status, [`Error::Http`] (someone else's error page) otherwise.
pub(crate) fn unreadable(
    provider: Provider,
    resp: &Response<'_>,
    ctx: &Context,
    e: &serde_json::Error,
) -> Error {
    if resp.is_success() {
        invalid_json(provider, e, resp.body)
    } else {
        http_error(provider, resp, ctx)
    }
}

fn invalid_json(provider: Provider, e: &serde_json::Error, text: &str) -> Error {
    Error::InvalidJson {
        provider,
        line: e.line(),
        column: e.column(),
        message: strip_position(&e.to_string()),
        excerpt: excerpt(text, 80),
    }
}

/// A `429 Too Many Requests` to a resend, from the registrar or the
/// reseller's backend in front of it: not sent, and when it may be tried
/// again (`x-ratelimit-reset` / `Retry-After`, else a timestamp in the
/// body, else the caller's cooldown applies).
pub(crate) fn throttled(resp: &Response<'_>, ctx: &Context) -> crate::resend::ResendOutcome {
    use crate::lenient::opt_string;
    #[derive(serde::Deserialize, Default)]
    struct Words {
        #[serde(default, deserialize_with = "opt_string")]
        message: Option<String>,
        #[serde(default, deserialize_with = "opt_string")]
        details: Option<String>,
        #[serde(default, deserialize_with = "opt_string")]
        desc: Option<String>,
        #[serde(default, rename = "OperationMessage", deserialize_with = "opt_string")]
        operation_message: Option<String>,
    }
    let words: Words = serde_json::from_str(resp.body).unwrap_or_default();
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

/// Deserializes a JSON object into `T`, or says what was found instead.
pub(crate) fn object<'a, T: serde::Deserialize<'a>>(
    provider: Provider,
    text: &'a str,
    expected: &'static str,
) -> Result<T, Error> {
    if !text.trim_start().starts_with('{') {
        return Err(Error::UnexpectedShape { provider, expected, found: describe(text) });
    }
    serde_json::from_str(text).map_err(|e| match e.classify() {
        Category::Syntax | Category::Eof | Category::Io => invalid_json(provider, &e, text),
        Category::Data => {
            Error::UnexpectedShape { provider, expected, found: strip_position(&e.to_string()) }
        }
    })
}

/// A short description of a JSON value for error messages.
pub(crate) fn describe(json: &str) -> String {
    match json.trim_start().as_bytes().first() {
        Some(b'[') => "a JSON array".into(),
        Some(b'"') => format!("the string {}", excerpt(json, 40)),
        Some(b'{') => match serde_json::from_str::<Entries>(json) {
            Ok(entries) if entries.0.is_empty() => "an empty object".into(),
            Ok(entries) => {
                let keys: Vec<&str> = entries.0.iter().take(6).map(|(k, _)| k.as_str()).collect();
                format!("an object with keys {}", keys.join(", "))
            }
            Err(_) => "an object".into(),
        },
        Some(b'n') => "null".into(),
        Some(_) => format!("the value {}", excerpt(json, 40)),
        None => "nothing".into(),
    }
}

/// serde_json appends " at line L column C"; our errors carry that apart.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

/// A row of a list payload.
pub(crate) trait Row: DeserializeOwned {
    /// What the row says, or why it cannot be read (with a key to find the
    /// row by).
    fn observe(self, ctx: &Context) -> Result<Observation, (String, Option<String>)>;
}

/// Reads the rows of a list (`list` is the JSON text of an array), so that
/// one bad row does not hide the others.
///
/// The whole list is first read in one pass; only when some row does not
/// even deserialize is each row read on its own to find which.
pub(crate) fn rows<T: Row>(
    provider: Provider,
    list: &str,
    ctx: &Context,
) -> Result<(Vec<Observation>, Vec<RowError>), Error> {
    let mut de = serde_json::Deserializer::from_str(list);
    if let Ok(observed) = ObserveRows::<T>::new(ctx).deserialize(&mut de) {
        if de.end().is_ok() {
            return Ok(observed);
        }
    }
    let raw_rows: Vec<&RawValue> = serde_json::from_str(list).map_err(|_| {
        Error::UnexpectedShape { provider, expected: "a list of rows", found: describe(list) }
    })?;
    let read = raw_rows.iter().enumerate().map(|(index, raw)| {
        read_row::<T>(raw.get()).map_err(|message| RowError {
            index,
            key: row_key(raw.get()),
            message,
        })
    });
    Ok(observe(read, ctx))
}

/// A JSON array of rows, each observed as soon as it is read: no
/// intermediate `Vec<T>` (a 1000-row page is read without allocating,
/// growing and freeing a second copy of it). Fails, like `Vec<T>` would,
/// when a row does not deserialize; the caller then reads row by row.
pub(crate) struct ObserveRows<'c, T> {
    ctx: &'c Context,
    row: PhantomData<fn() -> T>,
}

impl<'c, T: Row> ObserveRows<'c, T> {
    pub(crate) fn new(ctx: &'c Context) -> Self {
        ObserveRows { ctx, row: PhantomData }
    }
}

impl<'de, T: Row> DeserializeSeed<'de> for ObserveRows<'_, T> {
    type Value = (Vec<Observation>, Vec<RowError>);

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de, T: Row> Visitor<'de> for ObserveRows<'_, T> {
    type Value = (Vec<Observation>, Vec<RowError>);

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of rows")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut good = Vec::new();
        let mut bad = Vec::new();
        let mut index = 0;
        while let Some(row) = seq.next_element::<T>()? {
            match row.observe(self.ctx) {
                Ok(obs) => good.push(obs),
                Err((message, key)) => bad.push(RowError { index, key, message }),
            }
            index += 1;
        }
        Ok((good, bad))
    }
}

/// Observes rows read (or not) from a list, in order.
pub(crate) fn observe<T: Row>(
    rows: impl Iterator<Item = Result<T, RowError>>,
    ctx: &Context,
) -> (Vec<Observation>, Vec<RowError>) {
    let mut good = Vec::with_capacity(rows.size_hint().0);
    let mut bad = Vec::new();
    for (index, row) in rows.enumerate() {
        match row.map(|r| r.observe(ctx)) {
            Ok(Ok(obs)) => good.push(obs),
            Ok(Err((message, key))) => bad.push(RowError { index, key, message }),
            Err(row_error) => bad.push(row_error),
        }
    }
    (good, bad)
}

/// Reads one row, naming the field at fault: "`verificationId`: invalid
/// type: map, expected ...".
fn read_row<T: DeserializeOwned>(json: &str) -> Result<T, String> {
    if !json.trim_start().starts_with('{') {
        return Err(format!("expected an object, found {}", describe(json)));
    }
    let err = match serde_json::from_str(json) {
        Ok(row) => return Ok(row),
        Err(e) => strip_position(&e.to_string()),
    };
    // Only a bad row pays for this: every row field is optional, so the
    // first field (in key order, the last of repeated keys) that fails on
    // its own is the one at fault.
    // The keys as a `Map<String, Value>` holds them (failing where reading
    // one fails), without the `Value`s.
    let Ok(Entries(keys)) = serde_json::from_str::<Entries>(json) else {
        return Err(err);
    };
    // Each field is read from its own text, `{"key": <value as written>}`,
    // by the same code as whole rows: reading it from a `Value` would
    // compile every row type's deserializer a second time, for `Value`s.
    let Ok(RawEntries(entries)) = serde_json::from_str::<RawEntries<'_>>(json) else {
        return Err(err);
    };
    for (key, _) in &keys {
        let Some((_, value)) = entries.iter().rev().find(|(k, _)| k == key) else {
            continue;
        };
        let mut single = String::from("{");
        crate::json::write_str(&mut single, key);
        single.push(':');
        single.push_str(value.get());
        single.push('}');
        if let Err(e) = serde_json::from_str::<T>(&single) {
            return Err(format!("`{key}`: {}", strip_position(without_position(&e).as_str())));
        }
    }
    Err(err)
}

/// The error's message without the position serde_json appended to it (as
/// it reads when the error did not come from parsing text).
fn without_position(e: &serde_json::Error) -> String {
    let message = e.to_string();
    if e.line() == 0 {
        return message;
    }
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    message.strip_suffix(&suffix).map_or(message.clone(), str::to_owned)
}

/// Something to find a bad row by: its email, handle or id (a string, not
/// blank, trimmed, or a number as `Value` prints it), read as from a
/// `Map<String, Value>`.
fn row_key(json: &str) -> Option<String> {
    let entries = serde_json::from_str::<Entries>(json).ok()?;
    ROW_KEYS.iter().find_map(|k| {
        let value = entries.get(k)?;
        match value.as_bytes().first()? {
            b'"' => {
                let s = serde_json::from_str::<String>(value).ok()?;
                let s = s.trim();
                (!s.is_empty()).then(|| s.to_owned())
            }
            b'-' | b'0'..=b'9' => Some(value.to_owned()),
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
    use super::{read_row, strip_position, DeserializeOwned};
    use crate::json::tests::tricky;
    use std::fmt::Debug;

    /// `describe` as it was, reading the keys from a `Map<String, Value>`.
    fn describe_from_values(json: &str) -> String {
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
            _ => super::describe(json),
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
    /// repeated, some nested, some in `Value`'s raw-value form.
    fn objects(keys: &[&str]) -> Vec<String> {
        let mut values: Vec<String> = VALUES.iter().map(|v| (*v).to_owned()).collect();
        values.extend(tricky());
        let mut out = tricky();
        for (i, k) in keys.iter().enumerate() {
            for (j, v) in values.iter().enumerate() {
                let k2 = keys[(i * 7 + j) % keys.len()];
                let v2 = &values[(i * 3 + j * 7) % values.len()];
                out.push(format!("{{\"{k}\":{v}}}"));
                out.push(format!("{{\"{k}\":{v},\"{k2}\":{v2}}}"));
                out.push(format!("{{ \"{k2}\" : {v2} , \"{k}\":{v},\"{k}\":{v2}}}"));
                out.push(format!("{{\"{k}\":{v2},\"zzz\":{{\"{k}\":{v}}}}}"));
                out.push(format!("{{\"{k}\":{{\"$serde_json::private::RawValue\":{}}}}}", {
                    let mut quoted = String::new();
                    crate::json::write_str(&mut quoted, v);
                    quoted
                }));
            }
        }
        out
    }

    #[test]
    fn describe_and_row_key_read_as_from_a_value_map() {
        let keys = ["email", "ContactEmail", "handle", "ExternalId", "verificationId", "domain"];
        let mut keys = keys.to_vec();
        keys.extend(["zzz", "a", "a\\u0062c", "$serde_json::private::RawValue"]);
        for json in objects(&keys) {
            assert_eq!(super::describe(&json), describe_from_values(&json), "{json}");
            assert_eq!(super::row_key(&json), row_key_from_values(&json), "{json}");
        }
    }

    /// `read_row` as it was before `json::Entries`: the keys from a
    /// `Map<String, Value>`, each written back by `Value`. The oracle for
    /// the tricky keys, where it and the first version
    /// (`read_row_from_values`) differ: serde_json's private RawValue key
    /// reads differently through `from_value` than through text.
    fn read_row_with_value_keys<T: DeserializeOwned>(json: &str) -> Result<T, String> {
        if !json.trim_start().starts_with('{') {
            return Err(format!("expected an object, found {}", super::describe(json)));
        }
        let err = match serde_json::from_str(json) {
            Ok(row) => return Ok(row),
            Err(e) => strip_position(&e.to_string()),
        };
        let Ok(map) = serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(json)
        else {
            return Err(err);
        };
        let Ok(super::RawEntries(entries)) = serde_json::from_str::<super::RawEntries<'_>>(json)
        else {
            return Err(err);
        };
        for key in map.keys() {
            let Some((_, value)) = entries.iter().rev().find(|(k, _)| k == key) else {
                continue;
            };
            let single = format!("{{{}:{}}}", serde_json::Value::String(key.clone()), value.get());
            if let Err(e) = serde_json::from_str::<T>(&single) {
                let message = super::without_position(&e);
                return Err(format!("`{key}`: {}", strip_position(message.as_str())));
            }
        }
        Err(err)
    }

    #[test]
    fn read_row_reads_as_with_value_keys() {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Row {
            #[serde(default)]
            a: Option<u8>,
            #[serde(default, deserialize_with = "crate::lenient::opt_string")]
            email: Option<String>,
            #[serde(default)]
            zzz: Option<Vec<String>>,
        }
        const RAW: &str = crate::json::RAW_VALUE_KEY;
        for json in objects(&["a", "email", "zzz", "a\\u0062c", "q\\\"\\n\\u0001\\t\\/", RAW]) {
            let old = read_row_with_value_keys::<Row>(&json).map(|r| format!("{r:?}"));
            let new = read_row::<Row>(&json).map(|r| format!("{r:?}"));
            assert_eq!(new, old, "{json}");
        }
    }

    /// `read_row` as it was first written: each field read from a `Value`.
    fn read_row_from_values<T: DeserializeOwned>(json: &str) -> Result<T, String> {
        if !json.trim_start().starts_with('{') {
            return Err(format!("expected an object, found {}", super::describe(json)));
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
            if let Err(e) = serde_json::from_value::<T>(single) {
                return Err(format!("`{key}`: {}", strip_position(&e.to_string())));
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
    /// from a `Value`, for rows of one to three fields (some repeated)
    /// among `keys` and an unknown one, with values of every JSON type.
    ///
    /// `R` is the row type as it was then, when it has changed since (its
    /// `Debug` must read the same).
    pub(crate) fn read_row_reads_fields_as_values_did<T, R>(keys: &[&str])
    where
        T: DeserializeOwned + Debug,
        R: DeserializeOwned + Debug,
    {
        let mut keys: Vec<String> = keys.iter().map(|k| format!("\"{k}\"")).collect();
        keys.push("\"zzz\"".into());
        keys.push("\"a\\u0062c\"".into());
        let check = |json: &str| {
            let old = read_row_from_values::<R>(json).map(|t| format!("{t:?}"));
            let new = read_row::<T>(json).map(|t| format!("{t:?}"));
            assert_eq!(new, old, "{json}");
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
    }
}
