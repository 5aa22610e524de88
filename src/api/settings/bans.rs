//! `bans`: who may not write in (`user@example.com` or `@example.com`, the
//! latter covering subdomains), why, until when. Ingest reads the bans in
//! every batch's transaction, so a new ban applies to the next mail.
use super::{
    Admin, BanPatternText, Items, LongLine, Rfc3339, modified_or, nullable, optional_line,
};
use crate::api::AppState;
use crate::api::auth::Caller;
use crate::api::error::{ApiError, ApiResult, ErrorBody};
use crate::api::extract::{ApiJson, ApiPath};
use crate::domain::BanPattern;
use crate::store::bans::{BanRecord, ban_on, update_ban_on};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Longest reason, in characters.
const MAX_REASON: usize = super::MAX_LONG_LINE;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_bans, create_ban))
        .routes(routes!(get_ban, update_ban, delete_ban))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BanView {
    pub id: i64,
    /// `user@example.com` or `@example.com`.
    pub pattern: String,
    pub reason: String,
    #[serde(serialize_with = "crate::api::time::utc_opt")]
    pub expires_at: Option<DateTime<Utc>>,
    /// Whether it applies now (not expired).
    pub active: bool,
    /// Mails refused under it so far (read-only).
    pub hits: i64,
    /// When it last refused one (read-only).
    #[serde(serialize_with = "crate::api::time::utc_opt")]
    pub last_hit_at: Option<DateTime<Utc>>,
    #[serde(serialize_with = "crate::api::time::utc")]
    pub created_at: DateTime<Utc>,
}

impl From<BanRecord> for BanView {
    fn from(b: BanRecord) -> Self {
        Self {
            active: b.expires_at.is_none_or(|e| e > Utc::now()),
            id: b.id,
            pattern: b.pattern,
            reason: b.reason,
            expires_at: b.expires_at,
            hits: b.hits,
            last_hit_at: b.last_hit_at,
            created_at: b.created_at,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewBan {
    #[schema(value_type = BanPatternText)]
    pub pattern: String,
    #[serde(default)]
    #[schema(value_type = LongLine)]
    pub reason: String,
    /// RFC 3339; absent or null: for good.
    #[serde(default)]
    #[schema(value_type = Option<Rfc3339>)]
    pub expires_at: Option<String>,
}

/// Any of the fields; `expires_at: null` makes the ban permanent.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BanPatch {
    #[serde(default)]
    #[schema(value_type = Option<BanPatternText>)]
    pub pattern: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<LongLine>)]
    pub reason: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<Rfc3339>)]
    pub expires_at: Option<Option<String>>,
}

fn pattern(value: &str) -> ApiResult<BanPattern> {
    BanPattern::parse(value).map_err(|e| ApiError::invalid("pattern", e.0))
}

fn expires_at(value: Option<&str>) -> ApiResult<Option<DateTime<Utc>>> {
    value
        .map(|v| crate::api::time::parse("expires_at", v))
        .transpose()
}

fn missing(id: i64) -> ApiError {
    ApiError::not_found(format!("ban {id}"))
}

/// Every ban, newest first.
#[utoipa::path(get, path = "/bans", tag = "bans", responses((status = 200, body = Items<BanView>)))]
async fn list_bans(State(s): State<AppState>, _c: Caller) -> ApiResult<Json<Items<BanView>>> {
    let bans = s.store.bans().await?;
    Ok(Json(
        bans.into_iter()
            .map(BanView::from)
            .collect::<Vec<_>>()
            .into(),
    ))
}

/// Bans a sender or a domain (admin).
#[utoipa::path(post, path = "/bans", tag = "bans", request_body = NewBan,
    responses((status = 201, body = BanView), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_ban(
    State(s): State<AppState>,
    _a: Admin,
    ApiJson(body): ApiJson<NewBan>,
) -> ApiResult<(StatusCode, Json<BanView>)> {
    Ok((StatusCode::CREATED, Json(add(&s, &body).await?)))
}

/// Checks and stores a new ban (the API's and the admin page's).
pub(crate) async fn add(s: &AppState, body: &NewBan) -> ApiResult<BanView> {
    let pattern = pattern(&body.pattern)?;
    let reason = optional_line("reason", &body.reason, MAX_REASON)?;
    let expires_at = expires_at(body.expires_at.as_deref())?;
    let id = s.store.create_ban(&pattern, &reason, expires_at).await?;
    let ban = s.store.ban(id).await?.ok_or_else(|| missing(id))?;
    Ok(ban.into())
}

/// Lifts a ban (the API's and the admin page's).
pub(crate) async fn lift(s: &AppState, id: i64) -> ApiResult<()> {
    match s.store.delete_ban(id).await? {
        true => Ok(()),
        false => Err(missing(id)),
    }
}

/// One ban.
#[utoipa::path(get, path = "/bans/{id}", tag = "bans", params(("id" = i64, Path)),
    responses((status = 200, body = BanView), (status = 404, body = ErrorBody)))]
async fn get_ban(
    State(s): State<AppState>,
    _c: Caller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<BanView>> {
    let ban = s.store.ban(id).await?.ok_or_else(|| missing(id))?;
    Ok(Json(ban.into()))
}

/// Changes a ban (admin); its hits stay.
#[utoipa::path(patch, path = "/bans/{id}", tag = "bans", params(("id" = i64, Path)), request_body = BanPatch,
    responses((status = 200, body = BanView), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_ban(
    State(s): State<AppState>,
    _a: Admin,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<BanPatch>,
) -> ApiResult<Json<BanView>> {
    // Merged with the ban as it is inside the write transaction.
    let modified = s
        .store
        .modify(
            async |c| ban_on(c, id).await,
            |current| -> ApiResult<_> {
                let pattern = pattern(body.pattern.as_deref().unwrap_or(&current.pattern))?;
                let reason = match &body.reason {
                    Some(r) => optional_line("reason", r, MAX_REASON)?,
                    None => current.reason,
                };
                let expires_at = match &body.expires_at {
                    Some(e) => expires_at(e.as_deref())?,
                    None => current.expires_at,
                };
                Ok((pattern, reason, expires_at))
            },
            async |c, (pattern, reason, expires_at)| {
                update_ban_on(c, id, &pattern, &reason, expires_at).await
            },
        )
        .await?;
    let ban = modified_or(modified, || format!("ban {id}"))?;
    Ok(Json(ban.into()))
}

/// Lifts a ban (admin).
#[utoipa::path(delete, path = "/bans/{id}", tag = "bans", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
async fn delete_ban(
    State(s): State<AppState>,
    _a: Admin,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    lift(&s, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
