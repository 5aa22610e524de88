//! A ticket's sets (teams, tags, custom field values), replaced inside the
//! caller's transaction; each says what it added and removed.
use super::ticket_changes::FieldChange;
use super::{CHUNK, Tx};
use crate::domain::FieldScope;
use anyhow::Context;
use chrono::{DateTime, Utc};
use sqlx::{QueryBuilder, Sqlite};
use std::collections::BTreeSet;

/// What replacing a set changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetDiff<T> {
    pub added: Vec<T>,
    pub removed: Vec<T>,
}

impl<T> SetDiff<T> {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty()
    }
}

fn diff<T: Ord + Clone>(before: &BTreeSet<T>, after: &BTreeSet<T>) -> SetDiff<T> {
    SetDiff {
        added: after.difference(before).cloned().collect(),
        removed: before.difference(after).cloned().collect(),
    }
}

/// Makes the ticket's teams exactly `team_ids`.
pub async fn set_teams(
    tx: &mut Tx<'_>,
    ticket_id: i64,
    team_ids: &[i64],
) -> anyhow::Result<SetDiff<i64>> {
    let before: BTreeSet<i64> =
        sqlx::query_scalar("SELECT team_id FROM ticket_teams WHERE ticket_id = $1")
            .bind(ticket_id)
            .fetch_all(&mut **tx)
            .await
            .context("reading a ticket's teams")?
            .into_iter()
            .collect();
    let after: BTreeSet<i64> = team_ids.iter().copied().collect();
    let d = diff(&before, &after);
    for team in &d.removed {
        sqlx::query("DELETE FROM ticket_teams WHERE ticket_id = $1 AND team_id = $2")
            .bind(ticket_id)
            .bind(team)
            .execute(&mut **tx)
            .await
            .context("taking a ticket from a team")?;
    }
    for chunk in d.added.chunks(CHUNK) {
        let mut q = QueryBuilder::<Sqlite>::new("INSERT INTO ticket_teams (ticket_id, team_id) ");
        q.push_values(chunk, |mut b, team| {
            b.push_bind(ticket_id).push_bind(*team);
        });
        q.build()
            .execute(&mut **tx)
            .await
            .context("giving a ticket to a team")?;
    }
    Ok(d)
}

/// Makes the ticket's tags exactly `names`, creating unknown tags.
pub async fn set_tags(
    tx: &mut Tx<'_>,
    ticket_id: i64,
    names: &[String],
    now: DateTime<Utc>,
) -> anyhow::Result<SetDiff<String>> {
    let rows: Vec<(i64, String)> = sqlx::query_as(
        "SELECT t.id, t.name FROM ticket_tags tt JOIN tags t ON t.id = tt.tag_id WHERE tt.ticket_id = $1",
    )
    .bind(ticket_id)
    .fetch_all(&mut **tx)
    .await
    .context("reading a ticket's tags")?;
    let before: BTreeSet<String> = rows.iter().map(|(_, n)| n.clone()).collect();
    let after: BTreeSet<String> = names.iter().cloned().collect();
    let d = diff(&before, &after);
    for (id, name) in &rows {
        if d.removed.contains(name) {
            sqlx::query("DELETE FROM ticket_tags WHERE ticket_id = $1 AND tag_id = $2")
                .bind(ticket_id)
                .bind(id)
                .execute(&mut **tx)
                .await
                .context("removing a tag")?;
        }
    }
    for name in &d.added {
        let tag: i64 = sqlx::query_scalar(
            "INSERT INTO tags (name, created_at) VALUES ($1, $2)
             ON CONFLICT (name) DO UPDATE SET name = excluded.name RETURNING id",
        )
        .bind(name)
        .bind(now)
        .fetch_one(&mut **tx)
        .await
        .context("finding or creating a tag")?;
        sqlx::query("INSERT INTO ticket_tags (ticket_id, tag_id) VALUES ($1, $2)")
            .bind(ticket_id)
            .bind(tag)
            .execute(&mut **tx)
            .await
            .context("tagging a ticket")?;
    }
    Ok(d)
}

/// Sets (or, for None, removes) custom field values. Returns each change
/// that altered something, with the stored text it replaced.
pub async fn set_fields<'a>(
    tx: &mut Tx<'_>,
    ticket_id: i64,
    fields: &'a [FieldChange],
) -> anyhow::Result<Vec<(&'a FieldChange, Option<String>)>> {
    let mut changed = Vec::new();
    for f in fields {
        let from: Option<String> = sqlx::query_scalar(
            "SELECT value FROM ticket_field_values WHERE ticket_id = $1 AND field_id = $2",
        )
        .bind(ticket_id)
        .bind(f.field_id)
        .fetch_optional(&mut **tx)
        .await
        .context("reading a field value")?;
        if from == f.value {
            continue;
        }
        write_field_value(tx, FieldScope::Ticket, ticket_id, f).await?;
        changed.push((f, from));
    }
    Ok(changed)
}

/// Stores (or, for None, removes) one custom field value of ticket or
/// contact `owner`, as `scope` says.
pub(super) async fn write_field_value(
    tx: &mut Tx<'_>,
    scope: FieldScope,
    owner: i64,
    f: &FieldChange,
) -> anyhow::Result<()> {
    let table = scope.values_table();
    let column = match scope {
        FieldScope::Ticket => "ticket_id",
        FieldScope::Contact => "contact_id",
    };
    let sql = match f.value {
        Some(_) => format!(
            "INSERT INTO {table} ({column}, field_id, value) VALUES ($1, $2, $3)
             ON CONFLICT ({column}, field_id) DO UPDATE SET value = excluded.value"
        ),
        None => format!("DELETE FROM {table} WHERE {column} = $1 AND field_id = $2"),
    };
    let mut q = sqlx::query(&sql).bind(owner).bind(f.field_id);
    if let Some(v) = &f.value {
        q = q.bind(v.as_str());
    }
    q.execute(&mut **tx)
        .await
        .context("storing a field value")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_set_diff_names_what_came_and_went() {
        let before: BTreeSet<i64> = [1, 2, 3].into();
        let after: BTreeSet<i64> = [2, 3, 4].into();
        let d = diff(&before, &after);
        assert_eq!(d.added, vec![4]);
        assert_eq!(d.removed, vec![1]);
        assert!(diff(&before, &before).is_empty());
    }
}
