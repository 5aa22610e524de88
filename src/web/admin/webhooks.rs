//! `/admin/webhooks`: URLs that hear of ticket events. The list adds one
//! (its secret, generated unless given, shown once); a webhook's page
//! changes its URL, events, secret (write-only: blank keeps it) and
//! enabled, shows its recent deliveries with status, attempts and the
//! response code, and deletes it. Through the API's own functions.
use super::{Refusal, admin, html, refused};
use crate::api::AppState;
use crate::api::webhooks::{self, CreateWebhook, DeliveryView, UpdateWebhook, WebhookView};
use crate::service::webhooks::WebhookEvent;
use crate::web::error::PageResult;
use crate::web::session::WebAgent;
use crate::web::views::{self, Layout};
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use std::collections::HashMap;

/// Deliveries a webhook's page shows.
const RECENT: i64 = 50;

#[derive(Template)]
#[template(path = "web/admin_webhooks.html")]
struct WebhooksPage {
    layout: Layout,
    hooks: Vec<WebhookView>,
    form: HookForm,
    error: Refusal,
    /// The webhook just made and its secret, shown this once.
    made: Option<(i64, String)>,
}

#[derive(Template)]
#[template(path = "web/admin_webhook.html")]
struct WebhookPage {
    layout: Layout,
    hook: WebhookView,
    deliveries: Vec<DeliveryView>,
    form: HookForm,
    error: Refusal,
    saved: bool,
}

/// The form, read from its fields by name: `url`, `secret`, `enabled` and
/// one checkbox per event (`event:ticket.created`).
#[derive(Debug, Default)]
struct HookForm {
    url: String,
    secret: String,
    enabled: bool,
    events: Vec<String>,
}

impl HookForm {
    fn read(fields: &HashMap<String, String>) -> Self {
        let text = |name: &str| fields.get(name).cloned().unwrap_or_default();
        Self {
            url: text("url"),
            secret: text("secret"),
            enabled: fields.contains_key("enabled"),
            events: WebhookEvent::ALL
                .iter()
                .map(|e| e.as_str())
                .filter(|e| fields.contains_key(&format!("event:{e}")))
                .map(str::to_string)
                .collect(),
        }
    }

    fn of(h: &WebhookView) -> Self {
        Self {
            url: h.url.clone(),
            secret: String::new(),
            enabled: h.enabled,
            events: h.events.clone(),
        }
    }

    /// Every event and whether the form has it ticked.
    fn choices(&self) -> Vec<(&'static str, bool)> {
        WebhookEvent::ALL
            .iter()
            .map(|e| (e.as_str(), self.events.iter().any(|x| x == e.as_str())))
            .collect()
    }

    fn secret(&self) -> Option<String> {
        Some(self.secret.trim().to_string()).filter(|s| !s.is_empty())
    }
}

/// When a delivery was last touched, for the table.
fn when(d: &DeliveryView) -> String {
    views::when(d.updated_at)
}

pub async fn list(State(state): State<AppState>, agent: WebAgent) -> PageResult<Response> {
    admin(&agent)?;
    let form = HookForm {
        enabled: true,
        ..HookForm::default()
    };
    render_list(
        &state,
        &agent,
        form,
        Refusal::default(),
        None,
        StatusCode::OK,
    )
    .await
}

async fn render_list(
    state: &AppState,
    agent: &WebAgent,
    form: HookForm,
    error: Refusal,
    made: Option<(i64, String)>,
    status: StatusCode,
) -> PageResult<Response> {
    let hooks = state.store.webhooks().await?;
    let page = WebhooksPage {
        layout: Layout::for_agent("Webhooks", agent),
        hooks: hooks.into_iter().map(WebhookView::from).collect(),
        form,
        error,
        made,
    };
    html(&page, status)
}

pub async fn add(
    State(state): State<AppState>,
    agent: WebAgent,
    Form(fields): Form<HashMap<String, String>>,
) -> PageResult<Response> {
    admin(&agent)?;
    let form = HookForm::read(&fields);
    let body = CreateWebhook {
        url: form.url.clone(),
        secret: form.secret(),
        events: form.events.clone(),
        enabled: form.enabled,
    };
    match webhooks::create(&state, body).await {
        Ok(made) => {
            let shown = Some((made.webhook.id, made.secret));
            let blank = HookForm {
                enabled: true,
                ..HookForm::default()
            };
            render_list(
                &state,
                &agent,
                blank,
                Refusal::default(),
                shown,
                StatusCode::OK,
            )
            .await
        }
        Err(e) => {
            let (error, status) = refused(e, "url", &[])?;
            render_list(&state, &agent, form, error, None, status).await
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
    form: Option<HookForm>,
    error: Option<(Refusal, StatusCode)>,
    saved: bool,
) -> PageResult<Response> {
    let hook = webhooks::get(state, id).await?;
    let (error, status) = error.unwrap_or_default();
    let page = WebhookPage {
        layout: Layout::for_agent("Webhook", agent),
        deliveries: webhooks::deliveries(state, id, RECENT).await?,
        form: form.unwrap_or_else(|| HookForm::of(&hook)),
        hook,
        error,
        saved,
    };
    html(&page, status)
}

pub async fn save(
    State(state): State<AppState>,
    agent: WebAgent,
    Path(id): Path<i64>,
    Form(fields): Form<HashMap<String, String>>,
) -> PageResult<Response> {
    admin(&agent)?;
    let mut form = HookForm::read(&fields);
    let body = UpdateWebhook {
        url: Some(form.url.clone()),
        secret: form.secret(),
        events: Some(form.events.clone()),
        enabled: Some(form.enabled),
    };
    match webhooks::update(&state, id, body).await {
        Ok(_) => render_one(&state, &agent, id, None, None, true).await,
        Err(e) => {
            let error = refused(e, "url", &[])?;
            form.secret.clear();
            render_one(&state, &agent, id, Some(form), Some(error), false).await
        }
    }
}

pub async fn delete(
    State(state): State<AppState>,
    agent: WebAgent,
    Path(id): Path<i64>,
) -> PageResult<Response> {
    admin(&agent)?;
    webhooks::delete(&state, id).await?;
    Ok(Redirect::to("/admin/webhooks").into_response())
}
