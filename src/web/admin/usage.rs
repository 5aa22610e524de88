//! `/admin/usage`: emails in and out per email domain per day or month,
//! through `GET usage`'s own function.
use super::{admin, html};
use crate::api::AppState;
use crate::api::usage::{self, Usage};
use crate::store::email_usage::Period;
use crate::web::error::PageResult;
use crate::web::session::WebAgent;
use crate::web::views::Layout;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;

#[derive(Template)]
#[template(path = "web/admin_usage.html")]
struct UsagePage {
    layout: Layout,
    usage: Usage,
    month: bool,
    total_in: i64,
    total_out: i64,
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct UsageQuery {
    #[serde(default)]
    period: String,
}

pub async fn page(
    State(state): State<AppState>,
    agent: WebAgent,
    Query(q): Query<UsageQuery>,
) -> PageResult<Response> {
    admin(&agent)?;
    let month = q.period == "month";
    let period = if month { Period::Month } else { Period::Day };
    let usage = usage::usage(&state.store, period).await?;
    let page = UsagePage {
        layout: Layout::for_agent("Usage", &agent),
        total_in: usage.items.iter().map(|u| u.emails_in).sum(),
        total_out: usage.items.iter().map(|u| u.emails_out).sum(),
        usage,
        month,
    };
    html(&page, StatusCode::OK)
}
