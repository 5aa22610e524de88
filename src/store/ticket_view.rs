//! Reading one ticket whole: its row, people, teams, tags and field values.
use super::Store;
use anyhow::Context;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TicketBase {
    pub id: i64,
    pub short_id: String,
    pub subject: String,
    pub status: String,
    pub priority: String,
    pub requester_id: i64,
    pub requester_email: String,
    pub requester_name: Option<String>,
    pub from_domain: String,
    pub email_domain_id: Option<i64>,
    pub assignee_id: Option<i64>,
    pub assignee_name: Option<String>,
    pub assignee_email: Option<String>,
    pub topic_id: Option<i64>,
    pub topic_name: Option<String>,
    pub description: String,
    pub created_by: Option<i64>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    pub due_at: Option<chrono::DateTime<chrono::Utc>>,
    pub snoozed_until: Option<chrono::DateTime<chrono::Utc>>,
    pub channel: String,
    pub linked_conversation: Option<String>,
    /// A JSON object of key → text.
    pub context: String,
}

/// A custom field value with its definition's key and type.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FieldValue {
    pub key: String,
    pub field_type: String,
    pub value: String,
}

#[derive(Debug, Clone)]
pub struct TicketDetail {
    pub base: TicketBase,
    pub teams: Vec<(i64, String)>,
    pub tags: Vec<String>,
    pub fields: Vec<FieldValue>,
    pub participants: Vec<super::participants::Participant>,
}

/// The columns of [`TicketBase`], for a `WHERE` on `tickets t` to follow.
pub(super) const BASE_SELECT: &str = "SELECT t.id, t.short_id, t.subject, t.status, t.priority,
        t.requester_id, c.email AS requester_email, c.name AS requester_name, t.from_domain,
        t.email_domain_id, t.assignee_id, a.name AS assignee_name, a.email AS assignee_email,
        t.topic_id, tp.name AS topic_name, t.description, t.created_by,
        t.created_at, t.updated_at, t.due_at, t.snoozed_until,
        t.channel, t.linked_conversation, t.context
     FROM tickets t
     JOIN contacts c ON c.id = t.requester_id
     LEFT JOIN agents a ON a.id = t.assignee_id
     LEFT JOIN topics tp ON tp.id = t.topic_id";

impl TicketDetail {
    /// A ticket without teams, tags or field values (yet).
    pub fn new(base: TicketBase) -> Self {
        Self {
            base,
            teams: Vec::new(),
            tags: Vec::new(),
            fields: Vec::new(),
            participants: Vec::new(),
        }
    }
}

impl Store {
    pub async fn ticket_detail(&self, id: i64) -> anyhow::Result<Option<TicketDetail>> {
        let base: Option<TicketBase> = sqlx::query_as(&format!("{BASE_SELECT} WHERE t.id = $1"))
            .bind(id)
            .fetch_optional(self.pool())
            .await
            .context("reading a ticket")?;
        let Some(base) = base else { return Ok(None) };
        let teams = sqlx::query_as(
            "SELECT tm.id, tm.name FROM ticket_teams tt JOIN teams tm ON tm.id = tt.team_id
             WHERE tt.ticket_id = $1 ORDER BY tm.name",
        )
        .bind(id)
        .fetch_all(self.pool())
        .await
        .context("reading a ticket's teams")?;
        let tags = sqlx::query_scalar(
            "SELECT tg.name FROM ticket_tags tt JOIN tags tg ON tg.id = tt.tag_id
             WHERE tt.ticket_id = $1 ORDER BY tg.name",
        )
        .bind(id)
        .fetch_all(self.pool())
        .await
        .context("reading a ticket's tags")?;
        let fields = sqlx::query_as(
            "SELECT f.key, f.field_type, v.value FROM ticket_field_values v
             JOIN custom_fields f ON f.id = v.field_id
             WHERE v.ticket_id = $1 ORDER BY f.position, f.key",
        )
        .bind(id)
        .fetch_all(self.pool())
        .await
        .context("reading a ticket's field values")?;
        Ok(Some(TicketDetail {
            base,
            teams,
            tags,
            fields,
            participants: self.participants(id).await?,
        }))
    }
}
