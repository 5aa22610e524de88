//! Custom field definitions (ticket scope): key, label, type, options and
//! position. A type change, or dropping a select option, that would strand
//! stored values is refused in the transaction that would make it.
use super::Store;
use crate::domain::FieldType;
use anyhow::Context;
use chrono::{DateTime, Utc};
use sqlx::Row;
use sqlx::sqlite::SqliteRow;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldDef {
    pub id: i64,
    pub key: String,
    pub label: String,
    pub field_type: FieldType,
    pub options: Vec<String>,
    pub position: i64,
    pub created_at: DateTime<Utc>,
}

/// What a definition is made of (position None: after the last one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldSpec {
    pub key: String,
    pub label: String,
    pub field_type: FieldType,
    pub options: Vec<String>,
    pub position: Option<i64>,
}

/// What became of an update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldUpdate<E> {
    Updated(FieldDef),
    NotFound,
    /// The change refused the field as it is.
    Refused(E),
    /// The type would change while tickets hold values (how many).
    TypeInUse(i64),
    /// These options would go while tickets hold them.
    OptionsInUse(Vec<String>),
}

const COLUMNS: &str = "id, key, label, field_type, options, position, created_at";

impl Store {
    pub async fn fields(&self) -> anyhow::Result<Vec<FieldDef>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM custom_fields WHERE scope = 'ticket' ORDER BY position, id"
        ))
        .fetch_all(self.pool())
        .await
        .context("reading custom fields")?;
        rows.iter().map(field_from_row).collect()
    }

    pub async fn field(&self, id: i64) -> anyhow::Result<Option<FieldDef>> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM custom_fields WHERE scope = 'ticket' AND id = $1"
        ))
        .bind(id)
        .fetch_optional(self.pool())
        .await
        .context("reading a custom field")?;
        row.as_ref().map(field_from_row).transpose()
    }

    pub async fn create_field(&self, spec: &FieldSpec) -> anyhow::Result<FieldDef> {
        let row = sqlx::query(&format!(
            "INSERT INTO custom_fields (scope, key, label, field_type, options, position, created_at)
             VALUES ('ticket', $1, $2, $3, $4,
                COALESCE($5, (SELECT COALESCE(MAX(position) + 1, 0) FROM custom_fields WHERE scope = 'ticket')), $6)
             RETURNING {COLUMNS}"
        ))
        .bind(&spec.key)
        .bind(&spec.label)
        .bind(spec.field_type.as_str())
        .bind(serde_json::to_string(&spec.options)?)
        .bind(spec.position)
        .bind(super::now())
        .fetch_one(self.writer())
        .await
        .context("creating a custom field")?;
        field_from_row(&row)
    }

    /// Replaces a definition, unless stored values stand in the way.
    /// Changes field `id` by `change`, given the field as it is inside the
    /// write transaction (so a concurrent change is seen, not overwritten).
    pub async fn modify_field<E>(
        &self,
        id: i64,
        change: impl FnOnce(FieldDef) -> Result<FieldSpec, E>,
    ) -> anyhow::Result<FieldUpdate<E>> {
        let mut tx = self.begin_write().await?;
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM custom_fields WHERE scope = 'ticket' AND id = $1"
        ))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await
        .context("reading a custom field")?;
        let Some(current) = row.as_ref().map(field_from_row).transpose()? else {
            return Ok(FieldUpdate::NotFound);
        };
        let current_type = current.field_type;
        let spec = match change(current) {
            Ok(spec) => spec,
            Err(e) => return Ok(FieldUpdate::Refused(e)),
        };
        let values: Vec<String> = sqlx::query_scalar(
            "SELECT DISTINCT value FROM ticket_field_values WHERE field_id = $1",
        )
        .bind(id)
        .fetch_all(&mut *tx)
        .await
        .context("reading a custom field's values")?;
        if current_type != spec.field_type && !values.is_empty() {
            let n: i64 =
                sqlx::query_scalar("SELECT COUNT(*) FROM ticket_field_values WHERE field_id = $1")
                    .bind(id)
                    .fetch_one(&mut *tx)
                    .await?;
            return Ok(FieldUpdate::TypeInUse(n));
        }
        if spec.field_type == FieldType::Select {
            let stranded: Vec<String> = values
                .into_iter()
                .filter(|v| !spec.options.contains(v))
                .collect();
            if !stranded.is_empty() {
                return Ok(FieldUpdate::OptionsInUse(stranded));
            }
        }
        let row = sqlx::query(&format!(
            "UPDATE custom_fields SET key = $1, label = $2, field_type = $3, options = $4,
                position = COALESCE($5, position) WHERE id = $6 RETURNING {COLUMNS}"
        ))
        .bind(&spec.key)
        .bind(&spec.label)
        .bind(spec.field_type.as_str())
        .bind(serde_json::to_string(&spec.options)?)
        .bind(spec.position)
        .bind(id)
        .fetch_one(&mut *tx)
        .await
        .context("updating a custom field")?;
        let updated = field_from_row(&row)?;
        tx.commit().await.context("committing a custom field")?;
        Ok(FieldUpdate::Updated(updated))
    }

    /// False when there was no such field; its values go with it.
    pub async fn delete_field(&self, id: i64) -> anyhow::Result<bool> {
        let done = sqlx::query("DELETE FROM custom_fields WHERE scope = 'ticket' AND id = $1")
            .bind(id)
            .execute(self.writer())
            .await
            .context("deleting a custom field")?;
        Ok(done.rows_affected() == 1)
    }
}

fn field_from_row(row: &SqliteRow) -> anyhow::Result<FieldDef> {
    let key: String = row.try_get("key")?;
    let field_type = FieldType::parse(&row.try_get::<String, _>("field_type")?)
        .map_err(|e| anyhow::anyhow!("custom field {key}: {e}"))?;
    let options: Vec<String> = serde_json::from_str(&row.try_get::<String, _>("options")?)
        .with_context(|| format!("custom field {key}: stored options are not a JSON list"))?;
    Ok(FieldDef {
        id: row.try_get("id")?,
        label: row.try_get("label")?,
        position: row.try_get("position")?,
        created_at: row.try_get("created_at")?,
        key,
        field_type,
        options,
    })
}
