//! Reading tickets: one ticket, the filtered list and its CSV export, and
//! a ticket's thread.
mod export;
pub mod filters;
pub mod list;
pub mod thread;
pub mod view;

use super::AppState;
use super::auth::Caller;
use super::error::ApiResult;
use super::extract::ApiPath;
use axum::Json;
use axum::extract::State;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use view::TicketView;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_ticket))
        .routes(routes!(list::list_tickets))
        .routes(routes!(export::export_csv))
        .routes(routes!(thread::get_thread))
}

/// One ticket.
#[utoipa::path(get, path = "/tickets/{id}", tag = "tickets",
    params(("id" = i64, Path, description = "Ticket id")),
    responses((status = 200, body = TicketView), (status = 404, body = super::error::ErrorBody)))]
async fn get_ticket(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<TicketView>> {
    view::load(&state.store, caller.role, id).await.map(Json)
}
