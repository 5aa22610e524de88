//! `/admin/agents`: who works here (name, email, role, active), adding one
//! with a password to log in with, and each agent's page: name, role,
//! active, a new password, and the signature their replies carry. Through
//! the API's own `create` and `update`, so refusals are the API's words.
use super::{Refusal, admin, html, refused};
use crate::api::AppState;
use crate::api::settings::agents::{self, AgentPatch, AgentView, NewAgent};
use crate::web::error::{PageError, PageResult};
use crate::web::session::WebAgent;
use crate::web::views::{Layout, unix_lines};
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

#[derive(Template)]
#[template(path = "web/admin_agents.html")]
struct AgentsPage {
    layout: Layout,
    agents: Vec<AgentView>,
    form: AgentForm,
    error: Refusal,
}

#[derive(Template)]
#[template(path = "web/admin_agent.html")]
struct AgentPage {
    layout: Layout,
    agent: AgentView,
    form: AgentForm,
    error: Refusal,
    saved: bool,
}

/// The add and edit forms (a blank password keeps the stored one).
#[derive(Debug, Default, serde::Deserialize)]
pub struct AgentForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    signature: String,
    /// A ticked checkbox (edit form).
    #[serde(default)]
    active: Option<String>,
}

pub async fn list(State(state): State<AppState>, agent: WebAgent) -> PageResult<Response> {
    admin(&agent)?;
    render_list(
        &state,
        &agent,
        AgentForm::default(),
        Refusal::default(),
        StatusCode::OK,
    )
    .await
}

async fn render_list(
    state: &AppState,
    agent: &WebAgent,
    form: AgentForm,
    error: Refusal,
    status: StatusCode,
) -> PageResult<Response> {
    let agents = state
        .store
        .agents()
        .await?
        .into_iter()
        .map(AgentView::from)
        .collect();
    let page = AgentsPage {
        layout: Layout::for_agent("Agents", agent),
        agents,
        form,
        error,
    };
    html(&page, status)
}

/// Adds an agent (with a password when one is given).
pub async fn add(
    State(state): State<AppState>,
    agent: WebAgent,
    Form(form): Form<AgentForm>,
) -> PageResult<Response> {
    admin(&agent)?;
    let body = NewAgent {
        email: form.email.clone(),
        name: form.name.clone(),
        role: Some(form.role.clone()).filter(|r| !r.is_empty()),
        signature: unix_lines(&form.signature),
        team_ids: Vec::new(),
        active: Some(true),
        password: Some(form.password.clone()).filter(|p| !p.is_empty()),
    };
    match agents::create(&state, body).await {
        Ok(created) => Ok(Redirect::to(&format!("/admin/agents/{}", created.id)).into_response()),
        Err(e) => {
            let (error, status) = refused(e, "email", &[])?;
            render_list(&state, &agent, form, error, status).await
        }
    }
}

pub async fn page(
    State(state): State<AppState>,
    agent: WebAgent,
    Path(id): Path<i64>,
) -> PageResult<Response> {
    admin(&agent)?;
    render_one(&state, &agent, id, None, None, false).await
}

async fn render_one(
    state: &AppState,
    agent: &WebAgent,
    id: i64,
    form: Option<AgentForm>,
    error: Option<(Refusal, StatusCode)>,
    saved: bool,
) -> PageResult<Response> {
    let shown = state
        .store
        .agent(id)
        .await?
        .map(AgentView::from)
        .ok_or_else(|| PageError::not_found("such agent"))?;
    let form = form.unwrap_or_else(|| AgentForm {
        email: shown.email.clone(),
        name: shown.name.clone(),
        role: shown.role.clone(),
        password: String::new(),
        signature: shown.signature.clone(),
        active: shown.active.then(|| "on".into()),
    });
    let (error, status) = error.unwrap_or((Refusal::default(), StatusCode::OK));
    let page = AgentPage {
        layout: Layout::for_agent(&shown.name, agent),
        agent: shown,
        form,
        error,
        saved,
    };
    html(&page, status)
}

/// Saves an agent's page: name, email, role, active, signature, and a new
/// password when one is written.
pub async fn save(
    State(state): State<AppState>,
    agent: WebAgent,
    Path(id): Path<i64>,
    Form(form): Form<AgentForm>,
) -> PageResult<Response> {
    admin(&agent)?;
    let patch = AgentPatch {
        email: Some(form.email.clone()),
        name: Some(form.name.clone()),
        role: Some(form.role.clone()),
        signature: Some(unix_lines(&form.signature)),
        active: Some(form.active.is_some()),
        password: Some(form.password.clone()).filter(|p| !p.is_empty()),
        ..AgentPatch::default()
    };
    match agents::update(&state, id, patch).await {
        Ok(_) => render_one(&state, &agent, id, None, None, true).await,
        Err(e) => {
            let error = refused(e, "email", &[])?;
            render_one(&state, &agent, id, Some(form), Some(error), false).await
        }
    }
}
