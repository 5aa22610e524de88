//! `tags`: a unique name and an optional `group`. "none" is not a tag name:
//! `GET tickets?tag=none` means tickets without tags.
use super::{
    Admin, Items, MAX_NAME, OneLine, OptionalLine, line, modified_or, nullable, optional_line,
};
use crate::api::AppState;
use crate::api::auth::Caller;
use crate::api::error::{ApiError, ApiResult, ErrorBody};
use crate::api::extract::{ApiJson, ApiPath};
use crate::store::Store;
use crate::store::tags::{Tag, tag_on, update_tag_on};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_tags, create_tag))
        .routes(routes!(get_tag, update_tag, delete_tag))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TagView {
    pub id: i64,
    pub name: String,
    pub group: Option<String>,
    #[serde(serialize_with = "crate::api::time::utc")]
    pub created_at: DateTime<Utc>,
}

impl From<Tag> for TagView {
    fn from(t: Tag) -> Self {
        Self {
            id: t.id,
            name: t.name,
            group: t.tag_group,
            created_at: t.created_at,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTag {
    #[schema(value_type = OneLine)]
    pub name: String,
    #[serde(default)]
    #[schema(value_type = Option<OptionalLine>)]
    pub group: Option<String>,
}

/// Any of the fields; `group: null` takes the tag out of its group.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TagPatch {
    #[serde(default)]
    #[schema(value_type = Option<OneLine>)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<OptionalLine>)]
    pub group: Option<Option<String>>,
}

fn name(value: &str) -> ApiResult<String> {
    let name = line("name", value, MAX_NAME)?;
    if name.eq_ignore_ascii_case("none") {
        return Err(ApiError::invalid(
            "name",
            "\"none\" is reserved: the ticket filter tag=none means untagged",
        ));
    }
    Ok(name)
}

/// An empty group is no group.
fn group(value: Option<&str>) -> ApiResult<Option<String>> {
    let Some(v) = value else { return Ok(None) };
    let g = optional_line("group", v, MAX_NAME)?;
    Ok((!g.is_empty()).then_some(g))
}

/// Every tag, by group then name.
#[utoipa::path(get, path = "/tags", tag = "tags", responses((status = 200, body = Items<TagView>)))]
async fn list_tags(State(s): State<AppState>, _c: Caller) -> ApiResult<Json<Items<TagView>>> {
    let tags = s.store.tags().await?;
    Ok(Json(
        tags.into_iter()
            .map(TagView::from)
            .collect::<Vec<_>>()
            .into(),
    ))
}

/// Creates a tag (admin).
#[utoipa::path(post, path = "/tags", tag = "tags", request_body = NewTag,
    responses((status = 201, body = TagView), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_tag(
    State(s): State<AppState>,
    _a: Admin,
    ApiJson(body): ApiJson<NewTag>,
) -> ApiResult<(StatusCode, Json<TagView>)> {
    let tag = create(&s.store, &body.name, body.group.as_deref()).await?;
    Ok((StatusCode::CREATED, Json(tag)))
}

/// Adds a tag, in `group` unless it is empty (the API's and the page's).
pub(crate) async fn create(store: &Store, name: &str, group: Option<&str>) -> ApiResult<TagView> {
    let name = self::name(name)?;
    let group = self::group(group)?;
    Ok(store.create_tag(&name, group.as_deref()).await?.into())
}

/// One tag.
#[utoipa::path(get, path = "/tags/{id}", tag = "tags", params(("id" = i64, Path)),
    responses((status = 200, body = TagView), (status = 404, body = ErrorBody)))]
async fn get_tag(
    State(s): State<AppState>,
    _c: Caller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<TagView>> {
    let tag = s.store.tag(id).await?;
    tag.map(|t| Json(t.into()))
        .ok_or_else(|| ApiError::not_found(format!("tag {id}")))
}

/// Renames or regroups a tag (admin).
#[utoipa::path(patch, path = "/tags/{id}", tag = "tags", params(("id" = i64, Path)), request_body = TagPatch,
    responses((status = 200, body = TagView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn update_tag(
    State(s): State<AppState>,
    _a: Admin,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<TagPatch>,
) -> ApiResult<Json<TagView>> {
    Ok(Json(update(&s.store, id, body).await?))
}

/// Renames or regroups a tag.
pub(crate) async fn update(store: &Store, id: i64, body: TagPatch) -> ApiResult<TagView> {
    // Merged with the tag as it is inside the write transaction.
    let modified = store
        .modify(
            async |c| tag_on(c, id).await,
            |current| -> ApiResult<_> {
                let name = match body.name {
                    Some(n) => name(&n)?,
                    None => current.name,
                };
                let group = match body.group {
                    Some(g) => group(g.as_deref())?,
                    None => current.tag_group,
                };
                Ok((name, group))
            },
            async |c, (name, group)| update_tag_on(c, id, &name, group.as_deref()).await,
        )
        .await?;
    let tag = modified_or(modified, || format!("tag {id}"))?;
    Ok(tag.into())
}

/// Deletes a tag (admin); tickets lose it.
#[utoipa::path(delete, path = "/tags/{id}", tag = "tags", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
async fn delete_tag(
    State(s): State<AppState>,
    _a: Admin,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    delete(&s.store, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Deletes a tag; tickets lose it.
pub(crate) async fn delete(store: &Store, id: i64) -> ApiResult<()> {
    match store.delete_tag(id).await? {
        true => Ok(()),
        false => Err(ApiError::not_found(format!("tag {id}"))),
    }
}
