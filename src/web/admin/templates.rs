//! `/admin/templates`: the reply templates. The list adds one; a
//! template's page is an editor with the variables it can use listed beside
//! it (from the very context rendering sees), a save that refuses a part
//! that does not compile with its line beside that part, and a preview of
//! what is in the editor (saved or not) against a ticket or sample data.
use super::{Refusal, admin, html, refused};
use crate::api::AppState;
use crate::api::settings::template_preview::{self, Preview, PreviewRequest};
use crate::api::settings::templates::{self, NewTemplate, TemplatePatch, TemplateView};
use crate::store::templates::Template as StoredTemplate;
use crate::web::error::{PageError, PageResult};
use crate::web::session::WebAgent;
use crate::web::views::{Layout, unix_lines};
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

#[derive(Template)]
#[template(path = "web/admin_templates.html")]
struct TemplatesPage {
    layout: Layout,
    templates: Vec<TemplateView>,
    form: TemplateForm,
    error: Refusal,
}

#[derive(Template)]
#[template(path = "web/admin_template.html")]
struct EditorPage {
    layout: Layout,
    id: i64,
    form: TemplateForm,
    error: Refusal,
    saved: bool,
    variables: Vec<(String, String)>,
    preview: Option<Preview>,
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct TemplateForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    subject: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    body_html: String,
    /// The ticket to preview against; empty for sample data.
    #[serde(default)]
    ticket_id: String,
}

impl TemplateForm {
    /// The text parts as stored: LF line ends.
    fn body(&self) -> String {
        unix_lines(&self.body)
    }

    fn body_html(&self) -> String {
        unix_lines(&self.body_html)
    }

    fn of(t: &TemplateView) -> Self {
        Self {
            name: t.name.clone(),
            subject: t.subject.clone().unwrap_or_default(),
            body: t.body.clone(),
            body_html: t.body_html.clone().unwrap_or_default(),
            ticket_id: String::new(),
        }
    }
}

pub async fn list(State(state): State<AppState>, agent: WebAgent) -> PageResult<Response> {
    admin(&agent)?;
    let form = TemplateForm::default();
    render_list(&state, &agent, form, Refusal::default(), StatusCode::OK).await
}

async fn render_list(
    state: &AppState,
    agent: &WebAgent,
    form: TemplateForm,
    error: Refusal,
    status: StatusCode,
) -> PageResult<Response> {
    let templates = state.store.templates().await?;
    let page = TemplatesPage {
        layout: Layout::for_agent("Templates", agent),
        templates: templates.into_iter().map(TemplateView::from).collect(),
        form,
        error,
    };
    html(&page, status)
}

/// Adds a template and opens it in the editor.
pub async fn add(
    State(state): State<AppState>,
    agent: WebAgent,
    Form(form): Form<TemplateForm>,
) -> PageResult<Response> {
    admin(&agent)?;
    let body = NewTemplate {
        name: form.name.clone(),
        subject: Some(form.subject.clone()),
        body: form.body(),
        body_html: Some(form.body_html()),
    };
    match templates::create(&state, &body).await {
        Ok(made) => Ok(Redirect::to(&format!("/admin/templates/{}", made.id)).into_response()),
        Err(e) => {
            let (error, status) = refused(e, "name", &[])?;
            render_list(&state, &agent, form, error, status).await
        }
    }
}

/// What the editor shows besides the stored template: a preview.
type Shown = super::Shown<TemplateForm, Option<Preview>>;

pub async fn page(
    State(state): State<AppState>,
    agent: WebAgent,
    Path(id): Path<i64>,
) -> PageResult<Response> {
    admin(&agent)?;
    render_one(&state, &agent, id, Shown::default()).await
}

async fn render_one(
    state: &AppState,
    agent: &WebAgent,
    id: i64,
    shown: Shown,
) -> PageResult<Response> {
    let stored = state
        .store
        .template(id)
        .await?
        .map(TemplateView::from)
        .ok_or_else(|| PageError::not_found("such template"))?;
    let (error, status) = shown.error.unwrap_or_default();
    let page = EditorPage {
        layout: Layout::for_agent(&stored.name, agent),
        id,
        form: shown.form.unwrap_or_else(|| TemplateForm::of(&stored)),
        error,
        saved: shown.saved,
        variables: template_preview::variables(state, agent.agent_id).await?,
        preview: shown.extra,
    };
    html(&page, status)
}

/// Saves the editor's text once every part compiles; otherwise the part's
/// error, with its line, shows beside it and nothing is saved.
pub async fn save(
    State(state): State<AppState>,
    agent: WebAgent,
    Path(id): Path<i64>,
    Form(form): Form<TemplateForm>,
) -> PageResult<Response> {
    admin(&agent)?;
    let patch = TemplatePatch {
        name: Some(form.name.clone()),
        subject: Some(Some(form.subject.clone())),
        body: Some(form.body()),
        body_html: Some(Some(form.body_html())),
    };
    let shown = match templates::update(&state, id, patch).await {
        Ok(_) => Shown::saved(),
        Err(e) => Shown::refused(form, refused(e, "body", &[])?),
    };
    render_one(&state, &agent, id, shown).await
}

/// Renders what is in the editor, unsaved, against the chosen ticket or
/// sample data.
pub async fn preview(
    State(state): State<AppState>,
    agent: WebAgent,
    Path(id): Path<i64>,
    Form(form): Form<TemplateForm>,
) -> PageResult<Response> {
    admin(&agent)?;
    // The editor keeps what was written either way.
    let shown = match rendered(&state, &agent, id, &form).await {
        Ok(preview) => Shown {
            form: Some(form),
            ..Shown::with(Some(preview))
        },
        Err(error) => Shown::refused(form, error?),
    };
    render_one(&state, &agent, id, shown).await
}

/// The editor's text rendered, or a refusal beside its field.
async fn rendered(
    state: &AppState,
    agent: &WebAgent,
    id: i64,
    form: &TemplateForm,
) -> Result<Preview, PageResult<(Refusal, StatusCode)>> {
    let unprocessable = |field: &str, message: String| {
        Ok((
            Refusal::new(field, message),
            StatusCode::UNPROCESSABLE_ENTITY,
        ))
    };
    let ticket_id = match form.ticket_id.trim().trim_start_matches('#') {
        "" => None,
        n => match n.parse() {
            Ok(n) => Some(n),
            Err(_) => {
                return Err(unprocessable(
                    "ticket_id",
                    format!("{n:?} is not a ticket number"),
                ));
            }
        },
    };
    let checked = templates::spec(
        &form.name,
        Some(&form.subject),
        &form.body(),
        Some(&form.body_html()),
    )
    .map_err(|e| refused(e, "body", &[]))?;
    let now = crate::store::now();
    let template = StoredTemplate {
        id,
        name: checked.name,
        subject: checked.subject,
        body: checked.body,
        body_html: checked.body_html,
        created_at: now,
        updated_at: now,
    };
    let request = PreviewRequest {
        ticket_id,
        ..PreviewRequest::default()
    };
    template_preview::preview(state, template, request, Some(agent.agent_id))
        .await
        .map_err(|e| refused(e, "body", &[]))
}

/// Deletes a template.
pub async fn delete(
    State(state): State<AppState>,
    agent: WebAgent,
    Path(id): Path<i64>,
) -> PageResult<Response> {
    admin(&agent)?;
    templates::delete(&state, id).await?;
    Ok(Redirect::to("/admin/templates").into_response())
}
