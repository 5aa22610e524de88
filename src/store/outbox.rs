//! The outbox: outbound messages waiting for SMTP. A row is claimed with a
//! lease (`locked_until`) in a short transaction, sent with no transaction
//! open, and its result recorded in another short transaction. A sender that
//! dies after sending but before recording leaves a lease that expires, so
//! the row is sent once more (same bytes, same Message-ID) and no more.
use super::ingest::{NewEvent, insert_events};
use super::messages::inserted_ids;
use super::{CHUNK, Store, Tx};
use anyhow::Context;
use chrono::{DateTime, Duration, Utc};
use sqlx::{QueryBuilder, Sqlite};

/// A claimed row with everything needed to send it.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub outbox_id: i64,
    pub message_id: i64,
    pub ticket_id: i64,
    pub email_domain_id: Option<i64>,
    /// Attempts including this one.
    pub attempts: i64,
    /// The lease this claim holds. A result is recorded only while the row
    /// still carries it: a sender that overran its lease and was overtaken
    /// by another claim cannot overwrite what the newer claim records.
    pub locked_until: DateTime<Utc>,
    pub envelope_from: String,
    pub recipients: Vec<String>,
    pub raw: Vec<u8>,
}

/// What became of one delivery attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    Sent,
    /// Try again at this time; the error is kept on the row and the message.
    Retry {
        error: String,
        at: DateTime<Utc>,
    },
    /// Given up: a permanent refusal or retries exhausted, in the server's words.
    Failed {
        error: String,
    },
    /// Not tried in this round (its lease ran short): back to the queue as
    /// it was, the claim's attempt not counted.
    Unattempted,
}

/// Gives an unattempted claim back: unlocked, its attempt not counted.
async fn release(tx: &mut Tx<'_>, c: &Claimed, now: DateTime<Utc>) -> anyhow::Result<()> {
    sqlx::query(
        "UPDATE outbox SET attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END,
            locked_until = NULL, updated_at = $1
         WHERE id = $2 AND locked_until = $3",
    )
    .bind(now)
    .bind(c.outbox_id)
    .bind(c.locked_until)
    .execute(&mut **tx)
    .await
    .context("releasing an unattempted outbox row")?;
    Ok(())
}

/// A stored outbound message to queue.
#[derive(Debug, Clone, Copy)]
pub struct ToSend<'a> {
    /// The message row.
    pub message: i64,
    pub email_domain_id: Option<i64>,
    pub raw: &'a [u8],
    /// Held until then, and taken back until then with the text the agent
    /// wrote (undo send); None: due at once.
    pub hold: Option<Hold<'a>>,
}

/// An agent's reply held for the undo window.
#[derive(Debug, Clone, Copy)]
pub struct Hold<'a> {
    pub until: DateTime<Utc>,
    /// What the agent wrote, before the signature.
    pub written: &'a str,
}

/// Queues stored outbound messages: their raw bytes and outbox rows, a
/// statement of each per [`CHUNK`]. Runs inside the caller's transaction,
/// the one that stored the messages. The outbox row ids, in the order given.
pub async fn enqueue_all(
    tx: &mut Tx<'_>,
    messages: &[ToSend<'_>],
    now: DateTime<Utc>,
) -> anyhow::Result<Vec<i64>> {
    let mut ids = Vec::with_capacity(messages.len());
    for chunk in messages.chunks(CHUNK) {
        let mut q = QueryBuilder::<Sqlite>::new("INSERT INTO message_sources (message_id, raw) ");
        q.push_values(chunk, |mut b, m| {
            b.push_bind(m.message).push_bind(m.raw);
        });
        q.build()
            .execute(&mut **tx)
            .await
            .context("keeping outbound messages' sources")?;
        let mut q = QueryBuilder::<Sqlite>::new(
            "INSERT INTO outbox (message_id, email_domain_id, status, next_attempt_at, undo_text, created_at, updated_at) ",
        );
        q.push_values(chunk, |mut b, m| {
            b.push_bind(m.message)
                .push_bind(m.email_domain_id)
                .push("'queued'")
                .push_bind(m.hold.map_or(now, |h| h.until))
                .push_bind(m.hold.map(|h| h.written))
                .push_bind(now)
                .push_bind(now);
        });
        let got = inserted_ids(tx, q, chunk.len(), "queueing outbound messages").await?;
        ids.extend(got);
    }
    Ok(ids)
}

#[derive(sqlx::FromRow)]
struct ClaimRow {
    id: i64,
    message_id: i64,
    email_domain_id: Option<i64>,
    attempts: i64,
}

#[derive(sqlx::FromRow)]
struct SendRow {
    id: i64,
    ticket_id: i64,
    from_address: String,
    to_addrs: String,
    cc_addrs: String,
    raw: Vec<u8>,
}

#[derive(serde::Deserialize)]
struct AddressJson {
    address: String,
}

impl Store {
    /// Claims up to `limit` due rows for `lease`: nobody else sends them until
    /// the lease runs out or a result is recorded.
    pub async fn claim_outbox(&self, limit: i64, lease: Duration) -> anyhow::Result<Vec<Claimed>> {
        let now = super::now();
        let locked_until = now + lease;
        let mut tx = self.begin_write().await?;
        let rows: Vec<ClaimRow> = sqlx::query_as(
            "UPDATE outbox SET locked_until = $1, attempts = attempts + 1, updated_at = $2
             WHERE id IN (SELECT id FROM outbox
                          WHERE status IN ('queued', 'retrying') AND next_attempt_at <= $2
                            AND (locked_until IS NULL OR locked_until <= $2)
                          ORDER BY next_attempt_at, id LIMIT $3)
             RETURNING id, message_id, email_domain_id, attempts",
        )
        .bind(locked_until)
        .bind(now)
        .bind(limit)
        .fetch_all(&mut *tx)
        .await
        .context("claiming outbox rows")?;
        let mut claimed = Vec::with_capacity(rows.len());
        let mut missing = Vec::new();
        for chunk in rows.chunks(CHUNK) {
            let mut q = QueryBuilder::<Sqlite>::new(
                "SELECT m.id, m.ticket_id, m.from_address, m.to_addrs, m.cc_addrs, s.raw
                 FROM messages m JOIN message_sources s ON s.message_id = m.id WHERE m.id IN (",
            );
            let mut ids = q.separated(", ");
            for r in chunk {
                ids.push_bind(r.message_id);
            }
            q.push(")");
            let found: Vec<SendRow> = q
                .build_query_as()
                .fetch_all(&mut *tx)
                .await
                .context("reading claimed messages")?;
            let mut found: std::collections::HashMap<i64, SendRow> =
                found.into_iter().map(|r| (r.id, r)).collect();
            for r in chunk {
                let Some(m) = found.remove(&r.message_id) else {
                    missing.push(r.id);
                    continue;
                };
                let mut recipients = Vec::new();
                for list in [&m.to_addrs, &m.cc_addrs] {
                    let parsed: Vec<AddressJson> = serde_json::from_str(list).unwrap_or_default();
                    recipients.extend(parsed.into_iter().map(|a| a.address));
                }
                claimed.push(Claimed {
                    outbox_id: r.id,
                    message_id: r.message_id,
                    ticket_id: m.ticket_id,
                    email_domain_id: r.email_domain_id,
                    attempts: r.attempts,
                    locked_until,
                    envelope_from: m.from_address,
                    recipients,
                    raw: m.raw,
                });
            }
        }
        // Without its source a row could only be claimed again and again.
        for id in missing {
            sqlx::query(
                "UPDATE outbox SET status = 'failed', last_error = 'the message or its source is missing',
                    locked_until = NULL WHERE id = $1",
            )
            .bind(id)
            .execute(&mut *tx)
            .await
            .context("failing an outbox row without a source")?;
        }
        tx.commit().await?;
        Ok(claimed)
    }

    /// Records the results of a round of sending in one transaction.
    pub async fn record_deliveries(&self, results: &[(Claimed, Delivery)]) -> anyhow::Result<()> {
        if results.is_empty() {
            return Ok(());
        }
        let now = super::now();
        let mut tx = self.begin_write().await?;
        let mut events = Vec::new();
        for (c, delivery) in results {
            let (status, error, next_at, sent_at) = match delivery {
                Delivery::Sent => ("sent", None, None, Some(now)),
                Delivery::Retry { error, at } => {
                    ("retrying", Some(error.as_str()), Some(*at), None)
                }
                Delivery::Failed { error } => ("failed", Some(error.as_str()), None, None),
                Delivery::Unattempted => {
                    release(&mut tx, c, now).await?;
                    continue;
                }
            };
            // Only while the row still carries this claim's lease.
            let updated = sqlx::query(
                "UPDATE outbox SET status = $1, last_error = $2, next_attempt_at = COALESCE($3, next_attempt_at),
                    locked_until = NULL, updated_at = $4 WHERE id = $5 AND locked_until = $6",
            )
            .bind(status)
            .bind(error)
            .bind(next_at)
            .bind(now)
            .bind(c.outbox_id)
            .bind(c.locked_until)
            .execute(&mut *tx)
            .await
            .context("recording a delivery")?;
            if updated.rows_affected() == 0 {
                tracing::warn!(
                    outbox_id = c.outbox_id,
                    status,
                    "delivery result not recorded: the claim's lease was taken over or already settled"
                );
                continue;
            }
            // A bounce may already have marked the message failed: keep that.
            sqlx::query(
                "UPDATE messages SET delivery_status = $1, delivery_error = $2, sent_at = COALESCE($3, sent_at)
                 WHERE id = $4 AND delivery_status <> 'failed'",
            )
            .bind(status)
            .bind(error)
            .bind(sent_at)
            .bind(c.message_id)
            .execute(&mut *tx)
            .await
            .context("recording a message's delivery")?;
            if let Delivery::Failed { error } = delivery {
                let data = serde_json::json!({"message_id": c.message_id, "error": error});
                events.push(NewEvent::by(
                    "system",
                    c.ticket_id,
                    "delivery_failed",
                    data.to_string(),
                ));
            }
        }
        insert_events(&mut tx, &events, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// When the next queued or retrying row falls due (None: nothing waits).
    pub async fn next_outbox_due(&self) -> anyhow::Result<Option<DateTime<Utc>>> {
        sqlx::query_scalar(
            "SELECT MIN(CASE WHEN locked_until IS NOT NULL AND locked_until > next_attempt_at
                             THEN locked_until ELSE next_attempt_at END)
             FROM outbox WHERE status IN ('queued', 'retrying')",
        )
        .fetch_one(self.pool())
        .await
        .context("reading the outbox")
    }

    /// Outbox rows by status, for status pages and tests.
    /// Every row by status (a scan: for benchmarks and tests).
    pub async fn outbox_counts(&self) -> anyhow::Result<Vec<(String, i64)>> {
        sqlx::query_as("SELECT status, COUNT(*) FROM outbox GROUP BY status ORDER BY status")
            .fetch_all(self.pool())
            .await
            .context("counting the outbox")
    }

    /// Rows waiting to go out (queued or retrying) by status: two short
    /// ranges of the `outbox_due` index, however much mail has been sent.
    pub async fn outbox_depth(&self) -> anyhow::Result<Vec<(String, i64)>> {
        sqlx::query_as(
            "SELECT status, COUNT(*) FROM outbox WHERE status IN ('queued', 'retrying') \
             GROUP BY status ORDER BY status",
        )
        .fetch_all(self.pool())
        .await
        .context("counting the outbox")
    }
}
