//! Quarantined mail (ingest records with the outcome `quarantined`, their
//! bytes kept): listed and read by admins, retried through the pipeline,
//! or discarded. A record leaves the quarantine in one statement that
//! checks it is still there, so two admins acting at once settle it once.
use super::Store;
use anyhow::Context;
use chrono::{DateTime, Utc};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Quarantined {
    pub id: i64,
    pub email_domain_id: Option<i64>,
    /// The email domain's address (None: imported, or the domain is gone).
    pub address: Option<String>,
    pub reason: Option<String>,
    pub message_id: Option<String>,
    /// Bytes kept (the header alone for mail over the size limit).
    pub size: i64,
    /// The first 64 KB kept, where the header fields are.
    pub head: Vec<u8>,
    pub created_at: DateTime<Utc>,
}

const SELECT: &str = "SELECT r.id, r.email_domain_id, d.address, r.reason, r.message_id,
        COALESCE(length(r.raw), 0) AS size, COALESCE(substr(r.raw, 1, 65536), x'') AS head,
        r.created_at
     FROM ingest_records r LEFT JOIN email_domains d ON d.id = r.email_domain_id
     WHERE r.outcome = 'quarantined'";

impl Store {
    /// A page of quarantined mail, newest first, and how much there is.
    pub async fn quarantine_page(
        &self,
        limit: i64,
        offset: i64,
    ) -> anyhow::Result<(Vec<Quarantined>, i64)> {
        let total: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM ingest_records WHERE outcome = 'quarantined'")
                .fetch_one(self.pool())
                .await
                .context("counting quarantined mail")?;
        let rows = sqlx::query_as(&format!("{SELECT} ORDER BY r.id DESC LIMIT $1 OFFSET $2"))
            .bind(limit)
            .bind(offset)
            .fetch_all(self.pool())
            .await
            .context("reading quarantined mail")?;
        Ok((rows, total))
    }

    /// One quarantined mail and its bytes.
    pub async fn quarantined(&self, id: i64) -> anyhow::Result<Option<(Quarantined, Vec<u8>)>> {
        let row: Option<Quarantined> = sqlx::query_as(&format!("{SELECT} AND r.id = $1"))
            .bind(id)
            .fetch_optional(self.pool())
            .await
            .context("reading a quarantined mail")?;
        let Some(row) = row else { return Ok(None) };
        let raw: Option<Vec<u8>> =
            sqlx::query_scalar("SELECT raw FROM ingest_records WHERE id = $1")
                .bind(id)
                .fetch_one(self.pool())
                .await
                .context("reading a quarantined mail's bytes")?;
        Ok(Some((row, raw.unwrap_or_default())))
    }

    /// Takes record `id` out of the quarantine with what its retry became
    /// (`outcome`, the ticket); false when it was no longer quarantined.
    pub async fn settle_quarantined(
        &self,
        id: i64,
        outcome: &str,
        ticket_id: Option<i64>,
    ) -> anyhow::Result<bool> {
        let done = sqlx::query(
            "UPDATE ingest_records SET outcome = $2, ticket_id = $3,
                reason = 'retried by an admin; was: ' || COALESCE(reason, '')
             WHERE id = $1 AND outcome = 'quarantined'",
        )
        .bind(id)
        .bind(outcome)
        .bind(ticket_id)
        .execute(self.writer())
        .await
        .context("settling a quarantined mail")?;
        Ok(done.rows_affected() == 1)
    }

    /// A retry quarantined the mail again: its own record (`retry_key`) goes,
    /// so a later retry is not taken for a duplicate, and record `id` keeps
    /// the new reason.
    pub async fn quarantined_again(&self, id: i64, retry_key: &str) -> anyhow::Result<()> {
        let mut tx = self.begin_write().await?;
        let reason: Option<Option<String>> = sqlx::query_scalar(
            "DELETE FROM ingest_records WHERE source_key = $1 AND outcome = 'quarantined' RETURNING reason",
        )
        .bind(retry_key)
        .fetch_optional(&mut *tx)
        .await
        .context("forgetting a failed retry")?;
        if let Some(reason) = reason.flatten() {
            sqlx::query("UPDATE ingest_records SET reason = $2 WHERE id = $1")
                .bind(id)
                .bind(reason)
                .execute(&mut *tx)
                .await
                .context("keeping a retry's reason")?;
        }
        tx.commit().await.context("committing a failed retry")?;
        Ok(())
    }

    /// Discards a quarantined mail: the record stays (as dropped, with who
    /// dropped it in its reason), its bytes go. False when it was no
    /// longer quarantined.
    pub async fn discard_quarantined(&self, id: i64) -> anyhow::Result<bool> {
        let done = sqlx::query(
            "UPDATE ingest_records SET outcome = 'dropped', raw = NULL,
                reason = 'discarded by an admin; was: ' || COALESCE(reason, '')
             WHERE id = $1 AND outcome = 'quarantined'",
        )
        .bind(id)
        .execute(self.writer())
        .await
        .context("discarding a quarantined mail")?;
        Ok(done.rows_affected() == 1)
    }
}
