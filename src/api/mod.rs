//! The HTTP surface (axum) under `/api/v1`, plus `/healthz`, `/metrics` and
//! the OpenAPI document. Handlers parse the request into domain types, call
//! the store or a service, and answer JSON; every failure is an
//! [`error::ApiError`] in the shape of API.md.
mod answers;
pub mod attachments;
pub mod auth;
pub mod auth_limit;
pub mod contacts;
pub mod error;
pub mod extract;
mod links;
mod ops;
pub mod quarantine;
mod rules;
pub mod settings;
pub mod ticket_changes;
pub mod tickets;
pub mod time;
pub mod usage;
pub(crate) mod webhooks;

use crate::inbound::tls::TlsConfig;
use crate::service::replies::Replies;
use crate::store::Store;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::get;
use error::ApiError;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::watch;
use utoipa::OpenApi;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa_axum::router::OpenApiRouter;

/// Largest request body accepted (replies carry attachments as base64).
pub const MAX_BODY_BYTES: usize = 32 * 1024 * 1024;

/// What every handler can reach. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub replies: Replies,
    /// The key API tokens are hashed with.
    pub token_key: Arc<Vec<u8>>,
    /// Trust for outgoing TLS (the email-domain `test` action).
    pub tls: TlsConfig,
    /// Poked on every email-domain change: `serve` then brings its pollers in line.
    pub email_domains_changed: Arc<tokio::sync::Notify>,
    /// `/metrics` without a token.
    pub metrics_public: bool,
    /// When each API token's use was last written.
    pub token_use: Arc<auth::TokenUse>,
    /// Failed authentications per client IP (429 past the limit).
    pub auth_failures: Arc<auth_limit::AuthLimiter>,
    /// Where webhooks may be sent besides public addresses.
    pub webhook_targets: Arc<crate::service::webhooks::targets::Targets>,
    /// Failed logins to the pages, per client IP and per account.
    pub logins: Arc<crate::web::LoginLimits>,
    /// Who has which ticket open in the pages, and who writes on it.
    pub presence: Arc<crate::web::presence::Presence>,
    /// Changes to tickets as they are committed, for the pages' live updates.
    pub live: Arc<crate::service::live::Live>,
    /// The draft assistant (`[assist]`), when one is configured.
    pub assist: Option<Arc<crate::service::assist::Assist>>,
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Postdesk", description = "Email-thread ticketing gateway: the HTTP API of API.md."),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
)]
struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

/// Every route, with the OpenAPI document built from the same handlers.
pub fn router(state: AppState) -> Router {
    let v1 = OpenApiRouter::new()
        .merge(settings::routes())
        .merge(tickets::routes())
        .merge(ticket_changes::routes())
        .merge(webhooks::routes())
        .merge(attachments::routes())
        .merge(contacts::routes())
        .merge(usage::routes())
        .merge(quarantine::routes());
    let (routes, doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .nest("/api/v1", v1)
        .merge(ops::routes())
        .split_for_parts();
    let mut doc = doc;
    answers::document(&mut doc);
    rules::document(&mut doc);
    let mut doc = serde_json::to_value(&doc).expect("the OpenAPI document serializes");
    links::document(&mut doc);
    let doc = Arc::new(doc);
    crate::metrics::install();
    routes
        .route_layer(axum::middleware::from_fn(time_request))
        .route(
            "/api/v1/openapi.json",
            get(move || {
                let doc = doc.clone();
                async move { axum::Json((*doc).clone()) }
            }),
        )
        .merge(crate::web::routes(state.clone()))
        .fallback(|| async { ApiError::not_found("this route") })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}

/// Records each routed request's latency under its route pattern.
async fn time_request(
    route: Option<axum::extract::MatchedPath>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let started = std::time::Instant::now();
    let method = req.method().clone();
    let response = next.run(req).await;
    let route = route.as_ref().map_or("unmatched", |r| r.as_str());
    crate::metrics::request(
        method.as_str(),
        route,
        response.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    response
}

/// Serves until `shutdown` turns true, then finishes the requests in flight.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    mut shutdown: watch::Receiver<bool>,
) -> anyhow::Result<()> {
    let app = router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            let _ = shutdown.wait_for(|s| *s).await;
        })
        .await
        .map_err(Into::into)
}
