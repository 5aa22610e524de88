//! The JSON of one ticket (API.md `GET tickets/{id}`), shared by every
//! endpoint that answers with a ticket.
use crate::api::error::{ApiError, ApiResult};
use crate::domain::{FieldScope, FieldType, Role};
use crate::store::Store;
use crate::store::ticket_view::TicketDetail;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Person {
    pub email: String,
    pub name: Option<String>,
}

/// The contact who wrote in (or was written to).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Requester {
    /// The contact's id (`contacts/{id}`).
    pub id: i64,
    pub email: String,
    pub name: Option<String>,
}

/// Someone mail brought onto the ticket.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ParticipantView {
    pub email: String,
    pub name: Option<String>,
    /// active (copied on replies) | pending (brought by someone who does not
    /// take part; copied only once an agent accepts them)
    pub state: String,
}

impl From<crate::store::participants::Participant> for ParticipantView {
    fn from(p: crate::store::participants::Participant) -> Self {
        Self {
            email: p.email,
            name: p.name,
            state: p.state,
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AgentRef {
    pub id: i64,
    pub name: String,
    pub email: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Named {
    pub id: i64,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TicketView {
    pub id: i64,
    pub short_id: String,
    pub subject: String,
    /// open | pending | overdue | resolved
    pub status: String,
    /// low | normal | high | urgent
    pub priority: String,
    pub requester: Requester,
    /// People copied on the ticket's mail (active) or waiting for an agent (pending).
    pub participants: Vec<ParticipantView>,
    pub from_domain: String,
    pub email_domain_id: Option<i64>,
    pub assignee: Option<AgentRef>,
    pub teams: Vec<Named>,
    pub topic: Option<Named>,
    pub tags: Vec<String>,
    /// Custom field values by key, typed as their definitions say.
    #[schema(value_type = Object)]
    pub fields: serde_json::Map<String, serde_json::Value>,
    pub description: String,
    /// The agent who opened an outbound ticket; null when a customer wrote in.
    pub created_by: Option<i64>,
    #[serde(serialize_with = "crate::api::time::utc")]
    pub created_at: chrono::DateTime<chrono::Utc>,
    #[serde(serialize_with = "crate::api::time::utc")]
    pub updated_at: chrono::DateTime<chrono::Utc>,
    #[serde(serialize_with = "crate::api::time::utc_opt")]
    pub due_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Snoozed: pending until then, when it opens again (or at the
    /// customer's next reply, whichever comes first); null otherwise.
    #[serde(serialize_with = "crate::api::time::utc_opt")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub snoozed_until: Option<chrono::DateTime<chrono::Utc>>,
    /// `email`, or the channel of the conversation that opened it.
    pub channel: String,
    /// The external id of the conversation that opened it.
    pub linked_conversation: Option<String>,
    /// Key → text shown to agents (a flow's results).
    #[schema(value_type = Object)]
    pub context: serde_json::Map<String, serde_json::Value>,
}

impl From<TicketDetail> for TicketView {
    fn from(d: TicketDetail) -> Self {
        let b = d.base;
        let assignee = match (b.assignee_id, b.assignee_name, b.assignee_email) {
            (Some(id), Some(name), Some(email)) => Some(AgentRef { id, name, email }),
            _ => None,
        };
        let topic = b
            .topic_id
            .zip(b.topic_name)
            .map(|(id, name)| Named { id, name });
        let fields = field_map(d.fields);
        TicketView {
            id: b.id,
            short_id: b.short_id,
            subject: b.subject,
            status: b.status,
            priority: b.priority,
            requester: Requester {
                id: b.requester_id,
                email: b.requester_email,
                name: b.requester_name,
            },
            participants: d.participants.into_iter().map(Into::into).collect(),
            from_domain: b.from_domain,
            email_domain_id: b.email_domain_id,
            assignee,
            teams: d
                .teams
                .into_iter()
                .map(|(id, name)| Named { id, name })
                .collect(),
            topic,
            tags: d.tags,
            fields,
            description: b.description,
            created_by: b.created_by,
            created_at: b.created_at,
            updated_at: b.updated_at,
            due_at: b.due_at,
            snoozed_until: b.snoozed_until,
            context: serde_json::from_str(&b.context).unwrap_or_default(),
            channel: b.channel,
            linked_conversation: b.linked_conversation,
        }
    }
}

/// Stored custom field values by key, typed as their definitions say.
pub fn field_map(
    values: Vec<crate::store::ticket_view::FieldValue>,
) -> serde_json::Map<String, serde_json::Value> {
    values
        .into_iter()
        .map(|f| {
            let shown = FieldType::parse(&f.field_type)
                .map(|t| t.show(&f.value))
                .unwrap_or(serde_json::Value::String(f.value));
            (f.key, shown)
        })
        .collect()
}

/// The ticket's JSON as someone of `role` sees it, or 404.
pub async fn load(store: &Store, role: Role, id: i64) -> ApiResult<TicketView> {
    let mut view = store
        .ticket_detail(id)
        .await?
        .map(TicketView::from)
        .ok_or_else(|| ApiError::not_found(format!("ticket {id}")))?;
    redact(store, role, std::slice::from_mut(&mut view)).await?;
    Ok(view)
}

/// Takes out of `views` the custom fields someone of `role` does not see.
pub async fn redact(store: &Store, role: Role, views: &mut [TicketView]) -> ApiResult<()> {
    let hidden = store.hidden_field_keys(FieldScope::Ticket, role).await?;
    if !hidden.is_empty() {
        for v in views {
            v.fields.retain(|k, _| !hidden.contains(k));
        }
    }
    Ok(())
}
