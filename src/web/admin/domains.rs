//! `/admin/email-domains`: the identities mail is received on and sent
//! from. The list shows each one's poll status, last poll, last error and
//! quarantine count; a domain's page edits its settings, tests both servers
//! (their own words shown) and deletes it. Through the API's own create,
//! update, test and delete.
use super::domain_form::DomainForm;
use super::{Refusal, admin, html, refused};
use crate::api::AppState;
use crate::api::settings::domain_body::EmailDomainView;
use crate::api::settings::email_domains::{self, TestResult};
use crate::store::teams::{Catalog, Named};
use crate::web::error::{PageError, PageResult};
use crate::web::session::WebAgent;
use crate::web::views::{self, Layout};
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use std::collections::HashMap;

#[derive(Template)]
#[template(path = "web/admin_domains.html")]
struct DomainsPage {
    layout: Layout,
    domains: Vec<Row>,
    teams: Vec<Named>,
    form: DomainForm,
    error: Refusal,
}

#[derive(Template)]
#[template(path = "web/admin_domain.html")]
struct DomainPage {
    layout: Layout,
    row: Row,
    teams: Vec<Named>,
    form: DomainForm,
    error: Refusal,
    saved: bool,
    test: Option<TestResult>,
}

/// A domain as the list and its page show it.
struct Row {
    id: i64,
    address: String,
    name: String,
    status: &'static str,
    last_poll: String,
    last_error: String,
    quarantined: i64,
}

impl Row {
    fn of(d: &EmailDomainView, quarantined: &HashMap<i64, i64>) -> Self {
        let status = match (d.enabled, &d.imap, &d.last_error, d.last_poll_at) {
            (false, ..) => "off",
            (true, None, ..) => "sends only (no IMAP)",
            (true, Some(_), Some(_), _) => "failing",
            (true, Some(_), None, None) => "starting",
            (true, Some(_), None, Some(_)) => "polling",
        };
        Self {
            id: d.id,
            address: d.address.clone(),
            name: d.name.clone(),
            status,
            last_poll: d.last_poll_at.map_or_else(|| "never".into(), views::when),
            last_error: d.last_error.clone().unwrap_or_default(),
            quarantined: quarantined.get(&d.id).copied().unwrap_or(0),
        }
    }
}

async fn quarantined(state: &AppState) -> PageResult<HashMap<i64, i64>> {
    Ok(state.store.quarantine_counts().await?.into_iter().collect())
}

pub async fn list(State(state): State<AppState>, agent: WebAgent) -> PageResult<Response> {
    admin(&agent)?;
    let form = DomainForm::blank();
    render_list(&state, &agent, form, Refusal::default(), StatusCode::OK).await
}

async fn render_list(
    state: &AppState,
    agent: &WebAgent,
    form: DomainForm,
    error: Refusal,
    status: StatusCode,
) -> PageResult<Response> {
    let counts = quarantined(state).await?;
    let domains = state
        .store
        .email_domain_records()
        .await?
        .into_iter()
        .map(|r| Row::of(&EmailDomainView::from(r), &counts))
        .collect();
    let page = DomainsPage {
        layout: Layout::for_agent("Email domains", agent),
        domains,
        teams: state.store.named_list(Catalog::Teams).await?,
        form,
        error,
    };
    html(&page, status)
}

/// Adds an email domain; its poller starts within a second or two.
pub async fn add(
    State(state): State<AppState>,
    agent: WebAgent,
    Form(form): Form<DomainForm>,
) -> PageResult<Response> {
    admin(&agent)?;
    let input = match form.input() {
        Ok(input) => input,
        Err(error) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return render_list(&state, &agent, form, error, status).await;
        }
    };
    match email_domains::create(&state, input).await {
        Ok(made) => Ok(Redirect::to(&format!("/admin/email-domains/{}", made.id)).into_response()),
        Err(e) => {
            let (error, status) = refused(e, "address", &[])?;
            render_list(&state, &agent, form, error, status).await
        }
    }
}

/// What a domain's page shows besides its stored settings: a connection
/// test's answers.
type Shown = super::Shown<DomainForm, Option<TestResult>>;

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
    let record = state
        .store
        .email_domain_record(id)
        .await?
        .ok_or_else(|| PageError::not_found("such email domain"))?;
    let view = EmailDomainView::from(record);
    let stored = DomainForm::of(&view);
    let form = match shown.form {
        Some(mut given) => {
            (given.imap_stored, given.smtp_stored) = (stored.imap_stored, stored.smtp_stored);
            given
        }
        None => stored,
    };
    let (error, status) = shown.error.unwrap_or_default();
    let page = DomainPage {
        layout: Layout::for_agent(&view.address, agent),
        row: Row::of(&view, &quarantined(state).await?),
        teams: state.store.named_list(Catalog::Teams).await?,
        form,
        error,
        saved: shown.saved,
        test: shown.extra,
    };
    html(&page, status)
}

/// Saves a domain's settings; a refusal shows beside its field with the
/// form as written (passwords never written back into it).
pub async fn save(
    State(state): State<AppState>,
    agent: WebAgent,
    Path(id): Path<i64>,
    Form(mut form): Form<DomainForm>,
) -> PageResult<Response> {
    admin(&agent)?;
    let result = match form.input() {
        Ok(input) => email_domains::update(&state, id, input)
            .await
            .map_err(|e| refused(e, "address", &[]))
            .map(|_| ()),
        Err(error) => Err(Ok((error, StatusCode::UNPROCESSABLE_ENTITY))),
    };
    let shown = match result {
        Ok(()) => Shown::saved(),
        Err(refusal) => {
            (form.imap_password, form.smtp_password) = (String::new(), String::new());
            Shown::refused(form, refusal?)
        }
    };
    render_one(&state, &agent, id, shown).await
}

/// Tries both servers with the stored settings and shows their answers.
pub async fn test(
    State(state): State<AppState>,
    agent: WebAgent,
    Path(id): Path<i64>,
) -> PageResult<Response> {
    admin(&agent)?;
    let answers = email_domains::test(&state, id).await?;
    render_one(&state, &agent, id, Shown::with(Some(answers))).await
}

/// Deletes a domain: its poller stops, its tickets stay.
pub async fn delete(
    State(state): State<AppState>,
    agent: WebAgent,
    Path(id): Path<i64>,
) -> PageResult<Response> {
    admin(&agent)?;
    email_domains::delete(&state, id).await?;
    Ok(Redirect::to("/admin/email-domains").into_response())
}
