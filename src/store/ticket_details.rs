//! Many tickets read whole at once (a page of the list): five queries
//! whatever the page size.
use super::Store;
use super::ticket_view::{BASE_SELECT, FieldValue, TicketBase, TicketDetail};
use anyhow::Context;
use sqlx::{QueryBuilder, Sqlite};
use std::collections::HashMap;

impl Store {
    /// The tickets `ids` whole, in that order (missing ones left out), in
    /// five concurrent queries.
    pub async fn ticket_details(&self, ids: &[i64]) -> anyhow::Result<Vec<TicketDetail>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        // Independent reads, each on its own pooled connection.
        let (bases, teams, tags, fields, participants) = tokio::try_join!(
            self.bases_of(ids),
            self.teams_of(ids),
            self.tags_of(ids),
            self.fields_of(ids),
            self.participants_of(ids)
        )?;
        let mut details: HashMap<i64, TicketDetail> = bases
            .into_iter()
            .map(|base| (base.id, TicketDetail::new(base)))
            .collect();
        for (id, team_id, name) in teams {
            if let Some(d) = details.get_mut(&id) {
                d.teams.push((team_id, name));
            }
        }
        for (id, name) in tags {
            if let Some(d) = details.get_mut(&id) {
                d.tags.push(name);
            }
        }
        for (id, field) in fields {
            if let Some(d) = details.get_mut(&id) {
                d.fields.push(field);
            }
        }
        for (id, p) in participants {
            if let Some(d) = details.get_mut(&id) {
                d.participants.push(p);
            }
        }
        Ok(ids.iter().filter_map(|id| details.remove(id)).collect())
    }

    async fn bases_of(&self, ids: &[i64]) -> anyhow::Result<Vec<TicketBase>> {
        let mut q = QueryBuilder::<Sqlite>::new(BASE_SELECT);
        q.push(" WHERE t.id");
        push_ids(&mut q, ids);
        q.build_query_as()
            .fetch_all(self.pool())
            .await
            .context("reading tickets")
    }

    async fn teams_of(&self, ids: &[i64]) -> anyhow::Result<Vec<(i64, i64, String)>> {
        let mut q = QueryBuilder::<Sqlite>::new(
            "SELECT tt.ticket_id, tm.id, tm.name FROM ticket_teams tt JOIN teams tm ON tm.id = tt.team_id WHERE tt.ticket_id",
        );
        push_ids(&mut q, ids);
        q.push(" ORDER BY tm.name");
        q.build_query_as()
            .fetch_all(self.pool())
            .await
            .context("reading tickets' teams")
    }

    async fn tags_of(&self, ids: &[i64]) -> anyhow::Result<Vec<(i64, String)>> {
        let mut q = QueryBuilder::<Sqlite>::new(
            "SELECT tt.ticket_id, tg.name FROM ticket_tags tt JOIN tags tg ON tg.id = tt.tag_id WHERE tt.ticket_id",
        );
        push_ids(&mut q, ids);
        q.push(" ORDER BY tg.name");
        q.build_query_as()
            .fetch_all(self.pool())
            .await
            .context("reading tickets' tags")
    }

    async fn fields_of(&self, ids: &[i64]) -> anyhow::Result<Vec<(i64, FieldValue)>> {
        let mut q = QueryBuilder::<Sqlite>::new(
            "SELECT v.ticket_id, f.key, f.field_type, v.value FROM ticket_field_values v
             JOIN custom_fields f ON f.id = v.field_id WHERE v.ticket_id",
        );
        push_ids(&mut q, ids);
        q.push(" ORDER BY f.position, f.key");
        let rows: Vec<(i64, String, String, String)> = q
            .build_query_as()
            .fetch_all(self.pool())
            .await
            .context("reading tickets' field values")?;
        Ok(rows
            .into_iter()
            .map(|(id, key, field_type, value)| {
                (
                    id,
                    FieldValue {
                        key,
                        field_type,
                        value,
                    },
                )
            })
            .collect())
    }
}

/// ` IN (…)` over at most a page of ids.
pub(super) fn push_ids(q: &mut QueryBuilder<'_, Sqlite>, ids: &[i64]) {
    q.push(" IN (");
    let mut list = q.separated(", ");
    for id in ids {
        list.push_bind(*id);
    }
    q.push(")");
}
