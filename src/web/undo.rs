//! Undo send on the ticket page: an agent's reply shows "sending in N s —
//! Undo" while it waits in the outbox; Undo takes it back and puts what
//! they wrote in the composer again (as their draft).
use super::error::{PageError, PageResult};
use super::session::WebAgent;
use crate::api::AppState;
use crate::api::ticket_changes::undo::undo_error;
use crate::service::undo::{UndoError, Undoer};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

/// Takes back reply `id`, then shows its ticket with the text in the
/// composer; once it has left, the ticket says so beside the composer.
pub async fn undo(
    State(state): State<AppState>,
    agent: WebAgent,
    Path(id): Path<i64>,
) -> PageResult<Response> {
    let by = Undoer {
        agent_id: Some(agent.agent_id),
        admin: agent.is_admin(),
    };
    match state.replies.undo(id, by).await {
        Ok(held) => {
            Ok(Redirect::to(&format!("/tickets/{}#composer", held.ticket_id)).into_response())
        }
        Err(e @ UndoError::Gone { ticket_id }) => {
            let mut composer = super::drafts::composer(&state, &agent, ticket_id).await?;
            composer.error = Some(e.to_string());
            super::ticket::render(&state, &agent, ticket_id, composer, StatusCode::CONFLICT).await
        }
        Err(e) => Err(PageError::from(undo_error(e))),
    }
}
