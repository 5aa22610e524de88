//! Contacts: the people who write in, with their contact-scoped custom
//! field values, the notepad agents keep on them (who changed it last and
//! when) and how many of their tickets are open (not resolved).
use super::Store;
use super::ticket_changes::FieldChange;
use super::ticket_details::push_ids;
use super::ticket_sets::write_field_value;
use super::ticket_view::FieldValue;
use crate::domain::FieldScope;
use anyhow::Context;
use chrono::{DateTime, Utc};
use sqlx::{QueryBuilder, Sqlite};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ContactRow {
    pub id: i64,
    pub email: String,
    pub name: Option<String>,
    pub from_domain: String,
    pub notepad: String,
    pub notepad_updated_at: Option<DateTime<Utc>>,
    pub notepad_by_id: Option<i64>,
    pub notepad_by_name: Option<String>,
    pub notepad_by_email: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Their tickets that are not resolved.
    pub open_tickets: i64,
}

#[derive(Debug, Clone)]
pub struct Contact {
    pub row: ContactRow,
    /// Contact-scoped custom field values, in the fields' order.
    pub fields: Vec<FieldValue>,
}

/// The filters of a contact list; every one must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContactQuery {
    /// Found in the address or the name (any case).
    pub text: Option<String>,
    /// Whether they have a ticket that is not resolved.
    pub has_open_ticket: Option<bool>,
    /// A contact field (by id) with this stored value, or without a value.
    pub fields: Vec<(i64, Option<String>)>,
}

/// What a change of a contact sets; None leaves a part as it is.
#[derive(Debug, Clone, Default)]
pub struct ContactChange {
    /// The address and its domain.
    pub email: Option<(String, String)>,
    pub name: Option<Option<String>>,
    pub fields: Vec<FieldChange>,
    pub notepad: Option<String>,
    /// The agent making the change (the notepad's author).
    pub by: Option<i64>,
}

const SELECT: &str = "SELECT c.id, c.email, c.name, c.from_domain, c.notepad,
        c.notepad_updated_at, c.notepad_updated_by AS notepad_by_id,
        a.name AS notepad_by_name, a.email AS notepad_by_email, c.created_at, c.updated_at,
        (SELECT COUNT(*) FROM tickets t WHERE t.requester_id = c.id AND t.status <> 'resolved')
            AS open_tickets
     FROM contacts c LEFT JOIN agents a ON a.id = c.notepad_updated_by";

const OPEN: &str =
    "EXISTS (SELECT 1 FROM tickets t WHERE t.requester_id = c.id AND t.status <> 'resolved')";

/// `LIKE` pattern finding `text` anywhere, its own `%`, `_` and `\` taken literally.
fn contains(text: &str) -> String {
    let mut p = String::with_capacity(text.len() + 2);
    p.push('%');
    for ch in text.chars() {
        if matches!(ch, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(ch);
    }
    p.push('%');
    p
}

fn push_where(q: &mut QueryBuilder<'_, Sqlite>, query: &ContactQuery) {
    q.push(" WHERE 1 = 1");
    if let Some(text) = &query.text {
        let pattern = contains(text);
        q.push(" AND (c.email LIKE ")
            .push_bind(pattern.clone())
            .push(" ESCAPE '\\' OR c.name LIKE ")
            .push_bind(pattern)
            .push(" ESCAPE '\\')");
    }
    match query.has_open_ticket {
        Some(true) => q.push(format!(" AND {OPEN}")),
        Some(false) => q.push(format!(" AND NOT {OPEN}")),
        None => q,
    };
    for (id, value) in &query.fields {
        match value {
            Some(v) => q
                .push(" AND EXISTS (SELECT 1 FROM contact_field_values x WHERE x.contact_id = c.id AND x.field_id = ")
                .push_bind(*id)
                .push(" AND x.value = ")
                .push_bind(v.clone())
                .push(")"),
            None => q
                .push(" AND NOT EXISTS (SELECT 1 FROM contact_field_values x WHERE x.contact_id = c.id AND x.field_id = ")
                .push_bind(*id)
                .push(")"),
        };
    }
}

impl Store {
    /// A page of the contacts `query` selects, newest first, and how many
    /// it selects in all.
    pub async fn contact_page(
        &self,
        query: &ContactQuery,
        limit: i64,
        offset: i64,
    ) -> anyhow::Result<(Vec<Contact>, i64)> {
        let mut count = QueryBuilder::<Sqlite>::new("SELECT COUNT(*) FROM contacts c");
        push_where(&mut count, query);
        let total: i64 = count
            .build_query_scalar()
            .fetch_one(self.pool())
            .await
            .context("counting contacts")?;
        let mut q = QueryBuilder::<Sqlite>::new(SELECT);
        push_where(&mut q, query);
        q.push(" ORDER BY c.id DESC LIMIT ")
            .push_bind(limit)
            .push(" OFFSET ")
            .push_bind(offset);
        let rows: Vec<ContactRow> = q
            .build_query_as()
            .fetch_all(self.pool())
            .await
            .context("reading contacts")?;
        Ok((self.with_fields(rows).await?, total))
    }

    pub async fn contact(&self, id: i64) -> anyhow::Result<Option<Contact>> {
        let row: Option<ContactRow> = sqlx::query_as(&format!("{SELECT} WHERE c.id = $1"))
            .bind(id)
            .fetch_optional(self.pool())
            .await
            .context("reading a contact")?;
        Ok(self.with_fields(row.into_iter().collect()).await?.pop())
    }

    /// Whether contact `id` exists.
    pub async fn contact_exists(&self, id: i64) -> anyhow::Result<bool> {
        let found: Option<i64> = sqlx::query_scalar("SELECT id FROM contacts WHERE id = $1")
            .bind(id)
            .fetch_optional(self.pool())
            .await
            .context("reading a contact")?;
        Ok(found.is_some())
    }

    async fn with_fields(&self, rows: Vec<ContactRow>) -> anyhow::Result<Vec<Contact>> {
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let mut q = QueryBuilder::<Sqlite>::new(
            "SELECT v.contact_id, f.key, f.field_type, v.value FROM contact_field_values v
             JOIN custom_fields f ON f.id = v.field_id WHERE v.contact_id",
        );
        push_ids(&mut q, &ids);
        q.push(" ORDER BY f.position, f.key");
        let values: Vec<(i64, String, String, String)> = q
            .build_query_as()
            .fetch_all(self.pool())
            .await
            .context("reading contacts' field values")?;
        Ok(rows
            .into_iter()
            .map(|row| {
                let fields = values
                    .iter()
                    .filter(|v| v.0 == row.id)
                    .map(|(_, key, field_type, value)| FieldValue {
                        key: key.clone(),
                        field_type: field_type.clone(),
                        value: value.clone(),
                    })
                    .collect();
                Contact { row, fields }
            })
            .collect())
    }

    /// A page of contact `id`'s tickets, most recently updated first, and
    /// how many they have.
    pub async fn contact_tickets(
        &self,
        id: i64,
        limit: i64,
        offset: i64,
    ) -> anyhow::Result<(Vec<i64>, i64)> {
        let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM tickets WHERE requester_id = $1")
            .bind(id)
            .fetch_one(self.pool())
            .await
            .context("counting a contact's tickets")?;
        let ids = sqlx::query_scalar(
            "SELECT id FROM tickets WHERE requester_id = $1
             ORDER BY updated_at DESC, id DESC LIMIT $2 OFFSET $3",
        )
        .bind(id)
        .bind(limit)
        .bind(offset)
        .fetch_all(self.pool())
        .await
        .context("reading a contact's tickets")?;
        Ok((ids, total))
    }

    /// Changes contact `id` in one transaction; false when there is none.
    pub async fn change_contact(&self, id: i64, change: &ContactChange) -> anyhow::Result<bool> {
        let mut tx = self.begin_write().await?;
        let now = super::now();
        let found = sqlx::query(
            "UPDATE contacts SET
                email = COALESCE($2, email), from_domain = COALESCE($3, from_domain),
                name = CASE WHEN $4 THEN $5 ELSE name END,
                notepad = COALESCE($6, notepad),
                notepad_updated_by = CASE WHEN $6 IS NULL THEN notepad_updated_by ELSE $7 END,
                notepad_updated_at = CASE WHEN $6 IS NULL THEN notepad_updated_at ELSE $8 END,
                updated_at = $8
             WHERE id = $1",
        )
        .bind(id)
        .bind(change.email.as_ref().map(|e| &e.0))
        .bind(change.email.as_ref().map(|e| &e.1))
        .bind(change.name.is_some())
        .bind(change.name.clone().flatten())
        .bind(&change.notepad)
        .bind(change.by)
        .bind(now)
        .execute(&mut *tx)
        .await
        .context("changing a contact")?;
        if found.rows_affected() == 0 {
            return Ok(false);
        }
        for f in &change.fields {
            write_field_value(&mut tx, FieldScope::Contact, id, f).await?;
        }
        tx.commit().await.context("committing a contact change")?;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::contains;

    #[test]
    fn search_text_is_taken_literally_inside_the_pattern() {
        assert_eq!(contains("ann"), "%ann%");
        assert_eq!(contains("50%_off\\"), "%50\\%\\_off\\\\%");
    }
}
