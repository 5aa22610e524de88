//! Invitations for agents to choose their password, by a link's keyed hash.
use super::Store;
use anyhow::Context;
use chrono::{DateTime, Utc};

impl Store {
    /// Replaces agent `agent_id`'s invitation with one whose link token
    /// hashes to `hash`, live until `expires_at`.
    pub async fn create_invite(
        &self,
        agent_id: i64,
        hash: &str,
        expires_at: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM agent_invites WHERE agent_id = $1")
            .bind(agent_id)
            .execute(&mut *tx)
            .await
            .context("replacing an agent's invitation")?;
        sqlx::query(
            "INSERT INTO agent_invites (agent_id, token_hash, created_at, expires_at)
             VALUES ($1, $2, $3, $4)",
        )
        .bind(agent_id)
        .bind(hash)
        .bind(super::now())
        .bind(expires_at)
        .execute(&mut *tx)
        .await
        .context("storing an invitation")?;
        tx.commit().await.context("storing an invitation")?;
        Ok(())
    }

    /// The agent (id, name) a live invitation is for, at `now`.
    pub async fn invited_agent(
        &self,
        hash: &str,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Option<(i64, String)>> {
        sqlx::query_as(
            "SELECT a.id, a.name FROM agent_invites i JOIN agents a ON a.id = i.agent_id
             WHERE i.token_hash = $1 AND i.expires_at > $2",
        )
        .bind(hash)
        .bind(now)
        .fetch_optional(self.pool())
        .await
        .context("looking up an invitation")
    }

    /// Uses up an invitation: it is deleted; the agent it was for when it
    /// was still live at `now`.
    pub async fn take_invite(&self, hash: &str, now: DateTime<Utc>) -> anyhow::Result<Option<i64>> {
        let taken: Option<(i64, DateTime<Utc>)> = sqlx::query_as(
            "DELETE FROM agent_invites WHERE token_hash = $1 RETURNING agent_id, expires_at",
        )
        .bind(hash)
        .fetch_optional(self.writer())
        .await
        .context("using an invitation")?;
        Ok(taken.filter(|(_, until)| *until > now).map(|(id, _)| id))
    }
}
