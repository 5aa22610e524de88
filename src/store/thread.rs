//! Reading a ticket's thread: its messages with their attachments, its
//! internal notes and its events, each oldest first.
use super::Store;
use anyhow::Context;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ThreadMessage {
    pub id: i64,
    pub direction: String,
    pub from_address: String,
    pub from_name: Option<String>,
    /// JSON array of `{address, name}`.
    pub to_addrs: String,
    pub cc_addrs: String,
    pub subject: String,
    pub body_text: String,
    pub reply_text: Option<String>,
    pub auto_kind: Option<String>,
    pub author_id: Option<i64>,
    pub author_name: Option<String>,
    pub author_email: Option<String>,
    pub delivery_status: String,
    pub delivery_error: Option<String>,
    pub sent_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Held for the undo window until then (see [`super::undo`]).
    pub undo_until: Option<chrono::DateTime<chrono::Utc>>,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ThreadAttachment {
    pub id: i64,
    pub message_id: i64,
    pub filename: Option<String>,
    pub content_type: String,
    pub size: i64,
    pub omitted_reason: Option<String>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ThreadNote {
    pub id: i64,
    pub author_id: Option<i64>,
    pub author_name: Option<String>,
    pub author_email: Option<String>,
    pub body: String,
    pub colour: String,
    pub edited: bool,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ThreadEvent {
    pub id: i64,
    pub actor: String,
    pub agent_id: Option<i64>,
    pub agent_name: Option<String>,
    pub agent_email: Option<String>,
    pub kind: String,
    /// JSON.
    pub data: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// Everything on a ticket's thread, each list oldest first.
#[derive(Debug, Clone, Default)]
pub struct Thread {
    pub messages: Vec<ThreadMessage>,
    pub attachments: Vec<ThreadAttachment>,
    pub notes: Vec<ThreadNote>,
    pub events: Vec<ThreadEvent>,
}

impl Store {
    /// The thread of ticket `id`, or None when there is no such ticket.
    /// Read in one transaction, so the four lists agree.
    pub async fn thread(&self, id: i64) -> anyhow::Result<Option<Thread>> {
        let mut tx = self.pool().begin().await.context("reading a thread")?;
        let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM tickets WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await
            .context("finding a ticket")?;
        if exists.is_none() {
            return Ok(None);
        }
        let messages = sqlx::query_as(concat!(
            "SELECT m.id, m.direction, m.from_address, m.from_name, m.to_addrs, m.cc_addrs, m.subject,
                    m.body_text, m.reply_text, m.auto_kind, m.author_id, a.name AS author_name,
                    a.email AS author_email, m.delivery_status, m.delivery_error, m.sent_at,
                    (SELECT o.next_attempt_at FROM outbox o WHERE o.message_id = m.id AND ",
            super::undo::held_outbox!(),
            ") AS undo_until, m.created_at
             FROM messages m LEFT JOIN agents a ON a.id = m.author_id
             WHERE m.ticket_id = $1 ORDER BY m.id",
        ))
        .bind(id)
        .bind(super::now())
        .fetch_all(&mut *tx)
        .await
        .context("reading a thread's messages")?;
        let attachments = sqlx::query_as(
            "SELECT a.id, a.message_id, a.filename, a.content_type, a.size, a.omitted_reason
             FROM messages m JOIN attachments a ON a.message_id = m.id
             WHERE m.ticket_id = $1 ORDER BY a.id",
        )
        .bind(id)
        .fetch_all(&mut *tx)
        .await
        .context("reading a thread's attachments")?;
        let notes = sqlx::query_as(
            "SELECT n.id, n.author_id, a.name AS author_name, a.email AS author_email, n.body,
                    n.colour, n.edited, n.created_at, n.updated_at
             FROM notes n LEFT JOIN agents a ON a.id = n.author_id
             WHERE n.ticket_id = $1 ORDER BY n.id",
        )
        .bind(id)
        .fetch_all(&mut *tx)
        .await
        .context("reading a thread's notes")?;
        let events = sqlx::query_as(
            "SELECT e.id, e.actor, e.agent_id, a.name AS agent_name, a.email AS agent_email,
                    e.kind, e.data, e.created_at
             FROM ticket_events e LEFT JOIN agents a ON a.id = e.agent_id
             WHERE e.ticket_id = $1 ORDER BY e.id",
        )
        .bind(id)
        .fetch_all(&mut *tx)
        .await
        .context("reading a thread's events")?;
        tx.commit().await.context("reading a thread")?;
        Ok(Some(Thread {
            messages,
            attachments,
            notes,
            events,
        }))
    }
}
