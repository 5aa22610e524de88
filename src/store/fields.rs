//! Custom field definitions: scope (ticket or contact), key, label, type,
//! options and position. A type or scope change, or dropping a select
//! option, that would strand stored values is refused in the transaction
//! that would make it.
use super::{Modified, Store};
use crate::domain::{FieldAccess, FieldScope, FieldType};
use anyhow::Context;
use chrono::{DateTime, Utc};
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqliteConnection};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldDef {
    pub id: i64,
    pub scope: FieldScope,
    pub key: String,
    pub label: String,
    pub field_type: FieldType,
    pub options: Vec<String>,
    pub position: i64,
    pub agent_access: FieldAccess,
    pub created_at: DateTime<Utc>,
}

/// What a definition is made of (position None: after the last one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldSpec {
    pub scope: FieldScope,
    pub key: String,
    pub label: String,
    pub field_type: FieldType,
    pub options: Vec<String>,
    pub position: Option<i64>,
    pub agent_access: FieldAccess,
}

/// What became of an update of a field that exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldUpdate {
    Updated(FieldDef),
    /// The type would change while tickets hold values (how many).
    TypeInUse(i64),
    /// The scope would change while values are held (how many).
    ScopeInUse(i64),
    /// These options would go while tickets hold them.
    OptionsInUse(Vec<String>),
}

const COLUMNS: &str =
    "id, scope, key, label, field_type, options, position, agent_access, created_at";

impl Store {
    /// Every custom field: the ticket fields, then the contact fields, each
    /// by position.
    pub async fn fields(&self) -> anyhow::Result<Vec<FieldDef>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM custom_fields ORDER BY scope = 'contact', position, id"
        ))
        .fetch_all(self.pool())
        .await
        .context("reading custom fields")?;
        rows.iter().map(field_from_row).collect()
    }

    /// The custom fields of one scope, by position.
    pub async fn fields_in(&self, scope: FieldScope) -> anyhow::Result<Vec<FieldDef>> {
        let mut all = self.fields().await?;
        all.retain(|f| f.scope == scope);
        Ok(all)
    }

    pub async fn field(&self, id: i64) -> anyhow::Result<Option<FieldDef>> {
        field_on(&mut *self.pool().acquire().await?, id).await
    }

    pub async fn create_field(&self, spec: &FieldSpec) -> anyhow::Result<FieldDef> {
        let row = sqlx::query(&format!(
            "INSERT INTO custom_fields (scope, key, label, field_type, options, position, created_at, agent_access)
             VALUES ($7, $1, $2, $3, $4,
                COALESCE($5, (SELECT COALESCE(MAX(position) + 1, 0) FROM custom_fields WHERE scope = $7)), $6, $8)
             RETURNING {COLUMNS}"
        ))
        .bind(&spec.key)
        .bind(&spec.label)
        .bind(spec.field_type.as_str())
        .bind(serde_json::to_string(&spec.options)?)
        .bind(spec.position)
        .bind(super::now())
        .bind(spec.scope.as_str())
        .bind(spec.agent_access.as_str())
        .fetch_one(self.writer())
        .await
        .context("creating a custom field")?;
        field_from_row(&row)
    }

    /// Changes field `id` by `change`, given the field as it is inside the
    /// write transaction (so a concurrent change is seen, not overwritten),
    /// unless stored values stand in the way.
    pub async fn modify_field<E>(
        &self,
        id: i64,
        change: impl FnOnce(FieldDef) -> Result<FieldSpec, E>,
    ) -> anyhow::Result<Modified<E, FieldUpdate>> {
        self.modify(
            async |c| field_on(c, id).await,
            |current| {
                let was = (current.scope, current.field_type);
                change(current).map(|spec| (was, spec))
            },
            async |c, (was, spec)| replace_field(c, id, was, &spec).await,
        )
        .await
    }

    /// False when there was no such field; its values go with it.
    pub async fn delete_field(&self, id: i64) -> anyhow::Result<bool> {
        let done = sqlx::query("DELETE FROM custom_fields WHERE id = $1")
            .bind(id)
            .execute(self.writer())
            .await
            .context("deleting a custom field")?;
        Ok(done.rows_affected() == 1)
    }
}

async fn field_on(conn: &mut SqliteConnection, id: i64) -> anyhow::Result<Option<FieldDef>> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM custom_fields WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(conn)
    .await
    .context("reading a custom field")?;
    row.as_ref().map(field_from_row).transpose()
}

/// Writes `spec` over field `id` (of scope and type `was`), unless the
/// scope or type would change under stored values or a select would lose
/// an option in use.
async fn replace_field(
    conn: &mut SqliteConnection,
    id: i64,
    (scope, was): (FieldScope, FieldType),
    spec: &FieldSpec,
) -> anyhow::Result<FieldUpdate> {
    let table = scope.values_table();
    let values: Vec<String> = sqlx::query_scalar(&format!(
        "SELECT DISTINCT value FROM {table} WHERE field_id = $1"
    ))
    .bind(id)
    .fetch_all(&mut *conn)
    .await
    .context("reading a custom field's values")?;
    let moved = scope != spec.scope;
    if (moved || was != spec.field_type) && !values.is_empty() {
        let n: i64 =
            sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table} WHERE field_id = $1"))
                .bind(id)
                .fetch_one(&mut *conn)
                .await?;
        return Ok(match moved {
            true => FieldUpdate::ScopeInUse(n),
            false => FieldUpdate::TypeInUse(n),
        });
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
            position = COALESCE($5, position), scope = $7, agent_access = $8
         WHERE id = $6 RETURNING {COLUMNS}"
    ))
    .bind(&spec.key)
    .bind(&spec.label)
    .bind(spec.field_type.as_str())
    .bind(serde_json::to_string(&spec.options)?)
    .bind(spec.position)
    .bind(id)
    .bind(spec.scope.as_str())
    .bind(spec.agent_access.as_str())
    .fetch_one(conn)
    .await
    .context("updating a custom field")?;
    Ok(FieldUpdate::Updated(field_from_row(&row)?))
}

fn field_from_row(row: &SqliteRow) -> anyhow::Result<FieldDef> {
    let key: String = row.try_get("key")?;
    let field_type = FieldType::parse(&row.try_get::<String, _>("field_type")?)
        .map_err(|e| anyhow::anyhow!("custom field {key}: {e}"))?;
    let options: Vec<String> = serde_json::from_str(&row.try_get::<String, _>("options")?)
        .with_context(|| format!("custom field {key}: stored options are not a JSON list"))?;
    let scope = FieldScope::parse(&row.try_get::<String, _>("scope")?)
        .map_err(|e| anyhow::anyhow!("custom field {key}: {e}"))?;
    let agent_access = FieldAccess::parse(&row.try_get::<String, _>("agent_access")?)
        .map_err(|e| anyhow::anyhow!("custom field {key}: {e}"))?;
    Ok(FieldDef {
        id: row.try_get("id")?,
        scope,
        agent_access,
        label: row.try_get("label")?,
        position: row.try_get("position")?,
        created_at: row.try_get("created_at")?,
        key,
        field_type,
        options,
    })
}
