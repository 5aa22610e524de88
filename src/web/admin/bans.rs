//! `/admin/bans`: who may not write in, why, until when, how often they
//! tried and when last; add a ban, lift one.
use super::{Refusal, admin, html, refused};
use crate::api::AppState;
use crate::api::settings::bans::{self, BanView, NewBan};
use crate::web::error::PageResult;
use crate::web::session::WebAgent;
use crate::web::views::{self, Layout};
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDateTime;

#[derive(Template)]
#[template(path = "web/admin_bans.html")]
struct BansPage {
    layout: Layout,
    bans: Vec<Row>,
    form: BanForm,
    error: Refusal,
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

pub async fn page(State(state): State<AppState>, agent: WebAgent) -> PageResult<Response> {
    admin(&agent)?;
    render(
        &state,
        &agent,
        BanForm::default(),
        Refusal::default(),
        StatusCode::OK,
    )
    .await
}

async fn render(
    state: &AppState,
    agent: &WebAgent,
    form: BanForm,
    error: Refusal,
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
    html(&page, status)
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
                let error = Refusal::new("expires", format!("{local:?} is not a date and time"));
                return render(
                    &state,
                    &agent,
                    form,
                    error,
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
        Err(e) => {
            let (error, status) = refused(e, "pattern", &[("expires_at", "expires")])?;
            render(&state, &agent, form, error, status).await
        }
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
