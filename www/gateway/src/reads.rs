//! Status reads that go to a registrar (Openprovider, Domain Name API),
//! per contact: one call in flight, however many widgets ask at once, and
//! its answer reused for `status_reuse_seconds` (default 60). A resend of
//! the contact forgets it, so the next read is the registrar's.
//!
//! Twenty widgets open on one address at the widget's refresh would
//! otherwise make twenty identical calls; Openprovider blocks the calling
//! address after 300 identical requests in 300 seconds. A failed call or a
//! 5xx answer is not reused: the next read tries again (still one at a
//! time).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use futures_util::future::{BoxFuture, FutureExt, Shared};

use super::upstream::{Answer, Failure};

type Call = Shared<BoxFuture<'static, Result<Answer, Failure>>>;

enum Entry {
    InFlight(Call),
    Done(Instant, Answer),
}

/// The reads in flight and the answers being reused, by contact.
pub struct Reads {
    entries: Mutex<HashMap<String, Entry>>,
    reuse: Duration,
}

impl std::fmt::Debug for Reads {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reads").field("reuse", &self.reuse).finish_non_exhaustive()
    }
}

/// Most contacts remembered at once; past it, answers no longer reused are
/// dropped first.
const MAX_ENTRIES: usize = 100_000;

impl Reads {
    /// Reads whose answers are reused for `reuse` (zero: coalesced only).
    pub fn new(reuse: Duration) -> Self {
        Reads { entries: Mutex::new(HashMap::new()), reuse }
    }

    /// The answer for `key`: the one being reused, the one in flight, or
    /// `call`'s (made now, once).
    pub async fn get(
        &self,
        key: &str,
        call: impl std::future::Future<Output = Result<Answer, Failure>> + Send + 'static,
    ) -> Result<Answer, Failure> {
        let pending = {
            let mut map = self.entries.lock().unwrap_or_else(|e| e.into_inner());
            match map.get(key) {
                Some(Entry::Done(at, answer)) if at.elapsed() < self.reuse => {
                    return Ok(answer.clone())
                }
                Some(Entry::InFlight(call)) => call.clone(),
                _ => {
                    if map.len() >= MAX_ENTRIES {
                        let reuse = self.reuse;
                        map.retain(|_, e| match e {
                            Entry::InFlight(_) => true,
                            Entry::Done(at, _) => at.elapsed() < reuse,
                        });
                    }
                    let shared = call.boxed().shared();
                    map.insert(key.to_owned(), Entry::InFlight(shared.clone()));
                    shared
                }
            }
        };
        let result = pending.await;
        let mut map = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        // Still this call's entry (not forgotten by a resend meanwhile).
        if matches!(map.get(key), Some(Entry::InFlight(_))) {
            match &result {
                Ok(a) if a.status < 500 && !self.reuse.is_zero() => {
                    map.insert(key.to_owned(), Entry::Done(Instant::now(), a.clone()));
                }
                _ => {
                    map.remove(key);
                }
            }
        }
        result
    }

    /// Forgets `key`'s answer (a resend changed what the registrar says).
    pub fn forget(&self, key: &str) {
        self.entries.lock().unwrap_or_else(|e| e.into_inner()).remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    fn answer(n: usize) -> Answer {
        Answer::json(200, &serde_json::json!({ "n": n }))
    }

    #[tokio::test]
    async fn one_call_in_flight_then_its_answer_is_reused_until_forgotten() {
        let reads = Arc::new(Reads::new(Duration::from_secs(60)));
        let calls = Arc::new(AtomicUsize::new(0));
        let call = |calls: Arc<AtomicUsize>| async move {
            let n = calls.fetch_add(1, Ordering::SeqCst) + 1;
            tokio::time::sleep(Duration::from_millis(50)).await;
            Ok(answer(n))
        };
        let mut all = Vec::new();
        for _ in 0..50 {
            let (reads, calls) = (reads.clone(), calls.clone());
            all.push(tokio::spawn(async move { reads.get("op:a@x", call(calls)).await }));
        }
        for h in all {
            assert_eq!(h.await.unwrap().unwrap(), answer(1));
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1, "one call for fifty reads");
        assert_eq!(reads.get("op:a@x", call(calls.clone())).await.unwrap(), answer(1), "reused");
        reads.forget("op:a@x");
        assert_eq!(reads.get("op:a@x", call(calls.clone())).await.unwrap(), answer(2));
        // Another contact has its own.
        assert_eq!(reads.get("op:b@x", call(calls.clone())).await.unwrap(), answer(3));
    }

    #[tokio::test]
    async fn failures_and_5xx_are_not_reused() {
        let reads = Reads::new(Duration::from_secs(60));
        assert!(reads.get("k", async { Err(Failure::Connect) }).await.is_err());
        let bad = Answer::json(502, &serde_json::json!({}));
        assert_eq!(reads.get("k", async move { Ok(bad) }).await.unwrap().status, 502);
        assert_eq!(reads.get("k", async { Ok(answer(7)) }).await.unwrap(), answer(7));
        assert_eq!(reads.get("k", async { Ok(answer(8)) }).await.unwrap(), answer(7));
    }
}
