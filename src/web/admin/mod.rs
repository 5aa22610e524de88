//! The admin pages under `/admin`: plain forms that work without scripts,
//! calling the API's own functions (so their checks and words are the
//! API's), and a 403 page for agents.
mod agents;
mod bans;
mod catalog;
mod domain_form;
mod domains;
mod fields;
mod quarantine;
mod templates;
mod tokens;
mod usage;
mod webhooks;

use super::error::{PageError, PageResult};
use super::session::WebAgent;
use super::views::Layout;
use crate::api::AppState;
use crate::api::error::ApiError;
use crate::store::teams::Catalog;
use askama::Template;
use axum::Router;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin", get(index))
        .route("/admin/agents", get(agents::list).post(agents::add))
        .route("/admin/agents/{id}", get(agents::page).post(agents::save))
        .route(
            "/admin/agents/{id}/signature-preview",
            post(agents::preview),
        )
        .route("/admin/agents/{id}/invite", post(agents::invite))
        .route("/admin/bans", get(bans::page).post(bans::add))
        .route(
            "/admin/email-domains",
            get(domains::list).post(domains::add),
        )
        .route(
            "/admin/email-domains/{id}",
            get(domains::page).post(domains::save),
        )
        .route("/admin/email-domains/{id}/test", post(domains::test))
        .route("/admin/email-domains/{id}/delete", post(domains::delete))
        .route(
            "/admin/templates",
            get(templates::list).post(templates::add),
        )
        .route(
            "/admin/templates/{id}",
            get(templates::page).post(templates::save),
        )
        .route("/admin/templates/{id}/preview", post(templates::preview))
        .route("/admin/templates/{id}/delete", post(templates::delete))
        .merge(catalog::routes(catalog::Kind::Named(Catalog::Teams)))
        .merge(catalog::routes(catalog::Kind::Named(Catalog::Topics)))
        .merge(catalog::routes(catalog::Kind::Tags))
        .route("/admin/fields", get(fields::list).post(fields::add))
        .route("/admin/fields/{id}", get(fields::page).post(fields::save))
        .route("/admin/fields/{id}/delete", post(fields::delete))
        .route("/admin/webhooks", get(webhooks::list).post(webhooks::add))
        .route(
            "/admin/webhooks/{id}",
            get(webhooks::page).post(webhooks::save),
        )
        .route("/admin/webhooks/{id}/delete", post(webhooks::delete))
        .route("/admin/tokens", get(tokens::list).post(tokens::create))
        .route("/admin/tokens/{id}/revoke", post(tokens::revoke))
        .route("/admin/bans/{id}/lift", post(bans::lift))
        .route("/admin/usage", get(usage::page))
        .route("/admin/quarantine", get(quarantine::list))
        .route("/admin/quarantine/{id}", get(quarantine::page))
        .route("/admin/quarantine/{id}/raw", get(quarantine::raw))
        .route("/admin/quarantine/{id}/retry", post(quarantine::retry))
        .route("/admin/quarantine/{id}/discard", post(quarantine::discard))
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
    html(&page, StatusCode::OK)
}

/// A refusal of a form: the API's words and the field they concern.
#[derive(Debug, Default)]
pub struct Refusal(Option<(String, String)>);

impl Refusal {
    pub fn new(field: &str, message: impl Into<String>) -> Self {
        Self(Some((field.to_string(), message.into())))
    }

    /// The field it concerns.
    pub fn field(&self) -> Option<&str> {
        self.0.as_ref().map(|(f, _)| f.as_str())
    }

    /// Its words ("" when there is no refusal).
    pub fn message(&self) -> &str {
        self.0.as_ref().map_or("", |(_, m)| m.as_str())
    }

    /// The words, when the refusal concerns `field`.
    pub fn on(&self, field: &str) -> Option<&str> {
        self.0
            .as_ref()
            .filter(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
    }
}

/// An API refusal to show beside its field (`fallback` when it names none,
/// `renamed` mapping API field names onto the form's), with its status;
/// anything but a client error is the error page.
pub(super) fn refused(
    e: ApiError,
    fallback: &str,
    renamed: &[(&str, &str)],
) -> PageResult<(Refusal, StatusCode)> {
    if !e.status.is_client_error() || e.status == StatusCode::NOT_FOUND {
        return Err(PageError::from(e));
    }
    // `options[3]` is the options field's.
    let field = e.field.as_deref().unwrap_or(fallback);
    let field = field.split('[').next().unwrap_or(field);
    let field = renamed
        .iter()
        .find(|(api, _)| *api == field)
        .map_or(field, |(_, form)| form);
    Ok((Refusal::new(field, e.message), e.status))
}

/// A page, answered with `status`.
pub(super) fn html(page: &impl Template, status: StatusCode) -> PageResult<Response> {
    let text = page.render().map_err(anyhow::Error::from)?;
    Ok((status, Html(text)).into_response())
}

/// What a record's admin page shows besides the stored record: the form as
/// written (after a refusal), the refusal and its status, "Saved.", and
/// one thing of the page's own (a connection test, a preview, …).
pub struct Shown<F, X> {
    pub form: Option<F>,
    pub error: Option<(Refusal, StatusCode)>,
    pub saved: bool,
    pub extra: X,
}

impl<F, X: Default> Default for Shown<F, X> {
    fn default() -> Self {
        Self {
            form: None,
            error: None,
            saved: false,
            extra: X::default(),
        }
    }
}

impl<F, X: Default> Shown<F, X> {
    /// After a save that went through.
    pub fn saved() -> Self {
        Self {
            saved: true,
            ..Self::default()
        }
    }

    /// The form as written, with its refusal.
    pub fn refused(form: F, error: (Refusal, StatusCode)) -> Self {
        Self {
            form: Some(form),
            error: Some(error),
            ..Self::default()
        }
    }

    /// The page's own extra.
    pub fn with(extra: X) -> Self {
        Self {
            extra,
            ..Self::default()
        }
    }
}
