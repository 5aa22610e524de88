//! Teams and topics: two lists of unique names with the same shape, kept
//! through the same statements on their own tables.
use super::Store;
use anyhow::Context;
use chrono::{DateTime, Utc};

/// Which list of names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Catalog {
    Teams,
    Topics,
}

impl Catalog {
    fn table(self) -> &'static str {
        match self {
            Catalog::Teams => "teams",
            Catalog::Topics => "topics",
        }
    }

    fn what(self) -> &'static str {
        match self {
            Catalog::Teams => "a team",
            Catalog::Topics => "a topic",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Named {
    pub id: i64,
    pub name: String,
    pub created_at: DateTime<Utc>,
}

impl Store {
    pub async fn named_list(&self, catalog: Catalog) -> anyhow::Result<Vec<Named>> {
        let sql = format!(
            "SELECT id, name, created_at FROM {} ORDER BY name, id",
            catalog.table()
        );
        sqlx::query_as(&sql)
            .fetch_all(self.pool())
            .await
            .with_context(|| format!("reading {}", catalog.table()))
    }

    pub async fn named(&self, catalog: Catalog, id: i64) -> anyhow::Result<Option<Named>> {
        let sql = format!(
            "SELECT id, name, created_at FROM {} WHERE id = $1",
            catalog.table()
        );
        sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(self.pool())
            .await
            .with_context(|| format!("reading {}", catalog.what()))
    }

    pub async fn create_named(&self, catalog: Catalog, name: &str) -> anyhow::Result<Named> {
        let sql = format!(
            "INSERT INTO {} (name, created_at) VALUES ($1, $2) RETURNING id, name, created_at",
            catalog.table()
        );
        sqlx::query_as(&sql)
            .bind(name)
            .bind(super::now())
            .fetch_one(self.writer())
            .await
            .with_context(|| format!("creating {}", catalog.what()))
    }

    /// None when there is no such record.
    pub async fn rename_named(
        &self,
        catalog: Catalog,
        id: i64,
        name: &str,
    ) -> anyhow::Result<Option<Named>> {
        let sql = format!(
            "UPDATE {} SET name = $1 WHERE id = $2 RETURNING id, name, created_at",
            catalog.table()
        );
        sqlx::query_as(&sql)
            .bind(name)
            .bind(id)
            .fetch_optional(self.writer())
            .await
            .with_context(|| format!("renaming {}", catalog.what()))
    }

    /// False when there was no such record. Tickets keep working: their
    /// links to it go (team) or become NULL (topic).
    /// The id of the team or topic called `name`, if there is one.
    pub async fn named_id(&self, catalog: Catalog, name: &str) -> anyhow::Result<Option<i64>> {
        let sql = format!("SELECT id FROM {} WHERE name = $1", catalog.table());
        sqlx::query_scalar(&sql)
            .bind(name)
            .fetch_optional(self.pool())
            .await
            .with_context(|| format!("looking {} up by name", catalog.what()))
    }

    pub async fn delete_named(&self, catalog: Catalog, id: i64) -> anyhow::Result<bool> {
        let sql = format!("DELETE FROM {} WHERE id = $1", catalog.table());
        let done = sqlx::query(&sql)
            .bind(id)
            .execute(self.writer())
            .await
            .with_context(|| format!("deleting {}", catalog.what()))?;
        Ok(done.rows_affected() == 1)
    }
}
