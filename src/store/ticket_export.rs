//! Every ticket a list selects, as flat rows for an export, read in one
//! streaming query and handed on in batches (never the whole set in memory).
use super::Store;
use super::ticket_list::{Cond, Style, TicketQuery, push_order, push_where};
use anyhow::Context;
use futures::TryStreamExt;
use sqlx::{QueryBuilder, Sqlite};
use tokio::sync::mpsc;

/// Rows handed on at a time.
const BATCH: usize = 500;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ExportRow {
    pub id: i64,
    pub short_id: String,
    pub subject: String,
    pub status: String,
    pub priority: String,
    pub requester_email: String,
    pub requester_name: Option<String>,
    pub from_domain: String,
    /// The assignee's email.
    pub assignee: Option<String>,
    /// Team names, `; `-separated, by name.
    pub teams: Option<String>,
    pub topic: Option<String>,
    /// Tag names, `; `-separated, by name.
    pub tags: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    pub due_at: Option<chrono::DateTime<chrono::Utc>>,
    /// The custom field values as a JSON object of field id → stored text.
    pub fields: Option<String>,
}

const EXPORT_SELECT: &str = "SELECT t.id, t.short_id, t.subject, t.status, t.priority,
        c.email AS requester_email, c.name AS requester_name, t.from_domain, a.email AS assignee,
        (SELECT group_concat(tm.name, '; ' ORDER BY tm.name) FROM ticket_teams x
         JOIN teams tm ON tm.id = x.team_id WHERE x.ticket_id = t.id) AS teams,
        tp.name AS topic,
        (SELECT group_concat(tg.name, '; ' ORDER BY tg.name) FROM ticket_tags x
         JOIN tags tg ON tg.id = x.tag_id WHERE x.ticket_id = t.id) AS tags,
        t.created_at, t.updated_at, t.due_at,
        (SELECT json_group_object(x.field_id, x.value) FROM ticket_field_values x
         WHERE x.ticket_id = t.id) AS fields
     FROM tickets t
     JOIN contacts c ON c.id = t.requester_id
     LEFT JOIN agents a ON a.id = t.assignee_id
     LEFT JOIN topics tp ON tp.id = t.topic_id";

impl Store {
    /// Sends every ticket `query` selects, in its order, to `out` in
    /// batches; stops early (without error) when `out` is closed.
    pub async fn export_tickets(
        &self,
        query: &TicketQuery,
        out: &mpsc::Sender<Vec<ExportRow>>,
    ) -> anyhow::Result<()> {
        let mut q = QueryBuilder::<Sqlite>::new(EXPORT_SELECT);
        let conds: Vec<&Cond> = query.conds.iter().collect();
        push_where(&mut q, &conds, Style::Set);
        push_order(&mut q, query.sort);
        let mut rows = q.build_query_as::<ExportRow>().fetch(self.pool());
        let mut batch = Vec::with_capacity(BATCH);
        while let Some(row) = rows.try_next().await.context("exporting tickets")? {
            batch.push(row);
            if batch.len() == BATCH && out.send(std::mem::take(&mut batch)).await.is_err() {
                return Ok(());
            }
        }
        if !batch.is_empty() {
            let _ = out.send(batch).await;
        }
        Ok(())
    }
}
