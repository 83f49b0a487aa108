//! Who is asking: the panel's token (`bearer`), the `Origin` of a write,
//! the provider served, the contact the token names (`registrant_contact`)
//! or a staff token (`staff`). The extractors [`Registrant`], [`Staff`]
//! and [`StaffWriting`] make a handler's signature say which it needs.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use super::*;

/// The route's `{provider}` (`namecom` on `/api/namecom/…`), and its query.
async fn provider_and_query(
    parts: &mut Parts,
    gw: &Shared,
) -> ApiResult<(String, Vec<(String, String)>)> {
    let params = Path::<std::collections::HashMap<String, String>>::from_request_parts(parts, gw)
        .await
        .map(|Path(p)| p)
        .unwrap_or_default();
    let provider = params.get("provider").cloned().unwrap_or_else(|| "namecom".to_owned());
    let Query(query) = Query::<Vec<(String, String)>>::try_from_uri(&parts.uri).map_err(|_| {
        ApiError::new(StatusCode::BAD_REQUEST, "bad_query", "The query string cannot be read")
    })?;
    Ok((provider, query))
}

/// A registrant asking about one of the token's contacts (`?contact=`),
/// for the route's registrar.
pub(super) struct Registrant {
    /// The registrar, served.
    pub(super) provider: Provider,
    /// The checked token.
    pub(super) claims: Claims,
    /// The contact it names.
    pub(super) contact: ContactClaim,
}

impl FromRequestParts<Shared> for Registrant {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, gw: &Shared) -> ApiResult<Self> {
        let (provider, query) = provider_and_query(parts, gw).await?;
        let (provider, claims, contact) =
            registrant_contact(gw, &parts.headers, &provider, &query)?;
        Ok(Registrant { provider, claims, contact })
    }
}

/// The reseller's support staff, for the route's registrar.
pub(super) struct Staff {
    /// The registrar, served.
    pub(super) provider: Provider,
    /// The checked token.
    pub(super) claims: Claims,
}

impl FromRequestParts<Shared> for Staff {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, gw: &Shared) -> ApiResult<Self> {
        let (provider, _) = provider_and_query(parts, gw).await?;
        let (provider, claims) = staff(gw, &parts.headers, &provider)?;
        Ok(Staff { provider, claims })
    }
}

/// [`Staff`], changing something: from an allowed `Origin` too.
pub(super) struct StaffWriting(pub(super) Staff);

impl FromRequestParts<Shared> for StaffWriting {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, gw: &Shared) -> ApiResult<Self> {
        let (provider, _) = provider_and_query(parts, gw).await?;
        let (provider, claims) = staff_writing(gw, &parts.headers, &provider)?;
        Ok(StaffWriting(Staff { provider, claims }))
    }
}

/// The checked token of a request: `Authorization: Bearer <token>` only
/// (never a query parameter or a cookie).
pub(super) fn bearer(gw: &Gateway, headers: &HeaderMap) -> Result<Claims, Response> {
    let refuse = |why: &str| {
        tracing::info!(reason = why, "token refused");
        let mut res = api_error(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            &format!("Token refused: {why}"),
        );
        res.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        res
    };
    let value = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).unwrap_or("");
    let Some(token) = value.strip_prefix("Bearer ").or_else(|| value.strip_prefix("bearer "))
    else {
        return Err(refuse("no bearer token"));
    };
    gw.verifier.verify(token.trim(), Utc::now()).map_err(|e| refuse(e.0))
}

/// A POST from a browser must come from an allowed origin (a request
/// without `Origin` is not a browser's cross-origin request).
pub(super) fn check_origin(gw: &Gateway, headers: &HeaderMap) -> Result<(), Response> {
    match headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        Some(o) if !gw.config.allowed_origins.iter().any(|a| a.eq_ignore_ascii_case(o)) => Err(
            api_error(StatusCode::FORBIDDEN, "forbidden", "This origin may not call the gateway"),
        ),
        _ => Ok(()),
    }
}

pub(super) fn served_provider(gw: &Gateway, provider: &str) -> Result<Provider, Response> {
    let p = match provider {
        "dna" => Provider::Dna,
        "namecom" => Provider::Namecom,
        "openprovider" => Provider::Openprovider,
        _ => return Err(api_error(StatusCode::NOT_FOUND, "not_found", "Unknown provider")),
    };
    if !gw.served(p) {
        return Err(api_error(StatusCode::NOT_FOUND, "not_found", "This registrar is not served"));
    }
    Ok(p)
}

pub(super) fn one_query(query: &[(String, String)], name: &str) -> Result<String, Response> {
    let mut values = query.iter().filter(|(k, _)| k == name).map(|(_, v)| v);
    match (values.next(), values.next()) {
        (Some(v), None) if !v.is_empty() => Ok(v.clone()),
        (Some(_), Some(_)) => Err(api_error(
            StatusCode::FORBIDDEN,
            "forbidden",
            &format!("Query parameter `{name}` must be given once"),
        )),
        _ => Err(api_error(
            StatusCode::BAD_REQUEST,
            "missing_contact",
            &format!("Query parameter `{name}` is required"),
        )),
    }
}

/// A registrant's contact: the token names it, for this provider.
pub(super) fn registrant_contact(
    gw: &Gateway,
    headers: &HeaderMap,
    provider: &str,
    query: &[(String, String)],
) -> Result<(Provider, Claims, ContactClaim), Response> {
    let p = served_provider(gw, provider)?;
    let claims = bearer(gw, headers)?;
    let id = one_query(query, "contact")?;
    if claims.role != Role::Registrant {
        return Err(api_error(
            StatusCode::FORBIDDEN,
            "forbidden",
            "A registrant token is required",
        ));
    }
    // Unknown and other providers' contacts get the same answer.
    let contact = claims.contact(&id, p).cloned().ok_or_else(|| {
        api_error(StatusCode::FORBIDDEN, "forbidden", "This contact is not in your token")
    })?;
    Ok((p, claims, contact))
}

pub(super) fn staff(
    gw: &Gateway,
    headers: &HeaderMap,
    provider: &str,
) -> Result<(Provider, Claims), Response> {
    let p = served_provider(gw, provider)?;
    let claims = bearer(gw, headers)?;
    if claims.role != Role::Staff {
        return Err(api_error(StatusCode::FORBIDDEN, "forbidden", "A staff token is required"));
    }
    Ok((p, claims))
}

/// [`staff`], for a request that changes something: from an allowed
/// origin too.
pub(super) fn staff_writing(
    gw: &Gateway,
    headers: &HeaderMap,
    provider: &str,
) -> Result<(Provider, Claims), Response> {
    let v = staff(gw, headers, provider)?;
    check_origin(gw, headers)?;
    Ok(v)
}

// ------------------------------------------------------------ status
