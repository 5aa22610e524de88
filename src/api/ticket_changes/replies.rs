//! `POST tickets/{id}/replies`: an agent answers the customer. The reply
//! service composes it (with the agent's signature) and queues it; the
//! sender delivers it later, so the answer is 202.
use super::compose::{self, AttachmentIn};
use super::participants::RecipientsView;
use crate::api::AppState;
use crate::api::auth::Caller;
use crate::api::error::{ApiResult, ErrorBody};
use crate::api::extract::{ApiJson, ApiPath};
use crate::api::tickets::view::Person;
use crate::service::replies::ReplyRequest;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;

/// `body`, or `template` with optional `vars`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewReply {
    /// The text, sent as written (at most 100,000 characters).
    pub body: Option<String>,
    /// A stored template's name, rendered with the ticket and `vars`.
    #[schema(value_type = Option<crate::api::settings::OneLine>)]
    pub template: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub vars: Option<Map<String, Value>>,
    pub attachments: Option<Vec<AttachmentIn>>,
    /// The newest message the agent had seen: when someone else has added
    /// a message or note since, nothing is sent and the answer is 409
    /// `stale_ticket` listing them (`newer`).
    pub seen_message_id: Option<i64>,
}

/// The reply, stored and waiting for the sender.
#[derive(Debug, Serialize, ToSchema)]
pub struct QueuedReply {
    /// The message's id on the ticket.
    pub message_id: i64,
    /// Its Message-ID header.
    pub header_message_id: String,
    pub outbox_id: i64,
    /// queued
    pub status: String,
    /// Who it goes to: the requester, and the active participants copied.
    pub to: Vec<Person>,
    pub cc: Vec<Person>,
    /// Active participants not copied: the mail had the most recipients it may.
    pub left_out: Vec<String>,
    /// The reply waits in the outbox until then (`outbound.undo_secs`) and
    /// can be taken back meanwhile (`POST messages/{id}/undo`); null when
    /// it is sent at once.
    #[serde(serialize_with = "crate::api::time::utc_opt")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub undo_until: Option<chrono::DateTime<chrono::Utc>>,
}

impl From<crate::service::replies::Queued> for QueuedReply {
    fn from(q: crate::service::replies::Queued) -> Self {
        let r = RecipientsView::from(q.recipients);
        QueuedReply {
            to: r.to,
            cc: r.cc,
            left_out: r.left_out,
            message_id: q.message_id,
            header_message_id: q.header_message_id,
            outbox_id: q.outbox_id,
            status: "queued".into(),
            undo_until: q.undo_until,
        }
    }
}

/// Reply to the customer (the agent's signature is appended).
#[utoipa::path(post, path = "/tickets/{id}/replies", tag = "tickets",
    params(("id" = i64, Path, description = "Ticket id")),
    request_body = NewReply,
    responses((status = 202, body = QueuedReply), (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn post_reply(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(ticket_id): ApiPath<i64>,
    ApiJson(req): ApiJson<NewReply>,
) -> ApiResult<(StatusCode, Json<QueuedReply>)> {
    let (body, attachments) = compose::content(req.body, req.template, req.vars, req.attachments)?;
    let queued = state
        .replies
        .reply_after(
            ReplyRequest {
                ticket_id,
                agent_id: caller.agent_id,
                body,
                attachments,
            },
            req.seen_message_id,
        )
        .await
        .map_err(compose::reply_error)?;
    Ok((StatusCode::ACCEPTED, Json(queued.into())))
}
