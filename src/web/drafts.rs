//! Drafts: the composer's text saved as the agent types (the page's
//! script posts it, debounced) and put back when the ticket is opened
//! again, in this browser or another; gone once sent.
use super::compose::Composer;
use super::error::{PageError, PageResult};
use super::session::WebAgent;
use crate::api::AppState;
use crate::api::ticket_changes::validate::MAX_BODY;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct DraftForm {
    /// reply | note
    #[serde(default)]
    mode: String,
    #[serde(default)]
    body: String,
}

/// Saves the draft (an empty one is forgotten): 204.
pub async fn save(
    State(state): State<AppState>,
    agent: WebAgent,
    Path(id): Path<i64>,
    Form(f): Form<DraftForm>,
) -> PageResult<StatusCode> {
    if f.body.chars().count() > MAX_BODY {
        return Err(PageError::too_large(format!(
            "a draft holds at most {MAX_BODY} characters"
        )));
    }
    let mode = if f.mode == "note" { "note" } else { "reply" };
    if !state
        .store
        .save_draft(id, agent.agent_id, mode, &f.body)
        .await?
    {
        return Err(PageError::not_found("such ticket"));
    }
    Ok(StatusCode::NO_CONTENT)
}

/// The composer as the agent left it on the ticket, or empty.
pub async fn composer(state: &AppState, agent: &WebAgent, id: i64) -> PageResult<Composer> {
    Ok(match state.store.draft(id, agent.agent_id).await? {
        Some(d) => Composer {
            mode: d.mode,
            body: d.body,
            ..Composer::default()
        },
        None => Composer::default(),
    })
}
