//! Sending through the reseller's SMTP relay, with lettre.

use std::time::Duration;

use lettre::message::{header, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::AsyncSmtpTransport;
use lettre::{AsyncTransport, Message, Tokio1Executor};

use super::templates::Rendered;

/// What the relay made of one message.
#[derive(Debug, PartialEq, Eq)]
pub enum Handover {
    /// Accepted: the relay's reply (`250 …`).
    Accepted(String),
    /// Refused by the relay (a 4xx or 5xx reply): `permanent` for 5xx.
    Refused {
        /// The relay's reply.
        reply: String,
        /// 5xx: retrying the same message will not help.
        permanent: bool,
    },
    /// No answer: connection, TLS or timeout.
    Failed(String),
}

/// The relay.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    timeout: Duration,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer").field("from", &self.from.to_string()).finish_non_exhaustive()
    }
}

impl Mailer {
    /// A relay at `url` (`smtps://user:pass@host:465`,
    /// `smtp://host:587?tls=required`, `smtp://host:25` for a local relay).
    ///
    /// # Errors
    /// The URL or the sender cannot be used (the message never holds the
    /// password).
    pub fn new(url: &str, from: &str, timeout: Duration) -> Result<Mailer, String> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| {
                format!("`smtp_url` cannot be used: {}", without_password(&e.to_string()))
            })?
            .timeout(Some(timeout))
            .build();
        let from = from.parse().map_err(|e| format!("`from`: {e}"))?;
        Ok(Mailer { transport, from, timeout })
    }

    /// Connects to the relay as a send would (TLS or STARTTLS as the URL
    /// says, EHLO, AUTH with the URL's credentials) and says NOOP, sending
    /// nothing: for `check`.
    ///
    /// # Errors
    /// What failed, without the password.
    pub async fn test(&self) -> Result<(), String> {
        match tokio::time::timeout(self.timeout, self.transport.test_connection()).await {
            Ok(Ok(true)) => Ok(()),
            Ok(Ok(false)) => Err("the relay did not answer NOOP".into()),
            Ok(Err(e)) => Err(without_password(&e.to_string())),
            Err(_) => Err(format!("no answer within {} s", self.timeout.as_secs())),
        }
    }

    /// The sender's display name, or its address.
    pub fn sender_name(&self) -> String {
        self.from.name.clone().unwrap_or_else(|| self.from.email.to_string())
    }

    /// Hands one email to the relay.
    pub async fn send(&self, to: &str, email: &Rendered, language: &str) -> Handover {
        let to: Mailbox = match to.parse() {
            Ok(to) => to,
            Err(e) => {
                return Handover::Refused {
                    reply: format!("not a valid recipient address: {e}"),
                    permanent: true,
                }
            }
        };
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(&email.subject)
            .header(ContentLanguage(language.to_owned()))
            .multipart(
                MultiPart::alternative()
                    .singlepart(
                        SinglePart::builder()
                            .header(header::ContentType::TEXT_PLAIN)
                            .body(email.text.clone()),
                    )
                    .singlepart(
                        SinglePart::builder()
                            .header(header::ContentType::TEXT_HTML)
                            .body(email.html.clone()),
                    ),
            );
        let message = match message {
            Ok(m) => m,
            Err(e) => return Handover::Refused { reply: e.to_string(), permanent: true },
        };
        // lettre's timeout covers the connection, not a relay that greets
        // and then goes quiet: the whole exchange is bounded here.
        let sent = tokio::time::timeout(self.timeout, self.transport.send(message)).await;
        let Ok(sent) = sent else {
            return Handover::Failed(format!(
                "the relay did not finish the exchange within {} s",
                self.timeout.as_secs()
            ));
        };
        match sent {
            Ok(r) => Handover::Accepted(
                format!("{} {}", r.code(), r.message().collect::<Vec<_>>().join(" "))
                    .trim()
                    .to_owned(),
            ),
            Err(e) if e.is_permanent() || e.is_transient() => Handover::Refused {
                reply: without_password(&e.to_string()),
                permanent: e.is_permanent(),
            },
            Err(e) => Handover::Failed(without_password(&e.to_string())),
        }
    }
}

/// `Content-Language`, so mail clients know what they show.
#[derive(Clone, Debug)]
struct ContentLanguage(String);

impl header::Header for ContentLanguage {
    fn name() -> header::HeaderName {
        header::HeaderName::new_from_ascii_str("Content-Language")
    }

    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(ContentLanguage(s.to_owned()))
    }

    fn display(&self) -> header::HeaderValue {
        header::HeaderValue::new(Self::name(), self.0.clone())
    }
}

/// `scheme://user:password@host` → `scheme://user:***@host`, anywhere in
/// `text`.
fn without_password(text: &str) -> String {
    let mut out = text.to_owned();
    for scheme in ["smtp://", "smtps://"] {
        if let Some(start) = out.find(scheme) {
            let rest = &out[start + scheme.len()..];
            let end = rest.find(['/', ' ', '?']).unwrap_or(rest.len());
            if let Some(at) = rest[..end].rfind('@') {
                if let Some(colon) = rest[..at].find(':') {
                    let from = start + scheme.len() + colon + 1;
                    let to = start + scheme.len() + at;
                    out.replace_range(from..to, "***");
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_left_out_of_messages() {
        assert_eq!(
            without_password("bad smtps://user:hunter2@mail.example:465 here"),
            "bad smtps://user:***@mail.example:465 here"
        );
        assert_eq!(without_password("no url"), "no url");
    }

    #[test]
    fn a_bad_url_names_the_setting_without_its_password() {
        let e =
            Mailer::new("smtps://u:hunter2@", "a@b.example", Duration::from_secs(1)).unwrap_err();
        assert!(e.contains("smtp_url") && !e.contains("hunter2"), "{e}");
    }
}
