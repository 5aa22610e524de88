//! Reply templates as the API manages them: unique name, optional subject,
//! text body and optional HTML body (all tera sources).
use super::Store;
use anyhow::Context;
use chrono::{DateTime, Utc};
use sqlx::SqliteConnection;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Template {
    pub id: i64,
    pub name: String,
    pub subject: Option<String>,
    pub body: String,
    pub body_html: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What a template is made of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateSpec {
    pub name: String,
    pub subject: Option<String>,
    pub body: String,
    pub body_html: Option<String>,
}

const COLUMNS: &str = "id, name, subject, body, body_html, created_at, updated_at";

impl Store {
    pub async fn templates(&self) -> anyhow::Result<Vec<Template>> {
        sqlx::query_as(&format!("SELECT {COLUMNS} FROM templates ORDER BY name"))
            .fetch_all(self.pool())
            .await
            .context("reading templates")
    }

    pub async fn template(&self, id: i64) -> anyhow::Result<Option<Template>> {
        template_on(&mut *self.pool().acquire().await?, id).await
    }

    pub async fn create_template(&self, spec: &TemplateSpec) -> anyhow::Result<Template> {
        sqlx::query_as(&format!(
            "INSERT INTO templates (name, subject, body, body_html, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $5) RETURNING {COLUMNS}"
        ))
        .bind(&spec.name)
        .bind(spec.subject.as_deref())
        .bind(&spec.body)
        .bind(spec.body_html.as_deref())
        .bind(super::now())
        .fetch_one(self.writer())
        .await
        .context("creating a template")
    }

    /// False when there was no such template.
    pub async fn delete_template(&self, id: i64) -> anyhow::Result<bool> {
        let done = sqlx::query("DELETE FROM templates WHERE id = $1")
            .bind(id)
            .execute(self.writer())
            .await
            .context("deleting a template")?;
        Ok(done.rows_affected() == 1)
    }
}

pub async fn template_on(conn: &mut SqliteConnection, id: i64) -> anyhow::Result<Option<Template>> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM templates WHERE id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await
        .context("reading a template")
}

pub async fn update_template_on(
    conn: &mut SqliteConnection,
    id: i64,
    spec: &TemplateSpec,
) -> anyhow::Result<Template> {
    sqlx::query_as(&format!(
        "UPDATE templates SET name = $1, subject = $2, body = $3, body_html = $4, updated_at = $5
         WHERE id = $6 RETURNING {COLUMNS}"
    ))
    .bind(&spec.name)
    .bind(spec.subject.as_deref())
    .bind(&spec.body)
    .bind(spec.body_html.as_deref())
    .bind(super::now())
    .bind(id)
    .fetch_one(conn)
    .await
    .context("updating a template")
}
