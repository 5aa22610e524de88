//! Drafts: an agent's half-written reply or note on a ticket, one each.
use super::Store;
use anyhow::Context;
use sqlx::SqliteConnection;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Draft {
    /// reply | note
    pub mode: String,
    pub body: String,
}

impl Store {
    /// Keeps `body` as the agent's draft on the ticket (an empty one
    /// forgets it); false when there is no such ticket.
    pub async fn save_draft(
        &self,
        ticket_id: i64,
        agent_id: i64,
        mode: &str,
        body: &str,
    ) -> anyhow::Result<bool> {
        if body.trim().is_empty() {
            let mut conn = self.writer().acquire().await?;
            forget_draft(&mut conn, ticket_id, Some(agent_id)).await?;
            return Ok(true);
        }
        let mut conn = self.writer().acquire().await?;
        let saved = put_draft(&mut conn, ticket_id, agent_id, mode, body).await?;
        Ok(saved)
    }

    /// The agent's draft on the ticket, if any.
    pub async fn draft(&self, ticket_id: i64, agent_id: i64) -> anyhow::Result<Option<Draft>> {
        sqlx::query_as("SELECT mode, body FROM drafts WHERE ticket_id = $1 AND agent_id = $2")
            .bind(ticket_id)
            .bind(agent_id)
            .fetch_optional(self.pool())
            .await
            .context("reading a draft")
    }
}

/// Forgets the agent's draft on the ticket (it was sent).
pub async fn forget_draft(
    conn: &mut SqliteConnection,
    ticket_id: i64,
    agent_id: Option<i64>,
) -> anyhow::Result<()> {
    sqlx::query("DELETE FROM drafts WHERE ticket_id = $1 AND agent_id IS $2")
        .bind(ticket_id)
        .bind(agent_id)
        .execute(conn)
        .await
        .context("forgetting a draft")?;
    Ok(())
}

/// Keeps `body` as the agent's draft on the ticket; false when there is no
/// such ticket.
pub async fn put_draft(
    conn: &mut SqliteConnection,
    ticket_id: i64,
    agent_id: i64,
    mode: &str,
    body: &str,
) -> anyhow::Result<bool> {
    let saved = sqlx::query(
        "INSERT INTO drafts (ticket_id, agent_id, mode, body, updated_at)
         SELECT id, $2, $3, $4, $5 FROM tickets WHERE id = $1
         ON CONFLICT (ticket_id, agent_id) DO UPDATE
            SET mode = excluded.mode, body = excluded.body, updated_at = excluded.updated_at",
    )
    .bind(ticket_id)
    .bind(agent_id)
    .bind(mode)
    .bind(body)
    .bind(super::now())
    .execute(conn)
    .await
    .context("saving a draft")?;
    Ok(saved.rows_affected() == 1)
}
