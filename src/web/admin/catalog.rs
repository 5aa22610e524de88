//! `/admin/teams`, `/admin/topics` and `/admin/tags`: each one with the
//! number of tickets that use it; add, rename (and regroup a tag), delete.
//! Deleting one still in use asks first, saying how many tickets lose it.
//! Through the API's own create, rename and delete.
use super::{Refusal, admin, html, refused};
use crate::api::AppState;
use crate::api::error::ApiResult;
use crate::api::settings::tags::{self, TagPatch};
use crate::api::settings::teams;
use crate::store::teams::Catalog;
use crate::store::usage::UsedBy;
use crate::web::error::PageResult;
use crate::web::session::WebAgent;
use crate::web::views::Layout;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};

/// Which list a page is: teams or topics (one store catalog), or tags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Named(Catalog),
    Tags,
}

impl Kind {
    fn path(self) -> &'static str {
        match self {
            Kind::Named(Catalog::Teams) => "/admin/teams",
            Kind::Named(Catalog::Topics) => "/admin/topics",
            Kind::Tags => "/admin/tags",
        }
    }

    fn title(self) -> &'static str {
        match self {
            Kind::Named(Catalog::Teams) => "Teams",
            Kind::Named(Catalog::Topics) => "Topics",
            Kind::Tags => "Tags",
        }
    }

    fn noun(self) -> &'static str {
        match self {
            Kind::Named(Catalog::Teams) => "team",
            Kind::Named(Catalog::Topics) => "topic",
            Kind::Tags => "tag",
        }
    }

    fn has_group(self) -> bool {
        self == Kind::Tags
    }

    fn used_by(self) -> UsedBy {
        match self {
            Kind::Named(Catalog::Teams) => UsedBy::Team,
            Kind::Named(Catalog::Topics) => UsedBy::Topic,
            Kind::Tags => UsedBy::Tag,
        }
    }
}

/// The routes of one kind's page.
pub fn routes(kind: Kind) -> Router<AppState> {
    let base = kind.path();
    Router::new()
        .route(
            base,
            get(move |s: State<AppState>, a: WebAgent| list(s, a, kind))
                .post(move |s: State<AppState>, a: WebAgent, f: Form<NameForm>| add(s, a, kind, f)),
        )
        .route(
            &format!("{base}/{{id}}/rename"),
            post(
                move |s: State<AppState>, a: WebAgent, p: Path<i64>, f: Form<NameForm>| {
                    rename(s, a, kind, p, f)
                },
            ),
        )
        .route(
            &format!("{base}/{{id}}/delete"),
            post(
                move |s: State<AppState>, a: WebAgent, p: Path<i64>, f: Form<NameForm>| {
                    delete(s, a, kind, p, f)
                },
            ),
        )
}

#[derive(Template)]
#[template(path = "web/admin_catalog.html")]
struct CatalogPage {
    layout: Layout,
    kind: Kind,
    rows: Vec<Row>,
    form: NameForm,
    /// A refusal, on "name" (the add form) or a row's id.
    error: Refusal,
    /// A delete waiting for its confirmation.
    confirming: Option<Row>,
}

#[derive(Debug, Clone)]
struct Row {
    id: i64,
    /// The id as the refusal names a row.
    key: String,
    name: String,
    group: String,
    tickets: i64,
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct NameForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    group: String,
    /// Set by the "delete anyway" button.
    #[serde(default)]
    confirm: Option<String>,
}

async fn rows(state: &AppState, kind: Kind) -> PageResult<Vec<Row>> {
    let used = state.store.tickets_using(kind.used_by()).await?;
    let row = |id: i64, name: String, group: Option<String>| Row {
        id,
        key: id.to_string(),
        name,
        group: group.unwrap_or_default(),
        tickets: used.get(&id).copied().unwrap_or(0),
    };
    Ok(match kind {
        Kind::Tags => state
            .store
            .tags()
            .await?
            .into_iter()
            .map(|t| row(t.id, t.name, t.tag_group))
            .collect(),
        Kind::Named(catalog) => state
            .store
            .named_list(catalog)
            .await?
            .into_iter()
            .map(|n| row(n.id, n.name, None))
            .collect(),
    })
}

/// What the page shows besides the list.
#[derive(Default)]
struct Shown {
    form: NameForm,
    error: Refusal,
    confirming: Option<Row>,
}

async fn render(
    state: &AppState,
    agent: &WebAgent,
    kind: Kind,
    shown: Shown,
    status: StatusCode,
) -> PageResult<Response> {
    let page = CatalogPage {
        layout: Layout::for_agent(kind.title(), agent),
        kind,
        rows: rows(state, kind).await?,
        form: shown.form,
        error: shown.error,
        confirming: shown.confirming,
    };
    html(&page, status)
}

async fn list(State(state): State<AppState>, agent: WebAgent, kind: Kind) -> PageResult<Response> {
    admin(&agent)?;
    render(&state, &agent, kind, Shown::default(), StatusCode::OK).await
}

/// Back to the list, or the list with the refusal beside `field`.
async fn answer<T>(
    state: &AppState,
    agent: &WebAgent,
    kind: Kind,
    done: ApiResult<T>,
    field: &str,
    form: NameForm,
) -> PageResult<Response> {
    match done {
        Ok(_) => Ok(Redirect::to(kind.path()).into_response()),
        Err(e) => {
            let (error, status) = refused(e, "name", &[("name", field), ("group", field)])?;
            let shown = Shown {
                form,
                error,
                confirming: None,
            };
            render(state, agent, kind, shown, status).await
        }
    }
}

async fn add(
    State(state): State<AppState>,
    agent: WebAgent,
    kind: Kind,
    Form(form): Form<NameForm>,
) -> PageResult<Response> {
    admin(&agent)?;
    let done = match kind {
        Kind::Tags => tags::create(&state.store, &form.name, Some(&form.group))
            .await
            .map(|_| ()),
        Kind::Named(catalog) => teams::create(&state.store, catalog, &form.name)
            .await
            .map(|_| ()),
    };
    answer(&state, &agent, kind, done, "name", form).await
}

async fn rename(
    State(state): State<AppState>,
    agent: WebAgent,
    kind: Kind,
    Path(id): Path<i64>,
    Form(form): Form<NameForm>,
) -> PageResult<Response> {
    admin(&agent)?;
    let done = match kind {
        Kind::Tags => {
            let patch = TagPatch {
                name: Some(form.name.clone()),
                group: Some(Some(form.group.clone())),
            };
            tags::update(&state.store, id, patch).await.map(|_| ())
        }
        Kind::Named(catalog) => teams::rename(&state.store, catalog, id, &form.name)
            .await
            .map(|_| ()),
    };
    answer(
        &state,
        &agent,
        kind,
        done,
        &id.to_string(),
        NameForm::default(),
    )
    .await
}

/// Deletes one; one still on tickets is deleted only once confirmed.
async fn delete(
    State(state): State<AppState>,
    agent: WebAgent,
    kind: Kind,
    Path(id): Path<i64>,
    Form(form): Form<NameForm>,
) -> PageResult<Response> {
    admin(&agent)?;
    let row = rows(&state, kind).await?.into_iter().find(|r| r.id == id);
    if let Some(row) = row.filter(|r| r.tickets > 0 && form.confirm.is_none()) {
        let shown = Shown {
            confirming: Some(row),
            ..Shown::default()
        };
        return render(&state, &agent, kind, shown, StatusCode::CONFLICT).await;
    }
    let done = match kind {
        Kind::Tags => tags::delete(&state.store, id).await,
        Kind::Named(catalog) => teams::delete(&state.store, catalog, id).await,
    };
    answer(
        &state,
        &agent,
        kind,
        done,
        &id.to_string(),
        NameForm::default(),
    )
    .await
}
