//! What composing a reply reads (the ticket, its thread, the agent, the
//! template) and the one transaction that queues it.
use super::ingest::{NewEvent, insert_events};
use super::messages::{Outbound, insert_outbounds};
use super::outbox::{Hold, ToSend};
use super::{Store, Tx};
use anyhow::Context;
use chrono::{DateTime, Utc};
use sqlx::SqliteConnection;
use std::collections::{BTreeMap, HashMap};

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

    /// What replies to `tickets` are composed from, by ticket.
    pub async fn reply_bases(&self, tickets: &[i64]) -> anyhow::Result<HashMap<i64, ReplyBasis>> {
        reply_bases_on(&mut *self.pool().acquire().await?, tickets).await
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

/// A composed reply to store and queue.
pub struct ToQueue<'a> {
    pub message: &'a Outbound,
    pub email_domain_id: Option<i64>,
    pub raw: &'a [u8],
    /// Held for the undo window.
    pub hold: Option<Hold<'a>>,
}

/// Stores composed replies and queues them, in the caller's transaction:
/// messages, raw sources, outbox rows, the tickets' times and a `replied`
/// (or `acknowledged`) event each, a few statements for all of them. A
/// reply that is not automatic answers the customer: it stops the
/// ticket's SLA clock and brings an overdue ticket back to open.
/// Returns (message row id, outbox row id) of each, in the order given.
pub async fn queue_replies(
    tx: &mut Tx<'_>,
    replies: &[ToQueue<'_>],
    now: DateTime<Utc>,
) -> anyhow::Result<Vec<(i64, i64)>> {
    if replies.is_empty() {
        return Ok(Vec::new());
    }
    let messages: Vec<&Outbound> = replies.iter().map(|r| r.message).collect();
    let ids = insert_outbounds(tx, &messages, now).await?;
    let sends: Vec<ToSend> = ids
        .iter()
        .zip(replies)
        .map(|(id, r)| ToSend {
            message: *id,
            email_domain_id: r.email_domain_id,
            raw: r.raw,
            hold: r.hold,
        })
        .collect();
    let outboxes = super::outbox::enqueue_all(tx, &sends, now).await?;
    let tickets: Vec<i64> = messages.iter().map(|m| m.ticket_id).collect();
    sqlx::query(
        "UPDATE tickets SET updated_at = $1, last_message_at = $1
         WHERE id IN (SELECT value FROM json_each($2))",
    )
    .bind(now)
    .bind(serde_json::to_string(&tickets)?)
    .execute(&mut **tx)
    .await
    .context("touching the tickets")?;
    let events: Vec<NewEvent> = messages
        .iter()
        .zip(&ids)
        .map(|(m, id)| NewEvent {
            ticket_id: m.ticket_id,
            actor: actor(m),
            agent_id: m.author_id,
            kind: if m.auto_kind.is_some() {
                "acknowledged"
            } else {
                "replied"
            },
            data: serde_json::json!({"message_id": id}).to_string(),
        })
        .collect();
    insert_events(tx, &events, now).await?;
    for m in messages.iter().filter(|m| m.auto_kind.is_none()) {
        super::sla::answered(tx, m.ticket_id, actor(m), m.author_id, now).await?;
    }
    Ok(ids.into_iter().zip(outboxes).collect())
}

fn actor(m: &Outbound) -> &'static str {
    if m.author_id.is_some() {
        "agent"
    } else {
        "system"
    }
}

/// Takes one token from each address's bucket of automatic answers
/// (capacity and refill `per_hour` per hour), in the caller's transaction
/// and in the order given (an address twice takes two): false where the
/// bucket was empty.
pub async fn take_auto_reply_tokens(
    tx: &mut Tx<'_>,
    addresses: &[&str],
    per_hour: u32,
    now: DateTime<Utc>,
) -> anyhow::Result<Vec<bool>> {
    if per_hour == 0 || addresses.is_empty() {
        return Ok(vec![false; addresses.len()]);
    }
    let rows: Vec<(String, f64, DateTime<Utc>)> = sqlx::query_as(
        "SELECT address, tokens, updated_at FROM auto_reply_buckets
         WHERE address IN (SELECT value FROM json_each($1))",
    )
    .bind(serde_json::to_string(addresses)?)
    .fetch_all(&mut **tx)
    .await
    .context("reading auto-reply buckets")?;
    let capacity = f64::from(per_hour);
    let mut left: BTreeMap<&str, f64> = BTreeMap::new();
    for (address, tokens, at) in &rows {
        let hours = (now - *at).num_milliseconds().max(0) as f64 / 3_600_000.0;
        left.insert(address, (tokens + hours * capacity).min(capacity));
    }
    let allowed: Vec<bool> = addresses
        .iter()
        .map(|a| {
            let tokens = left.entry(a).or_insert(capacity);
            let allowed = *tokens >= 1.0;
            if allowed {
                *tokens -= 1.0;
            }
            allowed
        })
        .collect();
    let buckets: Vec<(&str, f64)> = left.into_iter().collect();
    for chunk in buckets.chunks(super::CHUNK) {
        let mut q = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
            "INSERT INTO auto_reply_buckets (address, tokens, updated_at) ",
        );
        q.push_values(chunk, |mut b, (address, tokens)| {
            b.push_bind(*address).push_bind(*tokens).push_bind(now);
        });
        q.push(
            " ON CONFLICT (address) DO UPDATE SET tokens = excluded.tokens, updated_at = excluded.updated_at",
        );
        q.build()
            .execute(&mut **tx)
            .await
            .context("updating auto-reply buckets")?;
    }
    Ok(allowed)
}

/// Takes the tickets' pending marks; the tickets whose mark was there
/// (not already acknowledged, nor taken by another worker whose
/// transaction came first).
pub async fn take_pending_acks(tx: &mut Tx<'_>, tickets: &[i64]) -> anyhow::Result<Vec<i64>> {
    if tickets.is_empty() {
        return Ok(Vec::new());
    }
    sqlx::query_scalar(
        "DELETE FROM pending_acks WHERE ticket_id IN (SELECT value FROM json_each($1))
         RETURNING ticket_id",
    )
    .bind(serde_json::to_string(tickets)?)
    .fetch_all(&mut **tx)
    .await
    .context("clearing pending acknowledgements")
}

/// Takes a ticket's pending mark: false when it was not there.
pub async fn clear_pending_ack(tx: &mut Tx<'_>, ticket_id: i64) -> anyhow::Result<bool> {
    Ok(!take_pending_acks(tx, &[ticket_id]).await?.is_empty())
}

/// What a reply to `ticket_id` is composed from, read through `conn` (a
/// transaction that has just made the ticket sees it).
pub async fn reply_basis_on(
    conn: &mut SqliteConnection,
    ticket_id: i64,
) -> anyhow::Result<Option<ReplyBasis>> {
    Ok(reply_bases_on(conn, &[ticket_id]).await?.remove(&ticket_id))
}

/// What replies to `tickets` are composed from, by ticket (those that
/// exist), four statements for all of them.
pub async fn reply_bases_on(
    conn: &mut SqliteConnection,
    tickets: &[i64],
) -> anyhow::Result<HashMap<i64, ReplyBasis>> {
    let ids = serde_json::to_string(tickets)?;
    let found: Vec<TicketBasis> = sqlx::query_as(
        "SELECT t.id, t.short_id, t.subject, t.status, t.priority, t.from_domain, t.created_at,
                    t.email_domain_id, c.email AS requester_email, c.name AS requester_name
             FROM tickets t JOIN contacts c ON c.id = t.requester_id
             WHERE t.id IN (SELECT value FROM json_each($1))",
    )
    .bind(&ids)
    .fetch_all(&mut *conn)
    .await
    .context("reading tickets")?;
    let mut threads = grouped::<String, String>(
        conn,
        "SELECT ticket_id, message_id, direction FROM messages
         WHERE ticket_id IN (SELECT value FROM json_each($1)) ORDER BY ticket_id, id",
        &ids,
    )
    .await
    .context("reading tickets' threads")?;
    let mut fields = grouped::<String, String>(
        conn,
        "SELECT v.ticket_id, f.key, v.value FROM ticket_field_values v
             JOIN custom_fields f ON f.id = v.field_id
             WHERE v.ticket_id IN (SELECT value FROM json_each($1))",
        &ids,
    )
    .await
    .context("reading tickets' fields")?;
    let mut participants = grouped::<String, Option<String>>(
        conn,
        "SELECT ticket_id, email, name FROM ticket_participants
         WHERE ticket_id IN (SELECT value FROM json_each($1)) AND state = 'active'
         ORDER BY ticket_id, email",
        &ids,
    )
    .await
    .context("reading tickets' participants")?;
    Ok(found
        .into_iter()
        .map(|ticket| {
            let id = ticket.id;
            let messages = threads.remove(&id).unwrap_or_default();
            let basis = ReplyBasis {
                // The newest inbound message, else the newest.
                answers: messages
                    .iter()
                    .rev()
                    .find(|(_, d)| d == "inbound")
                    .or(messages.last())
                    .map(|(id, _)| id.clone()),
                outbound_count: messages.iter().filter(|(_, d)| d == "outbound").count(),
                thread: messages.into_iter().map(|(id, _)| id).collect(),
                fields: fields.remove(&id).unwrap_or_default().into_iter().collect(),
                participants: participants.remove(&id).unwrap_or_default(),
                ticket,
            };
            (id, basis)
        })
        .collect())
}

/// Rows of `sql` (its first column a ticket id, `$1` the tickets as a
/// JSON array) grouped by ticket, in the order read.
async fn grouped<A, B>(
    conn: &mut SqliteConnection,
    sql: &'static str,
    tickets: &str,
) -> anyhow::Result<HashMap<i64, Vec<(A, B)>>>
where
    A: Send + Unpin,
    B: Send + Unpin,
    (i64, A, B): for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>,
{
    let rows: Vec<(i64, A, B)> = sqlx::query_as(sql)
        .bind(tickets)
        .fetch_all(&mut *conn)
        .await?;
    let mut by_ticket: HashMap<i64, Vec<(A, B)>> = HashMap::new();
    for (ticket, a, b) in rows {
        by_ticket.entry(ticket).or_default().push((a, b));
    }
    Ok(by_ticket)
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
