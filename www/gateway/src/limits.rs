//! Request limits of one instance, in memory: status reads per token and
//! API requests per client address, each a token bucket (`per_minute`
//! requests a minute on average, the same number at once). Past it, 429
//! with `Retry-After`. What protects the registrars across instances is in
//! the store (cooldowns, the account budget) and in [`super::reads`]; these
//! keep one client from taking an instance's time.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A token bucket per key.
#[derive(Debug)]
pub struct Buckets {
    per_minute: u32,
    buckets: Mutex<HashMap<String, (f64, Instant)>>,
}

/// Most keys remembered at once; full buckets are dropped first.
const MAX_KEYS: usize = 100_000;

impl Buckets {
    /// `per_minute` requests a minute per key (0: no limit).
    pub fn new(per_minute: u32) -> Self {
        Buckets { per_minute, buckets: Mutex::new(HashMap::new()) }
    }

    /// Takes one request for `key` at `now`: `Ok(())`, or `Err(wait)` until
    /// one is free.
    pub fn take(&self, key: &str, now: Instant) -> Result<(), Duration> {
        if self.per_minute == 0 {
            return Ok(());
        }
        let cap = f64::from(self.per_minute);
        let rate = cap / 60.0;
        let mut map = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= MAX_KEYS && !map.contains_key(key) {
            map.retain(|_, (left, at)| *left + now.duration_since(*at).as_secs_f64() * rate < cap);
            if map.len() >= MAX_KEYS {
                return Err(Duration::from_secs(1));
            }
        }
        let (left, at) = map.entry(key.to_owned()).or_insert((cap, now));
        let refilled = (*left + now.saturating_duration_since(*at).as_secs_f64() * rate).min(cap);
        *at = now;
        if refilled >= 1.0 {
            *left = refilled - 1.0;
            Ok(())
        } else {
            *left = refilled;
            Err(Duration::from_secs_f64(((1.0 - refilled) / rate).max(1.0)))
        }
    }
}

/// The key of a token: its SHA-256 (the token itself is not kept).
pub fn token_key(token: &str) -> String {
    super::secret::sha256_hex(token.as_bytes())[..32].to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_lets_its_size_through_then_refills_at_its_rate() {
        let b = Buckets::new(60);
        let t = Instant::now();
        for i in 0..60 {
            assert!(b.take("a", t).is_ok(), "{i}");
        }
        let wait = b.take("a", t).unwrap_err();
        assert_eq!(wait.as_secs(), 1);
        assert!(b.take("b", t).is_ok(), "another key has its own");
        assert!(b.take("a", t + Duration::from_millis(1_100)).is_ok(), "one a second");
        assert!(b.take("a", t + Duration::from_millis(1_200)).is_err());
        assert!(Buckets::new(0).take("a", t).is_ok(), "0: no limit");
    }
}
