//! `PATCH tickets/{id}`: an agent changes a ticket's attributes; each
//! actual change is an event on the ticket with the agent as actor.
use super::validate::{self, nullable};
use crate::api::AppState;
use crate::api::auth::Caller;
use crate::api::error::{ApiError, ApiResult, ErrorBody};
use crate::api::extract::{ApiJson, ApiPath};
use crate::api::tickets::view::{self, TicketView};
use crate::domain::Role;
use crate::store::Store;
use crate::store::ticket_changes::{TicketChange, TopicChoice};
use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

/// Any of these; what is left out stays as it is.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchTicket {
    /// open | pending | resolved (overdue is set by the system).
    #[schema(value_type = Option<crate::api::settings::SettableStatus>)]
    pub status: Option<String>,
    /// low | normal | high | urgent
    #[schema(value_type = Option<crate::api::settings::PriorityName>)]
    pub priority: Option<String>,
    /// An active agent; null unassigns.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i64>)]
    pub assignee_id: Option<Option<i64>>,
    /// The whole set of teams (a transfer replaces it).
    pub team_ids: Option<Vec<i64>>,
    /// An existing topic; null clears it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i64>)]
    pub topic_id: Option<Option<i64>>,
    /// A topic by name, created when new (instead of topic_id).
    #[schema(value_type = Option<crate::api::settings::OneLine>)]
    pub topic: Option<String>,
    /// The whole set of tags by name; unknown tags are created.
    #[schema(value_type = Option<crate::api::settings::TagNames>)]
    pub tags: Option<Vec<String>>,
    /// Custom field values by key; null removes a value.
    #[schema(value_type = Option<Object>)]
    pub fields: Option<Map<String, Value>>,
    /// At most 10,000 characters.
    pub description: Option<String>,
    /// The identity the ticket's next outbound mail is sent as; null: the default.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i64>)]
    pub email_domain_id: Option<Option<i64>>,
    /// Snooze: the ticket is pending until then (within a year from now),
    /// and opens again at that time or at the customer's next reply,
    /// whichever comes first; null ends a snooze. With `status`, only
    /// pending goes with a time.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<crate::api::settings::Rfc3339>)]
    pub snoozed_until: Option<Option<String>>,
}

/// Change a ticket.
#[utoipa::path(patch, path = "/tickets/{id}", tag = "tickets",
    params(("id" = i64, Path, description = "Ticket id")),
    request_body = PatchTicket,
    responses((status = 200, body = TicketView), (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn patch_ticket(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<PatchTicket>,
) -> ApiResult<Json<TicketView>> {
    let change = to_change(&state.store, caller.role, body).await?;
    // Nothing asked (`{}`): the ticket as it is, no event.
    if change.is_empty() {
        return view::load(&state.store, caller.role, id).await.map(Json);
    }
    state
        .store
        .change_ticket(id, &change, caller.agent_id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("ticket {id}")))?;
    view::load(&state.store, caller.role, id).await.map(Json)
}

/// Checks every value of the request and turns it into a change.
pub(crate) async fn to_change(
    store: &Store,
    role: Role,
    p: PatchTicket,
) -> ApiResult<TicketChange> {
    let assignee_id = match p.assignee_id {
        Some(Some(id)) => Some(Some(validate::assignee(store, id).await?)),
        other => other,
    };
    let team_ids = match p.team_ids {
        Some(ids) => Some(validate::teams(store, ids).await?),
        None => None,
    };
    let email_domain_id = match p.email_domain_id {
        Some(Some(id)) => Some(Some(validate::email_domain(store, id).await?.id)),
        other => other,
    };
    let description = p
        .description
        .map(|d| validate::limited("description", d, validate::MAX_DESCRIPTION))
        .transpose()?;
    let status = p.status.as_deref().map(validate::status).transpose()?;
    let snooze = match p.snoozed_until {
        Some(Some(t)) => Some(Some(snooze_until(&t, status)?)),
        Some(None) => Some(None),
        None => None,
    };
    Ok(TicketChange {
        snooze,
        status,
        priority: p.priority.as_deref().map(validate::priority).transpose()?,
        assignee_id,
        team_ids,
        topic: topic(store, p.topic_id, p.topic).await?,
        tags: p.tags.map(validate::tags).transpose()?,
        fields: validate::fields(store, role, p.fields.unwrap_or_default()).await?,
        description,
        email_domain_id,
    })
}

/// Longest snooze.
const MAX_SNOOZE_DAYS: i64 = 366;

/// A snooze's end: a time to come (what counts as one depends on the
/// clock, hence 409), for a ticket left pending.
fn snooze_until(
    text: &str,
    status: Option<crate::domain::Status>,
) -> ApiResult<chrono::DateTime<chrono::Utc>> {
    let until = crate::api::time::parse("snoozed_until", text)?;
    let now = chrono::Utc::now();
    if until <= now {
        return Err(ApiError::conflict(
            "snoozed_until",
            "that time has passed: snooze until a time to come",
        ));
    }
    if until > now + chrono::Duration::days(MAX_SNOOZE_DAYS) {
        return Err(ApiError::conflict(
            "snoozed_until",
            format!("snooze for at most {MAX_SNOOZE_DAYS} days"),
        ));
    }
    if status.is_some_and(|s| s != crate::domain::Status::Pending) {
        return Err(ApiError::conflict(
            "status",
            "a snoozed ticket is pending: leave status out, or set it to pending",
        ));
    }
    Ok(until)
}

async fn topic(
    store: &Store,
    id: Option<Option<i64>>,
    name: Option<String>,
) -> ApiResult<Option<TopicChoice>> {
    match (id, name) {
        (Some(_), Some(_)) => Err(ApiError::invalid(
            "topic",
            "give topic_id or topic (a name), not both",
        )),
        (Some(Some(id)), None) => {
            if store.topic_exists(id).await? {
                Ok(Some(TopicChoice::Id(Some(id))))
            } else {
                Err(ApiError::reference(
                    "topic_id",
                    format!("topic {id} does not exist"),
                ))
            }
        }
        (Some(None), None) => Ok(Some(TopicChoice::Id(None))),
        (None, Some(name)) => Ok(Some(TopicChoice::Name(validate::name("topic", &name)?))),
        (None, None) => Ok(None),
    }
}
