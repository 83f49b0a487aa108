//! The registrant's card rendered by the gateway, so the page shows the
//! status before the widget's wasm arrives: the widget's own Leptos
//! components rendered natively (`verification_widget::view::render_card`)
//! from the answer the widget would read.
//!
//! - `GET /api/{provider}/status?card=1&…` (what `define.js` asks): the
//!   registrar's answer as the widget reads it (`status`, `headers`,
//!   `body`) with the `card` and its `styles`, in one JSON envelope.
//! - `GET /api/{provider}/card?…` (what a panel that renders on its
//!   server asks, with the token): the `<registrant-verification>` element
//!   with a declarative shadow root holding the card, to put into the page
//!   as it is (readable without JavaScript; the wasm takes it over).
//!
//! The query names the element's attributes that change the card
//! (`locale`, `changed-at`, `cooldown`, `refresh`, `domains`,
//! `edit-contact-url`, `strings`); the element form also echoes the
//! attributes the browser needs (`status-url`, `resend-url`, `events-url`,
//! `token-url`, `theme`). Without `locale`, the token's `language` for the
//! contact, else English.

use super::*;
use verification_widget::browser::Answer as Read;
use verification_widget::model::Config;
use verification_widget::view::{render_card, CARD_STYLES};

/// The attributes that change what the card says.
const CARD_ATTRIBUTES: [&str; 7] =
    ["locale", "changed-at", "cooldown", "refresh", "domains", "edit-contact-url", "strings"];

/// The attributes the element form also carries for the browser.
const ELEMENT_ATTRIBUTES: [&str; 5] =
    ["status-url", "resend-url", "events-url", "token-url", "theme"];

/// The longest value of one attribute (`strings` may hold a few dozen
/// wordings).
const MAX_VALUE: usize = 8 * 1024;

/// The largest answer put into a card (a status answer is a few KB).
const MAX_ANSWER: usize = 1024 * 1024;

/// The registrar answer headers the widget's core reads.
const READ_HEADERS: [&str; 2] = ["retry-after", "x-ratelimit-reset"];

/// The card asked for in a request's query (see the module's documentation).
#[derive(Debug, Default)]
pub(super) struct CardQuery {
    attributes: Vec<(&'static str, String)>,
    nonce: Option<String>,
    /// The reader's clock (`now`, epoch milliseconds, from `define.js`):
    /// the card counts its days and minutes from the instant the wasm will
    /// count them from. Only what is shown depends on it.
    now: Option<DateTime<Utc>>,
    /// The resend the reader's browser remembers for the contact
    /// (`last-resend`, the JSON the widget keeps): the card shows its
    /// cooldown, as the wasm will.
    last: Option<verification_core::resend::LastResend>,
}

impl CardQuery {
    /// The card the query asks for: `None` on a status read without
    /// `card`; `Err` for a value over [`MAX_VALUE`] or a `nonce` that is not
    /// a CSP nonce.
    pub(super) fn read(query: &[(String, String)], always: bool) -> Result<Option<Self>, Response> {
        if !always && !query.iter().any(|(k, _)| k == "card") {
            return Ok(None);
        }
        let mut card = CardQuery::default();
        for (key, value) in query {
            if value.len() > MAX_VALUE {
                return Err(api_error(
                    StatusCode::BAD_REQUEST,
                    "bad_query",
                    "A card attribute is too long",
                ));
            }
            if key == "last-resend" {
                card.last = verification_core::resend::LastResend::from_json(value);
            } else if key == "now" {
                card.now = value.parse::<i64>().ok().and_then(DateTime::from_timestamp_millis);
            } else if key == "nonce" {
                let ok = !value.is_empty()
                    && value.len() <= 128
                    && value.bytes().all(|b| b.is_ascii_alphanumeric() || b"+/=-_".contains(&b));
                if !ok {
                    return Err(api_error(
                        StatusCode::BAD_REQUEST,
                        "bad_query",
                        "`nonce` is not a CSP nonce",
                    ));
                }
                card.nonce = Some(value.clone());
            } else if let Some(name) =
                CARD_ATTRIBUTES.iter().chain(&ELEMENT_ATTRIBUTES).find(|n| **n == key)
            {
                card.attributes.retain(|(n, _)| n != name);
                card.attributes.push((name, value.clone()));
            }
        }
        Ok(Some(card))
    }

    /// The instant the card is drawn at: the reader's, else `clock`'s.
    fn now(&self, clock: DateTime<Utc>) -> DateTime<Utc> {
        self.now.unwrap_or(clock)
    }

    fn get(&self, name: &str) -> Option<String> {
        self.attributes.iter().find(|(n, _)| *n == name).map(|(_, v)| v.clone())
    }

    /// The widget's configuration for `provider`'s contact, as the
    /// element's attributes would give it.
    fn config(&self, provider: Provider, contact: &ContactClaim) -> Config {
        let mut config = Config::from_attributes(|name| match name {
            "provider" => Some(provider.as_str().to_owned()),
            // Any URL: the card never fetches; the configuration needs one.
            "status-url" => Some("status".to_owned()),
            name if CARD_ATTRIBUTES.contains(&name) => self.get(name),
            _ => None,
        });
        let locale = config.locale.clone().or_else(|| contact.language.clone());
        config.locale = Some(locale.filter(|l| valid_locale(l)).unwrap_or_else(|| "en".into()));
        config
    }
}

/// A BCP 47-looking tag (the browser canonicalizes the page's; the card
/// only picks its words and `lang` from it).
fn valid_locale(tag: &str) -> bool {
    !tag.is_empty()
        && tag.len() <= 35
        && tag
            .split('-')
            .all(|p| !p.is_empty() && p.len() <= 8 && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// The status answer `res` read as the widget reads it.
async fn read(res: Response) -> Option<Read> {
    let status = res.status().as_u16();
    let headers = READ_HEADERS
        .iter()
        .filter_map(|h| Some((h.to_string(), res.headers().get(*h)?.to_str().ok()?.to_owned())))
        .collect();
    let bytes = axum::body::to_bytes(res.into_body(), MAX_ANSWER).await.ok()?;
    Some(Read { status, body: String::from_utf8_lossy(&bytes).into_owned(), headers })
}

fn no_store(mut res: Response) -> Response {
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// The card for `answer`, or `None` (logged) if rendering it panicked: the
/// status read must not fail for the card's sake.
fn rendered(
    card: &CardQuery,
    provider: Provider,
    contact: &ContactClaim,
    answer: &Read,
    clock: DateTime<Utc>,
) -> Option<String> {
    let config = card.config(provider, contact);
    let (answer, now, last) = (answer.clone(), card.now(clock), card.last.clone());
    let html = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        render_card(config, answer, now, last)
    }));
    html.map_err(|_| tracing::error!(registrar = provider.as_str(), "the card failed to render"))
        .ok()
}

/// `answer` as the status read answered it.
fn plain(answer: Read) -> Response {
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::BAD_GATEWAY);
    let mut res = (status, answer.body).into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    for (name, value) in &answer.headers {
        if let (Ok(n), Ok(v)) =
            (header::HeaderName::from_bytes(name.as_bytes()), HeaderValue::from_str(value))
        {
            h.insert(n, v);
        }
    }
    no_store(res)
}

/// The status answer `res` with the card it shows (`?card=1`).
pub(super) async fn envelope(
    res: Response,
    card: &CardQuery,
    provider: Provider,
    contact: &ContactClaim,
    clock: DateTime<Utc>,
) -> Response {
    let Some(answer) = read(res).await else {
        return api_error(
            StatusCode::BAD_GATEWAY,
            "bad_answer",
            "The status answer could not be read",
        );
    };
    let Some(html) = rendered(card, provider, contact, &answer, clock) else {
        // The answer as it came, which the widget reads as ever.
        return plain(answer);
    };
    let headers: serde_json::Map<String, Value> =
        answer.headers.iter().map(|(k, v)| (k.clone(), Value::from(v.as_str()))).collect();
    no_store(
        Json(json!({
            "status": answer.status,
            "headers": headers,
            "body": answer.body,
            "card": html,
            "styles": CARD_STYLES,
        }))
        .into_response(),
    )
}

/// gzip for the card's answers (the status read's too), for a browser that
/// accepts it.
pub(super) fn compression() -> tower_http::compression::CompressionLayer {
    tower_http::compression::CompressionLayer::new().gzip(true).no_br().no_deflate().no_zstd()
}

/// `value` for an HTML attribute or text.
fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// JSON safe inside a `<script>` element: no `<`, `>` or `&` that could
/// close it or open a comment.
fn script_json(value: &Value) -> String {
    value.to_string().replace('<', "\\u003c").replace('>', "\\u003e").replace('&', "\\u0026")
}

/// The element with its card in a declarative shadow root
/// (`GET /api/{provider}/card`).
pub(super) async fn element(
    res: Response,
    card: &CardQuery,
    provider: Provider,
    contact: &ContactClaim,
    clock: DateTime<Utc>,
) -> Response {
    let Some(answer) = read(res).await else {
        return api_error(
            StatusCode::BAD_GATEWAY,
            "bad_answer",
            "The status answer could not be read",
        );
    };
    let config = card.config(provider, contact);
    let Some(html) = rendered(card, provider, contact, &answer, clock) else {
        return api_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "card_failed",
            "The card could not be rendered; use the plain element",
        );
    };
    let mut out = format!(r#"<registrant-verification provider="{}""#, provider.as_str());
    for (name, value) in &card.attributes {
        let value = if *name == "locale" {
            config.locale.clone().unwrap_or_default()
        } else {
            value.clone()
        };
        out.push_str(&format!(r#" {name}="{}""#, escape(&value)));
    }
    out.push_str(r#"><template shadowrootmode="open">"#);
    let nonce = card.nonce.as_deref().map(|n| format!(r#" nonce="{n}""#)).unwrap_or_default();
    for css in CARD_STYLES {
        out.push_str(&format!("<style{nonce}>{css}</style>"));
    }
    out.push_str(&html);
    let headers: serde_json::Map<String, Value> =
        answer.headers.iter().map(|(k, v)| (k.clone(), Value::from(v.as_str()))).collect();
    let read = json!({ "status": answer.status, "headers": headers, "body": answer.body });
    out.push_str(&format!(
        r#"<script type="application/json" data-rv-answer>{}</script></template></registrant-verification>"#,
        script_json(&read)
    ));
    no_store(([(header::CONTENT_TYPE, "text/html; charset=utf-8")], out).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn a_status_read_without_card_is_not_a_card() {
        assert!(CardQuery::read(&query(&[("contact", "c1")]), false).unwrap().is_none());
        let card = CardQuery::read(&query(&[("card", "1"), ("locale", "de"), ("x", "y")]), false);
        let card = card.unwrap().unwrap();
        assert_eq!(card.attributes, vec![("locale", "de".to_owned())]);
    }

    #[test]
    fn long_values_and_bad_nonces_are_refused() {
        let long = "x".repeat(MAX_VALUE + 1);
        assert!(CardQuery::read(&query(&[("strings", &long)]), true).is_err());
        assert!(CardQuery::read(&query(&[("nonce", "a\"><script>")]), true).is_err());
        assert!(CardQuery::read(&query(&[("nonce", "r4nd0m+/=")]), true).is_ok());
    }

    #[test]
    fn the_locale_falls_back_to_the_token_language_then_english() {
        let contact: ContactClaim = serde_json::from_value(json!({
            "id": "c1", "provider": "openprovider", "email": "a@b.example", "language": "nl"
        }))
        .unwrap();
        let none = CardQuery::default();
        assert_eq!(none.config(Provider::Openprovider, &contact).locale.as_deref(), Some("nl"));
        let de = CardQuery::read(&query(&[("locale", "de-DE")]), true).unwrap().unwrap();
        assert_eq!(de.config(Provider::Openprovider, &contact).locale.as_deref(), Some("de-DE"));
        let bad = CardQuery::read(&query(&[("locale", "<x>")]), true).unwrap().unwrap();
        let mut no_language = contact.clone();
        no_language.language = None;
        assert_eq!(bad.config(Provider::Openprovider, &no_language).locale.as_deref(), Some("en"));
    }

    #[tokio::test]
    async fn a_card_that_cannot_be_drawn_leaves_the_answer_as_it_came() {
        let answer = Read {
            status: 429,
            body: r#"{"code":0}"#.into(),
            headers: vec![("retry-after".into(), "30".into())],
        };
        let res = plain(answer.clone());
        assert_eq!(res.headers()["retry-after"], "30");
        let again = read(res).await.unwrap();
        assert_eq!(
            (again.status, again.body, again.headers),
            (answer.status, answer.body, answer.headers)
        );
    }

    #[test]
    fn script_json_cannot_close_its_element() {
        let v = json!({"body": "</script><!-- & -->"});
        let s = script_json(&v);
        assert!(!s.contains('<') && !s.contains('>') && !s.contains('&'));
        assert_eq!(serde_json::from_str::<Value>(&s).unwrap(), v);
    }
}
