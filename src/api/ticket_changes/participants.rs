//! A ticket's participants over HTTP: an agent accepts a pending one
//! (copied on replies from then on) or removes one, and reads who a reply
//! would go to before writing it.
use crate::api::AppState;
use crate::api::auth::Caller;
use crate::api::error::{ApiError, ApiResult, ErrorBody};
use crate::api::extract::ApiPath;
use crate::api::tickets::view::{ParticipantView, Person};
use crate::domain::{EmailAddress, MAX_RECIPIENTS, Mailbox};
use crate::outbound::recipients::Recipients;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use utoipa::ToSchema;

/// Who one mail goes to.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecipientsView {
    pub to: Vec<Person>,
    pub cc: Vec<Person>,
    /// Active participants not copied: the mail already had `max` recipients.
    pub left_out: Vec<String>,
    /// The most recipients one mail has.
    pub max: usize,
}

impl From<Recipients> for RecipientsView {
    fn from(r: Recipients) -> Self {
        let people = |list: Vec<Mailbox>| {
            list.into_iter()
                .map(|m| Person {
                    email: m.address.as_str().to_string(),
                    name: m.name,
                })
                .collect()
        };
        Self {
            to: people(r.to),
            cc: people(r.cc),
            left_out: r.left_out,
            max: MAX_RECIPIENTS,
        }
    }
}

/// Who a reply to the ticket would go to now (pending participants are
/// not among them): what the composer shows before sending.
#[utoipa::path(get, path = "/tickets/{id}/recipients", tag = "tickets",
    params(("id" = i64, Path, description = "Ticket id")),
    responses((status = 200, body = RecipientsView), (status = 404, body = ErrorBody)))]
pub async fn get_recipients(
    State(state): State<AppState>,
    _caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<RecipientsView>> {
    let r = state
        .replies
        .recipients(id)
        .await
        .map_err(super::compose::reply_error)?;
    Ok(Json(r.into()))
}

fn address(email: &str) -> ApiResult<EmailAddress> {
    EmailAddress::parse(email).map_err(|e| ApiError::invalid("email", e.to_string()))
}

/// Accept a participant: they are copied on the ticket's replies from now
/// on (recorded as a `participant_accepted` event).
#[utoipa::path(post, path = "/tickets/{id}/participants/{email}/accept", tag = "tickets",
    params(("id" = i64, Path, description = "Ticket id"),
        ("email" = crate::api::settings::EmailText, Path, description = "The participant's address")),
    responses((status = 200, body = ParticipantView), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn accept_participant(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((id, email)): ApiPath<(i64, String)>,
) -> ApiResult<Json<ParticipantView>> {
    accept(&state, &caller, id, &email).await.map(Json)
}

/// Accepts a pending participant (the API and the pages).
pub(crate) async fn accept(
    state: &AppState,
    caller: &Caller,
    id: i64,
    email: &str,
) -> ApiResult<ParticipantView> {
    let email = address(email)?;
    state
        .store
        .accept_participant(id, email.as_str(), caller.agent_id)
        .await?
        .map(ParticipantView::from)
        .ok_or_else(|| ApiError::not_found(format!("participant {email} on ticket {id}")))
}

/// Remove a participant (active or pending) from the ticket (recorded as a
/// `participant_removed` event). A later mail may bring them again.
#[utoipa::path(delete, path = "/tickets/{id}/participants/{email}", tag = "tickets",
    params(("id" = i64, Path, description = "Ticket id"),
        ("email" = crate::api::settings::EmailText, Path, description = "The participant's address")),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn remove_participant(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((id, email)): ApiPath<(i64, String)>,
) -> ApiResult<StatusCode> {
    remove(&state, &caller, id, &email).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Removes a participant, active or pending (the API and the pages).
pub(crate) async fn remove(
    state: &AppState,
    caller: &Caller,
    id: i64,
    email: &str,
) -> ApiResult<()> {
    let email = address(email)?;
    match state
        .store
        .remove_participant(id, email.as_str(), caller.agent_id)
        .await?
    {
        true => Ok(()),
        false => Err(ApiError::not_found(format!(
            "participant {email} on ticket {id}"
        ))),
    }
}
