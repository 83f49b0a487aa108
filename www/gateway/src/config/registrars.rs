//! Each registrar's settings as the gateway uses them, read from its
//! section of the file (`[namecom]` with `[namecom.own_verification]`,
//! `[openprovider]`, `[dna]`).

use std::path::PathBuf;
use std::time::Duration;

use chrono_tz::Tz;

use crate::secret::Secret;

/// name.com.
#[derive(Clone, Debug)]
pub struct NamecomConfig {
    /// `https://api.name.com` (no trailing `/core/v1`).
    pub base_url: String,
    /// API user name.
    pub username: Secret,
    /// API token (also the webhook signature's key).
    pub token: Secret,
    /// The exact URL name.com posts webhooks to (the signature covers it).
    pub webhook_url: String,
    /// How often the unverified list is scanned (default 10 minutes).
    pub scan_interval: Duration,
    /// Rows per page of a scan (1..=1000, default 1000).
    pub per_page: u32,
    /// The reseller sends the ICANN emails itself and calls Verify Contact
    /// (`[namecom.own_verification] enabled = true`).
    pub own_verification: Option<OwnVerificationConfig>,
    /// The zone of name.com's timestamps that carry no offset (`timezone`,
    /// an IANA name; default UTC).
    pub timezone: Tz,
}

/// `[namecom.own_verification]`: the reseller's own ICANN verification
/// emails, link page and Verify Contact (docs/own-verification.md: "Sending the
/// verification emails yourself").
///
/// ```toml
/// [namecom.own_verification]
/// enabled = true
/// smtp_url = "env:SMTP_URL"          # smtps://user:pass@mail.example:465, or smtp://…:587?tls=required
/// from = "Acme Domains <verify@acme.example>"
/// public_url = "https://gateway.acme.example"   # the links: {public_url}/verify/…
/// link_secret = "env:LINK_SECRET"    # 32 bytes or more
/// # template_dir = "templates"       # {dir}/{language}/{template}.{subject,txt,html}
/// # language = "en"                  # when the panel's token names none
/// # reminder_days = [7, 2]
/// # grace_days = 30                  # links stay valid this long after verifyBy
/// # retention_days = 760             # logs, after the domains' registration ends
/// # expiry_grace_days = 45           # a registration ends this long after expireDate
/// # smtp_timeout_seconds = 30
/// # smtp_retry_seconds = 30          # first retry of a refused email, doubling to 1 h
/// # pass_interval_seconds = 60       # due emails are looked for this often
/// ```
#[derive(Clone, Debug)]
pub struct OwnVerificationConfig {
    /// The relay: `smtps://` (TLS from the start, 465) or `smtp://` with
    /// `?tls=required` (STARTTLS, 587); user and password in the URL.
    pub smtp_url: Secret,
    /// The sender, `Name <address>` or an address.
    pub from: String,
    /// Where the gateway is reached from the registrant's mail client, no
    /// trailing `/`.
    pub public_url: String,
    /// The key of the links' signatures.
    pub link_secret: Secret,
    /// Overrides of the built-in templates, per language.
    pub template_dir: Option<PathBuf>,
    /// The language of a contact whose token named none.
    pub language: String,
    /// Reminders, in days before `verifyBy`.
    pub reminder_days: Vec<u32>,
    /// How long after `verifyBy` a link still verifies.
    pub grace: Duration,
    /// Days the email and verification logs are kept after the
    /// registration of every domain they name ended (730 or more: name.com
    /// asks for the registration and two years after).
    pub retention_days: u32,
    /// How long after its `expireDate` a domain not renewed still counts as
    /// registered (the registry's auto-renew grace; default 45 days).
    pub expiry_grace: Duration,
    /// The longest one SMTP exchange may take.
    pub smtp_timeout: Duration,
    /// The first wait before an email the relay did not take is tried
    /// again (doubling up to an hour; default 30 s).
    pub smtp_retry: Duration,
    /// How often the mirror is checked for due emails, besides after each
    /// scan (default 60 s).
    pub pass_interval: Duration,
}

/// Openprovider.
#[derive(Clone, Debug)]
pub struct OpenproviderConfig {
    /// `https://api.openprovider.eu` (no trailing `/v1beta`).
    pub base_url: String,
    /// Login user name.
    pub username: Secret,
    /// Login password.
    pub password: Secret,
    /// The zone of Openprovider's offset-less `expiration_date`
    /// (`timezone`, an IANA name; default UTC).
    pub timezone: Tz,
}

/// Domain Name API over SOAP 1.1. `ContactApi.svc`'s contract is read from
/// its WSDL at start ([`crate::upstream::dna`]); a name set here
/// overrides the WSDL, and without the WSDL the defaults follow DNA's
/// public `DomainApi.svc` conventions.
#[derive(Clone, Debug)]
pub struct DnaConfig {
    /// The host, up to the service (e.g. `https://whmcs.domainnameapi.com`).
    pub base_url: String,
    /// `UserName`.
    pub username: Secret,
    /// `Password`.
    pub password: Secret,
    /// The service path (default `ContactApi.svc`); its WSDL is at
    /// `{base_url}/{service_path}?singleWsdl`.
    pub service_path: String,
    /// `SOAPAction` is this prefix and the method name (WSDL, else
    /// `http://tempuri.org/IContactApi/`).
    pub action_prefix: Option<String>,
    /// The namespace of the method element and its `request` (WSDL, else
    /// `http://tempuri.org/`).
    pub method_namespace: Option<String>,
    /// The namespace of `UserName`/`Password` (WSDL, else
    /// [`DNA_CREDENTIALS_NS`]).
    pub credentials_namespace: Option<String>,
    /// The namespace of the method's own fields, `ContactEmail` and
    /// `ExternalId` (WSDL, else [`DNA_FIELDS_NS`]).
    pub fields_namespace: Option<String>,
    /// The zone of DNA's timestamps that carry no offset (`timezone`, an
    /// IANA name; default UTC).
    pub timezone: Tz,
}

impl DnaConfig {
    /// DNA at `base_url`, its contract from the WSDL (or the conventions).
    pub fn with_defaults(base_url: String, username: Secret, password: Secret) -> Self {
        DnaConfig {
            base_url,
            username,
            password,
            service_path: "ContactApi.svc".into(),
            action_prefix: None,
            method_namespace: None,
            credentials_namespace: None,
            fields_namespace: None,
            timezone: Tz::UTC,
        }
    }
}

/// DNA's credentials namespace in the public `DomainApi.svc` contract.
pub const DNA_CREDENTIALS_NS: &str =
    "http://schemas.datacontract.org/2004/07/Olipso.Core.DataContracts";

/// The default namespace of `ContactApi.svc`'s own fields: the contract's
/// own DataContracts namespace, as `DomainApi.svc` puts `DomainName` in
/// `…Olipso.ExternalApi.Core.DataContracts.DomainApiContracts`.
pub const DNA_FIELDS_NS: &str =
    "http://schemas.datacontract.org/2004/07/Olipso.ExternalApi.Core.DataContracts.ContactApiContracts";
