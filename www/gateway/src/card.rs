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
use axum::body::Body;
use axum::http::response::Parts;
use own::templates::valid_language;
use verification_core::resend::LastResend;
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

/// The element with its card (minijinja, HTML-escaped; `tojson` writes
/// JSON with no `<`, `>` or `&` that could end the `<script>` element).
const ELEMENT: &str = r#"<registrant-verification provider="{{ provider }}"
{%- for name, value in attributes %} {{ name }}="{{ value }}"{% endfor -%}
><template shadowrootmode="open">
{%- for css in styles %}<style{% if nonce %} nonce="{{ nonce }}"{% endif %}>{{ css|safe }}</style>{% endfor -%}
{{ card|safe }}<script type="application/json" data-rv-answer>{{ answer|tojson }}</script></template></registrant-verification>"#;

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
    last: Option<LastResend>,
}

impl CardQuery {
    /// `true` when a status read asks for its card (`card`).
    pub(super) fn asked(query: &[(String, String)]) -> bool {
        query.iter().any(|(k, _)| k == "card")
    }

    /// The card the query asks for; `Err` for a value over [`MAX_VALUE`] or
    /// a `nonce` that is not a CSP nonce.
    pub(super) fn read(query: &[(String, String)]) -> Result<Self, Response> {
        let refused = |why| Err(api_error(StatusCode::BAD_REQUEST, "bad_query", why));
        let mut card = CardQuery::default();
        for (key, value) in query {
            if value.len() > MAX_VALUE {
                return refused("A card attribute is too long");
            }
            match key.as_str() {
                "last-resend" => card.last = LastResend::from_json(value),
                "now" => {
                    card.now = value.parse::<i64>().ok().and_then(DateTime::from_timestamp_millis)
                }
                "nonce" if !is_nonce(value) => return refused("`nonce` is not a CSP nonce"),
                "nonce" => card.nonce = Some(value.clone()),
                key => {
                    if let Some(name) =
                        CARD_ATTRIBUTES.iter().chain(&ELEMENT_ATTRIBUTES).find(|n| **n == key)
                    {
                        card.attributes.retain(|(n, _)| n != name);
                        card.attributes.push((name, value.clone()));
                    }
                }
            }
        }
        Ok(card)
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
        config.locale = Some(locale.filter(|l| valid_language(l)).unwrap_or_else(|| "en".into()));
        config
    }

    /// The card `registrant` sees for `held`, at the reader's clock (else
    /// `clock`), or `None` (logged) if rendering it panicked: a status
    /// read must not fail for its card's sake.
    fn render(
        &self,
        config: Config,
        registrant: &Registrant,
        held: &Held,
        clock: DateTime<Utc>,
    ) -> Option<String> {
        let (now, last) = (self.now(clock), self.last.clone());
        let html = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            render_card(config, &held.read, now, last)
        }));
        html.map_err(|_| {
            tracing::error!(registrar = registrant.provider.as_str(), "the card failed to render")
        })
        .ok()
    }
}

/// A CSP nonce: base64 (or base64url), at most 128 characters.
fn is_nonce(value: &str) -> bool {
    !value.is_empty()
        && value.len() <= 128
        && value.bytes().all(|b| b.is_ascii_alphanumeric() || b"+/=-_".contains(&b))
}

/// A status read's answer, held whole: what the widget reads of it, and
/// the response itself, to pass on as it came.
struct Held {
    read: Read,
    parts: Parts,
    bytes: Bytes,
}

impl Held {
    async fn of(res: Response) -> Result<Held, Response> {
        let (parts, body) = res.into_parts();
        let Ok(bytes) = axum::body::to_bytes(body, MAX_ANSWER).await else {
            return Err(api_error(
                StatusCode::BAD_GATEWAY,
                "bad_answer",
                "The status answer could not be read",
            ));
        };
        let headers = READ_HEADERS
            .iter()
            .filter_map(|h| Some((h.to_string(), parts.headers.get(*h)?.to_str().ok()?.to_owned())))
            .collect();
        let body = String::from_utf8_lossy(&bytes).into_owned();
        let read = Read { status: parts.status.as_u16(), body, headers };
        Ok(Held { read, parts, bytes })
    }

    /// `{status, headers, body}`: what `define.js` hands the wasm.
    fn json(&self) -> Value {
        let headers: serde_json::Map<String, Value> =
            self.read.headers.iter().map(|(k, v)| (k.clone(), Value::from(v.as_str()))).collect();
        json!({ "status": self.read.status, "headers": headers, "body": self.read.body })
    }

    fn passed_on(self) -> Response {
        Response::from_parts(self.parts, Body::from(self.bytes))
    }
}

fn no_store(mut res: Response) -> Response {
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// The status answer `res` with the card it shows (`?card=1`); the answer
/// as it came when the card cannot be drawn (the widget reads it as ever).
pub(super) async fn envelope(
    res: Response,
    card: &CardQuery,
    registrant: &Registrant,
    clock: DateTime<Utc>,
) -> Response {
    let held = match Held::of(res).await {
        Ok(held) => held,
        Err(refused) => return refused,
    };
    let config = card.config(registrant.provider, &registrant.contact);
    let Some(html) = card.render(config, registrant, &held, clock) else {
        return held.passed_on();
    };
    let mut body = held.json();
    body["card"] = html.into();
    body["styles"] = json!(CARD_STYLES);
    no_store(Json(body).into_response())
}

/// gzip for the card's answers (the status read's too), for a browser that
/// accepts it.
pub(super) fn compression() -> tower_http::compression::CompressionLayer {
    tower_http::compression::CompressionLayer::new().gzip(true).no_br().no_deflate().no_zstd()
}

/// The element with its card in a declarative shadow root
/// (`GET /api/{provider}/card`).
pub(super) async fn element(
    res: Response,
    card: &CardQuery,
    registrant: &Registrant,
    clock: DateTime<Utc>,
) -> Response {
    let held = match Held::of(res).await {
        Ok(held) => held,
        Err(refused) => return refused,
    };
    let config = card.config(registrant.provider, &registrant.contact);
    // The element speaks the language its card was drawn in.
    let locale = config.locale.clone().unwrap_or_default();
    let Some(html) = card.render(config, registrant, &held, clock) else {
        return card_failed();
    };
    let attributes: Vec<(&str, String)> = card
        .attributes
        .iter()
        .map(|(name, value)| (*name, if *name == "locale" { &locale } else { value }.clone()))
        .collect();
    let vars = minijinja::context! {
        provider => registrant.provider.as_str(),
        attributes,
        styles => CARD_STYLES,
        nonce => card.nonce.clone(),
        card => html,
        answer => minijinja::value::Serde(held.json()),
    };
    match element_template().render(vars) {
        Ok(out) => {
            no_store(([(header::CONTENT_TYPE, "text/html; charset=utf-8")], out).into_response())
        }
        Err(e) => {
            tracing::error!(error = %e, "the card's element failed to render");
            card_failed()
        }
    }
}

/// [`ELEMENT`], parsed once.
fn element_template() -> minijinja::Template<'static, 'static> {
    static ENV: std::sync::OnceLock<minijinja::Environment<'static>> = std::sync::OnceLock::new();
    let env = ENV.get_or_init(|| {
        let mut env = minijinja::Environment::new();
        env.add_template("card.html", ELEMENT).expect("the element's template parses");
        env
    });
    env.get_template("card.html").expect("added above")
}

fn card_failed() -> Response {
    api_error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "card_failed",
        "The card could not be rendered; use the plain element",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn a_status_read_without_card_is_not_a_card() {
        assert!(!CardQuery::asked(&query(&[("contact", "c1")])));
        let asked = query(&[("card", "1"), ("locale", "de"), ("x", "y")]);
        assert!(CardQuery::asked(&asked));
        let card = CardQuery::read(&asked).unwrap();
        assert_eq!(card.attributes, vec![("locale", "de".to_owned())]);
    }

    #[test]
    fn long_values_and_bad_nonces_are_refused() {
        let long = "x".repeat(MAX_VALUE + 1);
        assert!(CardQuery::read(&query(&[("strings", &long)])).is_err());
        assert!(CardQuery::read(&query(&[("nonce", "a\"><script>")])).is_err());
        assert!(CardQuery::read(&query(&[("nonce", "r4nd0m+/=")])).is_ok());
    }

    #[test]
    fn the_locale_falls_back_to_the_token_language_then_english() {
        let contact: ContactClaim = serde_json::from_value(json!({
            "id": "c1", "provider": "openprovider", "email": "a@b.example", "language": "nl"
        }))
        .unwrap();
        let none = CardQuery::default();
        assert_eq!(none.config(Provider::Openprovider, &contact).locale.as_deref(), Some("nl"));
        let de = CardQuery::read(&query(&[("locale", "de-DE")])).unwrap();
        assert_eq!(de.config(Provider::Openprovider, &contact).locale.as_deref(), Some("de-DE"));
        let bad = CardQuery::read(&query(&[("locale", "<x>")])).unwrap();
        let mut no_language = contact.clone();
        no_language.language = None;
        assert_eq!(bad.config(Provider::Openprovider, &no_language).locale.as_deref(), Some("en"));
    }

    /// A registrant of openprovider's contact `c1`.
    fn registrant() -> Registrant {
        let contact = json!({ "id": "c1", "provider": "openprovider", "email": "a@b.example" });
        let claims: Claims = serde_json::from_value(json!({
            "sub": "client-1", "role": "registrant", "exp": 4_000_000_000_i64, "contacts": [contact]
        }))
        .unwrap();
        let contact = serde_json::from_value(contact).unwrap();
        Registrant { provider: Provider::Openprovider, claims, contact }
    }

    #[tokio::test]
    async fn a_card_that_cannot_be_drawn_leaves_the_answer_as_it_came() {
        let answer = Read {
            status: 429,
            body: r#"{"code":0}"#.into(),
            headers: vec![("retry-after".into(), "30".into())],
        };
        let mut res = (StatusCode::TOO_MANY_REQUESTS, answer.body.clone()).into_response();
        res.headers_mut().insert("retry-after", HeaderValue::from_static("30"));
        let res = Held::of(res).await.unwrap().passed_on();
        assert_eq!(res.headers()["retry-after"], "30");
        let again = Held::of(res).await.unwrap().read;
        assert_eq!(
            (again.status, again.body, again.headers),
            (answer.status, answer.body, answer.headers)
        );
    }

    #[tokio::test]
    async fn the_elements_answer_cannot_close_its_script_element() {
        let body = r#"{"code":0,"desc":"</script><!-- & -->"}"#;
        let res = (StatusCode::OK, body).into_response();
        let card = CardQuery::read(&query(&[("status-url", "/s?a=1&b=\"x")])).unwrap();
        let res = element(res, &card, &registrant(), Utc::now()).await;
        let html = String::from_utf8(
            axum::body::to_bytes(res.into_body(), MAX_ANSWER).await.unwrap().to_vec(),
        )
        .unwrap();
        assert!(html.contains(r#" status-url="&#x2f;s?a=1&amp;b=&quot;x">"#), "{html}");
        let start = html.find("data-rv-answer>").unwrap() + "data-rv-answer>".len();
        let json = &html[start..html[start..].find("</script>").unwrap() + start];
        assert!(!json.contains('<') && !json.contains('>') && !json.contains('&'), "{json}");
        let v: Value = serde_json::from_str(json).unwrap();
        assert_eq!(v["body"], body);
    }
}
