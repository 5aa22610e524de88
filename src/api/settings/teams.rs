//! `teams` and `topics`: unique names (API.md). The topic "General" is the
//! one new tickets get, so it can be neither renamed nor deleted.
use super::{Admin, Items, MAX_NAME, OneLine, line};
use crate::api::AppState;
use crate::api::auth::Caller;
use crate::api::error::{ApiError, ApiResult, ErrorBody};
use crate::api::extract::{ApiJson, ApiPath};
use crate::store::Store;
use crate::store::teams::{Catalog, Named};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The topic new tickets are filed under.
const GENERAL: &str = "General";

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_teams, create_team))
        .routes(routes!(get_team, update_team, delete_team))
        .routes(routes!(list_topics, create_topic))
        .routes(routes!(get_topic, update_topic, delete_topic))
}

/// A team or a topic.
#[derive(Debug, Serialize, ToSchema)]
pub struct NamedView {
    pub id: i64,
    pub name: String,
    #[serde(serialize_with = "crate::api::time::utc")]
    pub created_at: DateTime<Utc>,
}

impl From<Named> for NamedView {
    fn from(n: Named) -> Self {
        Self {
            id: n.id,
            name: n.name,
            created_at: n.created_at,
        }
    }
}

/// Create or rename: the one field.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NameBody {
    #[schema(value_type = OneLine)]
    pub name: String,
}

fn noun(catalog: Catalog) -> &'static str {
    match catalog {
        Catalog::Teams => "team",
        Catalog::Topics => "topic",
    }
}

async fn list(store: &Store, catalog: Catalog) -> ApiResult<Json<Items<NamedView>>> {
    let all = store.named_list(catalog).await?;
    Ok(Json(
        all.into_iter()
            .map(NamedView::from)
            .collect::<Vec<_>>()
            .into(),
    ))
}

async fn get(store: &Store, catalog: Catalog, id: i64) -> ApiResult<Named> {
    store
        .named(catalog, id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("{} {id}", noun(catalog))))
}

/// Adds a team or topic (the API's and the admin page's).
pub(crate) async fn create(store: &Store, catalog: Catalog, name: &str) -> ApiResult<Named> {
    let name = line("name", name, MAX_NAME)?;
    Ok(store.create_named(catalog, &name).await?)
}

/// Renames a team or topic; "General" stays.
pub(crate) async fn rename(
    store: &Store,
    catalog: Catalog,
    id: i64,
    name: &str,
) -> ApiResult<Named> {
    let name = line("name", name, MAX_NAME)?;
    let current = get(store, catalog, id).await?;
    if catalog == Catalog::Topics && current.name == GENERAL && name != GENERAL {
        return Err(general_is_fixed());
    }
    let renamed = store.rename_named(catalog, id, &name).await?;
    renamed.ok_or_else(|| ApiError::not_found(format!("{} {id}", noun(catalog))))
}

/// Deletes a team or topic; "General" stays.
pub(crate) async fn delete(store: &Store, catalog: Catalog, id: i64) -> ApiResult<()> {
    let current = get(store, catalog, id).await?;
    if catalog == Catalog::Topics && current.name == GENERAL {
        return Err(general_is_fixed());
    }
    match store.delete_named(catalog, id).await? {
        true => Ok(()),
        false => Err(ApiError::not_found(format!("{} {id}", noun(catalog)))),
    }
}

fn general_is_fixed() -> ApiError {
    ApiError::conflict(
        "name",
        "the topic \"General\" is where new tickets go: it cannot be renamed or deleted",
    )
}

/// Every team, by name.
#[utoipa::path(get, path = "/teams", tag = "teams",
    responses((status = 200, body = Items<NamedView>)))]
async fn list_teams(State(s): State<AppState>, _c: Caller) -> ApiResult<Json<Items<NamedView>>> {
    list(&s.store, Catalog::Teams).await
}

/// Creates a team (admin).
#[utoipa::path(post, path = "/teams", tag = "teams", request_body = NameBody,
    responses((status = 201, body = NamedView), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_team(
    State(s): State<AppState>,
    _a: Admin,
    ApiJson(body): ApiJson<NameBody>,
) -> ApiResult<(StatusCode, Json<NamedView>)> {
    let made = create(&s.store, Catalog::Teams, &body.name).await?;
    Ok((StatusCode::CREATED, Json(made.into())))
}

/// One team.
#[utoipa::path(get, path = "/teams/{id}", tag = "teams", params(("id" = i64, Path)),
    responses((status = 200, body = NamedView), (status = 404, body = ErrorBody)))]
async fn get_team(
    State(s): State<AppState>,
    _c: Caller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<NamedView>> {
    get(&s.store, Catalog::Teams, id)
        .await
        .map(|n| Json(n.into()))
}

/// Renames a team (admin).
#[utoipa::path(patch, path = "/teams/{id}", tag = "teams", params(("id" = i64, Path)), request_body = NameBody,
    responses((status = 200, body = NamedView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn update_team(
    State(s): State<AppState>,
    _a: Admin,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<NameBody>,
) -> ApiResult<Json<NamedView>> {
    let renamed = rename(&s.store, Catalog::Teams, id, &body.name).await?;
    Ok(Json(renamed.into()))
}

/// Deletes a team (admin): tickets and agents leave it.
#[utoipa::path(delete, path = "/teams/{id}", tag = "teams", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
async fn delete_team(
    State(s): State<AppState>,
    _a: Admin,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    delete(&s.store, Catalog::Teams, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Every topic, by name.
#[utoipa::path(get, path = "/topics", tag = "topics",
    responses((status = 200, body = Items<NamedView>)))]
async fn list_topics(State(s): State<AppState>, _c: Caller) -> ApiResult<Json<Items<NamedView>>> {
    list(&s.store, Catalog::Topics).await
}

/// Creates a topic (admin).
#[utoipa::path(post, path = "/topics", tag = "topics", request_body = NameBody,
    responses((status = 201, body = NamedView), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_topic(
    State(s): State<AppState>,
    _a: Admin,
    ApiJson(body): ApiJson<NameBody>,
) -> ApiResult<(StatusCode, Json<NamedView>)> {
    let made = create(&s.store, Catalog::Topics, &body.name).await?;
    Ok((StatusCode::CREATED, Json(made.into())))
}

/// One topic.
#[utoipa::path(get, path = "/topics/{id}", tag = "topics", params(("id" = i64, Path)),
    responses((status = 200, body = NamedView), (status = 404, body = ErrorBody)))]
async fn get_topic(
    State(s): State<AppState>,
    _c: Caller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<NamedView>> {
    get(&s.store, Catalog::Topics, id)
        .await
        .map(|n| Json(n.into()))
}

/// Renames a topic (admin); "General" stays.
#[utoipa::path(patch, path = "/topics/{id}", tag = "topics", params(("id" = i64, Path)), request_body = NameBody,
    responses((status = 200, body = NamedView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn update_topic(
    State(s): State<AppState>,
    _a: Admin,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<NameBody>,
) -> ApiResult<Json<NamedView>> {
    let renamed = rename(&s.store, Catalog::Topics, id, &body.name).await?;
    Ok(Json(renamed.into()))
}

/// Deletes a topic (admin): its tickets get none. "General" stays.
#[utoipa::path(delete, path = "/topics/{id}", tag = "topics", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn delete_topic(
    State(s): State<AppState>,
    _a: Admin,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    delete(&s.store, Catalog::Topics, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
