//! `POST tickets/{id}/transfer`: hand a ticket over to an agent and/or
//! teams, with an optional internal note, recorded as one `transferred`
//! event; the ticket then shows in the new assignee's Mine.
use super::validate::{self, MAX_BODY};
use crate::api::AppState;
use crate::api::auth::Caller;
use crate::api::error::{ApiError, ApiResult, ErrorBody};
use crate::api::extract::{ApiJson, ApiPath};
use crate::api::settings::FilledText;
use crate::api::tickets::view::{self, TicketView};
use crate::store::Store;
use crate::store::ticket_changes::TicketChange;
use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use utoipa::ToSchema;

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Transfer {
    /// The active agent who takes the ticket over.
    pub agent_id: Option<i64>,
    /// The whole set of teams it belongs to from now on.
    pub team_ids: Option<Vec<i64>>,
    /// An internal note for whoever takes it over (1 to 100,000 characters).
    #[schema(value_type = Option<FilledText>)]
    pub note: Option<String>,
}

/// Transfer a ticket to an agent and/or teams.
#[utoipa::path(post, path = "/tickets/{id}/transfer", tag = "tickets",
    params(("id" = i64, Path, description = "Ticket id")),
    request_body = Transfer,
    responses((status = 200, body = TicketView), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn transfer_ticket(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<Transfer>,
) -> ApiResult<Json<TicketView>> {
    transfer(&state.store, &caller, id, body).await?;
    view::load(&state.store, caller.role, id).await.map(Json)
}

/// Checks and makes a transfer (the API's and the side panel's).
pub(crate) async fn transfer(
    store: &Store,
    caller: &Caller,
    id: i64,
    body: Transfer,
) -> ApiResult<()> {
    if body.agent_id.is_none() && body.team_ids.is_none() {
        return Err(ApiError::invalid(
            "agent_id",
            "name the agent_id or the team_ids to transfer the ticket to",
        ));
    }
    let change = TicketChange {
        assignee_id: match body.agent_id {
            Some(a) => Some(Some(
                validate::assignee(store, a)
                    .await
                    .map_err(|e| e.field("agent_id"))?,
            )),
            None => None,
        },
        team_ids: match body.team_ids {
            Some(ids) => Some(validate::teams(store, ids).await?),
            None => None,
        },
        ..TicketChange::default()
    };
    let note = match body.note {
        Some(n) if n.trim().is_empty() => {
            return Err(ApiError::invalid("note", "note must not be empty"));
        }
        Some(n) => Some(validate::limited("note", n, MAX_BODY)?),
        None => None,
    };
    store
        .transfer_ticket(id, &change, note.as_deref(), caller.agent_id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("ticket {id}")))
}
