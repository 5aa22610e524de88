//! `POST messages/{id}/undo`: an agent takes back a reply while it waits
//! for the undo window (`outbound.undo_secs`); it never reaches the
//! customer, and its text comes back to be edited.
use crate::api::AppState;
use crate::api::auth::Caller;
use crate::api::error::{ApiError, ApiResult, ErrorBody};
use crate::api::extract::ApiPath;
use crate::domain::Role;
use crate::service::undo::{UndoError, Undoer};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use utoipa::ToSchema;

/// A reply taken back: gone from the ticket and the outbox.
#[derive(Debug, Serialize, ToSchema)]
pub struct UndoneReply {
    pub message_id: i64,
    pub ticket_id: i64,
    /// What the agent wrote (without the signature), for the composer; it
    /// is also their draft on the ticket now.
    pub body: String,
}

/// Take back a reply still waiting for the undo window (its author or an
/// admin); 409 `already_sent` once it has left or the window is over.
#[utoipa::path(post, path = "/messages/{id}/undo", tag = "tickets",
    params(("id" = i64, Path, description = "Message id (the reply's `message_id`)")),
    responses((status = 200, body = UndoneReply), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn undo_reply(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<UndoneReply>> {
    let by = Undoer {
        agent_id: caller.agent_id,
        admin: caller.role == Role::Admin,
    };
    let held = state.replies.undo(id, by).await.map_err(undo_error)?;
    Ok(Json(UndoneReply {
        message_id: id,
        ticket_id: held.ticket_id,
        body: held.written,
    }))
}

/// The API's answer to a refused undo (the pages show its message).
pub(crate) fn undo_error(e: UndoError) -> ApiError {
    match e {
        UndoError::NotFound(id) => ApiError::not_found(format!("message {id}")),
        UndoError::Gone { .. } => {
            ApiError::new(StatusCode::CONFLICT, "already_sent", e.to_string())
        }
        UndoError::NotYours => ApiError::forbidden(e.to_string()),
        UndoError::Store(e) => e.into(),
    }
}
