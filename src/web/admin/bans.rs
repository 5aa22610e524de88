//! `/admin/bans`: who may not write in, why, until when, how often they
//! tried and when last; add a ban, lift one.
use super::admin;
use crate::api::AppState;
use crate::api::settings::bans::{self, BanView, NewBan};
use crate::web::error::PageResult;
use crate::web::session::WebAgent;
use crate::web::views::{self, Layout};
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::NaiveDateTime;

#[derive(Template)]
#[template(path = "web/admin_bans.html")]
struct BansPage {
    layout: Layout,
    bans: Vec<Row>,
    form: BanForm,
    /// A refusal of the form, and the field it concerns.
    error: Option<(String, String)>,
}

struct Row {
    id: i64,
    pattern: String,
    reason: String,
    expires: String,
    active: bool,
    hits: i64,
    last_hit: String,
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct BanForm {
    #[serde(default)]
    pattern: String,
    #[serde(default)]
    reason: String,
    /// `datetime-local` (UTC), or empty for good.
    #[serde(default)]
    expires: String,
}

impl BansPage {
    fn error_on(&self, field: &str) -> Option<&str> {
        self.error
            .as_ref()
            .filter(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
    }
}

pub async fn page(State(state): State<AppState>, agent: WebAgent) -> PageResult<Response> {
    admin(&agent)?;
    render(&state, &agent, BanForm::default(), None, StatusCode::OK).await
}

async fn render(
    state: &AppState,
    agent: &WebAgent,
    form: BanForm,
    error: Option<(String, String)>,
    status: StatusCode,
) -> PageResult<Response> {
    let bans = state
        .store
        .bans()
        .await?
        .into_iter()
        .map(|b| row(BanView::from(b)))
        .collect();
    let page = BansPage {
        layout: Layout::for_agent("Bans", agent),
        bans,
        form,
        error,
    };
    let html = page.render().map_err(anyhow::Error::from)?;
    Ok((status, Html(html)).into_response())
}

fn row(b: BanView) -> Row {
    Row {
        id: b.id,
        pattern: b.pattern,
        reason: b.reason,
        expires: b.expires_at.map_or_else(|| "never".into(), views::when),
        active: b.active,
        hits: b.hits,
        last_hit: b.last_hit_at.map_or_else(String::new, views::when),
    }
}

/// Adds a ban through the API's own checks; a refusal shows beside its field.
pub async fn add(
    State(state): State<AppState>,
    agent: WebAgent,
    Form(form): Form<BanForm>,
) -> PageResult<Response> {
    admin(&agent)?;
    let expires_at = match form.expires.trim() {
        "" => None,
        local => match NaiveDateTime::parse_from_str(local, "%Y-%m-%dT%H:%M") {
            Ok(t) => Some(t.and_utc().to_rfc3339()),
            Err(_) => {
                let error = (
                    "expires".into(),
                    format!("{local:?} is not a date and time"),
                );
                return render(
                    &state,
                    &agent,
                    form,
                    Some(error),
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await;
            }
        },
    };
    let ban = NewBan {
        pattern: form.pattern.clone(),
        reason: form.reason.clone(),
        expires_at,
    };
    match bans::add(&state, &ban).await {
        Ok(_) => Ok(Redirect::to("/admin/bans").into_response()),
        Err(e) if e.status.is_client_error() => {
            let field = match e.field.as_deref() {
                Some("expires_at") => "expires",
                Some(f) => f,
                None => "pattern",
            };
            let status = e.status;
            render(
                &state,
                &agent,
                form,
                Some((field.into(), e.message)),
                status,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// Lifts a ban.
pub async fn lift(
    State(state): State<AppState>,
    agent: WebAgent,
    Path(id): Path<i64>,
) -> PageResult<Response> {
    admin(&agent)?;
    bans::lift(&state, id).await?;
    Ok(Redirect::to("/admin/bans").into_response())
}
