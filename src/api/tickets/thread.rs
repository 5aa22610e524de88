//! `GET tickets/{id}/messages`: the thread, oldest first: emails both ways,
//! internal notes and the ticket's events, merged in time order.
use super::view::AgentRef;
use crate::api::AppState;
use crate::api::auth::Caller;
use crate::api::error::{ApiError, ApiResult, ErrorBody};
use crate::api::extract::ApiPath;
use crate::domain::FieldScope;
use crate::store::thread::{Thread, ThreadAttachment, ThreadEvent, ThreadMessage, ThreadNote};
use axum::Json;
use axum::extract::State;
use serde::Serialize;
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct Address {
    pub address: String,
    pub name: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AttachmentItem {
    pub id: i64,
    pub filename: Option<String>,
    pub content_type: String,
    pub size: i64,
    /// Why the bytes were not kept (too large), or null.
    pub omitted_reason: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MessageItem {
    pub id: i64,
    /// inbound | outbound
    pub direction: String,
    pub from: Address,
    #[schema(value_type = Vec<Object>)]
    pub to: Value,
    #[schema(value_type = Vec<Object>)]
    pub cc: Value,
    pub subject: String,
    /// The whole text.
    pub body_text: String,
    /// The new text without quoted history (the whole text when nothing was cut).
    pub reply_text: String,
    /// auto_reply | bounce | list | loop, or null.
    pub auto_kind: Option<String>,
    /// The agent who wrote an outbound message.
    pub author: Option<AgentRef>,
    /// received | queued | sent | retrying | failed
    pub delivery_status: String,
    pub delivery_error: Option<String>,
    #[serde(serialize_with = "crate::api::time::utc_opt")]
    pub sent_at: Option<chrono::DateTime<chrono::Utc>>,
    /// An agent's reply held for the undo window: it can be taken back
    /// (`POST messages/{id}/undo`) until then; otherwise null.
    #[serde(serialize_with = "crate::api::time::utc_opt")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub undo_until: Option<chrono::DateTime<chrono::Utc>>,
    #[serde(serialize_with = "crate::api::time::utc")]
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub attachments: Vec<AttachmentItem>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NoteItem {
    pub id: i64,
    pub author: Option<AgentRef>,
    pub body: String,
    pub colour: String,
    pub edited: bool,
    #[serde(serialize_with = "crate::api::time::utc")]
    pub created_at: chrono::DateTime<chrono::Utc>,
    #[serde(serialize_with = "crate::api::time::utc")]
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EventItem {
    pub id: i64,
    /// customer | agent | system
    pub actor: String,
    pub agent: Option<AgentRef>,
    /// What happened: created, reopened, delivery_failed, …
    pub kind: String,
    #[schema(value_type = Object)]
    pub data: Value,
    #[serde(serialize_with = "crate::api::time::utc")]
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// One entry of the thread, told apart by `type`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ThreadItem {
    Message(Box<MessageItem>),
    Note(NoteItem),
    Event(EventItem),
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ThreadPage {
    pub items: Vec<ThreadItem>,
}

/// A ticket's thread, oldest first.
#[utoipa::path(get, path = "/tickets/{id}/messages", tag = "tickets",
    params(("id" = i64, Path, description = "Ticket id")),
    responses((status = 200, body = ThreadPage), (status = 404, body = ErrorBody)))]
pub async fn get_thread(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<ThreadPage>> {
    let thread = state
        .store
        .thread(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("ticket {id}")))?;
    let hidden = state
        .store
        .hidden_field_keys(FieldScope::Ticket, caller.role)
        .await?;
    Ok(Json(ThreadPage {
        items: merge(thread, &hidden),
    }))
}

/// Every entry in time order; at the same instant messages come before
/// notes and notes before events, then by id. Changes of the fields in
/// `hidden` are left out.
pub(crate) fn merge(thread: Thread, hidden: &HashSet<String>) -> Vec<ThreadItem> {
    let mut by_message: HashMap<i64, Vec<AttachmentItem>> = HashMap::new();
    for a in thread.attachments {
        by_message
            .entry(a.message_id)
            .or_default()
            .push(attachment(a));
    }
    let mut keyed: Vec<(Key, ThreadItem)> = Vec::new();
    for m in thread.messages {
        let files = by_message.remove(&m.id).unwrap_or_default();
        keyed.push((key(&m.created_at, 0, m.id), message(m, files)));
    }
    for n in thread.notes {
        keyed.push((key(&n.created_at, 1, n.id), note(n)));
    }
    for e in thread
        .events
        .into_iter()
        .filter(|e| !of_hidden_field(e, hidden))
    {
        keyed.push((key(&e.created_at, 2, e.id), event(e)));
    }
    keyed.sort_by_key(|(key, _)| *key);
    keyed.into_iter().map(|(_, item)| item).collect()
}

/// Whether `e` is a change of one of the `hidden` fields.
fn of_hidden_field(e: &ThreadEvent, hidden: &HashSet<String>) -> bool {
    if hidden.is_empty() || e.kind != "field_changed" {
        return false;
    }
    let key = serde_json::from_str::<Value>(&e.data)
        .ok()
        .and_then(|d| d["key"].as_str().map(str::to_owned));
    key.is_none_or(|k| hidden.contains(&k))
}

/// When, then the kind's rank and the id.
type Key = (chrono::DateTime<chrono::Utc>, u8, i64);

fn key(created_at: &chrono::DateTime<chrono::Utc>, rank: u8, id: i64) -> Key {
    (*created_at, rank, id)
}

fn agent(id: Option<i64>, name: Option<String>, email: Option<String>) -> Option<AgentRef> {
    match (id, name, email) {
        (Some(id), Some(name), Some(email)) => Some(AgentRef { id, name, email }),
        _ => None,
    }
}

fn attachment(a: ThreadAttachment) -> AttachmentItem {
    AttachmentItem {
        id: a.id,
        filename: a.filename,
        content_type: a.content_type,
        size: a.size,
        omitted_reason: a.omitted_reason,
    }
}

fn addresses(json: &str) -> Value {
    serde_json::from_str(json).unwrap_or_else(|_| Value::Array(Vec::new()))
}

fn message(m: ThreadMessage, attachments: Vec<AttachmentItem>) -> ThreadItem {
    ThreadItem::Message(Box::new(MessageItem {
        id: m.id,
        direction: m.direction,
        from: Address {
            address: m.from_address,
            name: m.from_name,
        },
        to: addresses(&m.to_addrs),
        cc: addresses(&m.cc_addrs),
        subject: m.subject,
        reply_text: m.reply_text.unwrap_or_else(|| m.body_text.clone()),
        body_text: m.body_text,
        auto_kind: m.auto_kind,
        author: agent(m.author_id, m.author_name, m.author_email),
        delivery_status: m.delivery_status,
        delivery_error: m.delivery_error,
        sent_at: m.sent_at,
        undo_until: m.undo_until,
        created_at: m.created_at,
        attachments,
    }))
}

fn note(n: ThreadNote) -> ThreadItem {
    ThreadItem::Note(NoteItem {
        id: n.id,
        author: agent(n.author_id, n.author_name, n.author_email),
        body: n.body,
        colour: n.colour,
        edited: n.edited,
        created_at: n.created_at,
        updated_at: n.updated_at,
    })
}

fn event(e: ThreadEvent) -> ThreadItem {
    ThreadItem::Event(EventItem {
        id: e.id,
        actor: e.actor,
        agent: agent(e.agent_id, e.agent_name, e.agent_email),
        kind: e.kind,
        data: serde_json::from_str(&e.data).unwrap_or(Value::String(e.data)),
        created_at: e.created_at,
    })
}
