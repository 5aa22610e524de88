//! Undo send: an agent's reply held in the outbox for the undo window
//! (`outbox.next_attempt_at`, with what they wrote in `outbox.undo_text`)
//! can be taken back until the sender has claimed it.
use super::Tx;

/// The condition on outbox row `o` of a reply that can still be taken
/// back, before `$2` (now): held, never claimed, its window not over.
macro_rules! held_outbox {
    () => {
        "o.undo_text IS NOT NULL AND o.status = 'queued' AND o.attempts = 0
         AND o.locked_until IS NULL AND o.next_attempt_at > $2"
    };
}
use anyhow::Context;
use chrono::{DateTime, Utc};
pub(super) use held_outbox;

/// A reply still held, that may be taken back.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Held {
    pub ticket_id: i64,
    pub author_id: Option<i64>,
    /// What the agent wrote, before the signature.
    pub written: String,
}

/// Where a message stands for undo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Undoable {
    Held(Held),
    /// It exists but cannot be taken back: sent or on its way, the window
    /// is over, or it was never held (a customer's mail, an acknowledgement).
    Gone {
        ticket_id: i64,
    },
    NotFound,
}

/// Message `id` as undo sees it at `now`, in the caller's write
/// transaction (the sender claims rows in one too, so a row is either
/// claimed or taken back, never both).
pub async fn undoable(tx: &mut Tx<'_>, id: i64, now: DateTime<Utc>) -> anyhow::Result<Undoable> {
    let held: Option<Held> = sqlx::query_as(concat!(
        "SELECT m.ticket_id, m.author_id, o.undo_text AS written
         FROM messages m JOIN outbox o ON o.message_id = m.id WHERE m.id = $1 AND ",
        held_outbox!()
    ))
    .bind(id)
    .bind(now)
    .fetch_optional(&mut **tx)
    .await
    .context("reading a held reply")?;
    if let Some(h) = held {
        return Ok(Undoable::Held(h));
    }
    let ticket: Option<i64> = sqlx::query_scalar("SELECT ticket_id FROM messages WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut **tx)
        .await
        .context("finding a message")?;
    Ok(match ticket {
        Some(ticket_id) => Undoable::Gone { ticket_id },
        None => Undoable::NotFound,
    })
}

/// Takes back held message `id` of `ticket_id`: the message goes, with its
/// outbox row, source and attachments (cascaded) and its `replied` event,
/// as if it had never been sent.
pub async fn take_back(tx: &mut Tx<'_>, id: i64, ticket_id: i64) -> anyhow::Result<()> {
    sqlx::query(
        "DELETE FROM ticket_events WHERE ticket_id = $1 AND kind = 'replied'
           AND json_extract(data, '$.message_id') = $2",
    )
    .bind(ticket_id)
    .bind(id)
    .execute(&mut **tx)
    .await
    .context("forgetting a reply's event")?;
    sqlx::query("DELETE FROM messages WHERE id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await
        .context("taking back a reply")?;
    Ok(())
}
