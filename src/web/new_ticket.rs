//! A new ticket: the agent writes to a customer from one of the email
//! domains; the ticket opens and its first email is sent, through the same
//! `open` as the API's `POST tickets`.
use super::error::PageResult;
use super::session::WebAgent;
use super::upload::Posted;
use super::views::{Layout, choices};
use crate::api::AppState;
use crate::api::error::ApiError;
use crate::api::ticket_changes::create::{OpenTicket, open_with};
use crate::store::teams::Catalog;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};

#[derive(Template)]
#[template(path = "web/new_ticket.html")]
struct NewTicketPage {
    layout: Layout,
    domains: Vec<(i64, String)>,
    agents: Vec<(i64, String)>,
    teams: Vec<(i64, String)>,
    templates: Vec<String>,
    form: Vec<(String, String)>,
    error: Option<String>,
}

impl NewTicketPage {
    /// What the form held for `name` (empty on a fresh form).
    fn value(&self, name: &str) -> &str {
        self.form
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }

    fn has(&self, name: &str, value: &str) -> bool {
        self.form.iter().any(|(k, v)| k == name && v == value)
    }
}

pub async fn form(State(state): State<AppState>, agent: WebAgent) -> PageResult<Response> {
    render(&state, &agent, Vec::new(), None, StatusCode::OK).await
}

async fn render(
    state: &AppState,
    agent: &WebAgent,
    form: Vec<(String, String)>,
    error: Option<String>,
    status: StatusCode,
) -> PageResult<Response> {
    let store = &state.store;
    let domains = store
        .email_domains()
        .await?
        .into_iter()
        .filter(|d| d.enabled && d.smtp.is_some())
        .map(|d| (d.id, format!("{} <{}>", d.name, d.address.as_str())))
        .collect();
    let page = NewTicketPage {
        layout: Layout::for_agent("New ticket", agent),
        domains,
        agents: choices::active_agents(store).await?,
        teams: choices::named(store, Catalog::Teams).await?,
        templates: choices::template_names(store).await?,
        form,
        error,
    };
    let html = page.render().map_err(anyhow::Error::from)?;
    Ok((status, Html(html)).into_response())
}

pub async fn submit(
    State(state): State<AppState>,
    agent: WebAgent,
    Posted {
        fields: form,
        files,
    }: Posted,
) -> PageResult<Response> {
    let opened = match request(&form) {
        Ok(req) => open_with(&state, &agent.caller(), req, files).await,
        Err(e) => Err(e),
    };
    match opened {
        Ok(id) => Ok(Redirect::to(&format!("/tickets/{id}")).into_response()),
        Err(e) if e.status.is_client_error() => {
            let status = e.status;
            render(&state, &agent, form, Some(e.message), status).await
        }
        Err(e) => Err(e.into()),
    }
}

/// The form as the API's request.
fn request(form: &[(String, String)]) -> Result<OpenTicket, ApiError> {
    let get = |k: &str| super::views::filled(form, k);
    let email_domain_id = get("email_domain_id")
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| ApiError::invalid("email_domain_id", "choose the address to write from"))?;
    let template = get("template");
    let vars = match (&template, get("vars")) {
        (Some(_), Some(text)) => Some(super::compose::vars(&text)?),
        _ => None,
    };
    Ok(OpenTicket {
        subject: get("subject").unwrap_or_default(),
        email_domain_id,
        to: get("to").unwrap_or_default(),
        body: if template.is_some() {
            None
        } else {
            Some(get("body").unwrap_or_default())
        },
        template,
        vars,
        attachments: None,
        assignee_id: get("assignee").and_then(|v| v.parse().ok()),
        team_ids: Some(
            form.iter()
                .filter(|(k, _)| k == "team")
                .filter_map(|(_, v)| v.parse().ok())
                .collect::<Vec<i64>>(),
        )
        .filter(|ids| !ids.is_empty()),
        tags: get("tags").map(|t| {
            t.split(',')
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect()
        }),
        fields: None,
        priority: get("priority"),
        channel: None,
        linked_conversation: None,
        context: None,
    })
}
