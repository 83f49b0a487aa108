//! Demo sessions: a random id in the `demo_session` cookie (HttpOnly,
//! SameSite=Lax) bound server-side to one registrant.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::http::{header, HeaderMap};

/// Name of the session cookie.
pub const COOKIE_NAME: &str = "demo_session";

/// How long an idle session lives.
pub const SESSION_TTL: Duration = Duration::from_secs(24 * 60 * 60);

/// A signed-in visitor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    /// The session id (cookie value).
    pub id: String,
    /// The registrant the visitor acts as.
    pub registrant: String,
}

/// In-memory session store.
#[derive(Debug, Default)]
pub struct Sessions {
    map: Mutex<HashMap<String, (String, Instant)>>,
}

impl Sessions {
    /// Creates a session for `registrant` and returns its id.
    pub fn create(&self, registrant: &str) -> String {
        let id = crate::random_hex(16);
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        map.retain(|_, (_, seen)| seen.elapsed() < SESSION_TTL);
        map.insert(id.clone(), (registrant.to_owned(), Instant::now()));
        id
    }

    /// The session named by the request's cookie, if it exists.
    pub fn from_headers(&self, headers: &HeaderMap) -> Option<Session> {
        let id = cookie_value(headers, COOKIE_NAME)?;
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        let (registrant, seen) = map.get_mut(id)?;
        if seen.elapsed() >= SESSION_TTL {
            return None;
        }
        *seen = Instant::now();
        Some(Session { id: id.to_owned(), registrant: registrant.clone() })
    }
}

/// The `Set-Cookie` value for a session id.
pub fn set_cookie_value(id: &str) -> String {
    format!("{COOKIE_NAME}={id}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}", SESSION_TTL.as_secs())
}

fn cookie_value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn round_trip() {
        let s = Sessions::default();
        let id = s.create("r1");
        assert_eq!(id.len(), 32);
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_str(&format!("a=b; {COOKIE_NAME}={id}")).unwrap(),
        );
        assert_eq!(s.from_headers(&h).unwrap().registrant, "r1");
        h.insert(header::COOKIE, HeaderValue::from_static("demo_session=nope"));
        assert!(s.from_headers(&h).is_none());
        assert_ne!(s.create("r1"), id);
    }
}
