//! `webhooks`: URLs that hear of ticket events (admins only, reading
//! included: a webhook's secret is shown once, on creation), and each
//! webhook's recent deliveries.
use super::AppState;
use super::auth::Caller;
use super::error::{ApiError, ApiResult, ErrorBody};
use super::extract::{ApiJson, ApiPath, ApiQuery};
use crate::api::settings::{WebhookEventName, WebhookSecret, WebhookUrl};
use crate::service::webhooks::{UrlError, check_secret, generate_secret, parse_events, parse_url};
use crate::store::webhook_deliveries::DeliveryRow;
use crate::store::webhooks::{NewWebhook, WebhookChange, WebhookRow};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Deliveries listed when no `limit` is given, and the most one may ask for.
const DEFAULT_DELIVERIES: i64 = 50;
const MAX_DELIVERIES: i64 = 500;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_webhooks, create_webhook))
        .routes(routes!(get_webhook, update_webhook, delete_webhook))
        .routes(routes!(list_deliveries))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookView {
    pub id: i64,
    pub url: String,
    /// Subscribed events; empty means all of them.
    pub events: Vec<String>,
    pub enabled: bool,
    #[serde(serialize_with = "crate::api::time::utc")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "crate::api::time::utc_opt")]
    pub updated_at: Option<DateTime<Utc>>,
}

impl From<WebhookRow> for WebhookView {
    fn from(w: WebhookRow) -> Self {
        Self {
            events: w.events(),
            id: w.id,
            url: w.url,
            enabled: w.enabled,
            created_at: w.created_at,
            updated_at: w.updated_at,
        }
    }
}

/// A new webhook, with its secret: the only time it is shown.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedWebhook {
    #[serde(flatten)]
    pub webhook: WebhookView,
    pub secret: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookList {
    pub items: Vec<WebhookView>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateWebhook {
    /// http:// or https://
    #[schema(value_type = WebhookUrl)]
    pub url: String,
    /// Signs every body (HMAC-SHA256); generated when not given.
    #[schema(value_type = Option<WebhookSecret>)]
    pub secret: Option<String>,
    /// ticket.created, ticket.replied, ticket.assigned, ticket.resolved,
    /// ticket.reopened; empty or missing means all.
    #[serde(default)]
    #[schema(value_type = Vec<WebhookEventName>)]
    pub events: Vec<String>,
    #[serde(default = "yes")]
    pub enabled: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateWebhook {
    #[schema(value_type = Option<WebhookUrl>)]
    pub url: Option<String>,
    #[schema(value_type = Option<WebhookSecret>)]
    pub secret: Option<String>,
    #[schema(value_type = Option<Vec<WebhookEventName>>)]
    pub events: Option<Vec<String>>,
    pub enabled: Option<bool>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryView {
    pub id: i64,
    pub event: String,
    pub event_id: i64,
    pub ticket_id: Option<i64>,
    /// queued | retrying | delivered | failed
    pub status: String,
    pub attempts: i64,
    #[serde(serialize_with = "crate::api::time::utc")]
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: Option<String>,
    /// The HTTP status of the last answer, if one came.
    pub response_code: Option<i64>,
    #[serde(serialize_with = "crate::api::time::utc")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "crate::api::time::utc")]
    pub updated_at: DateTime<Utc>,
    #[serde(serialize_with = "crate::api::time::utc_opt")]
    pub delivered_at: Option<DateTime<Utc>>,
}

impl From<DeliveryRow> for DeliveryView {
    fn from(d: DeliveryRow) -> Self {
        Self {
            id: d.id,
            event: d.event,
            event_id: d.event_id,
            ticket_id: d.ticket_id,
            status: d.status,
            attempts: d.attempts,
            next_attempt_at: d.next_attempt_at,
            last_error: d.last_error,
            response_code: d.response_code,
            created_at: d.created_at,
            updated_at: d.updated_at,
            delivered_at: d.delivered_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryList {
    pub items: Vec<DeliveryView>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveriesQuery {
    /// How many, newest first (default 50, at most 500).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
}

/// A malformed URL is a 422; a host the configuration refuses a 403.
fn url(state: &AppState, text: &str) -> ApiResult<String> {
    parse_url(text, &state.webhook_targets).map_err(|e| match e {
        UrlError::Malformed(m) => ApiError::invalid("url", m),
        UrlError::Refused(m) => {
            ApiError::new(StatusCode::FORBIDDEN, "forbidden_target", m).field("url")
        }
    })
}

fn events(names: &[String]) -> ApiResult<Vec<String>> {
    parse_events(names).map_err(|e| ApiError::invalid("events", e.0))
}

fn secret(text: String) -> ApiResult<String> {
    check_secret(&text).map_err(|e| ApiError::invalid("secret", e.0))?;
    Ok(text)
}

async fn load(state: &AppState, id: i64) -> ApiResult<WebhookRow> {
    state
        .store
        .webhook(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("webhook {id}")))
}

/// Every webhook.
#[utoipa::path(get, path = "/webhooks", tag = "webhooks",
    responses((status = 200, body = WebhookList), (status = 403, body = ErrorBody)))]
async fn list_webhooks(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<WebhookList>> {
    caller.admin()?;
    let items = state.store.webhooks().await?;
    Ok(Json(WebhookList {
        items: items.into_iter().map(WebhookView::from).collect(),
    }))
}

/// Registers a webhook; the answer carries its secret, shown only now.
#[utoipa::path(post, path = "/webhooks", tag = "webhooks", request_body = CreateWebhook,
    responses((status = 201, body = CreatedWebhook), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn create_webhook(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<CreateWebhook>,
) -> ApiResult<(StatusCode, Json<CreatedWebhook>)> {
    caller.admin()?;
    Ok((StatusCode::CREATED, Json(create(&state, body).await?)))
}

/// Registers a webhook; its secret, generated unless given, is in the
/// answer (the API's and the admin page's).
pub(crate) async fn create(state: &AppState, body: CreateWebhook) -> ApiResult<CreatedWebhook> {
    let new = NewWebhook {
        url: url(state, &body.url)?,
        events: events(&body.events)?,
        secret: match body.secret {
            Some(s) => secret(s)?,
            None => generate_secret(),
        },
        enabled: body.enabled,
    };
    let row = state.store.create_webhook(&new).await?;
    let secret = row.secret.clone();
    Ok(CreatedWebhook {
        webhook: row.into(),
        secret,
    })
}

/// One webhook (without its secret).
#[utoipa::path(get, path = "/webhooks/{id}", tag = "webhooks",
    params(("id" = i64, Path, description = "Webhook id")),
    responses((status = 200, body = WebhookView), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
async fn get_webhook(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<WebhookView>> {
    caller.admin()?;
    Ok(Json(get(&state, id).await?))
}

/// One webhook (without its secret).
pub(crate) async fn get(state: &AppState, id: i64) -> ApiResult<WebhookView> {
    Ok(load(state, id).await?.into())
}

/// Changes any of url, secret, events, enabled.
#[utoipa::path(patch, path = "/webhooks/{id}", tag = "webhooks", request_body = UpdateWebhook,
    params(("id" = i64, Path, description = "Webhook id")),
    responses((status = 200, body = WebhookView), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_webhook(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<UpdateWebhook>,
) -> ApiResult<Json<WebhookView>> {
    caller.admin()?;
    Ok(Json(update(&state, id, body).await?))
}

/// Changes any of a webhook's url, secret, events, enabled.
pub(crate) async fn update(
    state: &AppState,
    id: i64,
    body: UpdateWebhook,
) -> ApiResult<WebhookView> {
    let change = WebhookChange {
        url: body.url.as_deref().map(|u| url(state, u)).transpose()?,
        secret: body.secret.map(secret).transpose()?,
        events: body.events.as_deref().map(events).transpose()?,
        enabled: body.enabled,
    };
    let row = state
        .store
        .update_webhook(id, &change)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("webhook {id}")))?;
    Ok(row.into())
}

/// Deletes a webhook and its deliveries.
#[utoipa::path(delete, path = "/webhooks/{id}", tag = "webhooks",
    params(("id" = i64, Path, description = "Webhook id")),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn delete_webhook(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    caller.admin()?;
    delete(&state, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Deletes a webhook and its deliveries.
pub(crate) async fn delete(state: &AppState, id: i64) -> ApiResult<()> {
    if !state.store.delete_webhook(id).await? {
        return Err(ApiError::not_found(format!("webhook {id}")));
    }
    Ok(())
}

/// A webhook's recent deliveries, newest first.
#[utoipa::path(get, path = "/webhooks/{id}/deliveries", tag = "webhooks",
    params(("id" = i64, Path, description = "Webhook id"), DeliveriesQuery),
    responses((status = 200, body = DeliveryList), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn list_deliveries(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(query): ApiQuery<DeliveriesQuery>,
) -> ApiResult<Json<DeliveryList>> {
    caller.admin()?;
    let limit = query.limit.unwrap_or(DEFAULT_DELIVERIES);
    if !(1..=MAX_DELIVERIES).contains(&limit) {
        return Err(ApiError::invalid(
            "limit",
            format!("limit must be 1 to {MAX_DELIVERIES}"),
        ));
    }
    Ok(Json(DeliveryList {
        items: deliveries(&state, id, limit).await?,
    }))
}

/// A webhook's `limit` most recent deliveries, newest first.
pub(crate) async fn deliveries(
    state: &AppState,
    id: i64,
    limit: i64,
) -> ApiResult<Vec<DeliveryView>> {
    load(state, id).await?;
    let items = state.store.webhook_deliveries(id, limit).await?;
    Ok(items.into_iter().map(DeliveryView::from).collect())
}
