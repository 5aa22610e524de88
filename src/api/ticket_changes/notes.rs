//! Internal notes: `POST tickets/{id}/notes`, `PATCH/DELETE notes/{id}`.
//! Notes stay inside Postdesk: nothing here reaches the outbox. Only a
//! note's author or an admin may change or delete it.
use super::validate::{self, MAX_BODY};
use crate::api::AppState;
use crate::api::auth::Caller;
use crate::api::error::{ApiError, ApiResult, ErrorBody};
use crate::api::extract::{ApiJson, ApiPath};
use crate::api::settings::{FilledText, NoteColour};
use crate::domain::Role;
use crate::store::notes::NoteRow;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub(crate) const COLOURS: [&str; 5] = ["yellow", "blue", "green", "red", "purple"];

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewNote {
    /// 1 to 100,000 characters.
    #[schema(value_type = FilledText)]
    pub body: String,
    /// yellow (default) | blue | green | red | purple
    #[schema(value_type = Option<NoteColour>)]
    pub colour: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoteEdit {
    #[schema(value_type = Option<FilledText>)]
    pub body: Option<String>,
    #[schema(value_type = Option<NoteColour>)]
    pub colour: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Author {
    pub id: i64,
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NoteView {
    pub id: i64,
    pub ticket_id: i64,
    /// Null when written with an admin token that acts for no agent.
    pub author: Option<Author>,
    pub body: String,
    pub colour: String,
    pub edited: bool,
    #[serde(serialize_with = "crate::api::time::utc")]
    pub created_at: chrono::DateTime<chrono::Utc>,
    #[serde(serialize_with = "crate::api::time::utc")]
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

impl From<NoteRow> for NoteView {
    fn from(n: NoteRow) -> Self {
        NoteView {
            id: n.id,
            ticket_id: n.ticket_id,
            author: n
                .author_id
                .zip(n.author_name)
                .map(|(id, name)| Author { id, name }),
            body: n.body,
            colour: n.colour,
            edited: n.edited,
            created_at: n.created_at,
            updated_at: n.updated_at,
        }
    }
}

pub(crate) fn body(value: String) -> ApiResult<String> {
    if value.trim().is_empty() {
        return Err(ApiError::invalid("body", "body must not be empty"));
    }
    validate::limited("body", value, MAX_BODY)
}

pub(crate) fn colour(value: &str) -> ApiResult<&'static str> {
    COLOURS
        .iter()
        .find(|c| **c == value.trim().to_ascii_lowercase())
        .copied()
        .ok_or_else(|| {
            ApiError::invalid(
                "colour",
                format!(
                    "colour must be one of {}, not {value:?}",
                    COLOURS.join(", ")
                ),
            )
        })
}

async fn load(state: &AppState, id: i64) -> ApiResult<NoteView> {
    state
        .store
        .note(id)
        .await?
        .map(NoteView::from)
        .ok_or_else(|| ApiError::not_found(format!("note {id}")))
}

/// 403 unless the caller wrote the note or is an admin.
fn may_change(caller: &Caller, note: &NoteView) -> ApiResult<()> {
    let author = note.author.as_ref().map(|a| a.id);
    if caller.role == Role::Admin || (author.is_some() && author == caller.agent_id) {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "only the note's author or an admin may change or delete it",
        ))
    }
}

/// Add an internal note to a ticket.
#[utoipa::path(post, path = "/tickets/{id}/notes", tag = "notes",
    params(("id" = i64, Path, description = "Ticket id")),
    request_body = NewNote,
    responses((status = 201, body = NoteView), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_note(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(ticket_id): ApiPath<i64>,
    ApiJson(req): ApiJson<NewNote>,
) -> ApiResult<(StatusCode, Json<NoteView>)> {
    let text = body(req.body)?;
    let colour = colour(req.colour.as_deref().unwrap_or("yellow"))?;
    let id = state
        .store
        .add_note(ticket_id, caller.agent_id, &text, colour)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("ticket {ticket_id}")))?;
    Ok((StatusCode::CREATED, Json(load(&state, id).await?)))
}

/// Edit a note (its author or an admin).
#[utoipa::path(patch, path = "/notes/{id}", tag = "notes",
    params(("id" = i64, Path, description = "Note id")),
    request_body = NoteEdit,
    responses((status = 200, body = NoteView), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn patch_note(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<NoteEdit>,
) -> ApiResult<Json<NoteView>> {
    edit(&state, &caller, id, req.body, req.colour.as_deref())
        .await
        .map(Json)
}

/// Changes a note's text and/or colour, as its author or an admin.
pub(crate) async fn edit(
    state: &AppState,
    caller: &Caller,
    id: i64,
    text: Option<String>,
    new_colour: Option<&str>,
) -> ApiResult<NoteView> {
    let text = text.map(body).transpose()?;
    let new_colour = new_colour.map(colour).transpose()?;
    let note = load(state, id).await?;
    may_change(caller, &note)?;
    // Nothing asked (`{}`): the note as it is, not marked edited.
    if text.is_none() && new_colour.is_none() {
        return Ok(note);
    }
    if !state
        .store
        .edit_note(id, text.as_deref(), new_colour)
        .await?
    {
        return Err(ApiError::not_found(format!("note {id}")));
    }
    load(state, id).await
}

/// Deletes a note, as its author or an admin; the note as it was.
pub(crate) async fn remove(state: &AppState, caller: &Caller, id: i64) -> ApiResult<NoteView> {
    let note = load(state, id).await?;
    may_change(caller, &note)?;
    if !state.store.delete_note(id).await? {
        return Err(ApiError::not_found(format!("note {id}")));
    }
    Ok(note)
}

/// Delete a note (its author or an admin).
#[utoipa::path(delete, path = "/notes/{id}", tag = "notes",
    params(("id" = i64, Path, description = "Note id")),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete_note(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    remove(&state, &caller, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
