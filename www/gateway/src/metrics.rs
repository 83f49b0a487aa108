//! Counters for `/metrics`, in Prometheus' text format.
//!
//! A handful of counters does not need a metrics library: they are atomics
//! behind a mutex-free map of fixed keys, rendered by hand (the format is
//! a few lines of text).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;

use verification_core::Provider;

/// The gateway's counters.
#[derive(Debug, Default)]
pub struct Metrics {
    upstream: Mutex<BTreeMap<(&'static str, String), u64>>,
    resends: Mutex<BTreeMap<&'static str, u64>>,
    status_reads: Mutex<BTreeMap<&'static str, u64>>,
    own_emails: Mutex<BTreeMap<&'static str, u64>>,
    webhooks: AtomicU64,
    webhooks_replayed: AtomicU64,
    failing: [AtomicBool; 3],
}

fn index(p: Provider) -> usize {
    match p {
        Provider::Dna => 0,
        Provider::Namecom => 1,
        Provider::Openprovider => 2,
    }
}

impl Metrics {
    /// An upstream call to `p` answered `status` (or `failed`).
    pub fn upstream(&self, p: Provider, status: &str) {
        *self
            .upstream
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry((p.as_str(), status.to_owned()))
            .or_default() += 1;
        let failed = status == "failed" || status.starts_with('5');
        self.failing[index(p)].store(failed, Ordering::Relaxed);
    }

    /// `true` when the last call to `p` failed (no answer or a 5xx).
    pub fn last_call_failed(&self, p: Provider) -> bool {
        self.failing[index(p)].load(Ordering::Relaxed)
    }

    /// A resend `sent`, `throttled` or `deduplicated`.
    pub fn resend(&self, outcome: &'static str) {
        *self.resends.lock().unwrap_or_else(|e| e.into_inner()).entry(outcome).or_default() += 1;
    }

    /// A status read of `p`.
    pub fn status_read(&self, p: Provider) {
        *self
            .status_reads
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(p.as_str())
            .or_default() += 1;
    }

    /// An own-verification email handed to the relay: `accepted`,
    /// `refused` or `failed`.
    pub fn own_email(&self, event: &'static str) {
        *self.own_emails.lock().unwrap_or_else(|e| e.into_inner()).entry(event).or_default() += 1;
    }

    /// A signed webhook delivery that was applied before (answered 2xx,
    /// no effect).
    pub fn webhook_replayed(&self) {
        self.webhooks_replayed.fetch_add(1, Ordering::Relaxed);
    }

    /// An accepted webhook.
    pub fn webhook(&self) {
        self.webhooks.fetch_add(1, Ordering::Relaxed);
    }

    /// Upstream calls so far, by registrar (for reports).
    pub fn upstream_calls(&self, p: Provider) -> u64 {
        let map = self.upstream.lock().unwrap_or_else(|e| e.into_inner());
        map.iter().filter(|((r, _), _)| *r == p.as_str()).map(|(_, n)| n).sum()
    }

    /// The text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        out.push_str("# HELP gateway_upstream_calls_total Calls to registrars, by registrar and HTTP status (`failed`: no answer).\n");
        out.push_str("# TYPE gateway_upstream_calls_total counter\n");
        for ((r, s), n) in self.upstream.lock().unwrap_or_else(|e| e.into_inner()).iter() {
            out.push_str(&format!(
                "gateway_upstream_calls_total{{registrar=\"{r}\",status=\"{s}\"}} {n}\n"
            ));
        }
        out.push_str("# HELP gateway_resends_total Resend intents by outcome.\n");
        out.push_str("# TYPE gateway_resends_total counter\n");
        for (o, n) in self.resends.lock().unwrap_or_else(|e| e.into_inner()).iter() {
            out.push_str(&format!("gateway_resends_total{{outcome=\"{o}\"}} {n}\n"));
        }
        out.push_str("# HELP gateway_status_reads_total Status reads by registrar.\n");
        out.push_str("# TYPE gateway_status_reads_total counter\n");
        for (r, n) in self.status_reads.lock().unwrap_or_else(|e| e.into_inner()).iter() {
            out.push_str(&format!("gateway_status_reads_total{{registrar=\"{r}\"}} {n}\n"));
        }
        out.push_str("# HELP gateway_own_emails_total Own-verification emails handed to the relay, by verdict.\n");
        out.push_str("# TYPE gateway_own_emails_total counter\n");
        for (o, n) in self.own_emails.lock().unwrap_or_else(|e| e.into_inner()).iter() {
            out.push_str(&format!("gateway_own_emails_total{{event=\"{o}\"}} {n}\n"));
        }
        out.push_str("# HELP gateway_webhooks_total Accepted name.com webhooks.\n");
        out.push_str("# TYPE gateway_webhooks_total counter\n");
        out.push_str(&format!(
            "gateway_webhooks_total {}\n",
            self.webhooks.load(Ordering::Relaxed)
        ));
        out.push_str("# HELP gateway_webhooks_replayed_total Signed deliveries seen before, answered without effect.\n");
        out.push_str("# TYPE gateway_webhooks_replayed_total counter\n");
        out.push_str(&format!(
            "gateway_webhooks_replayed_total {}\n",
            self.webhooks_replayed.load(Ordering::Relaxed)
        ));
        out
    }
}
