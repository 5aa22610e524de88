//! API tokens, stored as keyed hashes only.
use super::Store;
use crate::domain::Role;
use anyhow::Context;
use chrono::{DateTime, Utc};

/// A token as the admin page lists it (never the token itself).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TokenRecord {
    pub id: i64,
    pub name: String,
    pub role: String,
    pub agent_name: Option<String>,
    pub agent_email: Option<String>,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
}

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

    /// The grant a token carries now: its agent's current state and role
    /// bound it. A token of a deactivated or deleted agent grants nothing; a
    /// token made while its agent was admin acts as agent once the agent is
    /// demoted (the lesser of the two roles). A token without an agent (the
    /// bootstrap admin token) keeps its own role.
    pub async fn grant_of(&self, hash: &str) -> anyhow::Result<Option<Grant>> {
        let row: Option<TokenRow> = sqlx::query_as(
            "SELECT t.id, t.role, t.agent_id, a.id IS NOT NULL, a.role, COALESCE(a.active, FALSE)
             FROM api_tokens t LEFT JOIN agents a ON a.id = t.agent_id
             WHERE t.token_hash = $1",
        )
        .bind(hash)
        .fetch_optional(self.pool())
        .await
        .context("looking up an API token")?;
        Ok(row.and_then(current_grant))
    }

    /// Every token by name, with the agent it acts for.
    pub async fn tokens(&self) -> anyhow::Result<Vec<TokenRecord>> {
        sqlx::query_as(
            "SELECT t.id, t.name, t.role, a.name AS agent_name, a.email AS agent_email,
                    t.created_at, t.last_used_at
             FROM api_tokens t LEFT JOIN agents a ON a.id = t.agent_id
             ORDER BY t.name, t.id",
        )
        .fetch_all(self.pool())
        .await
        .context("reading API tokens")
    }

    /// Revokes a token: it no longer authenticates. False if there was none.
    pub async fn revoke_token(&self, id: i64) -> anyhow::Result<bool> {
        let done = sqlx::query("DELETE FROM api_tokens WHERE id = $1")
            .bind(id)
            .execute(self.writer())
            .await
            .context("revoking an API token")?;
        Ok(done.rows_affected() == 1)
    }

    /// Records that a token was used at `at`.
    pub async fn mark_token_used(&self, id: i64, at: DateTime<Utc>) -> anyhow::Result<()> {
        sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
            .bind(at)
            .bind(id)
            .execute(self.writer())
            .await
            .context("recording a token's use")?;
        Ok(())
    }

    pub async fn agent_id_by_email(&self, email: &str) -> anyhow::Result<Option<i64>> {
        sqlx::query_scalar("SELECT id FROM agents WHERE email = $1")
            .bind(email)
            .fetch_optional(self.pool())
            .await
            .context("looking up an agent by email")
    }
}

/// id, token role, agent id, agent found, agent role, agent active.
type TokenRow = (i64, String, Option<i64>, bool, Option<String>, bool);

/// The token's grant bounded by its agent as it is now (see `grant_of`).
fn current_grant(row: TokenRow) -> Option<Grant> {
    let (token_id, role, agent_id, found, agent_role, active) = row;
    let token_role = Role::parse(&role).unwrap_or(Role::Agent);
    let role = match agent_id {
        None => token_role,
        Some(_) if !found || !active => return None,
        Some(_) => match agent_role.as_deref().map(Role::parse) {
            Some(Ok(Role::Admin)) => token_role,
            _ => Role::Agent,
        },
    };
    Some(Grant {
        token_id,
        role,
        agent_id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(token: &str, agent: Option<(&str, bool)>) -> TokenRow {
        let role = agent.map(|(r, _)| r.to_string());
        let active = agent.is_some_and(|(_, a)| a);
        (1, token.into(), Some(7), agent.is_some(), role, active)
    }

    #[test]
    fn a_grant_is_bounded_by_the_agent_as_it_is_now() {
        let role = |r: TokenRow| current_grant(r).map(|g| g.role);
        let cases = [
            (row("admin", Some(("admin", true))), Some(Role::Admin)),
            (row("admin", Some(("agent", true))), Some(Role::Agent)),
            (row("agent", Some(("admin", true))), Some(Role::Agent)),
            (row("agent", Some(("agent", true))), Some(Role::Agent)),
            (row("admin", Some(("admin", false))), None),
            (row("agent", None), None),
            (
                (1, "admin".into(), None, false, None, false),
                Some(Role::Admin),
            ),
        ];
        for (r, want) in cases {
            assert_eq!(role(r.clone()), want, "{r:?}");
        }
    }
}
