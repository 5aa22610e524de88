//! What composing a reply reads (the ticket, its thread, the agent, the
//! template) and the one transaction that queues it.
use super::ingest::{NewEvent, insert_events};
use super::messages::{Outbound, insert_outbound};
use super::{Store, Tx};
use anyhow::Context;
use chrono::{DateTime, Utc};
use sqlx::SqliteConnection;
use std::collections::BTreeMap;

/// A ticket as a reply to it is composed.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TicketBasis {
    pub id: i64,
    pub short_id: String,
    pub subject: String,
    pub status: String,
    pub priority: String,
    pub from_domain: String,
    pub created_at: DateTime<Utc>,
    pub email_domain_id: Option<i64>,
    pub requester_email: String,
    pub requester_name: Option<String>,
}

#[derive(Debug, Clone)]
pub struct ReplyBasis {
    pub ticket: TicketBasis,
    /// Custom field values by key.
    pub fields: BTreeMap<String, String>,
    /// Every Message-ID on the ticket, oldest first.
    pub thread: Vec<String>,
    /// The message a reply answers: the newest inbound one, else the newest.
    pub answers: Option<String>,
    /// The active participants (address, name): copied on replies.
    pub participants: Vec<(String, Option<String>)>,
    /// Outbound messages so far (orders Outlook's Thread-Index).
    pub outbound_count: usize,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AgentBasis {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub signature: String,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TemplateRow {
    pub name: String,
    pub subject: Option<String>,
    pub body: String,
    pub body_html: Option<String>,
}

impl Store {
    pub async fn reply_basis(&self, ticket_id: i64) -> anyhow::Result<Option<ReplyBasis>> {
        reply_basis_on(&mut *self.pool().acquire().await?, ticket_id).await
    }

    pub async fn agent_basis(&self, agent_id: i64) -> anyhow::Result<Option<AgentBasis>> {
        agent_basis_on(&mut *self.pool().acquire().await?, agent_id).await
    }

    pub async fn template_named(&self, name: &str) -> anyhow::Result<Option<TemplateRow>> {
        template_named_on(&mut *self.pool().acquire().await?, name).await
    }

    /// Tickets of an email domain waiting for their acknowledgement, oldest first.
    pub async fn pending_acks(&self, email_domain_id: i64, limit: i64) -> anyhow::Result<Vec<i64>> {
        sqlx::query_scalar(
            "SELECT p.ticket_id FROM pending_acks p JOIN tickets t ON t.id = p.ticket_id
             WHERE t.email_domain_id = $1 ORDER BY p.ticket_id LIMIT $2",
        )
        .bind(email_domain_id)
        .bind(limit)
        .fetch_all(self.pool())
        .await
        .context("reading pending acknowledgements")
    }

    /// Drops a ticket's pending acknowledgement without sending one.
    pub async fn clear_pending_ack(&self, ticket_id: i64) -> anyhow::Result<()> {
        let mut tx = self.begin_write().await?;
        clear_pending_ack(&mut tx, ticket_id).await?;
        tx.commit().await.context("committing")
    }

    /// Drops every pending acknowledgement of an email domain's tickets
    /// (acknowledgements are switched off).
    pub async fn clear_pending_acks_of(&self, email_domain_id: i64) -> anyhow::Result<()> {
        sqlx::query(
            "DELETE FROM pending_acks WHERE ticket_id IN (SELECT id FROM tickets WHERE email_domain_id = $1)",
        )
        .bind(email_domain_id)
        .execute(self.writer())
        .await
        .context("clearing pending acknowledgements")?;
        Ok(())
    }

    /// Creates an agent (until the API manages agents: tests, demo, benchmarks).
    pub async fn create_agent(
        &self,
        email: &str,
        name: &str,
        role: &str,
        signature: &str,
    ) -> anyhow::Result<i64> {
        let now = super::now();
        sqlx::query_scalar(
            "INSERT INTO agents (email, name, role, signature, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
        )
        .bind(email)
        .bind(name)
        .bind(role)
        .bind(signature)
        .bind(now)
        .fetch_one(self.writer())
        .await
        .context("creating an agent")
    }

    /// Stores or replaces a template by name.
    pub async fn put_template(&self, t: &TemplateRow) -> anyhow::Result<i64> {
        let now = super::now();
        sqlx::query_scalar(
            "INSERT INTO templates (name, subject, body, body_html, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $5)
             ON CONFLICT (name) DO UPDATE SET subject = excluded.subject, body = excluded.body,
                body_html = excluded.body_html, updated_at = excluded.updated_at
             RETURNING id",
        )
        .bind(&t.name)
        .bind(t.subject.as_deref())
        .bind(&t.body)
        .bind(t.body_html.as_deref())
        .bind(now)
        .fetch_one(self.writer())
        .await
        .context("storing a template")
    }
}

/// Stores a composed reply and queues it, in the caller's transaction:
/// message, raw source, outbox row, the ticket's times and a `replied` event.
/// A reply that is not automatic answers the customer: it stops the
/// ticket's SLA clock and brings an overdue ticket back to open.
/// Returns (message row id, outbox row id).
pub async fn queue_reply(
    tx: &mut Tx<'_>,
    message: &Outbound,
    email_domain_id: Option<i64>,
    raw: &[u8],
    now: DateTime<Utc>,
) -> anyhow::Result<(i64, i64)> {
    let id = insert_outbound(tx, message, now).await?;
    let outbox = super::outbox::enqueue(tx, id, email_domain_id, raw, now).await?;
    sqlx::query("UPDATE tickets SET updated_at = $1, last_message_at = $1 WHERE id = $2")
        .bind(now)
        .bind(message.ticket_id)
        .execute(&mut **tx)
        .await
        .context("touching the ticket")?;
    let actor = if message.author_id.is_some() {
        "agent"
    } else {
        "system"
    };
    let event = NewEvent {
        ticket_id: message.ticket_id,
        actor,
        agent_id: message.author_id,
        kind: if message.auto_kind.is_some() {
            "acknowledged"
        } else {
            "replied"
        },
        data: serde_json::json!({"message_id": id}).to_string(),
    };
    insert_events(tx, &[event], now).await?;
    if message.auto_kind.is_none() {
        super::sla::answered(tx, message.ticket_id, actor, message.author_id, now).await?;
    }
    Ok((id, outbox))
}

/// Takes one token from `address`'s bucket of automatic answers (capacity
/// and refill `per_hour` per hour), in the caller's transaction: false when
/// the bucket is empty.
pub async fn take_auto_reply_token(
    tx: &mut Tx<'_>,
    address: &str,
    per_hour: u32,
    now: DateTime<Utc>,
) -> anyhow::Result<bool> {
    if per_hour == 0 {
        return Ok(false);
    }
    let row: Option<(f64, DateTime<Utc>)> =
        sqlx::query_as("SELECT tokens, updated_at FROM auto_reply_buckets WHERE address = $1")
            .bind(address)
            .fetch_optional(&mut **tx)
            .await
            .context("reading an auto-reply bucket")?;
    let capacity = f64::from(per_hour);
    let tokens = match row {
        None => capacity,
        Some((tokens, at)) => {
            let hours = (now - at).num_milliseconds().max(0) as f64 / 3_600_000.0;
            (tokens + hours * capacity).min(capacity)
        }
    };
    let allowed = tokens >= 1.0;
    let left = if allowed { tokens - 1.0 } else { tokens };
    sqlx::query(
        "INSERT INTO auto_reply_buckets (address, tokens, updated_at) VALUES ($1, $2, $3)
         ON CONFLICT (address) DO UPDATE SET tokens = excluded.tokens, updated_at = excluded.updated_at",
    )
    .bind(address)
    .bind(left)
    .bind(now)
    .execute(&mut **tx)
    .await
    .context("updating an auto-reply bucket")?;
    Ok(allowed)
}

/// Takes a ticket's pending mark: false when it was not there (already
/// acknowledged, or taken by another worker whose transaction came first).
pub async fn clear_pending_ack(tx: &mut Tx<'_>, ticket_id: i64) -> anyhow::Result<bool> {
    let done = sqlx::query("DELETE FROM pending_acks WHERE ticket_id = $1")
        .bind(ticket_id)
        .execute(&mut **tx)
        .await
        .context("clearing a pending acknowledgement")?;
    Ok(done.rows_affected() > 0)
}

/// What a reply to `ticket_id` is composed from, read through `conn` (a
/// transaction that has just made the ticket sees it).
pub async fn reply_basis_on(
    conn: &mut SqliteConnection,
    ticket_id: i64,
) -> anyhow::Result<Option<ReplyBasis>> {
    let ticket: Option<TicketBasis> = sqlx::query_as(
        "SELECT t.id, t.short_id, t.subject, t.status, t.priority, t.from_domain, t.created_at,
                    t.email_domain_id, c.email AS requester_email, c.name AS requester_name
             FROM tickets t JOIN contacts c ON c.id = t.requester_id WHERE t.id = $1",
    )
    .bind(ticket_id)
    .fetch_optional(&mut *conn)
    .await
    .context("reading a ticket")?;
    let Some(ticket) = ticket else {
        return Ok(None);
    };
    let messages: Vec<(String, String)> = sqlx::query_as(
        "SELECT message_id, direction FROM messages WHERE ticket_id = $1 ORDER BY id",
    )
    .bind(ticket_id)
    .fetch_all(&mut *conn)
    .await
    .context("reading a ticket's thread")?;
    let fields: Vec<(String, String)> = sqlx::query_as(
        "SELECT f.key, v.value FROM ticket_field_values v JOIN custom_fields f ON f.id = v.field_id
             WHERE v.ticket_id = $1",
    )
    .bind(ticket_id)
    .fetch_all(&mut *conn)
    .await
    .context("reading a ticket's fields")?;
    let participants: Vec<(String, Option<String>)> = sqlx::query_as(
        "SELECT email, name FROM ticket_participants WHERE ticket_id = $1 AND state = 'active'
         ORDER BY email",
    )
    .bind(ticket_id)
    .fetch_all(&mut *conn)
    .await
    .context("reading a ticket's participants")?;
    let answers = messages
        .iter()
        .rev()
        .find(|(_, d)| d == "inbound")
        .or(messages.last())
        .map(|(id, _)| id.clone());
    Ok(Some(ReplyBasis {
        outbound_count: messages.iter().filter(|(_, d)| d == "outbound").count(),
        thread: messages.into_iter().map(|(id, _)| id).collect(),
        answers,
        fields: fields.into_iter().collect(),
        participants,
        ticket,
    }))
}

pub async fn agent_basis_on(
    conn: &mut SqliteConnection,
    agent_id: i64,
) -> anyhow::Result<Option<AgentBasis>> {
    sqlx::query_as("SELECT id, email, name, signature FROM agents WHERE id = $1")
        .bind(agent_id)
        .fetch_optional(&mut *conn)
        .await
        .context("reading an agent")
}

pub async fn template_named_on(
    conn: &mut SqliteConnection,
    name: &str,
) -> anyhow::Result<Option<TemplateRow>> {
    sqlx::query_as("SELECT name, subject, body, body_html FROM templates WHERE name = $1")
        .bind(name)
        .fetch_optional(&mut *conn)
        .await
        .context("reading a template")
}
