//! The pages: server-rendered HTML for agents and admins beside the API,
//! over the same service and store functions. Every action is a plain form
//! (POST, then a redirect); scripts only enhance. One module per page.
mod admin;
mod assets;
mod compose;
mod contacts;
mod csrf;
mod drafts;
mod error;
mod inbox;
pub(crate) mod invite;
mod live;
mod login;
mod new_ticket;
mod original;
mod panel;
pub mod presence;
pub mod session;
mod ticket;
mod undo;
mod upload;
mod views;

use crate::api::AppState;
use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};

pub use login::LoginLimits;

/// Content-Security-Policy of every page: nothing from another origin, no
/// inline script or style.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
     frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'";

pub fn routes(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/login", get(login::form).post(login::submit))
        .route("/logout", post(login::logout))
        .route("/invite/{token}", get(invite::form).post(invite::accept))
        .route("/", get(inbox::page))
        .route("/tickets/bulk", post(inbox::bulk))
        .route(
            "/tickets/new",
            get(new_ticket::form).post(new_ticket::submit),
        )
        .route("/tickets/{id}", get(ticket::page))
        .route("/tickets/{id}/deliveries", get(ticket::deliveries))
        .route("/tickets/{id}/reply", post(compose::send))
        .route("/tickets/{id}/preview", post(compose::preview))
        .route("/tickets/{id}/assist", post(compose::assist))
        .route("/tickets/{id}/draft", post(drafts::save))
        .route("/tickets/{id}/presence", post(presence::beat))
        .route("/presence", get(presence::on_tickets))
        .route("/live", get(live::stream))
        .route("/notes/{id}/edit", post(compose::edit_note))
        .route("/notes/{id}/delete", post(compose::delete_note))
        .route("/tickets/{id}/change", post(panel::change))
        .route("/contacts", get(contacts::list))
        .route("/contacts/{id}", get(contacts::page).post(contacts::save))
        .route("/contacts/{id}/notepad", post(contacts::notepad))
        .route("/tickets/{id}/participants", post(panel::participant))
        .route("/tickets/{id}/transfer", post(panel::transfer))
        .route("/messages/{id}/undo", post(undo::undo))
        .route("/messages/{id}/original", get(original::page))
        .route("/messages/{id}/image", get(original::image))
        .route("/attachments/{id}", get(attachment))
        .merge(admin::routes())
        .layer(middleware::from_fn_with_state(state, csrf::guard))
        .route("/assets/{name}", get(assets::serve))
        .layer(middleware::from_fn(security_headers))
        .layer(tower_http::compression::CompressionLayer::new())
}

/// An attachment, for download (the API's own answer, as a page on error).
async fn attachment(
    axum::extract::State(state): axum::extract::State<AppState>,
    _agent: session::WebAgent,
    axum::extract::Path(id): axum::extract::Path<i64>,
) -> error::PageResult<Response> {
    Ok(crate::api::attachments::load(&state, id).await?)
}

async fn security_headers(req: Request, next: Next) -> Response {
    let mut response = next.run(req).await;
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    response
}
