//! What was added to a ticket after the newest message an agent had seen,
//! by someone else: the collision check before a reply is sent.
use anyhow::Context;
use sqlx::SqliteConnection;

/// Longest text of one newer message that is shown.
const MAX_TEXT: i64 = 500;

/// A message or note newer than what the agent saw.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Newer {
    /// `inbound` (the customer), `outbound` (a reply) or `note`.
    pub kind: String,
    /// The message's or the note's id.
    pub id: i64,
    /// The agent's name, or the sender's name or address.
    pub author: String,
    pub text: String,
    pub created_at: String,
}

/// The messages after `seen` on `ticket_id`, and the notes written after
/// it, not by `agent_id` and not sent by Postdesk itself (an
/// acknowledgement), oldest first.
pub async fn newer_than(
    conn: &mut SqliteConnection,
    ticket_id: i64,
    seen: i64,
    agent_id: Option<i64>,
) -> anyhow::Result<Vec<Newer>> {
    sqlx::query_as(
        "SELECT kind, id, author, text, created_at FROM (
             SELECT m.direction AS kind, m.id,
                    COALESCE(a.name, m.from_name, m.from_address) AS author,
                    substr(COALESCE(m.reply_text, m.body_text), 1, $4) AS text, m.created_at
             FROM messages m LEFT JOIN agents a ON a.id = m.author_id
             WHERE m.ticket_id = $1 AND m.id > $2 AND m.author_id IS NOT $3
               AND NOT (m.direction = 'outbound' AND m.author_id IS NULL)
             UNION ALL
             SELECT 'note', n.id, COALESCE(a.name, 'someone'), substr(n.body, 1, $4), n.created_at
             FROM notes n LEFT JOIN agents a ON a.id = n.author_id
             WHERE n.ticket_id = $1 AND n.author_id IS NOT $3
               AND n.created_at > COALESCE(
                   (SELECT created_at FROM messages WHERE id = $2 AND ticket_id = $1), '')
         ) ORDER BY created_at, id",
    )
    .bind(ticket_id)
    .bind(seen)
    .bind(agent_id)
    .bind(MAX_TEXT)
    .fetch_all(conn)
    .await
    .context("reading what is newer on the ticket")
}
