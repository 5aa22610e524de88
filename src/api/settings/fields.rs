//! `fields`: custom field definitions. `scope` says what carries a value:
//! each ticket or each contact. `key` ([a-z0-9_]{1,64}, unique in its scope)
//! names the field in filters and templates; `options` belong to select
//! fields only; the type and scope of a field that holds values stay.
use super::{
    Admin, FieldAccessName, FieldKey, FieldScopeName, FieldTypeName, Items, MAX_NAME, OneLine,
    OptionNames, line, modified_or,
};
use crate::api::AppState;
use crate::api::auth::Caller;
use crate::api::error::{ApiError, ApiResult, ErrorBody};
use crate::api::extract::{ApiJson, ApiPath};
use crate::domain::{FieldAccess, FieldScope, FieldType};
use crate::store::Store;
use crate::store::fields::{FieldDef, FieldSpec, FieldUpdate};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) const MAX_KEY: usize = 64;
pub(crate) const MAX_OPTIONS: usize = 500;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_fields, create_field))
        .routes(routes!(get_field, update_field, delete_field))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FieldView {
    pub id: i64,
    /// ticket | contact
    #[schema(value_type = String)]
    pub scope: FieldScope,
    pub key: String,
    pub label: String,
    /// text | number | date | select | checkbox
    #[serde(rename = "type")]
    #[schema(value_type = String)]
    pub field_type: FieldType,
    /// The choices of a select field (empty for the other types).
    pub options: Vec<String>,
    pub position: i64,
    /// What agents may do with it: edit | view | hidden (admins: all).
    #[schema(value_type = String)]
    pub agent_access: FieldAccess,
    #[serde(serialize_with = "crate::api::time::utc")]
    pub created_at: DateTime<Utc>,
}

impl From<FieldDef> for FieldView {
    fn from(f: FieldDef) -> Self {
        Self {
            id: f.id,
            scope: f.scope,
            key: f.key,
            label: f.label,
            field_type: f.field_type,
            options: f.options,
            position: f.position,
            agent_access: f.agent_access,
            created_at: f.created_at,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewField {
    /// ticket (the default) or contact.
    #[serde(default)]
    #[schema(value_type = Option<FieldScopeName>)]
    pub scope: Option<String>,
    #[schema(value_type = FieldKey)]
    pub key: String,
    #[schema(value_type = OneLine)]
    pub label: String,
    /// text | number | date | select | checkbox
    #[serde(rename = "type")]
    #[schema(value_type = FieldTypeName)]
    pub field_type: String,
    /// Required (not empty) for select, refused for the other types.
    #[serde(default)]
    #[schema(value_type = Option<OptionNames>)]
    pub options: Option<Vec<String>>,
    /// Where it sorts, -1,000,000 to 1,000,000; absent: after the last.
    #[serde(default)]
    #[schema(minimum = -1_000_000, maximum = 1_000_000)]
    pub position: Option<i64>,
    /// What agents may do with it: edit (the default), view or hidden.
    #[serde(default)]
    #[schema(value_type = Option<FieldAccessName>)]
    pub agent_access: Option<String>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FieldPatch {
    /// ticket or contact; stays while values are held (409).
    #[serde(default)]
    #[schema(value_type = Option<FieldScopeName>)]
    pub scope: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<FieldKey>)]
    pub key: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<OneLine>)]
    pub label: Option<String>,
    #[serde(default, rename = "type")]
    #[schema(value_type = Option<FieldTypeName>)]
    pub field_type: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<OptionNames>)]
    pub options: Option<Vec<String>>,
    #[serde(default)]
    #[schema(minimum = -1_000_000, maximum = 1_000_000)]
    pub position: Option<i64>,
    #[serde(default)]
    #[schema(value_type = Option<FieldAccessName>)]
    pub agent_access: Option<String>,
}

/// Highest (and, negated, lowest) position: the next one after it
/// (`MAX + 1`) stays an integer (SQLite turns an overflowing sum into a
/// float).
const MAX_POSITION: i64 = 1_000_000;

fn position(value: Option<i64>) -> ApiResult<Option<i64>> {
    match value {
        Some(p) if !(-MAX_POSITION..=MAX_POSITION).contains(&p) => Err(ApiError::invalid(
            "position",
            format!("position must be -{MAX_POSITION} to {MAX_POSITION}, not {p}"),
        )),
        v => Ok(v),
    }
}

fn key(value: &str) -> ApiResult<String> {
    let ok = (1..=MAX_KEY).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if ok {
        Ok(value.to_string())
    } else {
        Err(ApiError::invalid(
            "key",
            format!("key must be 1 to {MAX_KEY} of a-z, 0-9 and _, not {value:?}"),
        ))
    }
}

fn scope(value: Option<&str>, current: FieldScope) -> ApiResult<FieldScope> {
    value.map_or(Ok(current), |v| {
        FieldScope::parse(v).map_err(|e| ApiError::invalid("scope", e.0))
    })
}

fn access(value: Option<&str>, current: FieldAccess) -> ApiResult<FieldAccess> {
    value.map_or(Ok(current), |v| {
        FieldAccess::parse(v).map_err(|e| ApiError::invalid("agent_access", e.0))
    })
}

fn field_type(value: &str) -> ApiResult<FieldType> {
    FieldType::parse(value).map_err(|e| ApiError::invalid("type", e.0))
}

/// Options for `t`: a select needs some, the other types take none. When
/// the request gave both (`stated`), a mismatch is its own (422, as the
/// document says); else the stored type or options decide (409).
fn options(t: FieldType, given: Option<Vec<String>>, stated: bool) -> ApiResult<Vec<String>> {
    let mismatch = |message: String| match stated {
        true => ApiError::invalid("options", message),
        false => ApiError::conflict("options", message),
    };
    let given = given.unwrap_or_default();
    if t != FieldType::Select {
        if !given.is_empty() {
            return Err(mismatch(format!(
                "options are for select fields only, not {}",
                t.as_str()
            )));
        }
        return Ok(given);
    }
    if given.is_empty() {
        return Err(mismatch("a select field needs options".into()));
    }
    if given.len() > MAX_OPTIONS {
        return Err(ApiError::invalid(
            "options",
            format!("at most {MAX_OPTIONS} options are allowed"),
        ));
    }
    let mut out: Vec<String> = Vec::with_capacity(given.len());
    for (i, o) in given.iter().enumerate() {
        let o = line(&format!("options[{i}]"), o, MAX_NAME)?;
        if !out.contains(&o) {
            out.push(o);
        }
    }
    Ok(out)
}

fn missing(id: i64) -> ApiError {
    ApiError::not_found(format!("custom field {id}"))
}

/// Every custom field the caller sees (agents: not the hidden ones): the
/// ticket fields, then the contact fields, each by position.
#[utoipa::path(get, path = "/fields", tag = "fields", responses((status = 200, body = Items<FieldView>)))]
async fn list_fields(State(s): State<AppState>, c: Caller) -> ApiResult<Json<Items<FieldView>>> {
    let mut fields = s.store.fields().await?;
    fields.retain(|f| f.agent_access.seen_by(c.role));
    Ok(Json(
        fields
            .into_iter()
            .map(FieldView::from)
            .collect::<Vec<_>>()
            .into(),
    ))
}

/// Defines a custom field (admin).
#[utoipa::path(post, path = "/fields", tag = "fields", request_body = NewField,
    responses((status = 201, body = FieldView), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_field(
    State(s): State<AppState>,
    _a: Admin,
    ApiJson(body): ApiJson<NewField>,
) -> ApiResult<(StatusCode, Json<FieldView>)> {
    Ok((StatusCode::CREATED, Json(create(&s.store, body).await?)))
}

/// Defines a custom field (the API's and the admin page's).
pub(crate) async fn create(store: &Store, body: NewField) -> ApiResult<FieldView> {
    let t = field_type(&body.field_type)?;
    let spec = FieldSpec {
        scope: scope(body.scope.as_deref(), FieldScope::Ticket)?,
        agent_access: access(body.agent_access.as_deref(), FieldAccess::Edit)?,
        key: key(&body.key)?,
        label: line("label", &body.label, MAX_NAME)?,
        options: options(t, body.options, true)?,
        field_type: t,
        position: position(body.position)?,
    };
    let made = store.create_field(&spec).await?;
    Ok(made.into())
}

/// One custom field.
#[utoipa::path(get, path = "/fields/{id}", tag = "fields", params(("id" = i64, Path)),
    responses((status = 200, body = FieldView), (status = 404, body = ErrorBody)))]
async fn get_field(
    State(s): State<AppState>,
    c: Caller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<FieldView>> {
    let field = s.store.field(id).await?;
    let field = field
        .filter(|f| f.agent_access.seen_by(c.role))
        .ok_or_else(|| missing(id))?;
    Ok(Json(field.into()))
}

/// Changes a custom field (admin). Its type and scope cannot change while
/// values of it are held, nor can a select lose an option in use (409).
#[utoipa::path(patch, path = "/fields/{id}", tag = "fields", params(("id" = i64, Path)), request_body = FieldPatch,
    responses((status = 200, body = FieldView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_field(
    State(s): State<AppState>,
    _a: Admin,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<FieldPatch>,
) -> ApiResult<Json<FieldView>> {
    Ok(Json(update(&s.store, id, body).await?))
}

/// Changes a custom field; its type and the options in use stay (409).
pub(crate) async fn update(store: &Store, id: i64, body: FieldPatch) -> ApiResult<FieldView> {
    // Merged with the field as it is inside the write transaction.
    let change = |current: FieldDef| -> ApiResult<FieldSpec> {
        let t = match &body.field_type {
            Some(t) => field_type(t)?,
            None => current.field_type,
        };
        let stated = body.field_type.is_some() && body.options.is_some();
        // A type change without options drops the old type's options.
        let kept = (t == current.field_type).then_some(current.options);
        Ok(FieldSpec {
            scope: scope(body.scope.as_deref(), current.scope)?,
            agent_access: access(body.agent_access.as_deref(), current.agent_access)?,
            key: key(body.key.as_deref().unwrap_or(&current.key))?,
            label: line(
                "label",
                body.label.as_deref().unwrap_or(&current.label),
                MAX_NAME,
            )?,
            options: options(t, body.options.or(kept), stated)?,
            field_type: t,
            position: position(body.position)?,
        })
    };
    let modified = store.modify_field(id, change).await?;
    match modified_or(modified, || format!("custom field {id}"))? {
        FieldUpdate::Updated(f) => Ok(f.into()),
        FieldUpdate::TypeInUse(n) => Err(ApiError::conflict(
            "type",
            format!("{n} value(s) are stored under this field: its type cannot change"),
        )),
        FieldUpdate::ScopeInUse(n) => Err(ApiError::conflict(
            "scope",
            format!("{n} value(s) are stored under this field: its scope cannot change"),
        )),
        FieldUpdate::OptionsInUse(used) => Err(ApiError::conflict(
            "options",
            format!("tickets still hold these options: {}", used.join(", ")),
        )),
    }
}

/// Deletes a custom field and every value of it (admin).
#[utoipa::path(delete, path = "/fields/{id}", tag = "fields", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
async fn delete_field(
    State(s): State<AppState>,
    _a: Admin,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    delete(&s.store, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Deletes a custom field and every value of it.
pub(crate) async fn delete(store: &Store, id: i64) -> ApiResult<()> {
    match store.delete_field(id).await? {
        true => Ok(()),
        false => Err(missing(id)),
    }
}
