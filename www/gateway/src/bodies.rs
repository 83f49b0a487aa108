//! The JSON bodies the gateway makes itself (its errors, `/readyz`) and
//! the resend request it reads, as the OpenAPI document describes them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The gateway's own error: `{"error": code, "message": words}`.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ErrorBody {
    /// A stable code: `unauthorized`, `forbidden_origin`, `not_found`,
    /// `rate_limited`, `upstream_unavailable`, `upstream_paused`,
    /// `not_ready`, `store_unavailable`, `unexpected_shape`, …
    pub error: String,
    /// What happened, for a person.
    pub message: String,
}

/// A resend's body.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ResendRequest {
    /// `resend` (name.com), `start` or `restart` (Openprovider),
    /// `ResendContactVerificationNotice` (Domain Name API).
    pub operation: String,
}

/// `/readyz`: whether this instance should get traffic, and why.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ReadyzBody {
    /// The store answers and every served registrar is ready.
    pub ready: bool,
    /// `store` (bool) and one [`super::ready::State`] per served
    /// registrar (`dna` adds `contract`: whether its WSDL confirmed it).
    #[schema(value_type = Object)]
    pub checks: BTreeMap<String, serde_json::Value>,
}
