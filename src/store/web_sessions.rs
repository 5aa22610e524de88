//! Agents' passwords and their sessions in the pages. A session row is
//! keyed by the SHA-256 of the cookie's value; it belongs to an active
//! agent or to no one (deactivation and a new password delete the rows, see
//! migration 0014).
use super::Store;
use crate::domain::Role;
use anyhow::Context;
use chrono::{DateTime, Utc};

/// A live session, with its agent as they are now.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionRow {
    pub agent_id: i64,
    pub csrf: String,
    pub seen_at: DateTime<Utc>,
    pub email: String,
    pub name: String,
    role: String,
}

impl SessionRow {
    pub fn role(&self) -> Role {
        Role::parse(&self.role).unwrap_or(Role::Agent)
    }
}

/// What a login checks: the agent's id, whether active, its password hash.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LoginRow {
    pub id: i64,
    pub active: bool,
    pub password_hash: Option<String>,
}

impl Store {
    /// The agent a login names (by email, any case).
    pub async fn login_row(&self, email: &str) -> anyhow::Result<Option<LoginRow>> {
        sqlx::query_as("SELECT id, active, password_hash FROM agents WHERE email = $1")
            .bind(email.trim().to_ascii_lowercase())
            .fetch_optional(self.pool())
            .await
            .context("reading an agent to log in")
    }

    /// Sets an agent's password hash; their sessions end (migration 0014's
    /// trigger). False when there is no such agent.
    pub async fn set_password_hash(&self, agent_id: i64, hash: &str) -> anyhow::Result<bool> {
        let done =
            sqlx::query("UPDATE agents SET password_hash = $1, updated_at = $2 WHERE id = $3")
                .bind(hash)
                .bind(super::now())
                .bind(agent_id)
                .execute(self.writer())
                .await
                .context("setting a password")?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn create_session(
        &self,
        id_hash: &str,
        agent_id: i64,
        csrf: &str,
        expires_at: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        let now = super::now();
        sqlx::query(
            "INSERT INTO web_sessions (id_hash, agent_id, csrf, created_at, seen_at, expires_at)
             VALUES ($1, $2, $3, $4, $4, $5)",
        )
        .bind(id_hash)
        .bind(agent_id)
        .bind(csrf)
        .bind(now)
        .bind(expires_at)
        .execute(self.writer())
        .await
        .context("storing a session")?;
        Ok(())
    }

    /// The unexpired session of an active agent.
    pub async fn session(&self, id_hash: &str) -> anyhow::Result<Option<SessionRow>> {
        sqlx::query_as(
            "SELECT s.agent_id, s.csrf, s.seen_at, a.email, a.name, a.role
             FROM web_sessions s JOIN agents a ON a.id = s.agent_id
             WHERE s.id_hash = $1 AND s.expires_at > $2 AND a.active",
        )
        .bind(id_hash)
        .bind(super::now())
        .fetch_optional(self.pool())
        .await
        .context("reading a session")
    }

    /// Marks a session used now and extends it to `expires_at`.
    pub async fn touch_session(
        &self,
        id_hash: &str,
        expires_at: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        sqlx::query("UPDATE web_sessions SET seen_at = $1, expires_at = $2 WHERE id_hash = $3")
            .bind(super::now())
            .bind(expires_at)
            .bind(id_hash)
            .execute(self.writer())
            .await
            .context("extending a session")?;
        Ok(())
    }

    /// Ends a session (logout); expired sessions go with it.
    pub async fn end_session(&self, id_hash: &str) -> anyhow::Result<()> {
        sqlx::query("DELETE FROM web_sessions WHERE id_hash = $1 OR expires_at <= $2")
            .bind(id_hash)
            .bind(super::now())
            .execute(self.writer())
            .await
            .context("ending a session")?;
        Ok(())
    }
}
