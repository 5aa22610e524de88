//! `/admin/quarantine`: mail that could not become a ticket, with why;
//! a mail's header fields and its bytes; retry it through the pipeline or
//! discard it. Through the API's own list, load, retry and discard.
use super::{admin, html};
use crate::api::AppState;
use crate::api::contacts::Paging;
use crate::api::quarantine::{self, QuarantineDetail, QuarantinePage};
use crate::web::error::{PageError, PageResult};
use crate::web::session::WebAgent;
use crate::web::views::Layout;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

#[derive(Template)]
#[template(path = "web/admin_quarantine.html")]
struct ListPage {
    layout: Layout,
    list: QuarantinePage,
    /// What the last retry became, in words.
    done: Option<String>,
}

#[derive(Template)]
#[template(path = "web/admin_quarantined.html")]
struct OnePage {
    layout: Layout,
    q: QuarantineDetail,
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    page: Option<i64>,
    /// After a retry: the record, what it became and its ticket.
    #[serde(default)]
    retried: Option<i64>,
    #[serde(default)]
    outcome: Option<String>,
    #[serde(default)]
    ticket: Option<i64>,
}

pub async fn list(
    State(state): State<AppState>,
    agent: WebAgent,
    Query(q): Query<ListQuery>,
) -> PageResult<Response> {
    admin(&agent)?;
    let paging = Paging {
        page: q.page.unwrap_or(1).clamp(1, 100_000),
        ..Paging::default()
    };
    let done = q.retried.map(|id| match (q.outcome.as_deref(), q.ticket) {
        (Some("quarantined"), _) => {
            format!("Mail {id} failed again; it stays here with the new reason.")
        }
        (Some(outcome), Some(t)) => format!("Mail {id} went through: {outcome}, ticket {t}."),
        (Some(outcome), None) => format!("Mail {id} went through: {outcome}."),
        (None, _) => format!("Mail {id} was retried."),
    });
    let page = ListPage {
        layout: Layout::for_agent("Quarantine", &agent),
        list: quarantine::page(&state.store, paging).await?,
        done,
    };
    html(&page, StatusCode::OK)
}

pub async fn page(
    State(state): State<AppState>,
    agent: WebAgent,
    Path(id): Path<i64>,
) -> PageResult<Response> {
    admin(&agent)?;
    let q = quarantine::load(&state.store, id)
        .await
        .map_err(|_| PageError::not_found("such quarantined mail"))?;
    let page = OnePage {
        layout: Layout::for_agent("Quarantined mail", &agent),
        q,
    };
    html(&page, StatusCode::OK)
}

pub async fn raw(
    State(state): State<AppState>,
    agent: WebAgent,
    Path(id): Path<i64>,
) -> PageResult<Response> {
    admin(&agent)?;
    Ok(quarantine::raw(&state.store, id).await?)
}

pub async fn retry(
    State(state): State<AppState>,
    agent: WebAgent,
    Path(id): Path<i64>,
) -> PageResult<Response> {
    admin(&agent)?;
    let done = quarantine::retry_one(&state.store, id).await?;
    let mut to = format!("/admin/quarantine?retried={id}&outcome={}", done.outcome);
    if let Some(t) = done.ticket_id {
        to.push_str(&format!("&ticket={t}"));
    }
    Ok(Redirect::to(&to).into_response())
}

pub async fn discard(
    State(state): State<AppState>,
    agent: WebAgent,
    Path(id): Path<i64>,
) -> PageResult<Response> {
    admin(&agent)?;
    if !state.store.discard_quarantined(id).await? {
        return Err(PageError::not_found("such quarantined mail"));
    }
    Ok(Redirect::to("/admin/quarantine").into_response())
}
