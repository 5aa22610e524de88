//! `/admin/tokens`: API tokens by name, role, the agent they act for, when
//! made and last used; create one (shown once, on the answer to the form,
//! never again) and revoke one.
use super::{Refusal, admin, html, refused};
use crate::api::AppState;
use crate::api::settings::{MAX_NAME, line};
use crate::domain::Role;
use crate::store::agents::Agent;
use crate::store::tokens::TokenRecord;
use crate::web::error::PageResult;
use crate::web::session::WebAgent;
use crate::web::views::{self, Layout};
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

#[derive(Template)]
#[template(path = "web/admin_tokens.html")]
struct TokensPage {
    layout: Layout,
    tokens: Vec<Row>,
    agents: Vec<Agent>,
    form: TokenForm,
    error: Refusal,
    /// The token just made: its name and the token, shown this once.
    made: Option<(String, String)>,
}

struct Row {
    id: i64,
    name: String,
    role: String,
    agent: String,
    created: String,
    last_used: String,
}

impl From<TokenRecord> for Row {
    fn from(t: TokenRecord) -> Self {
        let agent = match (t.agent_name, t.agent_email) {
            (Some(name), Some(email)) => format!("{name} <{email}>"),
            _ => String::new(),
        };
        Self {
            id: t.id,
            name: t.name,
            role: t.role,
            agent,
            created: views::when(t.created_at),
            last_used: t.last_used_at.map_or_else(|| "never".into(), views::when),
        }
    }
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
    /// An agent's id, or empty for none.
    #[serde(default)]
    agent: String,
}

impl TokenForm {
    fn is_agent(&self, id: &i64) -> bool {
        self.agent == id.to_string()
    }
}

pub async fn list(State(state): State<AppState>, agent: WebAgent) -> PageResult<Response> {
    admin(&agent)?;
    let page = Shown::default();
    render(&state, &agent, page, StatusCode::OK).await
}

/// What the page shows besides the tokens.
#[derive(Default)]
struct Shown {
    form: TokenForm,
    error: Refusal,
    made: Option<(String, String)>,
}

async fn render(
    state: &AppState,
    agent: &WebAgent,
    shown: Shown,
    status: StatusCode,
) -> PageResult<Response> {
    let tokens = state.store.tokens().await?;
    let page = TokensPage {
        layout: Layout::for_agent("API tokens", agent),
        tokens: tokens.into_iter().map(Row::from).collect(),
        agents: state.store.agents().await?,
        form: shown.form,
        error: shown.error,
        made: shown.made,
    };
    html(&page, status)
}

/// Makes a token and shows it this once.
pub async fn create(
    State(state): State<AppState>,
    agent: WebAgent,
    Form(form): Form<TokenForm>,
) -> PageResult<Response> {
    admin(&agent)?;
    let checked = check(&state, &form).await;
    let (name, role, agent_id) = match checked {
        Ok(ok) => ok,
        Err(error) => {
            let (error, status) = error?;
            let shown = Shown {
                form,
                error,
                made: None,
            };
            return render(&state, &agent, shown, status).await;
        }
    };
    let token =
        crate::service::tokens::issue(&state.store, &state.token_key, &name, role, agent_id)
            .await?;
    let shown = Shown {
        made: Some((name, token)),
        ..Shown::default()
    };
    render(&state, &agent, shown, StatusCode::OK).await
}

/// The form's name, role and agent, or a refusal beside the field.
async fn check(
    state: &AppState,
    form: &TokenForm,
) -> Result<(String, Role, Option<i64>), PageResult<(Refusal, StatusCode)>> {
    let unprocessable = |field: &str, message: String| {
        Err(Ok((
            Refusal::new(field, message),
            StatusCode::UNPROCESSABLE_ENTITY,
        )))
    };
    let name = line("name", &form.name, MAX_NAME).map_err(|e| refused(e, "name", &[]))?;
    let Ok(role) = Role::parse(&form.role) else {
        return unprocessable("role", format!("{:?} is not a role", form.role));
    };
    let agent_id = match form.agent.trim() {
        "" => None,
        id => match id.parse::<i64>() {
            Ok(id)
                if state
                    .store
                    .agent(id)
                    .await
                    .map_err(|e| Err(e.into()))?
                    .is_some() =>
            {
                Some(id)
            }
            _ => return unprocessable("agent", "choose an agent from the list".into()),
        },
    };
    Ok((name, role, agent_id))
}

/// Revokes a token: it stops working at once.
pub async fn revoke(
    State(state): State<AppState>,
    agent: WebAgent,
    Path(id): Path<i64>,
) -> PageResult<Response> {
    admin(&agent)?;
    state.store.revoke_token(id).await?;
    Ok(Redirect::to("/admin/tokens").into_response())
}
