//! What evaluating a status payload gives: the records, the rows that could
//! not be read, and where the next page is.

use serde::Serialize;

use crate::error::RowError;
use crate::record::Record;

/// What a status payload says: the records, the rows that could not be
/// read, and where the next page is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Evaluation {
    /// One record per contact (Openprovider rows are grouped by email).
    pub records: Vec<Record>,
    /// Rows that could not be read; the other rows are still in `records`.
    pub row_errors: Vec<RowError>,
    /// Pagination, for list payloads.
    pub page: Option<Page>,
}

/// Pagination facts of a list payload.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Page {
    /// The registrar's total count, when given.
    pub total: Option<u64>,
    /// The next page to ask for, when there is one and the registrar says
    /// so (name.com); Openprovider callers page by `offset` against `total`.
    pub next: Option<NextPage>,
}

/// Where the next page of a list is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum NextPage {
    /// A 1-based page number (name.com `page`).
    Page(u32),
}
