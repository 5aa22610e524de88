//! `DELETE tickets/{id}` and `POST tickets/bulk-delete` (admins only):
//! a ticket goes with its messages, notes, events and queued mail.
use crate::api::AppState;
use crate::api::auth::Caller;
use crate::api::error::{ApiError, ApiResult, ErrorBody};
use crate::api::extract::{ApiJson, ApiPath};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Tickets one bulk delete may name.
pub const MAX_BULK: usize = 1000;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkDelete {
    /// 1 to 1000 ticket ids; unknown ones are skipped.
    #[schema(min_items = 1, max_items = 1000)]
    pub ids: Vec<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Deleted {
    /// How many tickets were deleted.
    pub deleted: u64,
}

/// Delete a ticket (admin).
#[utoipa::path(delete, path = "/tickets/{id}", tag = "tickets",
    params(("id" = i64, Path, description = "Ticket id")),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete_ticket(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    caller.admin()?;
    match state.store.delete_tickets(&[id]).await? {
        0 => Err(ApiError::not_found(format!("ticket {id}"))),
        _ => Ok(StatusCode::NO_CONTENT),
    }
}

/// Delete many tickets at once (admin).
#[utoipa::path(post, path = "/tickets/bulk-delete", tag = "tickets",
    request_body = BulkDelete,
    responses((status = 200, body = Deleted), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn bulk_delete(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(req): ApiJson<BulkDelete>,
) -> ApiResult<Json<Deleted>> {
    caller.admin()?;
    if req.ids.is_empty() || req.ids.len() > MAX_BULK {
        return Err(ApiError::invalid(
            "ids",
            format!("give 1 to {MAX_BULK} ticket ids, not {}", req.ids.len()),
        ));
    }
    let mut ids = req.ids;
    ids.sort_unstable();
    ids.dedup();
    let deleted = state.store.delete_tickets(&ids).await?;
    Ok(Json(Deleted { deleted }))
}
