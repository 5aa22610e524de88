//! Tags: unique names, each in an optional group (column `tag_group`).
use super::Store;
use anyhow::Context;
use chrono::{DateTime, Utc};
use sqlx::SqliteConnection;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Tag {
    pub id: i64,
    pub name: String,
    pub tag_group: Option<String>,
    pub created_at: DateTime<Utc>,
}

const COLUMNS: &str = "id, name, tag_group, created_at";

impl Store {
    /// Every tag, by group (ungrouped first) then name.
    pub async fn tags(&self) -> anyhow::Result<Vec<Tag>> {
        sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM tags ORDER BY tag_group IS NOT NULL, tag_group, name"
        ))
        .fetch_all(self.pool())
        .await
        .context("reading tags")
    }

    pub async fn tag(&self, id: i64) -> anyhow::Result<Option<Tag>> {
        tag_on(&mut *self.pool().acquire().await?, id).await
    }

    pub async fn create_tag(&self, name: &str, group: Option<&str>) -> anyhow::Result<Tag> {
        sqlx::query_as(&format!(
            "INSERT INTO tags (name, tag_group, created_at) VALUES ($1, $2, $3) RETURNING {COLUMNS}"
        ))
        .bind(name)
        .bind(group)
        .bind(super::now())
        .fetch_one(self.writer())
        .await
        .context("creating a tag")
    }

    /// False when there was no such tag; tickets lose it.
    /// Whether a tag of exactly this name exists.
    pub async fn tag_named(&self, name: &str) -> anyhow::Result<bool> {
        let found: Option<i64> = sqlx::query_scalar("SELECT id FROM tags WHERE name = $1")
            .bind(name)
            .fetch_optional(self.pool())
            .await
            .context("looking a tag up by name")?;
        Ok(found.is_some())
    }

    pub async fn delete_tag(&self, id: i64) -> anyhow::Result<bool> {
        let done = sqlx::query("DELETE FROM tags WHERE id = $1")
            .bind(id)
            .execute(self.writer())
            .await
            .context("deleting a tag")?;
        Ok(done.rows_affected() == 1)
    }
}

pub async fn tag_on(conn: &mut SqliteConnection, id: i64) -> anyhow::Result<Option<Tag>> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM tags WHERE id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await
        .context("reading a tag")
}

pub async fn update_tag_on(
    conn: &mut SqliteConnection,
    id: i64,
    name: &str,
    group: Option<&str>,
) -> anyhow::Result<Tag> {
    sqlx::query_as(&format!(
        "UPDATE tags SET name = $1, tag_group = $2 WHERE id = $3 RETURNING {COLUMNS}"
    ))
    .bind(name)
    .bind(group)
    .bind(id)
    .fetch_one(conn)
    .await
    .context("updating a tag")
}
