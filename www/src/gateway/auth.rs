//! Who is asking: the panel's token (`bearer`), the `Origin` of a write,
//! the provider served, the contact the token names (`registrant_contact`)
//! or a staff token (`staff`).

use super::*;

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
