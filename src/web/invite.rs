//! `/invite/{token}`: the page an invited agent's link opens, to choose
//! their password (then they log in). A used or expired link says so.
use super::error::PageResult;
use super::views::Layout;
use crate::api::AppState;
use crate::service::invites::{self, AcceptError};
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

#[derive(Template)]
#[template(path = "web/invite.html")]
struct InvitePage {
    layout: Layout,
    token: String,
    /// The invited agent's name; None when the link is gone.
    name: Option<String>,
    error: Option<String>,
    done: bool,
}

#[derive(serde::Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    password: String,
}

fn render(page: InvitePage, status: StatusCode) -> PageResult<Response> {
    let html = page.render().map_err(anyhow::Error::from)?;
    Ok((status, Html(html)).into_response())
}

fn page(token: String, name: Option<String>) -> InvitePage {
    InvitePage {
        layout: Layout::public("Choose your password"),
        token,
        name,
        error: None,
        done: false,
    }
}

pub async fn form(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> PageResult<Response> {
    let name = invites::invited(&state.store, &state.token_key, &token).await?;
    let status = match name {
        Some(_) => StatusCode::OK,
        None => StatusCode::NOT_FOUND,
    };
    render(page(token, name), status)
}

pub async fn accept(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Form(form): Form<PasswordForm>,
) -> PageResult<Response> {
    let name = invites::invited(&state.store, &state.token_key, &token).await?;
    let accepted = invites::accept(&state.store, &state.token_key, &token, form.password).await;
    let mut shown = page(token, name);
    let status = match accepted {
        Ok(_) => {
            shown.done = true;
            StatusCode::OK
        }
        Err(AcceptError::Gone) => {
            shown.name = None;
            StatusCode::NOT_FOUND
        }
        Err(AcceptError::Password(why)) => {
            shown.error = Some(why);
            StatusCode::UNPROCESSABLE_ENTITY
        }
        Err(AcceptError::Store(e)) => return Err(e.into()),
    };
    render(shown, status)
}

/// The address the admin's browser reached us at (same-origin checked by
/// the CSRF guard): where an invitation's link points.
pub fn origin(headers: &HeaderMap) -> String {
    let text = |name| headers.get(name).and_then(|v| v.to_str().ok());
    match (text(header::ORIGIN), text(header::HOST)) {
        (Some(origin), _) if origin != "null" => origin.to_string(),
        (_, Some(host)) => format!("http://{host}"),
        _ => "http://localhost".into(),
    }
}
