//! `templates`: reply templates (tera). Every part is compiled on save, so a
//! template that does not compile is a 422 naming the field and the line.
//! Previews live in `template_preview`.
use super::{
    Admin, Items, LongLine, MAX_NAME, OneLine, line, modified_or, nullable, optional_line,
    template, text,
};
use crate::api::AppState;
use crate::api::auth::Caller;
use crate::api::error::{ApiError, ApiResult, ErrorBody};
use crate::api::extract::{ApiJson, ApiPath};
use crate::outbound::render::MAX_TEMPLATE_BYTES;
use crate::store::templates::{Template, TemplateSpec, template_on, update_template_on};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Longest subject template, in characters.
const MAX_SUBJECT: usize = super::MAX_LONG_LINE;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_templates, create_template))
        .routes(routes!(get_template, update_template, delete_template))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TemplateView {
    pub id: i64,
    pub name: String,
    pub subject: Option<String>,
    /// The text part (tera).
    pub body: String,
    /// The HTML part (tera, values HTML-escaped), if any.
    pub body_html: Option<String>,
    #[serde(serialize_with = "crate::api::time::utc")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "crate::api::time::utc")]
    pub updated_at: DateTime<Utc>,
}

impl From<Template> for TemplateView {
    fn from(t: Template) -> Self {
        Self {
            id: t.id,
            name: t.name,
            subject: t.subject,
            body: t.body,
            body_html: t.body_html,
            created_at: t.created_at,
            updated_at: t.updated_at,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTemplate {
    #[schema(value_type = OneLine)]
    pub name: String,
    #[serde(default)]
    #[schema(value_type = Option<LongLine>)]
    pub subject: Option<String>,
    pub body: String,
    #[serde(default)]
    pub body_html: Option<String>,
}

/// Any of the fields; `subject` or `body_html` null removes it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TemplatePatch {
    #[serde(default)]
    #[schema(value_type = Option<OneLine>)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<LongLine>)]
    pub subject: Option<Option<String>>,
    #[serde(default)]
    pub body: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub body_html: Option<Option<String>>,
}

/// Checks every part; an empty subject or HTML body is none.
pub(crate) fn spec(
    name: &str,
    subject: Option<&str>,
    body: &str,
    body_html: Option<&str>,
) -> ApiResult<TemplateSpec> {
    let name = line("name", name, MAX_NAME)?;
    let subject = match subject {
        Some(s) => Some(optional_line("subject", s, MAX_SUBJECT)?).filter(|s| !s.is_empty()),
        None => None,
    };
    if let Some(s) = &subject {
        template("subject", s)?;
    }
    let body = text("body", body, MAX_TEMPLATE_BYTES)?;
    template("body", &body)?;
    let body_html = body_html.filter(|h| !h.trim().is_empty());
    if let Some(h) = body_html {
        text("body_html", h, MAX_TEMPLATE_BYTES)?;
        template("body_html", h)?;
    }
    Ok(TemplateSpec {
        name,
        subject,
        body,
        body_html: body_html.map(str::to_string),
    })
}

pub(super) fn missing(id: i64) -> ApiError {
    ApiError::not_found(format!("template {id}"))
}

/// Every template, by name.
#[utoipa::path(get, path = "/templates", tag = "templates", responses((status = 200, body = Items<TemplateView>)))]
async fn list_templates(
    State(s): State<AppState>,
    _c: Caller,
) -> ApiResult<Json<Items<TemplateView>>> {
    let all = s.store.templates().await?;
    Ok(Json(
        all.into_iter()
            .map(TemplateView::from)
            .collect::<Vec<_>>()
            .into(),
    ))
}

/// Saves a new template (admin); 422 naming the line if a part does not compile.
#[utoipa::path(post, path = "/templates", tag = "templates", request_body = NewTemplate,
    responses((status = 201, body = TemplateView), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_template(
    State(s): State<AppState>,
    _a: Admin,
    ApiJson(b): ApiJson<NewTemplate>,
) -> ApiResult<(StatusCode, Json<TemplateView>)> {
    Ok((StatusCode::CREATED, Json(create(&s, &b).await?)))
}

/// Adds a template once every part compiles (the API's and the editor's).
pub(crate) async fn create(s: &AppState, b: &NewTemplate) -> ApiResult<TemplateView> {
    let spec = spec(
        &b.name,
        b.subject.as_deref(),
        &b.body,
        b.body_html.as_deref(),
    )?;
    let made = s.store.create_template(&spec).await?;
    Ok(made.into())
}

/// One template.
#[utoipa::path(get, path = "/templates/{id}", tag = "templates", params(("id" = i64, Path)),
    responses((status = 200, body = TemplateView), (status = 404, body = ErrorBody)))]
async fn get_template(
    State(s): State<AppState>,
    _c: Caller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<TemplateView>> {
    let t = s.store.template(id).await?.ok_or_else(|| missing(id))?;
    Ok(Json(t.into()))
}

/// Changes a template (admin); 422 naming the line if a part does not compile.
#[utoipa::path(patch, path = "/templates/{id}", tag = "templates", params(("id" = i64, Path)), request_body = TemplatePatch,
    responses((status = 200, body = TemplateView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_template(
    State(s): State<AppState>,
    _a: Admin,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<TemplatePatch>,
) -> ApiResult<Json<TemplateView>> {
    Ok(Json(update(&s, id, b).await?))
}

/// Changes a template once every part compiles.
pub(crate) async fn update(s: &AppState, id: i64, b: TemplatePatch) -> ApiResult<TemplateView> {
    // Merged with the template as it is inside the write transaction.
    let modified = s
        .store
        .modify(
            async |c| template_on(c, id).await,
            |current| {
                let subject = b.subject.unwrap_or(current.subject);
                let body_html = b.body_html.unwrap_or(current.body_html);
                spec(
                    b.name.as_deref().unwrap_or(&current.name),
                    subject.as_deref(),
                    b.body.as_deref().unwrap_or(&current.body),
                    body_html.as_deref(),
                )
            },
            async |c, spec| update_template_on(c, id, &spec).await,
        )
        .await?;
    let t = modified_or(modified, || format!("template {id}"))?;
    Ok(t.into())
}

/// Deletes a template (admin).
#[utoipa::path(delete, path = "/templates/{id}", tag = "templates", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
async fn delete_template(
    State(s): State<AppState>,
    _a: Admin,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    delete(&s, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Deletes a template.
pub(crate) async fn delete(s: &AppState, id: i64) -> ApiResult<()> {
    match s.store.delete_template(id).await? {
        true => Ok(()),
        false => Err(missing(id)),
    }
}
