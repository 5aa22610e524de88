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
    match state.store.email_totals().await {
        Ok(totals) => {
            for t in totals {
                let address = t
                    .address
                    .unwrap_or_else(|| format!("deleted:{}", t.email_domain_id));
                crate::metrics::domain_emails(&address, "in", t.emails_in);
                crate::metrics::domain_emails(&address, "out", t.emails_out);
            }
        }
        Err(e) => tracing::warn!(error = %format!("{e:#}"), "reading email usage for /metrics"),
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

/// One mailbox: `status` for anyone; the rest (the address, whether it is
/// enabled, when it last polled, the remote server's error text) only with
/// a valid token, and left out without one.
#[derive(Serialize, utoipa::ToSchema)]
pub struct MailboxHealth {
    pub email_domain_id: i64,
    /// `ok`, or `degraded` when the last poll failed.
    pub status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Null when it has not polled yet.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::api::time::utc_opt_opt"
    )]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_poll_at: Option<Option<chrono::DateTime<chrono::Utc>>>,
    /// Null when the last poll went well.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub last_error: Option<Option<String>>,
}

/// Liveness and readiness: 200 when the database answers, 503 when not.
/// Public: without a valid token only the status of each mailbox is
/// shown; a token shows the rest.
#[utoipa::path(get, path = "/healthz", tag = "operations", security((), ("bearer" = [])),
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
        let shown = caller.is_ok();
        mailboxes.push(MailboxHealth {
            email_domain_id: d.id,
            status: if last_error.is_some() {
                "degraded"
            } else {
                "ok"
            },
            address: shown.then(|| d.address.to_string()),
            enabled: shown.then_some(d.enabled),
            last_poll_at: shown.then_some(last_poll_at),
            last_error: shown.then_some(last_error),
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
