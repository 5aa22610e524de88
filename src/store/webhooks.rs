//! Webhooks as admins manage them, and the fan-out of ticket events into
//! delivery rows (see `webhook_deliveries.rs` for sending them).
use super::sealer::WEBHOOK_SECRET;
use super::{CHUNK, Store, Tx};
use anyhow::Context;
use chrono::{DateTime, Utc};
use sqlx::{QueryBuilder, Sqlite};

/// The dispatcher's row in `worker_cursors`.
const CURSOR: &str = "webhooks";

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct WebhookRow {
    pub id: i64,
    pub url: String,
    pub secret: String,
    /// A JSON array of event names; empty means every event.
    #[sqlx(rename = "events")]
    events_json: String,
    pub enabled: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: Option<DateTime<Utc>>,
}

impl WebhookRow {
    pub fn events(&self) -> Vec<String> {
        serde_json::from_str(&self.events_json).unwrap_or_default()
    }
}

/// A webhook to create, its values already checked.
#[derive(Debug, Clone)]
pub struct NewWebhook {
    pub url: String,
    pub secret: String,
    pub events: Vec<String>,
    pub enabled: bool,
}

/// What a PATCH changes (None: unchanged).
#[derive(Debug, Clone, Default)]
pub struct WebhookChange {
    pub url: Option<String>,
    pub secret: Option<String>,
    pub events: Option<Vec<String>>,
    pub enabled: Option<bool>,
}

/// A ticket event after the dispatcher's cursor, with the ticket as it is now.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EventRow {
    pub id: i64,
    pub kind: String,
    pub actor: String,
    pub data: String,
    pub created_at: DateTime<Utc>,
    #[sqlx(flatten)]
    pub ticket: TicketSummary,
}

/// The ticket in a webhook's body.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct TicketSummary {
    #[sqlx(rename = "ticket_id")]
    pub id: i64,
    pub short_id: String,
    pub subject: String,
    pub status: String,
    pub priority: String,
    pub requester_email: String,
    pub assignee_id: Option<i64>,
}

/// A delivery to queue: `payload` is the exact body to sign and send.
#[derive(Debug, Clone)]
pub struct NewDelivery {
    pub webhook_id: i64,
    pub event_id: i64,
    pub ticket_id: i64,
    pub event: &'static str,
    pub payload: String,
}

const COLUMNS: &str = "id, url, secret, events, enabled, created_at, updated_at";

impl Store {
    /// A row as read, its secret opened.
    fn opened(&self, mut row: WebhookRow) -> anyhow::Result<WebhookRow> {
        row.secret = self.sealer().open(WEBHOOK_SECRET, &row.secret)?;
        Ok(row)
    }

    pub async fn webhooks(&self) -> anyhow::Result<Vec<WebhookRow>> {
        let rows: Vec<WebhookRow> =
            sqlx::query_as(&format!("SELECT {COLUMNS} FROM webhooks ORDER BY id"))
                .fetch_all(self.pool())
                .await
                .context("listing webhooks")?;
        rows.into_iter().map(|r| self.opened(r)).collect()
    }

    pub async fn webhook(&self, id: i64) -> anyhow::Result<Option<WebhookRow>> {
        let row: Option<WebhookRow> =
            sqlx::query_as(&format!("SELECT {COLUMNS} FROM webhooks WHERE id = $1"))
                .bind(id)
                .fetch_optional(self.pool())
                .await
                .context("reading a webhook")?;
        row.map(|r| self.opened(r)).transpose()
    }

    pub async fn create_webhook(&self, w: &NewWebhook) -> anyhow::Result<WebhookRow> {
        let row = sqlx::query_as(&format!(
            "INSERT INTO webhooks (url, secret, events, enabled, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $5) RETURNING {COLUMNS}"
        ))
        .bind(&w.url)
        .bind(self.sealer().seal(WEBHOOK_SECRET, &w.secret))
        .bind(serde_json::to_string(&w.events)?)
        .bind(w.enabled)
        .bind(super::now())
        .fetch_one(self.writer())
        .await
        .context("creating a webhook")?;
        self.opened(row)
    }

    /// Applies a change; None when there is no such webhook.
    pub async fn update_webhook(
        &self,
        id: i64,
        c: &WebhookChange,
    ) -> anyhow::Result<Option<WebhookRow>> {
        let events = c.events.as_ref().map(serde_json::to_string).transpose()?;
        let secret = (c.secret.as_deref()).map(|s| self.sealer().seal(WEBHOOK_SECRET, s));
        let row: Option<WebhookRow> = sqlx::query_as(&format!(
            "UPDATE webhooks SET url = COALESCE($1, url), secret = COALESCE($2, secret),
                events = COALESCE($3, events), enabled = COALESCE($4, enabled), updated_at = $5
             WHERE id = $6 RETURNING {COLUMNS}"
        ))
        .bind(c.url.as_deref())
        .bind(secret)
        .bind(events)
        .bind(c.enabled)
        .bind(super::now())
        .bind(id)
        .fetch_optional(self.writer())
        .await
        .context("changing a webhook")?;
        row.map(|r| self.opened(r)).transpose()
    }

    /// Whether ticket events wait to be fanned out (read without the
    /// write lock, so an idle dispatcher does not take it).
    pub async fn webhook_events_waiting(&self) -> anyhow::Result<bool> {
        sqlx::query_scalar(
            "SELECT COALESCE((SELECT MAX(id) FROM ticket_events), 0)
                  > COALESCE((SELECT position FROM worker_cursors WHERE name = $1), 0)",
        )
        .bind(CURSOR)
        .fetch_one(self.pool())
        .await
        .context("looking for new ticket events")
    }

    /// Deletes a webhook and its deliveries; false when there was none.
    pub async fn delete_webhook(&self, id: i64) -> anyhow::Result<bool> {
        let done = sqlx::query("DELETE FROM webhooks WHERE id = $1")
            .bind(id)
            .execute(self.writer())
            .await
            .context("deleting a webhook")?;
        Ok(done.rows_affected() > 0)
    }
}

/// An enabled webhook as the fan-out sees it.
#[derive(Debug, Clone)]
pub struct Listener {
    pub id: i64,
    /// Subscribed event names; empty means all.
    pub events: Vec<String>,
    /// It hears of events from this time on.
    pub since: DateTime<Utc>,
}

pub async fn enabled_webhooks(tx: &mut Tx<'_>) -> anyhow::Result<Vec<Listener>> {
    let rows: Vec<(i64, String, DateTime<Utc>)> =
        sqlx::query_as("SELECT id, events, created_at FROM webhooks WHERE enabled ORDER BY id")
            .fetch_all(&mut **tx)
            .await
            .context("reading enabled webhooks")?;
    Ok(rows
        .into_iter()
        .map(|(id, events, since)| Listener {
            id,
            events: serde_json::from_str(&events).unwrap_or_default(),
            since,
        })
        .collect())
}

/// The id of the last ticket event the dispatcher has fanned out.
pub async fn cursor(tx: &mut Tx<'_>) -> anyhow::Result<i64> {
    let at: Option<i64> = sqlx::query_scalar("SELECT position FROM worker_cursors WHERE name = $1")
        .bind(CURSOR)
        .fetch_optional(&mut **tx)
        .await
        .context("reading the webhook cursor")?;
    Ok(at.unwrap_or(0))
}

pub async fn set_cursor(tx: &mut Tx<'_>, position: i64, now: DateTime<Utc>) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO worker_cursors (name, position, updated_at) VALUES ($1, $2, $3)
         ON CONFLICT (name) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at",
    )
    .bind(CURSOR)
    .bind(position)
    .bind(now)
    .execute(&mut **tx)
    .await
    .context("moving the webhook cursor")?;
    Ok(())
}

/// The newest ticket event's id (0 when there is none).
pub async fn last_event_id(tx: &mut Tx<'_>) -> anyhow::Result<i64> {
    sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM ticket_events")
        .fetch_one(&mut **tx)
        .await
        .context("reading the last ticket event")
}

/// Up to `limit` ticket events after `after`, oldest first.
pub async fn events_after(
    tx: &mut Tx<'_>,
    after: i64,
    limit: i64,
) -> anyhow::Result<Vec<EventRow>> {
    sqlx::query_as(
        "SELECT e.id, e.kind, e.actor, e.data, e.created_at, t.id AS ticket_id, t.short_id,
                t.subject, t.status, t.priority, c.email AS requester_email, t.assignee_id
         FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id
              JOIN contacts c ON c.id = t.requester_id
         WHERE e.id > $1 ORDER BY e.id LIMIT $2",
    )
    .bind(after)
    .bind(limit)
    .fetch_all(&mut **tx)
    .await
    .context("reading new ticket events")
}

pub async fn queue_deliveries(
    tx: &mut Tx<'_>,
    rows: &[NewDelivery],
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    for chunk in rows.chunks(CHUNK) {
        let mut q = QueryBuilder::<Sqlite>::new(
            "INSERT INTO webhook_deliveries (webhook_id, event_id, ticket_id, event, payload, status, next_attempt_at, created_at, updated_at) ",
        );
        q.push_values(chunk, |mut b, d| {
            b.push_bind(d.webhook_id)
                .push_bind(d.event_id)
                .push_bind(d.ticket_id)
                .push_bind(d.event)
                .push_bind(d.payload.as_str())
                .push_bind("queued")
                .push_bind(now)
                .push_bind(now)
                .push_bind(now);
        });
        q.push(" ON CONFLICT (webhook_id, event_id, event) DO NOTHING");
        q.build()
            .execute(&mut **tx)
            .await
            .context("queueing webhook deliveries")?;
    }
    Ok(())
}
