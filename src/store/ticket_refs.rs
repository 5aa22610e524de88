//! What changing or opening a ticket checks its references against:
//! agents, teams and topics; which custom fields someone does not see.
use super::Store;
use crate::domain::FieldScope;
use anyhow::Context;
use sqlx::{QueryBuilder, Sqlite};

impl Store {
    /// Whether agent `id` is active; None when there is no such agent.
    pub async fn agent_active(&self, id: i64) -> anyhow::Result<Option<bool>> {
        sqlx::query_scalar("SELECT active FROM agents WHERE id = $1")
            .bind(id)
            .fetch_optional(self.pool())
            .await
            .context("reading an agent")
    }

    /// Those of `ids` that name no team.
    pub async fn missing_teams(&self, ids: &[i64]) -> anyhow::Result<Vec<i64>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut q = QueryBuilder::<Sqlite>::new("SELECT id FROM teams WHERE id IN (");
        let mut list = q.separated(", ");
        for id in ids {
            list.push_bind(*id);
        }
        q.push(")");
        let found: Vec<i64> = q
            .build_query_scalar()
            .fetch_all(self.pool())
            .await
            .context("reading teams")?;
        Ok(ids.iter().copied().filter(|i| !found.contains(i)).collect())
    }

    pub async fn topic_exists(&self, id: i64) -> anyhow::Result<bool> {
        let found: Option<i64> = sqlx::query_scalar("SELECT id FROM topics WHERE id = $1")
            .bind(id)
            .fetch_optional(self.pool())
            .await
            .context("reading a topic")?;
        Ok(found.is_some())
    }

    /// The keys of `scope`'s fields that someone of `role` does not see.
    pub async fn hidden_field_keys(
        &self,
        scope: FieldScope,
        role: crate::domain::Role,
    ) -> anyhow::Result<std::collections::HashSet<String>> {
        if role == crate::domain::Role::Admin {
            return Ok(Default::default());
        }
        Ok(self
            .fields_in(scope)
            .await?
            .into_iter()
            .filter(|d| !d.agent_access.seen_by(role))
            .map(|d| d.key)
            .collect())
    }

    /// Whether ticket `id` exists.
    pub async fn ticket_exists(&self, id: i64) -> anyhow::Result<bool> {
        let found: Option<i64> = sqlx::query_scalar("SELECT id FROM tickets WHERE id = $1")
            .bind(id)
            .fetch_optional(self.pool())
            .await
            .context("reading a ticket")?;
        Ok(found.is_some())
    }
}
