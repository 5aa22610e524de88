//! `agents`: email (unique), name, role, signature (a tera template, checked
//! on save), team_ids and active. Deleting an agent keeps its tickets.
use super::{
    Admin, EmailText, Items, MAX_NAME, OneLine, Password, RoleName, line, modified_or, referencing,
    template, text,
};
use crate::api::AppState;
use crate::api::auth::Caller;
use crate::api::error::{ApiError, ApiResult, ErrorBody};
use crate::api::extract::{ApiJson, ApiPath};
use crate::domain::{EmailAddress, Role};
use crate::service::passwords;
use crate::store::agents::{Agent, AgentSpec, LastAdmin};
use crate::store::{Modified, Store};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Largest signature, in bytes.
const MAX_SIGNATURE: usize = 10_000;
/// Most teams one agent can be in.
const MAX_TEAMS: usize = 1000;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_agents, create_agent))
        .routes(routes!(get_agent, update_agent, delete_agent))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AgentView {
    pub id: i64,
    pub email: String,
    pub name: String,
    /// admin | agent
    pub role: String,
    /// Appended under replies (a tera template).
    pub signature: String,
    pub team_ids: Vec<i64>,
    pub active: bool,
    #[serde(serialize_with = "crate::api::time::utc")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "crate::api::time::utc")]
    pub updated_at: DateTime<Utc>,
}

impl From<Agent> for AgentView {
    fn from(a: Agent) -> Self {
        let r = a.row;
        Self {
            id: r.id,
            email: r.email,
            name: r.name,
            role: r.role,
            signature: r.signature,
            team_ids: a.team_ids,
            active: r.active,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAgent {
    #[schema(value_type = EmailText)]
    pub email: String,
    #[schema(value_type = OneLine)]
    pub name: String,
    /// admin | agent (default agent)
    #[serde(default)]
    #[schema(value_type = Option<RoleName>)]
    pub role: Option<String>,
    #[serde(default)]
    pub signature: String,
    #[serde(default)]
    pub team_ids: Vec<i64>,
    #[serde(default)]
    pub active: Option<bool>,
    /// For the pages' login (write-only, at least 8 characters).
    #[serde(default)]
    #[schema(value_type = Option<Password>)]
    pub password: Option<String>,
}

/// Any of the fields; `team_ids` replaces the memberships.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AgentPatch {
    #[serde(default)]
    #[schema(value_type = Option<EmailText>)]
    pub email: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<OneLine>)]
    pub name: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<RoleName>)]
    pub role: Option<String>,
    #[serde(default)]
    pub signature: Option<String>,
    #[serde(default)]
    pub team_ids: Option<Vec<i64>>,
    #[serde(default)]
    pub active: Option<bool>,
    /// A new password for the pages (write-only); the agent's sessions end.
    #[serde(default)]
    #[schema(value_type = Option<Password>)]
    pub password: Option<String>,
}

impl AgentPatch {
    /// The agent as it would be after this change, checked.
    fn apply(self, current: Agent) -> ApiResult<AgentSpec> {
        let r = current.row;
        spec(NewAgent {
            email: self.email.unwrap_or(r.email),
            name: self.name.unwrap_or(r.name),
            role: Some(self.role.unwrap_or(r.role)),
            signature: self.signature.unwrap_or(r.signature),
            team_ids: self.team_ids.unwrap_or(current.team_ids),
            active: Some(self.active.unwrap_or(r.active)),
            password: None,
        })
    }
}

fn spec(b: NewAgent) -> ApiResult<AgentSpec> {
    let email = EmailAddress::parse(&b.email).map_err(|e| ApiError::invalid("email", e.0))?;
    let role = match b.role {
        Some(r) => Role::parse(&r).map_err(|e| ApiError::invalid("role", e.0))?,
        None => Role::Agent,
    };
    let signature = text("signature", &b.signature, MAX_SIGNATURE)?;
    template("signature", &signature)?;
    let mut team_ids = b.team_ids;
    if team_ids.len() > MAX_TEAMS {
        return Err(ApiError::invalid(
            "team_ids",
            format!("at most {MAX_TEAMS} teams are allowed"),
        ));
    }
    team_ids.sort_unstable();
    team_ids.dedup();
    Ok(AgentSpec {
        email,
        name: line("name", &b.name, MAX_NAME)?,
        role,
        signature,
        active: b.active.unwrap_or(true),
        team_ids,
    })
}

async fn load(store: &Store, id: i64) -> ApiResult<Agent> {
    store
        .agent(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("agent {id}")))
}

/// Every agent, by name.
#[utoipa::path(get, path = "/agents", tag = "agents", responses((status = 200, body = Items<AgentView>)))]
async fn list_agents(State(s): State<AppState>, _c: Caller) -> ApiResult<Json<Items<AgentView>>> {
    let all = s.store.agents().await?;
    Ok(Json(
        all.into_iter()
            .map(AgentView::from)
            .collect::<Vec<_>>()
            .into(),
    ))
}

/// Adds an agent (admin).
#[utoipa::path(post, path = "/agents", tag = "agents", request_body = NewAgent,
    responses((status = 201, body = AgentView), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_agent(
    State(s): State<AppState>,
    _a: Admin,
    ApiJson(body): ApiJson<NewAgent>,
) -> ApiResult<(StatusCode, Json<AgentView>)> {
    Ok((StatusCode::CREATED, Json(create(&s, body).await?)))
}

/// Checks and adds an agent, with a password when given (the API's and
/// the admin page's).
pub(crate) async fn create(s: &AppState, mut body: NewAgent) -> ApiResult<AgentView> {
    let password = checked_password(body.password.take())?;
    let spec = spec(body)?;
    let id = s
        .store
        .insert_agent(&spec)
        .await
        .map_err(referencing("team_ids"))?;
    if let Some(p) = password {
        passwords::set(&s.store, id, p).await?;
    }
    Ok(load(&s.store, id).await?.into())
}

/// One agent.
#[utoipa::path(get, path = "/agents/{id}", tag = "agents", params(("id" = i64, Path)),
    responses((status = 200, body = AgentView), (status = 404, body = ErrorBody)))]
async fn get_agent(
    State(s): State<AppState>,
    _c: Caller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<AgentView>> {
    Ok(Json(load(&s.store, id).await?.into()))
}

/// Changes an agent (admin). Demoting or deactivating the last active
/// admin is refused (409).
#[utoipa::path(patch, path = "/agents/{id}", tag = "agents", params(("id" = i64, Path)), request_body = AgentPatch,
    responses((status = 200, body = AgentView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_agent(
    State(s): State<AppState>,
    _a: Admin,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<AgentPatch>,
) -> ApiResult<Json<AgentView>> {
    update(&s, id, body).await.map(Json)
}

/// Checks and applies a change to an agent (the API's and the admin page's).
pub(crate) async fn update(s: &AppState, id: i64, mut body: AgentPatch) -> ApiResult<AgentView> {
    let password = checked_password(body.password.take())?;
    // Applied to the agent as it is inside the write transaction, so a
    // concurrent change to other settings is kept.
    let modified = s
        .store
        .modify_agent(id, |current| body.apply(current))
        .await
        .map_err(referencing("team_ids"))?;
    modified_or(modified, || format!("agent {id}"))?;
    if let Some(p) = password {
        passwords::set(&s.store, id, p).await?;
    }
    Ok(load(&s.store, id).await?.into())
}

/// A password given for the pages, checked before anything is stored.
fn checked_password(password: Option<String>) -> ApiResult<Option<String>> {
    if let Some(p) = &password {
        passwords::check(p).map_err(|e| ApiError::invalid("password", e.0))?;
    }
    Ok(password)
}

/// Removes an agent (admin): its tickets stay, unassigned; its tokens end.
/// The last active admin stays (409).
#[utoipa::path(delete, path = "/agents/{id}", tag = "agents", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn delete_agent(
    State(s): State<AppState>,
    _a: Admin,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    match s.store.delete_agent(id).await? {
        Modified::Done(()) => Ok(StatusCode::NO_CONTENT),
        Modified::Missing => Err(ApiError::not_found(format!("agent {id}"))),
        Modified::Refused(last) => Err(ApiError::conflict("id", last.to_string())),
    }
}

impl From<LastAdmin> for ApiError {
    fn from(last: LastAdmin) -> Self {
        ApiError::conflict("role", last.to_string())
    }
}
