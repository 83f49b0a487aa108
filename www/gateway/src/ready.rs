//! Readiness: what `/readyz` answers, from a background probe per
//! registrar rather than from whichever registrant request came last.
//!
//! Each served registrar is probed every `probe_interval_seconds` (default
//! 30) with the lightest call that proves the gateway can use it:
//!
//! - name.com: no call. The mirror of the unverified list (its own scans,
//!   inside the account's hourly budget) answers every read, so name.com is
//!   ready while the last complete scan is fresh;
//! - Openprovider: one page of one row of the account's verification list,
//!   with the shared token (a login when it has none): host reached,
//!   credentials accepted. At the default interval that is 10 identical
//!   calls in Openprovider's 300-second window of 300;
//! - Domain Name API: `GetDetails` for an address under `.invalid`: the
//!   host reached and a SOAP answer read (any answer of the service, an
//!   error for the unknown contact included; a 5xx or no answer fails).
//!
//! Hysteresis: a registrar turns not ready after `probe_failures`
//! (default 3) failed probes in a row, and ready again after one success,
//! so one lost packet does not take an instance out of a load balancer, and
//! an instance that saw an outage comes back by itself once the registrar
//! does: no registrant request is needed to clear it.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use serde::Serialize;
use tokio::sync::watch;
use verification_core::Provider;

use super::Gateway;

/// The address the DNA probe asks about: `.invalid` is reserved (RFC 2606),
/// so no contact has it.
pub const DNA_PROBE_EMAIL: &str = "readiness-probe@gateway.invalid";

/// One registrar's readiness, as `/readyz` shows it.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
#[schema(as = Readiness)]
#[serde(rename_all = "camelCase")]
pub struct State {
    /// Whether the gateway routes requests to it as usual.
    pub ready: bool,
    /// What the last probe found, in words (never a credential or URL).
    pub reason: String,
    /// Failed probes in a row.
    pub failures: u32,
    /// When it was last probed (`None`: not yet).
    pub checked_at: Option<DateTime<Utc>>,
}

impl Default for State {
    fn default() -> Self {
        State { ready: false, reason: "not checked yet".into(), failures: 0, checked_at: None }
    }
}

impl State {
    /// `self` after a probe that came to `outcome` at `now`: ready after
    /// one success, not ready after `limit` failures in a row.
    #[must_use]
    pub fn after(&self, outcome: Result<String, String>, limit: u32, now: DateTime<Utc>) -> State {
        match outcome {
            Ok(reason) => State { ready: true, reason, failures: 0, checked_at: Some(now) },
            Err(why) => {
                let failures = self.failures.saturating_add(1);
                // Before any success, one failure is enough: never ready yet.
                let ready = self.ready && failures < limit;
                let reason = if ready {
                    format!("{why} ({failures} of {limit} failures before not ready)")
                } else {
                    why
                };
                State { ready, reason, failures, checked_at: Some(now) }
            }
        }
    }
}

/// Every registrar's readiness.
#[derive(Debug, Default)]
pub struct Readiness {
    states: Mutex<[State; 3]>,
}

fn index(p: Provider) -> usize {
    match p {
        Provider::Dna => 0,
        Provider::Namecom => 1,
        Provider::Openprovider => 2,
    }
}

impl Readiness {
    /// `p`'s readiness now.
    pub fn get(&self, p: Provider) -> State {
        self.states.lock().unwrap_or_else(|e| e.into_inner())[index(p)].clone()
    }

    /// Records a probe of `p`, logging a change of readiness.
    pub fn record(&self, p: Provider, outcome: Result<String, String>, limit: u32) {
        let mut states = self.states.lock().unwrap_or_else(|e| e.into_inner());
        let old = &states[index(p)];
        let new = old.after(outcome, limit, Utc::now());
        if new.ready != old.ready || (old.checked_at.is_none() && !new.ready) {
            if new.ready {
                tracing::info!(registrar = p.as_str(), reason = %new.reason, "registrar ready");
            } else {
                tracing::warn!(registrar = p.as_str(), reason = %new.reason, "registrar not ready");
            }
        }
        states[index(p)] = new;
    }
}

/// What one probe of `p` found: `Ok(words)` when usable; else why, and
/// whether the gateway itself stopped calling the registrar (a refused
/// login's backoff, a blocked address): not ready at once then, whatever
/// `probe_failures` says.
async fn probe(gw: &Gateway, p: Provider) -> (Result<String, String>, bool) {
    match probe_failure(gw, p).await {
        Err(f @ super::upstream::Failure::Paused { .. }) => (Err(f.describe()), true),
        Err(f) => (Err(f.describe()), false),
        Ok(outcome) => (outcome, false),
    }
}

/// [`probe`], with the registrar call's own failure apart.
async fn probe_failure(
    gw: &Gateway,
    p: Provider,
) -> Result<Result<String, String>, super::upstream::Failure> {
    Ok(match p {
        Provider::Namecom => {
            let Some(nc) = &gw.namecom else { return Ok(Err("not served".into())) };
            let completed = match gw.store.mirror_completed_at().await {
                Ok(c) => c,
                Err(e) => return Ok(Err(format!("store: {e}"))),
            };
            let max = TimeDelta::from_std(nc.max_age()).unwrap_or(TimeDelta::MAX);
            match completed {
                None => Err("the first scan of the unverified list has not completed".into()),
                Some(at) if Utc::now() - at > max => Err(format!(
                    "the last complete scan of the unverified list is from {}, older than {} s",
                    at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                    max.num_seconds()
                )),
                Some(at) => Ok(format!(
                    "the mirror's last complete scan is from {}",
                    at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
                )),
            }
        }
        Provider::Openprovider => {
            let Some(op) = &gw.openprovider else { return Ok(Err("not served".into())) };
            match op.probe().await {
                Ok(a) if (200..300).contains(&a.status) => {
                    Ok("a list call with the shared token answered".into())
                }
                Ok(a) => Err(format!("a list call answered HTTP {}", a.status)),
                Err(f) => return Err(f),
            }
        }
        Provider::Dna => {
            let Some(dna) = &gw.dna else { return Ok(Err("not served".into())) };
            // The WSDL, until it has been read once.
            let contract = match dna.contract() {
                c if c.confirmed.is_ok() => c,
                _ => dna.load_contract().await,
            };
            match dna.probe().await {
                Ok(a) if a.status < 500 && a.body_json().is_some() => {
                    Ok(format!("GetDetails answered over SOAP; {}", contract.describe()))
                }
                Ok(a) => {
                    Err(format!("GetDetails answered HTTP {} without a SOAP answer", a.status))
                }
                Err(f) => return Err(f),
            }
        }
    })
}

/// Starts one probe task per served registrar; each ends when `stop`
/// turns `true`.
pub fn spawn(gw: &Arc<Gateway>, stop: &watch::Receiver<bool>) {
    for p in Provider::ALL.into_iter().filter(|p| gw.served(*p)) {
        let gw = gw.clone();
        let mut stop = stop.clone();
        tokio::spawn(async move {
            let every = gw.config.probe_interval;
            loop {
                let outcome = tokio::select! {
                    o = probe(&gw, p) => o,
                    _ = stop.changed() => return,
                };
                let (outcome, paused) = outcome;
                let limit = if paused { 1 } else { gw.config.probe_failures };
                gw.readiness.record(p, outcome, limit);
                // name.com's probe reads the store only: until it is ready,
                // every second, so the first scan's end is seen at once.
                let starting = p == Provider::Namecom && !gw.readiness.get(p).ready;
                let wait = if starting { every.min(Duration::from_secs(1)) } else { every };
                tokio::select! {
                    () = tokio::time::sleep(wait) => {}
                    _ = stop.changed() => return,
                }
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ready_after_one_success_not_ready_after_the_limit_of_failures() {
        let now = Utc::now();
        let fail = || Err("connection failed".to_owned());
        let s = State::default();
        assert!(!s.ready);
        // Never ready before a success, even after one failure.
        let s = s.after(fail(), 3, now);
        assert!(!s.ready && s.reason == "connection failed", "{s:?}");
        let s = s.after(Ok("answered".into()), 3, now);
        assert!(s.ready && s.failures == 0);
        let s = s.after(fail(), 3, now);
        assert!(s.ready, "one failure of three: still ready");
        assert!(s.reason.contains("1 of 3"), "{}", s.reason);
        let s = s.after(fail(), 3, now);
        assert!(s.ready);
        let s = s.after(fail(), 3, now);
        assert!(!s.ready && s.failures == 3 && s.reason == "connection failed", "{s:?}");
        let s = s.after(Ok("answered".into()), 3, now);
        assert!(s.ready, "one success is enough");
    }
}
