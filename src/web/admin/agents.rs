//! `/admin/agents`: who works here (name, email, role, active), adding one
//! with a password to log in with, and each agent's page: name, role,
//! active, a new password, and the signature their replies carry. Through
//! the API's own `create` and `update`, so refusals are the API's words.
use super::{Refusal, admin, html, refused};
use crate::api::AppState;
use crate::api::settings::agents::{self, AgentPatch, AgentView, NewAgent};
use crate::api::settings::template;
use crate::api::settings::template_preview;
use crate::service::invites::{self, Invitation, InviteError};
use crate::service::signature;
use crate::store::teams::{Catalog, Named};
use crate::web::error::{PageError, PageResult};
use crate::web::session::WebAgent;
use crate::web::views::{Layout, unix_lines};
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Redirect, Response};
use std::collections::HashMap;

#[derive(Template)]
#[template(path = "web/admin_agents.html")]
struct AgentsPage {
    layout: Layout,
    agents: Vec<AgentView>,
    teams: Vec<Named>,
    form: AgentForm,
    error: Refusal,
}

#[derive(Template)]
#[template(path = "web/admin_agent.html")]
struct AgentPage {
    layout: Layout,
    agent: AgentView,
    teams: Vec<Named>,
    form: AgentForm,
    error: Refusal,
    saved: bool,
    /// The signature as a reply would carry it, or why it cannot render.
    preview: String,
    /// An invitation just made: its link and whether it was mailed.
    invitation: Option<Invitation>,
}

/// What an agent's page shows besides the stored agent: an invitation
/// just made.
type Shown = super::Shown<AgentForm, Option<Invitation>>;

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
    /// The rest: a ticked `team:{id}` checkbox per team.
    #[serde(flatten)]
    rest: HashMap<String, String>,
}

impl AgentForm {
    /// The teams ticked.
    fn team_ids(&self) -> Vec<i64> {
        let mut ids: Vec<i64> = self
            .rest
            .keys()
            .filter_map(|k| k.strip_prefix("team:")?.parse().ok())
            .collect();
        ids.sort_unstable();
        ids
    }

    fn in_team(&self, id: &i64) -> bool {
        self.rest.contains_key(&format!("team:{id}"))
    }
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
        teams: state.store.named_list(Catalog::Teams).await?,
        form,
        error,
    };
    html(&page, status)
}

/// Adds an agent (with a password when one is given), and invites them
/// by mail when asked to.
pub async fn add(
    State(state): State<AppState>,
    agent: WebAgent,
    headers: HeaderMap,
    Form(form): Form<AgentForm>,
) -> PageResult<Response> {
    admin(&agent)?;
    let body = NewAgent {
        email: form.email.clone(),
        name: form.name.clone(),
        role: Some(form.role.clone()).filter(|r| !r.is_empty()),
        signature: unix_lines(&form.signature),
        team_ids: form.team_ids(),
        active: Some(true),
        password: Some(form.password.clone()).filter(|p| !p.is_empty()),
    };
    match agents::create(&state, body).await {
        Ok(created) if form.rest.contains_key("invite") => {
            let made = invitation(&state, created.id, &headers).await?;
            render_one(&state, &agent, created.id, Shown::with(Some(made))).await
        }
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
    render_one(&state, &agent, id, Shown::default()).await
}

async fn render_one(
    state: &AppState,
    agent: &WebAgent,
    id: i64,
    shown_too: Shown,
) -> PageResult<Response> {
    let super::Shown {
        form,
        error,
        saved,
        extra: invitation,
    } = shown_too;
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
        rest: shown
            .team_ids
            .iter()
            .map(|t| (format!("team:{t}"), "on".into()))
            .collect(),
    });
    let (error, status) = error.unwrap_or((Refusal::default(), StatusCode::OK));
    let preview = signature_preview(state, id, &form.signature).await?;
    let page = AgentPage {
        layout: Layout::for_agent(&shown.name, agent),
        agent: shown,
        teams: state.store.named_list(Catalog::Teams).await?,
        form,
        error,
        saved,
        preview,
        invitation,
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
        team_ids: Some(form.team_ids()),
    };
    match agents::update(&state, id, patch).await {
        Ok(_) => render_one(&state, &agent, id, Shown::saved()).await,
        Err(e) => {
            let shown = Shown::refused(form, refused(e, "email", &[])?);
            render_one(&state, &agent, id, shown).await
        }
    }
}

/// `source` rendered as agent `id`'s replies would carry it, against
/// sample data, by the code that signs; or why it cannot be.
async fn signature_preview(state: &AppState, id: i64, source: &str) -> PageResult<String> {
    let source = unix_lines(source);
    if let Err(e) = template("signature", &source) {
        return Ok(e.message);
    }
    let ctx = template_preview::sample_context(&state.store, Some(id)).await?;
    Ok(match signature::preview(&source, &ctx).await {
        Ok(Some(text)) => format!("-- \n{text}"),
        Ok(None) => "(no signature)".into(),
        Err(e) => e.to_string(),
    })
}

/// The signature being written, rendered: plain text for the page's
/// script as the admin types.
pub async fn preview(
    State(state): State<AppState>,
    agent: WebAgent,
    Path(id): Path<i64>,
    Form(form): Form<AgentForm>,
) -> PageResult<Response> {
    admin(&agent)?;
    let text = signature_preview(&state, id, &form.signature).await?;
    Ok(([(CONTENT_TYPE, "text/plain; charset=utf-8")], text).into_response())
}

/// Invites agent `id` by mail: a fresh link, good once for a week.
async fn invitation(state: &AppState, id: i64, headers: &HeaderMap) -> PageResult<Invitation> {
    let origin = crate::web::invite::origin(headers);
    invites::invite(&state.store, &state.token_key, &state.tls, id, &origin)
        .await
        .map_err(|e| match e {
            InviteError::NoAgent(_) => PageError::not_found("such agent"),
            InviteError::OwnAddress(_) => PageError::conflict(e.to_string()),
            InviteError::Store(e) => e.into(),
        })
}

/// Mails agent `id` a new invitation and shows its link.
pub async fn invite(
    State(state): State<AppState>,
    agent: WebAgent,
    Path(id): Path<i64>,
    headers: HeaderMap,
) -> PageResult<Response> {
    admin(&agent)?;
    let made = invitation(&state, id, &headers).await?;
    render_one(&state, &agent, id, Shown::with(Some(made))).await
}
