//! Webhook deliveries: claimed with a lease in a short transaction, POSTed
//! with no transaction open, their outcome recorded in another one (as the
//! outbox does for mail). A dispatcher that dies mid-round leaves leases
//! that run out, so those deliveries are sent again: at least once, and the
//! `X-Postdesk-Delivery` id lets a receiver drop a repeat.
use super::Store;
use super::sealer::WEBHOOK_SECRET;
use anyhow::Context;
use chrono::{DateTime, Duration, Utc};
use sqlx::{QueryBuilder, Sqlite};

/// A claimed delivery with where and how to send it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ClaimedDelivery {
    pub id: i64,
    pub webhook_id: i64,
    pub url: String,
    pub secret: String,
    pub event: String,
    pub payload: String,
    /// Attempts including this one.
    pub attempts: i64,
    /// The lease of this claim: its result is recorded only while the row
    /// still carries it.
    pub locked_until: DateTime<Utc>,
}

/// What became of one attempt, after the retry policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeliveryResult {
    Delivered {
        code: u16,
    },
    Retry {
        code: Option<u16>,
        error: String,
        at: DateTime<Utc>,
    },
    Failed {
        code: Option<u16>,
        error: String,
    },
}

/// A delivery as admins read it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DeliveryRow {
    pub id: i64,
    pub event: String,
    pub event_id: i64,
    pub ticket_id: Option<i64>,
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub response_code: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
}

impl Store {
    /// Claims up to `limit` due deliveries of enabled webhooks for `lease`.
    pub async fn claim_webhook_deliveries(
        &self,
        limit: i64,
        lease: Duration,
    ) -> anyhow::Result<Vec<ClaimedDelivery>> {
        let now = super::now();
        let locked_until = now + lease;
        let mut tx = self.begin_write().await?;
        let ids: Vec<i64> = sqlx::query_scalar(
            "UPDATE webhook_deliveries SET locked_until = $1, attempts = attempts + 1, updated_at = $2
             WHERE id IN (SELECT d.id FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id
                          WHERE w.enabled AND d.status IN ('queued', 'retrying')
                            AND d.next_attempt_at <= $2
                            AND (d.locked_until IS NULL OR d.locked_until <= $2)
                          ORDER BY d.next_attempt_at, d.id LIMIT $3)
             RETURNING id",
        )
        .bind(locked_until)
        .bind(now)
        .bind(limit)
        .fetch_all(&mut *tx)
        .await
        .context("claiming webhook deliveries")?;
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut q = QueryBuilder::<Sqlite>::new(
            "SELECT d.id, d.webhook_id, w.url, w.secret, d.event, d.payload, d.attempts, d.locked_until
             FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id WHERE d.id IN (",
        );
        let mut sep = q.separated(", ");
        for id in &ids {
            sep.push_bind(*id);
        }
        q.push(") ORDER BY d.id");
        let mut claimed: Vec<ClaimedDelivery> = q
            .build_query_as()
            .fetch_all(&mut *tx)
            .await
            .context("reading claimed webhook deliveries")?;
        tx.commit().await?;
        for c in &mut claimed {
            c.secret = self.sealer().open(WEBHOOK_SECRET, &c.secret)?;
        }
        Ok(claimed)
    }

    /// Records a round's results in one transaction, each only while its
    /// claim's lease is still on the row.
    pub async fn record_webhook_deliveries(
        &self,
        results: &[(ClaimedDelivery, DeliveryResult)],
    ) -> anyhow::Result<()> {
        if results.is_empty() {
            return Ok(());
        }
        let now = super::now();
        let mut tx = self.begin_write().await?;
        for (c, result) in results {
            let (status, code, error, next_at, delivered_at) = match result {
                DeliveryResult::Delivered { code } => {
                    ("delivered", Some(*code), None, None, Some(now))
                }
                DeliveryResult::Retry { code, error, at } => {
                    ("retrying", *code, Some(error.as_str()), Some(*at), None)
                }
                DeliveryResult::Failed { code, error } => {
                    ("failed", *code, Some(error.as_str()), None, None)
                }
            };
            sqlx::query(
                "UPDATE webhook_deliveries SET status = $1, response_code = $2, last_error = $3,
                    next_attempt_at = COALESCE($4, next_attempt_at), delivered_at = $5,
                    locked_until = NULL, updated_at = $6
                 WHERE id = $7 AND locked_until = $8",
            )
            .bind(status)
            .bind(code.map(i64::from))
            .bind(error)
            .bind(next_at)
            .bind(delivered_at)
            .bind(now)
            .bind(c.id)
            .bind(c.locked_until)
            .execute(&mut *tx)
            .await
            .context("recording a webhook delivery")?;
        }
        tx.commit().await.context("committing webhook deliveries")
    }

    /// When the next waiting delivery of an enabled webhook falls due.
    pub async fn next_webhook_due(&self) -> anyhow::Result<Option<DateTime<Utc>>> {
        sqlx::query_scalar(
            "SELECT MIN(CASE WHEN d.locked_until IS NOT NULL AND d.locked_until > d.next_attempt_at
                             THEN d.locked_until ELSE d.next_attempt_at END)
             FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id
             WHERE w.enabled AND d.status IN ('queued', 'retrying')",
        )
        .fetch_one(self.pool())
        .await
        .context("reading webhook deliveries")
    }

    /// A webhook's most recent deliveries, newest first.
    pub async fn webhook_deliveries(
        &self,
        webhook_id: i64,
        limit: i64,
    ) -> anyhow::Result<Vec<DeliveryRow>> {
        sqlx::query_as(
            "SELECT id, event, event_id, ticket_id, status, attempts, next_attempt_at, last_error,
                    response_code, created_at, updated_at, delivered_at
             FROM webhook_deliveries WHERE webhook_id = $1 ORDER BY id DESC LIMIT $2",
        )
        .bind(webhook_id)
        .bind(limit)
        .fetch_all(self.pool())
        .await
        .context("listing webhook deliveries")
    }
}
