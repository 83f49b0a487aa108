//! The JS API without the UI: `evaluate(provider, payload, { now, changedAt })`.

use crate::browser::{ms_to_utc, to_js};
use chrono::{DateTime, FixedOffset, Utc};
use js_sys::{Reflect, JSON};
use verification_core::{evaluate, time::parse_timestamp, Context, Provider};
use wasm_bindgen::prelude::*;

fn js_error(message: &str, kind: &str) -> JsValue {
    let err = js_sys::Error::new(message);
    let _ = Reflect::set(&err, &"kind".into(), &kind.into());
    err.into()
}

/// A time option: a `Date`, milliseconds since the epoch, or a timestamp
/// string (RFC 3339, or any form the core reads; no offset means UTC).
fn time_option(options: &JsValue, name: &str) -> Result<Option<DateTime<Utc>>, JsValue> {
    if options.is_undefined() || options.is_null() {
        return Ok(None);
    }
    let v = Reflect::get(options, &name.into()).unwrap_or(JsValue::UNDEFINED);
    let bad = || js_error(&format!("`{name}` is not a valid date: {v:?}"), "invalidOption");
    if v.is_undefined() || v.is_null() {
        Ok(None)
    } else if let Some(d) = v.dyn_ref::<js_sys::Date>() {
        ms_to_utc(d.get_time()).map(Some).ok_or_else(bad)
    } else if let Some(ms) = v.as_f64() {
        ms_to_utc(ms).map(Some).ok_or_else(bad)
    } else if let Some(s) = v.as_string() {
        let utc = FixedOffset::east_opt(0).expect("0 is a valid offset");
        parse_timestamp(&s, utc).ok().flatten().map(Some).ok_or_else(bad)
    } else {
        Err(bad())
    }
}

/// Evaluates a registrar payload into normalized records (plain objects,
/// camelCase). `payload` is the body as a string, or a parsed object.
///
/// Throws an `Error` with the core's message and a `kind` (`invalidJson`,
/// `http`, `unexpectedShape`, `registrar`, `provider`, `invalidOption`).
#[wasm_bindgen(js_name = evaluate)]
pub fn evaluate_js(provider: &str, payload: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
    let provider: Provider = provider
        .parse()
        .map_err(|e: verification_core::UnknownProvider| js_error(&e.to_string(), "provider"))?;
    let body = match payload.as_string() {
        Some(s) => s,
        None => JSON::stringify(&payload).ok().and_then(|s| s.as_string()).ok_or_else(|| {
            js_error("`payload` is neither a string nor JSON-serializable", "invalidJson")
        })?,
    };
    let now = time_option(&options, "now")?.unwrap_or_else(crate::browser::now);
    let ctx = Context::new(now).changed_at(time_option(&options, "changedAt")?);
    match evaluate(provider, &body, &ctx) {
        Ok(evaluation) => Ok(to_js(&evaluation.records)),
        Err(e) => {
            let kind = match to_js(&e) {
                v if v.is_object() => {
                    Reflect::get(&v, &"kind".into()).ok().and_then(|k| k.as_string())
                }
                _ => None,
            };
            let err = js_error(&e.to_string(), kind.as_deref().unwrap_or("other"));
            if let Some(status) = e.http_status() {
                let _ = Reflect::set(&err, &"status".into(), &status.into());
            }
            Err(err)
        }
    }
}
