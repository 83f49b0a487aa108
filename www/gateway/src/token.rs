//! Who is asking: a short-lived JWT signed by the reseller's panel.
//!
//! ```json
//! { "aud": "registrant-verification", "sub": "client-42", "role": "registrant",
//!   "iat": 1767222000, "exp": 1767225600,
//!   "contacts": [
//!     { "id": "c-77", "provider": "namecom", "email": "owner@shop.example",
//!       "verificationId": "98752464", "domains": ["shop.example"] },
//!     { "id": "c-78", "provider": "openprovider", "email": "owner@shop.example",
//!       "handle": "XX100001-XX" },
//!     { "id": "c-79", "provider": "dna", "email": "owner@shop.example", "handle": "DNA-111" } ] }
//! ```
//!
//! Checked with `jsonwebtoken`: the signature (HS256 with the shared secret,
//! or EdDSA / RS256 / ES256 with a key of the JWKS file), `exp` (with the
//! leeway), `nbf` when present, `aud`, and the lifetime: `exp - iat` (or
//! `exp - now` without `iat`) at most the configured maximum. `alg: none`,
//! a wrong key, an expired, not-yet-valid or too-long-lived token is a
//! [`TokenError`], answered 401. The token itself is never logged or echoed.

use std::collections::HashMap;
use std::path::Path;

use chrono::{DateTime, Utc};
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::{Deserialize, Deserializer};
use verification_core::Provider;

use super::config::TokensConfig;

/// What a token may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// One registrant: only the contacts the token names.
    Registrant,
    /// Reseller support: the account-wide list and its bulk resend.
    Staff,
}

/// One contact the bearer may see, as the panel names it.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContactClaim {
    /// The panel's id for it; the widget's URLs name the contact by it.
    pub id: String,
    /// Its registrar.
    #[serde(deserialize_with = "provider")]
    pub provider: Provider,
    /// The address being verified.
    #[serde(default)]
    pub email: Option<String>,
    /// Registrar handle / external id (Openprovider, DNA).
    #[serde(default)]
    pub handle: Option<String>,
    /// name.com verification id, as a number or a string.
    #[serde(default, deserialize_with = "id_text")]
    pub verification_id: Option<String>,
    /// The domains that depend on it.
    #[serde(default)]
    pub domains: Vec<String>,
    /// When the contact last changed (registration, transfer, email/name
    /// change), if the panel knows: inside name.com's 10-minute window the
    /// status is `unknown`, not verified.
    #[serde(default)]
    pub changed_at: Option<DateTime<Utc>>,
    /// The registrant's language (`de`, `pt-BR`): own verification's
    /// emails to this contact are written in it.
    #[serde(default)]
    pub language: Option<String>,
}

/// The checked claims.
#[derive(Clone, Debug, Deserialize)]
pub struct Claims {
    /// The panel's user.
    pub sub: String,
    /// What the bearer may do.
    pub role: Role,
    /// Expiry (epoch seconds).
    pub exp: i64,
    /// Issued at, when given.
    #[serde(default)]
    pub iat: Option<i64>,
    /// The issuer, when given (checked when `tokens.issuer` is set).
    #[serde(default)]
    pub iss: Option<String>,
    /// The contacts a registrant may see (empty for staff).
    #[serde(default)]
    pub contacts: Vec<ContactClaim>,
}

impl Claims {
    /// The contact `id` of `provider`, if the token names it.
    pub fn contact(&self, id: &str, provider: Provider) -> Option<&ContactClaim> {
        self.contacts.iter().find(|c| c.id == id && c.provider == provider)
    }
}

fn provider<'de, D: Deserializer<'de>>(d: D) -> Result<Provider, D::Error> {
    let s = String::deserialize(d)?;
    s.parse().map_err(serde::de::Error::custom)
}

fn id_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Id {
        N(i64),
        S(String),
    }
    Ok(match Option::<Id>::deserialize(d)? {
        Some(Id::N(n)) => Some(n.to_string()),
        Some(Id::S(s)) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        _ => None,
    })
}

/// Why a token was refused (answered 401; the reason goes to the log and
/// the error body, the token never does).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenError(pub &'static str);

impl std::fmt::Display for TokenError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

/// Checks tokens.
pub struct Verifier {
    audience: String,
    hs256: Option<DecodingKey>,
    /// Public keys by `kid` (and the key of a one-key set under "").
    keys: HashMap<String, (DecodingKey, Algorithm)>,
    max_lifetime: i64,
    leeway: u64,
    issuer: Option<String>,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verifier").field("audience", &self.audience).finish_non_exhaustive()
    }
}

impl Verifier {
    /// A verifier for `config`, reading its JWKS file if it names one.
    ///
    /// # Errors
    /// The JWKS file cannot be read or holds no usable key.
    pub fn new(config: &TokensConfig) -> Result<Self, String> {
        let hs256 =
            config.hs256_secret.as_ref().map(|s| DecodingKey::from_secret(s.expose().as_bytes()));
        let mut keys = HashMap::new();
        if let Some(path) = &config.public_keys {
            keys = read_jwks(path)?;
        }
        Ok(Verifier {
            audience: config.audience.clone(),
            hs256,
            keys,
            max_lifetime: i64::try_from(config.max_lifetime.as_secs()).unwrap_or(i64::MAX),
            leeway: config.leeway.as_secs(),
            issuer: config.issuer.clone(),
        })
    }

    /// The claims of `token` if it is valid at `now`.
    ///
    /// # Errors
    /// Why it is not.
    pub fn verify(&self, token: &str, now: DateTime<Utc>) -> Result<Claims, TokenError> {
        let header =
            jsonwebtoken::decode_header(token).map_err(|_| TokenError("malformed token"))?;
        let (key, alg) = match header.alg {
            Algorithm::HS256 => {
                (self.hs256.as_ref().ok_or(TokenError("HS256 is not accepted"))?, Algorithm::HS256)
            }
            alg @ (Algorithm::EdDSA | Algorithm::RS256 | Algorithm::ES256) => {
                let (key, key_alg) = header
                    .kid
                    .as_deref()
                    .and_then(|k| self.keys.get(k))
                    .or_else(|| (self.keys.len() == 1).then(|| self.keys.values().next()).flatten())
                    .ok_or(TokenError("unknown signing key"))?;
                if *key_alg != alg {
                    return Err(TokenError("the key is for another algorithm"));
                }
                (key, alg)
            }
            _ => return Err(TokenError("unsupported algorithm")),
        };
        let mut v = Validation::new(alg);
        v.set_audience(&[self.audience.as_str()]);
        v.set_required_spec_claims(&["exp", "aud", "sub"]);
        v.leeway = self.leeway;
        v.validate_nbf = true;
        let data = jsonwebtoken::decode::<Claims>(token, key, &v).map_err(|e| {
            use jsonwebtoken::errors::ErrorKind as K;
            TokenError(match e.kind() {
                K::ExpiredSignature => "token expired",
                K::ImmatureSignature => "token not valid yet",
                K::InvalidAudience => "wrong audience",
                K::InvalidSignature => "bad signature",
                K::MissingRequiredClaim(_) => "a required claim is missing",
                K::Json(_) => "claims are not of the documented shape",
                _ => "invalid token",
            })
        })?;
        let claims = data.claims;
        let (now, leeway) = (now.timestamp(), i64::try_from(self.leeway).unwrap_or(i64::MAX));
        // jsonwebtoken checks `exp` against the system clock; the gateway's
        // clock is `now` (the same in production, fixed in tests). Every
        // claim time is the client's number: checked arithmetic only.
        if claims.exp.saturating_add(leeway) <= now {
            return Err(TokenError("token expired"));
        }
        // `iat` is the client's word: a later `iat` never buys a longer
        // life. The lifetime counts from `iat` or now, whichever is
        // earlier, and an `iat` in the future is refused.
        if claims.iat.is_some_and(|iat| iat > now.saturating_add(leeway)) {
            return Err(TokenError("token issued in the future"));
        }
        let from = claims.iat.map_or(now, |iat| iat.min(now));
        if claims.exp.saturating_sub(from) > self.max_lifetime {
            return Err(TokenError("token lives longer than allowed"));
        }
        if let Some(issuer) = &self.issuer {
            if claims.iss.as_deref() != Some(issuer.as_str()) {
                return Err(TokenError("wrong issuer"));
            }
        }
        if claims.role == Role::Registrant && claims.contacts.is_empty() {
            return Err(TokenError("a registrant token names no contacts"));
        }
        Ok(claims)
    }
}

fn read_jwks(path: &Path) -> Result<HashMap<String, (DecodingKey, Algorithm)>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("`tokens.public_keys`: cannot read {}: {e}", path.display()))?;
    let set: JwkSet = serde_json::from_str(&text)
        .map_err(|e| format!("`tokens.public_keys`: {} is not a JWKS: {e}", path.display()))?;
    let mut keys = HashMap::new();
    for jwk in &set.keys {
        let alg = match &jwk.algorithm {
            jsonwebtoken::jwk::AlgorithmParameters::OctetKeyPair(_) => Algorithm::EdDSA,
            jsonwebtoken::jwk::AlgorithmParameters::RSA(_) => Algorithm::RS256,
            jsonwebtoken::jwk::AlgorithmParameters::EllipticCurve(_) => Algorithm::ES256,
            _ => continue,
        };
        let key = DecodingKey::from_jwk(jwk)
            .map_err(|e| format!("`tokens.public_keys`: a key cannot be used: {e}"))?;
        keys.insert(jwk.common.key_id.clone().unwrap_or_default(), (key, alg));
    }
    if keys.is_empty() {
        return Err(format!(
            "`tokens.public_keys`: {} holds no EdDSA, RS256 or ES256 key",
            path.display()
        ));
    }
    Ok(keys)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;
    use jsonwebtoken::{encode, EncodingKey, Header};
    use serde_json::json;
    use std::time::Duration;

    const SECRET: &str = "0123456789abcdef0123456789abcdef-test";

    fn verifier() -> Verifier {
        Verifier::new(&TokensConfig {
            audience: "registrant-verification".into(),
            hs256_secret: Some(Secret::new(SECRET)),
            public_keys: None,
            max_lifetime: Duration::from_secs(3600),
            leeway: Duration::from_secs(30),
            issuer: None,
        })
        .unwrap()
    }

    fn sign(claims: serde_json::Value, key: &str) -> String {
        encode(&Header::new(Algorithm::HS256), &claims, &EncodingKey::from_secret(key.as_bytes()))
            .unwrap()
    }

    fn claims(now: i64) -> serde_json::Value {
        json!({"aud": "registrant-verification", "sub": "client-42", "role": "registrant",
               "iat": now, "exp": now + 600,
               "contacts": [{"id": "c-77", "provider": "namecom", "email": "o@shop.example",
                             "verificationId": 98752464, "domains": ["shop.example"]}]})
    }

    #[test]
    fn a_good_token_names_its_contacts() {
        let now = Utc::now();
        let c = verifier().verify(&sign(claims(now.timestamp()), SECRET), now).unwrap();
        assert_eq!((c.sub.as_str(), c.role), ("client-42", Role::Registrant));
        let contact = c.contact("c-77", Provider::Namecom).unwrap();
        assert_eq!(contact.verification_id.as_deref(), Some("98752464"));
        assert!(c.contact("c-77", Provider::Openprovider).is_none());
        assert!(c.contact("c-78", Provider::Namecom).is_none());
    }

    /// A test key only: the panel's EdDSA key, and its public half in a
    /// JWKS file as the gateway reads it.
    const ED25519_TEST_KEY: &str = "-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIL1VWrCe69y/ZUZ/8WWzz25BFrp0gbfiQiZUcElCQ0Q3
-----END PRIVATE KEY-----";
    const ED25519_TEST_X: &str = "vzPsOba-_WHJ6zJr-G1Wd4G-WICzbqwtGNxwNj-qkr0";

    #[test]
    fn public_keys_from_a_jwks_file_verify_eddsa_tokens() {
        let path = std::env::temp_dir().join(format!("jwks-{}.json", std::process::id()));
        let jwks = json!({"keys": [{"kty": "OKP", "crv": "Ed25519", "x": ED25519_TEST_X,
                                    "kid": "panel-1", "use": "sig", "alg": "EdDSA"}]});
        std::fs::write(&path, jwks.to_string()).unwrap();
        let v = Verifier::new(&TokensConfig {
            audience: "registrant-verification".into(),
            hs256_secret: None,
            public_keys: Some(path.clone()),
            max_lifetime: Duration::from_secs(3600),
            leeway: Duration::from_secs(30),
            issuer: None,
        })
        .unwrap();
        let now = Utc::now();
        let key = EncodingKey::from_ed_pem(ED25519_TEST_KEY.as_bytes()).unwrap();
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some("panel-1".into());
        let token = encode(&header, &claims(now.timestamp()), &key).unwrap();
        assert_eq!(v.verify(&token, now).unwrap().sub, "client-42");
        header.kid = Some("another".into());
        let unknown = encode(&header, &claims(now.timestamp()), &key).unwrap();
        assert!(v.verify(&unknown, now).is_ok(), "one key: used whatever the kid");
        // HS256 is not accepted without a shared secret.
        assert_eq!(
            v.verify(&sign(claims(now.timestamp()), SECRET), now).unwrap_err().0,
            "HS256 is not accepted"
        );
        let _ = std::fs::remove_file(path);
    }

    #[test]
    fn bad_tokens_are_refused_with_a_reason() {
        let now = Utc::now();
        let t = now.timestamp();
        let v = verifier();
        let check = |token: String, why: &str| {
            assert_eq!(v.verify(&token, now).unwrap_err().0, why);
        };
        check(sign(claims(t), "another-secret-of-32-bytes-or-more!!"), "bad signature");
        let mut expired = claims(t - 1000);
        expired["exp"] = json!(t - 100);
        check(sign(expired, SECRET), "token expired");
        let mut aud = claims(t);
        aud["aud"] = json!("someone-else");
        check(sign(aud, SECRET), "wrong audience");
        let mut long = claims(t);
        long["exp"] = json!(t + 7200);
        check(sign(long, SECRET), "token lives longer than allowed");
        let mut early = claims(t);
        early["nbf"] = json!(t + 600);
        check(sign(early, SECRET), "token not valid yet");
        // alg none: header {"alg":"none"}, no signature.
        use base64::Engine as _;
        let b64 = |v: &serde_json::Value| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
        };
        let none = format!("{}.{}.", b64(&json!({"alg": "none", "typ": "JWT"})), b64(&claims(t)));
        assert!(v.verify(&none, now).is_err());
        check("not.a.token".into(), "malformed token");
        let mut no_contacts = claims(t);
        no_contacts["contacts"] = json!([]);
        check(sign(no_contacts, SECRET), "a registrant token names no contacts");
        let mut staff = claims(t);
        staff["role"] = json!("staff");
        staff["contacts"] = json!([]);
        assert_eq!(v.verify(&sign(staff, SECRET), now).unwrap().role, Role::Staff);
        // `iat` is the client's: a late one buys no longer life.
        let mut late = claims(t);
        late["exp"] = json!(t + 30 * 86_400);
        late["iat"] = json!(t + 30 * 86_400 - 60);
        check(sign(late, SECRET), "token issued in the future");
        let mut backdated = claims(t);
        backdated["exp"] = json!(t + 30 * 86_400);
        backdated["iat"] = json!(t);
        check(sign(backdated, SECRET), "token lives longer than allowed");
        // Times at the ends of i64: refused, no overflow.
        let mut huge = claims(t);
        huge["exp"] = json!(i64::MAX);
        huge["iat"] = json!(i64::MIN);
        check(sign(huge, SECRET), "token lives longer than allowed");
    }

    #[test]
    fn an_issuer_when_configured_must_match() {
        let mut v = verifier();
        v.issuer = Some("https://panel.example".into());
        let now = Utc::now();
        let t = now.timestamp();
        assert_eq!(v.verify(&sign(claims(t), SECRET), now).unwrap_err().0, "wrong issuer");
        let mut ok = claims(t);
        ok["iss"] = json!("https://panel.example");
        assert!(v.verify(&sign(ok, SECRET), now).is_ok());
    }
}
