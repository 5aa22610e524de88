//! The admin pages under `/admin`: plain forms that work without scripts,
//! calling the API's own functions (so their checks and words are the
//! API's), and a 403 page for agents.
mod agents;
mod bans;

use super::error::{PageError, PageResult};
use super::session::WebAgent;
use super::views::Layout;
use crate::api::AppState;
use askama::Template;
use axum::Router;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin", get(index))
        .route("/admin/agents", get(agents::list).post(agents::add))
        .route("/admin/agents/{id}", get(agents::page).post(agents::save))
        .route("/admin/bans", get(bans::page).post(bans::add))
        .route("/admin/bans/{id}/lift", post(bans::lift))
}

/// The admin behind `agent`, or the 403 page agents get.
fn admin(agent: &WebAgent) -> PageResult<()> {
    if agent.is_admin() {
        Ok(())
    } else {
        Err(PageError::forbidden(
            "The admin pages are for admins. Ask an admin if you need a setting changed.",
        ))
    }
}

#[derive(Template)]
#[template(path = "web/admin_index.html")]
struct IndexPage {
    layout: Layout,
}

async fn index(agent: WebAgent) -> PageResult<Response> {
    admin(&agent)?;
    let page = IndexPage {
        layout: Layout::for_agent("Admin", &agent),
    };
    Ok(Html(page.render().map_err(anyhow::Error::from)?).into_response())
}
