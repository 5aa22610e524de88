//! Internal notes on tickets: written by agents, never emailed.
use super::Store;
use anyhow::Context;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct NoteRow {
    pub id: i64,
    pub ticket_id: i64,
    pub author_id: Option<i64>,
    pub author_name: Option<String>,
    pub body: String,
    pub colour: String,
    pub edited: bool,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

const SELECT: &str =
    "SELECT n.id, n.ticket_id, n.author_id, a.name AS author_name, n.body, n.colour,
        n.edited, n.created_at, n.updated_at
    FROM notes n LEFT JOIN agents a ON a.id = n.author_id WHERE n.id = $1";

impl Store {
    pub async fn note(&self, id: i64) -> anyhow::Result<Option<NoteRow>> {
        sqlx::query_as(SELECT)
            .bind(id)
            .fetch_optional(self.pool())
            .await
            .context("reading a note")
    }

    /// Adds a note to ticket `ticket_id` (and forgets the author's draft
    /// there); None when the ticket does not exist.
    pub async fn add_note(
        &self,
        ticket_id: i64,
        author_id: Option<i64>,
        body: &str,
        colour: &str,
    ) -> anyhow::Result<Option<i64>> {
        let now = super::now();
        let mut tx = self.begin_write().await?;
        let id = insert_note(&mut tx, ticket_id, author_id, body, colour, now).await?;
        // The author's draft there was this note.
        super::drafts::forget_draft(&mut tx, ticket_id, author_id).await?;
        tx.commit().await.context("adding a note")?;
        Ok(id)
    }

    /// Changes a note's body and/or colour and marks it edited; false when
    /// there is no such note.
    pub async fn edit_note(
        &self,
        id: i64,
        body: Option<&str>,
        colour: Option<&str>,
    ) -> anyhow::Result<bool> {
        let done = sqlx::query(
            "UPDATE notes SET body = COALESCE($1, body), colour = COALESCE($2, colour),
                edited = TRUE, updated_at = $3 WHERE id = $4",
        )
        .bind(body)
        .bind(colour)
        .bind(super::now())
        .bind(id)
        .execute(self.writer())
        .await
        .context("editing a note")?;
        Ok(done.rows_affected() == 1)
    }

    /// False when there is no such note.
    pub async fn delete_note(&self, id: i64) -> anyhow::Result<bool> {
        let done = sqlx::query("DELETE FROM notes WHERE id = $1")
            .bind(id)
            .execute(self.writer())
            .await
            .context("deleting a note")?;
        Ok(done.rows_affected() == 1)
    }
}

/// Adds a note to ticket `ticket_id` inside `tx`; None when there is no
/// such ticket.
pub(super) async fn insert_note(
    tx: &mut super::Tx<'_>,
    ticket_id: i64,
    author_id: Option<i64>,
    body: &str,
    colour: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<Option<i64>> {
    sqlx::query_scalar(
        "INSERT INTO notes (ticket_id, author_id, body, colour, created_at, updated_at)
         SELECT id, $2, $3, $4, $5, $5 FROM tickets WHERE id = $1 RETURNING id",
    )
    .bind(ticket_id)
    .bind(author_id)
    .bind(body)
    .bind(colour)
    .bind(now)
    .fetch_optional(&mut **tx)
    .await
    .context("adding a note")
}
