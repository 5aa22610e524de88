//! What changing or opening a ticket checks its references against:
//! agents, teams, topics and custom field definitions.
use super::Store;
use crate::domain::{FieldAccess, FieldScope};
use anyhow::Context;
use sqlx::{QueryBuilder, Sqlite};

/// A custom field definition, as values are checked against it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FieldDef {
    pub id: i64,
    pub key: String,
    pub field_type: String,
    /// JSON array of strings (the choices of a select).
    pub options: String,
    /// edit | view | hidden (for agents).
    pub agent_access: String,
}

impl FieldDef {
    pub fn options(&self) -> Vec<String> {
        serde_json::from_str(&self.options).unwrap_or_default()
    }

    /// What agents may do with it (edit, should the stored word be unknown).
    pub fn access(&self) -> FieldAccess {
        FieldAccess::parse(&self.agent_access).unwrap_or(FieldAccess::Edit)
    }
}

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

    /// The definitions of one scope's custom fields.
    pub async fn field_defs(&self, scope: FieldScope) -> anyhow::Result<Vec<FieldDef>> {
        sqlx::query_as(
            "SELECT id, key, field_type, options, agent_access FROM custom_fields WHERE scope = $1 ORDER BY position, key",
        )
        .bind(scope.as_str())
        .fetch_all(self.pool())
        .await
        .context("reading custom field definitions")
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
            .field_defs(scope)
            .await?
            .into_iter()
            .filter(|d| !d.access().seen_by(role))
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
