//! Operations: `/healthz` (database reachable, each mailbox's poll state)
//! and `/metrics` (Prometheus text).
use super::AppState;
use super::auth::Caller;
use super::error::{ApiError, ErrorBody};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::Serialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(healthz))
        .routes(routes!(metrics))
}

/// Prometheus text: mail in by outcome, mail out by result, outbox depth,
/// poll errors, request latency by route. Any API token reads it, or none
/// with `metrics_public`.
#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses((status = 200, description = "Prometheus text format", content_type = "text/plain"),
        (status = 401, body = ErrorBody)))]
async fn metrics(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
) -> axum::response::Response {
    if let (false, Err(refused)) = (state.metrics_public, caller) {
        return refused.into_response();
    }
    let Some(handle) = crate::metrics::install() else {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            "metrics are not recorded by this process\n".to_string(),
        )
            .into_response();
    };
    match state.store.outbox_depth().await {
        Ok(counts) => {
            for status in ["queued", "retrying"] {
                let n = counts
                    .iter()
                    .find(|(s, _)| s == status)
                    .map_or(0, |(_, n)| *n);
                crate::metrics::outbox(status, n);
            }
        }
        Err(e) => tracing::warn!(error = %format!("{e:#}"), "reading outbox depth for /metrics"),
    }
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4",
        )],
        handle.render(),
    )
        .into_response()
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Health {
    /// `ok`, or `degraded` when the database cannot be read.
    pub status: &'static str,
    pub database: bool,
    pub mailboxes: Vec<MailboxHealth>,
}

/// One mailbox: `status` for anyone; the rest (the address, when it last
/// polled, the remote server's error text) only with a valid token.
#[derive(Serialize, utoipa::ToSchema)]
pub struct MailboxHealth {
    pub email_domain_id: i64,
    /// `ok`, or `degraded` when the last poll failed.
    pub status: &'static str,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub details: Option<MailboxDetails>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct MailboxDetails {
    pub address: String,
    pub enabled: bool,
    #[serde(serialize_with = "crate::api::time::utc_opt")]
    pub last_poll_at: Option<chrono::DateTime<chrono::Utc>>,
    pub last_error: Option<String>,
}

/// Liveness and readiness: 200 when the database answers, 503 when not.
/// Without a valid token only the status of each mailbox is shown.
#[utoipa::path(get, path = "/healthz", tag = "operations",
    responses((status = 200, body = Health), (status = 503, body = Health)))]
async fn healthz(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
) -> impl IntoResponse {
    let domains = state.store.email_domains().await;
    let database = domains.is_ok();
    let mut mailboxes = Vec::new();
    for d in domains.unwrap_or_default() {
        let (last_poll_at, last_error) =
            state.store.poll_status(d.id).await.unwrap_or((None, None));
        let details = caller.is_ok().then(|| MailboxDetails {
            address: d.address.to_string(),
            enabled: d.enabled,
            last_poll_at,
            last_error: last_error.clone(),
        });
        mailboxes.push(MailboxHealth {
            email_domain_id: d.id,
            status: if last_error.is_some() {
                "degraded"
            } else {
                "ok"
            },
            details,
        });
    }
    let status = if database {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body = Health {
        status: if database { "ok" } else { "degraded" },
        database,
        mailboxes,
    };
    (status, Json(body))
}
