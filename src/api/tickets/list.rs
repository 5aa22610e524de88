//! `GET tickets`: a page of the tickets the filters select, with the total.
use super::filters;
use super::view::TicketView;
use crate::api::AppState;
use crate::api::auth::Caller;
use crate::api::error::{ApiResult, ErrorBody};
use crate::api::extract::ApiQuery;
use crate::api::settings::{NameFilter, NameList, PeopleList, PriorityList, StatusList};
use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Serialize, ToSchema)]
pub struct TicketPage {
    pub items: Vec<TicketView>,
    /// How many tickets the filters select, over every page.
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

/// The filters of `GET tickets` and `GET tickets/export.csv` (documentation
/// only: the query is parsed by [`filters::parse`]). `none` selects tickets
/// without a value.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct ListParams {
    /// One or a comma list of open, pending, overdue, resolved.
    #[param(value_type = Option<StatusList>, inline)]
    status: Option<String>,
    /// One or a comma list of low, normal, high, urgent.
    #[param(value_type = Option<PriorityList>, inline)]
    priority: Option<String>,
    /// `me`, an agent id or `none`, or a comma list of them (any of).
    #[param(value_type = Option<PeopleList>, inline)]
    assignee: Option<String>,
    /// A team id or name or `none`, or a comma list of them (any of); a
    /// name no team has selects nothing.
    #[param(value_type = Option<NameList>, inline)]
    team: Option<String>,
    /// A tag name or `none`, or a comma list of them (any of).
    #[param(value_type = Option<NameList>, inline)]
    tag: Option<String>,
    /// A topic id or name or `none`, or a comma list of them (any of); a
    /// name no topic has selects nothing.
    #[param(value_type = Option<NameList>, inline)]
    topic: Option<String>,
    /// The requester's email domain.
    #[param(value_type = Option<NameFilter>, inline)]
    from_domain: Option<String>,
    /// `email`, or the channel of the conversation that opened the ticket.
    #[param(value_type = Option<NameFilter>, inline)]
    channel: Option<String>,
    /// The external id of the conversation that opened it, or `none`.
    #[param(value_type = Option<NameFilter>, inline)]
    linked_conversation: Option<String>,
    /// `me`, an agent id or `none` (tickets customers opened), or a comma list.
    #[param(value_type = Option<PeopleList>, inline)]
    created_by: Option<String>,
    /// `all`, `unassigned`, `mine`, `snoozed` or `team:<id>`.
    #[param(pattern = "^(all|unassigned|mine|snoozed|team:[0-9]{1,18})?$")]
    folder: Option<String>,
    /// Words found in the subject or a message's text; `word*` for a prefix.
    /// Custom fields filter as `field.<key>=value|none`.
    q: Option<String>,
    /// created_at, updated_at, due_at or priority; prefix `-` for
    /// descending. Default `-updated_at`.
    #[param(pattern = "^(-?(created_at|updated_at|due_at|priority))?$")]
    sort: Option<String>,
    /// From 1.
    #[param(minimum = 1, maximum = 100000)]
    page: Option<i64>,
    /// 1 to 100, default 25.
    #[param(minimum = 1, maximum = 100)]
    per_page: Option<i64>,
}

/// The ticket list.
#[utoipa::path(get, path = "/tickets", tag = "tickets", params(ListParams),
    responses((status = 200, body = TicketPage), (status = 400, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn list_tickets(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(params): ApiQuery<Vec<(String, String)>>,
) -> ApiResult<Json<TicketPage>> {
    let req = filters::parse(&state.store, &caller, &params).await?;
    let store = &state.store;
    let page = store
        .ticket_page(&req.query, req.per_page, req.offset())
        .await?;
    let mut items: Vec<TicketView> = store
        .ticket_details(&page.ids)
        .await?
        .into_iter()
        .map(TicketView::from)
        .collect();
    super::view::redact(store, caller.role, &mut items).await?;
    Ok(Json(TicketPage {
        items,
        total: page.total,
        page: req.page,
        per_page: req.per_page,
    }))
}
