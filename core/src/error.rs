//! Typed errors. Each one carries what a person needs to fix the input or to
//! tell the registrant what went wrong; none of them is a panic.

use crate::record::Provider;
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::fmt;

/// Why a whole payload could not be evaluated.
///
/// A bad *row* in a list is not an `Error`: it is a [`RowError`] reported
/// beside the good rows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "camelCase", rename_all_fields = "camelCase")]
#[non_exhaustive]
pub enum Error {
    /// Occurs when the body is not JSON at all (and the HTTP status was a
    /// success, or unknown).
    InvalidJson {
        /// The provider whose payload was expected.
        provider: Provider,
        /// 1-based line of the syntax error.
        line: usize,
        /// 1-based column of the syntax error.
        column: usize,
        /// The parser's description.
        message: String,
        /// The start of the body, for a person to recognise it.
        excerpt: String,
    },
    /// Occurs when an HTTP error status came with a body that is not the
    /// registrar's JSON (a proxy's HTML page, an empty 502).
    Http {
        /// The provider whose API was called.
        provider: Provider,
        /// The HTTP status code.
        status: u16,
        /// The start of the body.
        excerpt: String,
        /// When to try again, from `Retry-After` or `x-ratelimit-reset`.
        #[serde(with = "crate::time::rfc3339::option")]
        retry_at: Option<DateTime<Utc>>,
    },
    /// Occurs when the body is JSON but not a shape this provider's adapter
    /// knows (for example an Openprovider envelope given as `namecom`).
    UnexpectedShape {
        /// The provider whose shape was expected.
        provider: Provider,
        /// What was expected.
        expected: &'static str,
        /// What was found instead.
        found: String,
    },
    /// Occurs when the registrar answered with its own error envelope: a
    /// non-zero Openprovider `code`, a name.com `{message, details}` with an
    /// error status, a Domain Name API `OperationResult: ERROR`.
    Registrar {
        /// The registrar.
        provider: Provider,
        /// The HTTP status, when known.
        status: Option<u16>,
        /// The registrar's own error code, when it gives one.
        code: Option<String>,
        /// The registrar's message, unchanged.
        message: String,
        /// When to try again, when the registrar says (429s).
        #[serde(with = "crate::time::rfc3339::option")]
        retry_at: Option<DateTime<Utc>>,
    },
}

impl Error {
    /// The provider whose payload failed.
    pub fn provider(&self) -> Provider {
        match self {
            Error::InvalidJson { provider, .. }
            | Error::Http { provider, .. }
            | Error::UnexpectedShape { provider, .. }
            | Error::Registrar { provider, .. } => *provider,
        }
    }

    /// When the caller may retry, if the answer said.
    pub fn retry_at(&self) -> Option<DateTime<Utc>> {
        match self {
            Error::Http { retry_at, .. } | Error::Registrar { retry_at, .. } => *retry_at,
            _ => None,
        }
    }

    /// The HTTP status the error came with, if any.
    pub fn http_status(&self) -> Option<u16> {
        match self {
            Error::Http { status, .. } => Some(*status),
            Error::Registrar { status, .. } => *status,
            _ => None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidJson { provider, line, column, message, excerpt } => write!(
                f,
                "{provider}: the response is not JSON ({message} at line {line}, column {column}): `{excerpt}`"
            ),
            Error::Http { provider, status, excerpt, .. } => {
                write!(f, "{provider}: HTTP {status} with a body that is not the registrar's JSON: `{excerpt}`")
            }
            Error::UnexpectedShape { provider, expected, found } => {
                write!(f, "{provider}: expected {expected}, found {found}")
            }
            Error::Registrar { provider, status, code, message, .. } => {
                write!(f, "{provider} answered with an error")?;
                if let Some(status) = status {
                    write!(f, " (HTTP {status})")?;
                }
                if let Some(code) = code {
                    write!(f, " code {code}")?;
                }
                write!(f, ": {message}")
            }
        }
    }
}

impl std::error::Error for Error {}

/// One row of a list payload that could not be read. The other rows are
/// still evaluated.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RowError {
    /// 0-based position of the row in the payload's list.
    pub index: usize,
    /// Something to find the row by (its email, handle or id), if readable.
    pub key: Option<String>,
    /// What is wrong with it.
    pub message: String,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "row {}", self.index)?;
        if let Some(key) = &self.key {
            write!(f, " ({key})")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for RowError {}

/// The first `max` characters of `s`, on one line, for error excerpts.
pub(crate) fn excerpt(s: &str, max: usize) -> String {
    let one_line: String = s.trim().chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    match one_line.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &one_line[..i]),
        None => one_line,
    }
}
