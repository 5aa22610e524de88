//! API tokens, stored as keyed hashes only.
use super::Store;
use crate::domain::Role;
use anyhow::Context;

/// A token's grant, found by its hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub token_id: i64,
    pub role: Role,
    /// The agent acting with this token (None for a bare admin token).
    pub agent_id: Option<i64>,
}

impl Store {
    pub async fn create_token(
        &self,
        name: &str,
        role: Role,
        agent_id: Option<i64>,
        hash: &str,
    ) -> anyhow::Result<i64> {
        sqlx::query_scalar(
            "INSERT INTO api_tokens (name, token_hash, role, agent_id, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(name)
        .bind(hash)
        .bind(role.as_str())
        .bind(agent_id)
        .bind(super::now())
        .fetch_one(self.writer())
        .await
        .context("storing an API token")
    }

    /// Makes sure an admin token with this hash exists (the bootstrap token
    /// from the environment); true when it was added now.
    pub async fn ensure_admin_token(&self, name: &str, hash: &str) -> anyhow::Result<bool> {
        let done = sqlx::query(
            "INSERT INTO api_tokens (name, token_hash, role, created_at) VALUES ($1, $2, 'admin', $3)
             ON CONFLICT (token_hash) DO NOTHING",
        )
        .bind(name)
        .bind(hash)
        .bind(super::now())
        .execute(self.writer())
        .await
        .context("storing the bootstrap admin token")?;
        Ok(done.rows_affected() == 1)
    }

    /// Lets the token with this hash act for `agent_id` from now on.
    pub async fn set_token_agent(&self, hash: &str, agent_id: i64) -> anyhow::Result<()> {
        sqlx::query("UPDATE api_tokens SET agent_id = $1 WHERE token_hash = $2")
            .bind(agent_id)
            .bind(hash)
            .execute(self.writer())
            .await
            .context("letting a token act for an agent")?;
        Ok(())
    }

    pub async fn token_count(&self) -> anyhow::Result<i64> {
        sqlx::query_scalar("SELECT COUNT(*) FROM api_tokens")
            .fetch_one(self.pool())
            .await
            .context("counting API tokens")
    }

    pub async fn grant_of(&self, hash: &str) -> anyhow::Result<Option<Grant>> {
        let row: Option<(i64, String, Option<i64>)> =
            sqlx::query_as("SELECT id, role, agent_id FROM api_tokens WHERE token_hash = $1")
                .bind(hash)
                .fetch_optional(self.pool())
                .await
                .context("looking up an API token")?;
        Ok(row.map(|(token_id, role, agent_id)| Grant {
            token_id,
            role: Role::parse(&role).unwrap_or(Role::Agent),
            agent_id,
        }))
    }

    pub async fn agent_id_by_email(&self, email: &str) -> anyhow::Result<Option<i64>> {
        sqlx::query_scalar("SELECT id FROM agents WHERE email = $1")
            .bind(email)
            .fetch_optional(self.pool())
            .await
            .context("looking up an agent by email")
    }
}
