//! What scans of name.com's domain list found (`own_domains`), which the
//! retention rule reads.

use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::Row;

use super::domains_of;

use crate::store::{db, parse_stamp, stamp, Store, StoreError};

/// What the store knows of one logged domain's registration
/// (`own_domains`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DomainRow {
    /// The domain, lower case.
    pub domain: String,
    /// The last listing's `expireDate`.
    pub expire_at: Option<DateTime<Utc>>,
    /// The last complete scan that listed it.
    pub seen_at: Option<DateTime<Utc>>,
    /// The first complete scan since that did not.
    pub missing_since: Option<DateTime<Utc>>,
    /// A scan a day or more after `missing_since` missed it too.
    pub missing_confirmed: bool,
}

/// Which own-verification table a logged row is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum LoggedTable {
    /// `own_emails` (with its `own_email_events`).
    Email,
    /// `own_verifications`.
    Verification,
}

impl Store {
    /// Every own-verification row's id and domains.
    ///
    /// # Errors
    /// The database error.
    pub async fn own_logged(&self) -> Result<Vec<(LoggedTable, i64, Vec<String>)>, StoreError> {
        let mut out = Vec::new();
        for (table, sql) in [
            (LoggedTable::Email, "SELECT id, domains FROM own_emails"),
            (LoggedTable::Verification, "SELECT verification_id, domains FROM own_verifications"),
        ] {
            let rows = sqlx::query(sql).fetch_all(&self.pool).await.map_err(db)?;
            for r in rows {
                let id: i64 = r.try_get(0).map_err(db)?;
                let domains: String = r.try_get(1).map_err(db)?;
                let domains = domains_of(&domains).iter().map(|d| d.to_ascii_lowercase()).collect();
                out.push((table, id, domains));
            }
        }
        Ok(out)
    }

    /// What is known of every logged domain.
    ///
    /// # Errors
    /// The database error.
    pub async fn own_domains(&self) -> Result<Vec<DomainRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT domain, expire_at, seen_at, missing_since, missing_confirmed FROM own_domains",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        let t = |r: &AnyRow, i: usize| -> Result<Option<DateTime<Utc>>, sqlx::Error> {
            Ok(r.try_get::<Option<String>, _>(i)?.as_deref().and_then(parse_stamp))
        };
        rows.iter()
            .map(|r| {
                Ok(DomainRow {
                    domain: r.try_get(0)?,
                    expire_at: t(r, 1)?,
                    seen_at: t(r, 2)?,
                    missing_since: t(r, 3)?,
                    missing_confirmed: r.try_get::<i64, _>(4)? != 0,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(db)
    }

    /// Records a complete scan of the account's domains at `now`: for each
    /// of `named`, its `expireDate` from `listed`, or that the scan missed
    /// it (confirmed once a scan `confirm_after` or more after the first
    /// miss misses it too); a listed domain forgets any miss. Domains no
    /// longer named by a logged row are forgotten.
    ///
    /// # Errors
    /// The database error (nothing is recorded).
    pub async fn own_domains_record(
        &self,
        named: &std::collections::BTreeSet<String>,
        listed: &std::collections::HashMap<String, Option<DateTime<Utc>>>,
        now: DateTime<Utc>,
        confirm_after: chrono::TimeDelta,
    ) -> Result<(), StoreError> {
        let known: std::collections::HashMap<String, DomainRow> =
            self.own_domains().await?.into_iter().map(|d| (d.domain.clone(), d)).collect();
        let mut tx = self.pool.begin().await.map_err(db)?;
        for domain in named {
            let old = known.get(domain).cloned().unwrap_or_default();
            let row = match listed.get(domain) {
                Some(expire) => DomainRow {
                    domain: domain.clone(),
                    expire_at: expire.or(old.expire_at),
                    seen_at: Some(now),
                    missing_since: None,
                    missing_confirmed: false,
                },
                None => {
                    let since = old.missing_since.unwrap_or(now);
                    DomainRow {
                        domain: domain.clone(),
                        missing_since: Some(since),
                        missing_confirmed: old.missing_confirmed || now - since >= confirm_after,
                        ..old
                    }
                }
            };
            let opt = |t: Option<DateTime<Utc>>| t.map(stamp);
            sqlx::query(
                "INSERT INTO own_domains (domain, expire_at, seen_at, missing_since, missing_confirmed)
                 VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (domain) DO UPDATE SET expire_at = excluded.expire_at,
                   seen_at = excluded.seen_at, missing_since = excluded.missing_since,
                   missing_confirmed = excluded.missing_confirmed",
            )
            .bind(&row.domain)
            .bind(opt(row.expire_at))
            .bind(opt(row.seen_at))
            .bind(opt(row.missing_since))
            .bind(i64::from(row.missing_confirmed))
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        }
        for domain in known.keys().filter(|d| !named.contains(*d)) {
            sqlx::query("DELETE FROM own_domains WHERE domain = $1")
                .bind(domain)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
        }
        tx.commit().await.map_err(db)
    }

    /// Deletes the logged rows `rows` (an email with its send events).
    /// How many rows went.
    ///
    /// # Errors
    /// The database error (nothing is deleted).
    pub async fn own_delete(&self, rows: &[(LoggedTable, i64)]) -> Result<u64, StoreError> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        let mut deleted = 0;
        for (table, id) in rows {
            let sql: &[&str] = match table {
                LoggedTable::Email => &[
                    "DELETE FROM own_email_events WHERE email_id = $1",
                    "DELETE FROM own_emails WHERE id = $1",
                ],
                LoggedTable::Verification => {
                    &["DELETE FROM own_verifications WHERE verification_id = $1"]
                }
            };
            for (i, q) in sql.iter().enumerate() {
                let r = sqlx::query(q).bind(id).execute(&mut *tx).await.map_err(db)?;
                if i + 1 == sql.len() {
                    deleted += r.rows_affected();
                }
            }
        }
        tx.commit().await.map_err(db)?;
        Ok(deleted)
    }
}
