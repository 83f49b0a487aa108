//! name.com's mirror: the scans of the unverified list, the contacts
//! they found, the webhook's changes.

use super::*;

impl Store {
    // ------------------------------------------------------------ name.com mirror

    /// Starts a scan; its id.
    ///
    /// # Errors
    /// The database error.
    pub async fn scan_begin(&self, now: DateTime<Utc>) -> Result<i64, StoreError> {
        sqlx::query_scalar("INSERT INTO namecom_scans (started_at) VALUES ($1) RETURNING id")
            .bind(stamp(now))
            .fetch_one(&self.pool)
            .await
            .map_err(db)
    }

    /// Writes one page of scan `scan`.
    ///
    /// # Errors
    /// The database error.
    pub async fn scan_page(&self, scan: i64, rows: &[MirrorContact]) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        for c in rows {
            sqlx::query(
                // A contact the gateway verified itself stays out, though
                // name.com's list shows it for ~10 more minutes. An older
                // scan still running never takes a row back from a newer
                // one (whose end deletes the rows older scans left).
                "INSERT INTO namecom_contacts (verification_id, email, email_lc, create_date,
                 verify_by, domains, scan) SELECT $1, $2, $3, $4, $5, $6, $7
                 WHERE NOT EXISTS (SELECT 1 FROM own_verifications
                                   WHERE verification_id = $1 AND state = 'verified')
                 ON CONFLICT (verification_id) DO UPDATE SET email = excluded.email,
                 email_lc = excluded.email_lc, create_date = excluded.create_date,
                 verify_by = excluded.verify_by, domains = excluded.domains, scan = excluded.scan
                 WHERE namecom_contacts.scan <= excluded.scan",
            )
            .bind(c.verification_id)
            .bind(&c.email)
            .bind(c.email.as_ref().map(|e| e.to_lowercase()))
            .bind(&c.create_date)
            .bind(&c.verify_by)
            .bind(serde_json::to_string(&c.domains).unwrap_or_else(|_| "[]".into()))
            .bind(scan)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        }
        sqlx::query(
            "UPDATE namecom_scans SET pages = pages + 1, contacts = contacts + $1 WHERE id = $2",
        )
        .bind(rows.len() as i64)
        .bind(scan)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        tx.commit().await.map_err(db)
    }

    /// Ends scan `scan`: complete (contacts it did not see are verified and
    /// leave the mirror, except what a webhook told after it started), or
    /// failed with `error`.
    ///
    /// # Errors
    /// The database error.
    pub async fn scan_end(
        &self,
        scan: i64,
        result: Result<(), &str>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        match result {
            Ok(()) => {
                sqlx::query("DELETE FROM namecom_contacts WHERE scan < $1")
                    .bind(scan)
                    .execute(&mut *tx)
                    .await
                    .map_err(db)?;
                sqlx::query("UPDATE namecom_scans SET completed_at = $1 WHERE id = $2")
                    .bind(stamp(now))
                    .bind(scan)
                    .execute(&mut *tx)
                    .await
                    .map_err(db)?;
            }
            Err(e) => {
                sqlx::query("UPDATE namecom_scans SET error = $1 WHERE id = $2")
                    .bind(e)
                    .bind(scan)
                    .execute(&mut *tx)
                    .await
                    .map_err(db)?;
            }
        }
        tx.commit().await.map_err(db)
    }

    /// The mirror's freshness.
    ///
    /// # Errors
    /// The database error.
    pub async fn mirror_state(&self) -> Result<MirrorState, StoreError> {
        let completed_at = self.mirror_completed_at().await?;
        let contacts: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM namecom_contacts")
            .fetch_one(&self.pool)
            .await
            .map_err(db)?;
        Ok(MirrorState { completed_at, contacts })
    }

    /// When the last complete scan ended (what status reads and own
    /// verification's passes ask, without counting the mirror).
    ///
    /// # Errors
    /// The database error.
    pub async fn mirror_completed_at(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        let completed: Option<Option<String>> =
            sqlx::query_scalar("SELECT MAX(completed_at) FROM namecom_scans")
                .fetch_optional(&self.pool)
                .await
                .map_err(db)?;
        Ok(completed.flatten().as_deref().and_then(parse_stamp))
    }

    /// The mirror's entries for a contact: by verification id, else by
    /// email (ignoring case).
    ///
    /// # Errors
    /// The database error.
    pub async fn mirror_find(
        &self,
        verification_id: Option<i64>,
        email: Option<&str>,
    ) -> Result<Vec<MirrorContact>, StoreError> {
        let rows = sqlx::query(
            "SELECT verification_id, email, create_date, verify_by, domains FROM namecom_contacts
             WHERE verification_id = $1 OR ($2 IS NOT NULL AND email_lc = $3) ORDER BY verification_id",
        )
        .bind(verification_id.unwrap_or(-1))
        .bind(email.map(str::to_lowercase))
        .bind(email.map(str::to_lowercase))
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.iter().map(mirror_row).collect::<Result<_, sqlx::Error>>().map_err(db)
    }

    /// One page of the mirror, by verification id, and the total.
    ///
    /// # Errors
    /// The database error.
    pub async fn mirror_page(
        &self,
        page: i64,
        per_page: i64,
    ) -> Result<(Vec<MirrorContact>, i64), StoreError> {
        let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM namecom_contacts")
            .fetch_one(&self.pool)
            .await
            .map_err(db)?;
        let rows = sqlx::query(
            "SELECT verification_id, email, create_date, verify_by, domains FROM namecom_contacts
             ORDER BY verification_id LIMIT $1 OFFSET $2",
        )
        .bind(per_page)
        .bind((page - 1) * per_page)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        let rows =
            rows.iter().map(mirror_row).collect::<Result<Vec<_>, sqlx::Error>>().map_err(db)?;
        Ok((rows, total))
    }

    /// Applies a `contact.verification.status_change` webhook at once:
    /// verified leaves the mirror; unverified is added or updated with its
    /// `verifyBy`, marked with the next scan's id: a scan that starts after
    /// the webhook and does not see the contact removes it.
    ///
    /// # Errors
    /// The database error.
    pub async fn mirror_webhook(
        &self,
        verification_id: i64,
        verified: bool,
        verify_by: Option<&str>,
        domains: &[String],
    ) -> Result<(), StoreError> {
        if verified {
            sqlx::query("DELETE FROM namecom_contacts WHERE verification_id = $1")
                .bind(verification_id)
                .execute(&self.pool)
                .await
                .map_err(db)?;
            return Ok(());
        }
        sqlx::query(
            "INSERT INTO namecom_contacts (verification_id, verify_by, domains, scan)
             VALUES ($1, $2, $3, (SELECT COALESCE(MAX(id), 0) + 1 FROM namecom_scans))
             ON CONFLICT (verification_id) DO UPDATE SET verify_by = excluded.verify_by,
             scan = excluded.scan,
             domains = CASE WHEN excluded.domains = '[]' THEN namecom_contacts.domains
                       ELSE excluded.domains END",
        )
        .bind(verification_id)
        .bind(verify_by)
        .bind(serde_json::to_string(domains).unwrap_or_else(|_| "[]".into()))
        .execute(&self.pool)
        .await
        .map_err(db)?;
        Ok(())
    }
}

fn mirror_row(r: &AnyRow) -> Result<MirrorContact, sqlx::Error> {
    let domains: String = r.try_get(4)?;
    Ok(MirrorContact {
        verification_id: r.try_get(0)?,
        email: r.try_get(1)?,
        create_date: r.try_get(2)?,
        verify_by: r.try_get(3)?,
        domains: serde_json::from_str(&domains).unwrap_or_default(),
    })
}
