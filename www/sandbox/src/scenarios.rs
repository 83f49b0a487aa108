//! The demo registry: which contacts exist, who owns them, and how the
//! sandbox seeds each registrar's records relative to "now".
//!
//! Every scenario is one registrar contact, keyed `<provider>-<state>`
//! (for example `openprovider-pending`). The registry is the server-side
//! mapping the reference pass-through uses to build upstream requests: the
//! browser only ever sends a contact key, never an email address or id.

use std::sync::LazyLock;

use chrono::{DateTime, Duration, Utc};

/// The registrant every demo session is signed in as.
pub const DEMO_REGISTRANT: &str = "registrant-1001";

/// Another registrant of the same reseller. Their contacts exist at the
/// registrars (and in the registry) but a demo session may not read them.
pub const OTHER_REGISTRANT: &str = "registrant-2002";

/// First name.com verification id handed out by the seed; scenario `n`
/// (1-based, in registry order among name.com contacts) gets `BASE + n`.
pub const NAMECOM_VERIFICATION_ID_BASE: i64 = 98_752_463;

pub use verification_core::Provider;

/// The registrar's name as people know it.
pub fn display_name(provider: Provider) -> &'static str {
    match provider {
        Provider::Dna => "Domain Name API",
        Provider::Namecom => "name.com",
        Provider::Openprovider => "Openprovider",
    }
}

/// Parses the URL identifier exactly (`dna`, `namecom`, `openprovider`).
pub fn parse_provider(s: &str) -> Option<Provider> {
    Provider::ALL.into_iter().find(|p| p.as_str() == s)
}

/// One contact known to the reseller backend.
#[derive(Clone, Debug)]
pub struct Contact {
    /// Registry key, `<provider>-<state>`.
    pub key: String,
    /// Registrar holding the contact.
    pub provider: Provider,
    /// Scenario state (`pending`, `due-soon`, ...).
    pub state: &'static str,
    /// Registrant who owns the contact.
    pub owner: &'static str,
    /// The email address under verification.
    pub email: String,
    /// DNA `ExternalId` or Openprovider handle.
    pub handle: Option<String>,
    /// name.com `verificationId`.
    pub verification_id: Option<i64>,
    /// Domains that depend on this verification.
    pub domains: Vec<String>,
    /// Caption shown above the widget on the demo page.
    pub caption: &'static str,
}

struct Spec {
    provider: Provider,
    state: &'static str,
    owner: &'static str,
    domains: &'static [&'static str],
    caption: &'static str,
}

const SPECS: &[Spec] = &[
    // Domain Name API
    Spec {
        provider: Provider::Dna,
        state: "not-started",
        owner: DEMO_REGISTRANT,
        domains: &["shop.com", "blog.net"],
        caption: "Verification not started yet (key valid 55 more days)",
    },
    Spec {
        provider: Provider::Dna,
        state: "pending",
        owner: DEMO_REGISTRANT,
        domains: &["shop.com", "blog.org", "mail.net"],
        caption: "Pending, key valid 12 more days",
    },
    Spec {
        provider: Provider::Dna,
        state: "due-soon",
        owner: DEMO_REGISTRANT,
        domains: &["shop.com"],
        caption: "Pending, key expires in 30 hours",
    },
    Spec {
        provider: Provider::Dna,
        state: "overdue",
        owner: DEMO_REGISTRANT,
        domains: &["shop.com", "store.io"],
        caption: "Pending, key expired 2 days ago",
    },
    Spec {
        provider: Provider::Dna,
        state: "verified",
        owner: DEMO_REGISTRANT,
        domains: &["shop.com"],
        caption: "Verified",
    },
    Spec {
        provider: Provider::Dna,
        state: "expired",
        owner: DEMO_REGISTRANT,
        domains: &["shop.com"],
        caption: "Verification key expired 3 days ago",
    },
    Spec {
        provider: Provider::Dna,
        state: "neighbour",
        owner: OTHER_REGISTRANT,
        domains: &["shop.com"],
        caption: "Another registrant's contact",
    },
    // name.com
    Spec {
        provider: Provider::Namecom,
        state: "pending",
        owner: DEMO_REGISTRANT,
        domains: &["shop.com", "studio.io"],
        caption: "Pending, 10 days left",
    },
    Spec {
        provider: Provider::Namecom,
        state: "due-soon",
        owner: DEMO_REGISTRANT,
        domains: &["shop.com"],
        caption: "Pending, due in 20 hours",
    },
    Spec {
        provider: Provider::Namecom,
        state: "overdue",
        owner: DEMO_REGISTRANT,
        domains: &["shop.com", "blog.net", "cafe.org"],
        caption: "Deadline passed a day ago",
    },
    Spec {
        provider: Provider::Namecom,
        state: "verified",
        owner: DEMO_REGISTRANT,
        domains: &["shop.com"],
        caption: "Verified (not in the unverified list)",
    },
    Spec {
        provider: Provider::Namecom,
        state: "unknown",
        owner: DEMO_REGISTRANT,
        domains: &["shop.com"],
        caption: "Contact changed 3 minutes ago (not listed yet)",
    },
    Spec {
        provider: Provider::Namecom,
        state: "neighbour",
        owner: OTHER_REGISTRANT,
        domains: &["shop.com"],
        caption: "Another registrant's contact",
    },
    // Openprovider
    Spec {
        provider: Provider::Openprovider,
        state: "not-started",
        owner: DEMO_REGISTRANT,
        domains: &["shop.com", "blog.net"],
        caption: "Verification not started",
    },
    Spec {
        provider: Provider::Openprovider,
        state: "pending",
        owner: DEMO_REGISTRANT,
        domains: &["shop.com", "studio.io"],
        caption: "In progress, 9 days left",
    },
    Spec {
        provider: Provider::Openprovider,
        state: "due-soon",
        owner: DEMO_REGISTRANT,
        domains: &["shop.com"],
        caption: "In progress, due in 36 hours",
    },
    Spec {
        provider: Provider::Openprovider,
        state: "overdue",
        owner: DEMO_REGISTRANT,
        domains: &["shop.com"],
        caption: "In progress, deadline passed a day ago",
    },
    Spec {
        provider: Provider::Openprovider,
        state: "verified",
        owner: DEMO_REGISTRANT,
        domains: &["shop.com"],
        caption: "Verified",
    },
    Spec {
        provider: Provider::Openprovider,
        state: "expired",
        owner: DEMO_REGISTRANT,
        domains: &["shop.com", "blog.net"],
        caption: "Failed: expired, domains suspended",
    },
    Spec {
        provider: Provider::Openprovider,
        state: "bounced",
        owner: DEMO_REGISTRANT,
        domains: &["shop.com"],
        caption: "Failed: the email bounced",
    },
    Spec {
        provider: Provider::Openprovider,
        state: "neighbour",
        owner: OTHER_REGISTRANT,
        domains: &["shop.com"],
        caption: "Another registrant's contact",
    },
];

static REGISTRY: LazyLock<Vec<Contact>> = LazyLock::new(build_registry);

fn build_registry() -> Vec<Contact> {
    let (mut dna_n, mut nc_n, mut op_n) = (0i64, 0i64, 0i64);
    SPECS
        .iter()
        .map(|s| {
            let p = s.provider.as_str();
            let (handle, verification_id) = match s.provider {
                Provider::Dna => {
                    dna_n += 1;
                    let n = if s.owner == DEMO_REGISTRANT { 100 + dna_n } else { 199 };
                    (Some(format!("DNA-{n}")), None)
                }
                Provider::Namecom => {
                    nc_n += 1;
                    (None, Some(NAMECOM_VERIFICATION_ID_BASE + nc_n))
                }
                Provider::Openprovider => {
                    op_n += 1;
                    let n = if s.owner == DEMO_REGISTRANT { 100_000 + op_n } else { 199_999 };
                    (Some(format!("XX{n}-XX")), None)
                }
            };
            Contact {
                key: format!("{p}-{}", s.state),
                provider: s.provider,
                state: s.state,
                owner: s.owner,
                email: format!("{}@{p}.example", s.state),
                handle,
                verification_id,
                domains: s.domains.iter().map(|d| format!("{p}-{}-{d}", s.state)).collect(),
                caption: s.caption,
            }
        })
        .collect()
}

/// Every contact in the registry (demo registrant's and others').
pub fn registry() -> &'static [Contact] {
    &REGISTRY
}

/// Looks a contact up by key.
pub fn contact(key: &str) -> Option<&'static Contact> {
    REGISTRY.iter().find(|c| c.key == key)
}

/// When the `namecom-unknown` contact was changed, relative to the sandbox
/// clock at seeding time.
pub fn namecom_unknown_changed_at(seeded_at: DateTime<Utc>) -> DateTime<Utc> {
    seeded_at - Duration::minutes(3)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_unique_and_well_formed() {
        let mut keys: Vec<_> = registry().iter().map(|c| c.key.as_str()).collect();
        let n = keys.len();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), n);
        for c in registry() {
            assert!(c.key.starts_with(c.provider.as_str()));
            assert!(!c.domains.is_empty());
        }
        let c = contact("dna-pending").unwrap();
        assert_eq!(c.email, "pending@dna.example");
        assert_eq!(c.handle.as_deref(), Some("DNA-102"));
        assert_eq!(c.domains[0], "dna-pending-shop.com");
        assert_eq!(contact("namecom-pending").unwrap().verification_id, Some(98_752_464));
    }
}
