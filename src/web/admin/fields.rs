//! `/admin/fields`: the custom fields tickets and contacts carry, in their
//! order, each with its scope, type, options and the number of tickets or
//! contacts holding a value; add one; a field's page changes it (the API
//! refuses a type or scope change or a lost option while values are held)
//! and deletes it, asking first when values are held. Through the API's
//! own create, update and delete.
use super::{Refusal, admin, html, refused};
use crate::api::AppState;
use crate::api::settings::fields::{self, FieldPatch, FieldView, NewField};
use crate::web::error::{PageError, PageResult};
use crate::web::session::WebAgent;
use crate::web::views::Layout;
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

#[derive(Template)]
#[template(path = "web/admin_fields.html")]
struct FieldsPage {
    layout: Layout,
    rows: Vec<(FieldView, i64)>,
    form: FieldForm,
    error: Refusal,
}

#[derive(Template)]
#[template(path = "web/admin_field.html")]
struct FieldPage {
    layout: Layout,
    field: FieldView,
    /// How many tickets or contacts (as the field's scope says) hold a value.
    held: i64,
    form: FieldForm,
    error: Refusal,
    saved: bool,
    confirming: bool,
}

const TYPES: [&str; 5] = ["text", "number", "date", "select", "checkbox"];
const SCOPES: [&str; 2] = ["ticket", "contact"];
const ACCESS: [(&str, &str); 3] = [
    ("edit", "see and edit it"),
    ("view", "only see it"),
    ("hidden", "not see it"),
];

#[derive(Debug, Default, serde::Deserialize)]
pub struct FieldForm {
    /// ticket | contact
    #[serde(default)]
    scope: String,
    /// edit | view | hidden
    #[serde(default)]
    agent_access: String,
    #[serde(default)]
    key: String,
    #[serde(default)]
    label: String,
    #[serde(default, rename = "type")]
    field_type: String,
    /// One option a line.
    #[serde(default)]
    options: String,
    /// Empty: after the last (on create), unchanged (on save).
    #[serde(default)]
    position: String,
    #[serde(default)]
    confirm: Option<String>,
}

impl FieldForm {
    fn of(f: &FieldView) -> Self {
        Self {
            scope: f.scope.as_str().into(),
            agent_access: f.agent_access.as_str().into(),
            key: f.key.clone(),
            label: f.label.clone(),
            field_type: f.field_type.as_str().into(),
            options: f.options.join("\n"),
            position: f.position.to_string(),
            confirm: None,
        }
    }

    fn options(&self) -> Vec<String> {
        self.options
            .lines()
            .map(str::trim)
            .filter(|o| !o.is_empty())
            .map(str::to_string)
            .collect()
    }

    fn position(&self) -> Result<Option<i64>, (Refusal, StatusCode)> {
        match self.position.trim() {
            "" => Ok(None),
            p => p.parse().map(Some).map_err(|_| {
                let message = format!("position must be a whole number, not {p:?}");
                (
                    Refusal::new("position", message),
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
            }),
        }
    }

    fn types(&self) -> [(&'static str, bool); 5] {
        TYPES.map(|t| (t, self.field_type == t))
    }

    fn scopes(&self) -> [(&'static str, bool); 2] {
        SCOPES.map(|s| (s, self.scope == s))
    }

    /// The access choices: (value, words, chosen).
    fn accesses(&self) -> [(&'static str, &'static str, bool); 3] {
        ACCESS.map(|(v, words)| (v, words, self.agent_access == v))
    }

    /// The scope as the API takes it: none when the form left it out.
    fn scope(&self) -> Option<String> {
        given(&self.scope)
    }

    fn agent_access(&self) -> Option<String> {
        given(&self.agent_access)
    }
}

/// A choice as the API takes it: none when the form left it out.
fn given(value: &str) -> Option<String> {
    Some(value.trim().to_string()).filter(|s| !s.is_empty())
}

pub async fn list(State(state): State<AppState>, agent: WebAgent) -> PageResult<Response> {
    admin(&agent)?;
    let form = FieldForm {
        field_type: "text".into(),
        scope: "ticket".into(),
        agent_access: "edit".into(),
        ..FieldForm::default()
    };
    render_list(&state, &agent, form, Refusal::default(), StatusCode::OK).await
}

async fn render_list(
    state: &AppState,
    agent: &WebAgent,
    form: FieldForm,
    error: Refusal,
    status: StatusCode,
) -> PageResult<Response> {
    let used = state.store.field_values_held().await?;
    let rows = state
        .store
        .fields()
        .await?
        .into_iter()
        .map(|f| {
            let n = used.get(&f.id).copied().unwrap_or(0);
            (FieldView::from(f), n)
        })
        .collect();
    let page = FieldsPage {
        layout: Layout::for_agent("Custom fields", agent),
        rows,
        form,
        error,
    };
    html(&page, status)
}

pub async fn add(
    State(state): State<AppState>,
    agent: WebAgent,
    Form(form): Form<FieldForm>,
) -> PageResult<Response> {
    admin(&agent)?;
    let made = match form.position() {
        Ok(position) => {
            let body = NewField {
                scope: form.scope(),
                agent_access: form.agent_access(),
                key: form.key.trim().to_string(),
                label: form.label.clone(),
                field_type: form.field_type.clone(),
                options: Some(form.options()),
                position,
            };
            fields::create(&state.store, body)
                .await
                .map_err(|e| refused(e, "key", &[("type", "field_type")]))
        }
        Err(refusal) => Err(Ok(refusal)),
    };
    match made {
        Ok(_) => Ok(Redirect::to("/admin/fields").into_response()),
        Err(refusal) => {
            let (error, status) = refusal?;
            render_list(&state, &agent, form, error, status).await
        }
    }
}

/// What a field's page shows besides the stored field: whether a delete
/// waits for its confirmation.
type Shown = super::Shown<FieldForm, bool>;

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
    let field = state
        .store
        .field(id)
        .await?
        .map(FieldView::from)
        .ok_or_else(|| PageError::not_found("such custom field"))?;
    let used = state.store.field_values_held().await?;
    let (error, status) = shown.error.unwrap_or_default();
    let status = match shown.extra {
        true => StatusCode::CONFLICT,
        false => status,
    };
    let page = FieldPage {
        layout: Layout::for_agent(&field.label, agent),
        held: used.get(&id).copied().unwrap_or(0),
        form: shown.form.unwrap_or_else(|| FieldForm::of(&field)),
        field,
        error,
        saved: shown.saved,
        confirming: shown.extra,
    };
    html(&page, status)
}

pub async fn save(
    State(state): State<AppState>,
    agent: WebAgent,
    Path(id): Path<i64>,
    Form(form): Form<FieldForm>,
) -> PageResult<Response> {
    admin(&agent)?;
    let saved = match form.position() {
        Ok(position) => {
            let patch = FieldPatch {
                scope: form.scope(),
                agent_access: form.agent_access(),
                key: Some(form.key.trim().to_string()),
                label: Some(form.label.clone()),
                field_type: Some(form.field_type.clone()),
                options: Some(form.options()),
                position,
            };
            fields::update(&state.store, id, patch)
                .await
                .map_err(|e| refused(e, "key", &[("type", "field_type")]))
        }
        Err(refusal) => Err(Ok(refusal)),
    };
    let shown = match saved {
        Ok(_) => Shown::saved(),
        Err(refusal) => Shown::refused(form, refusal?),
    };
    render_one(&state, &agent, id, shown).await
}

/// Deletes a field; one holding values only once confirmed.
pub async fn delete(
    State(state): State<AppState>,
    agent: WebAgent,
    Path(id): Path<i64>,
    Form(form): Form<FieldForm>,
) -> PageResult<Response> {
    admin(&agent)?;
    let used = state.store.field_values_held().await?;
    if used.get(&id).is_some_and(|n| *n > 0) && form.confirm.is_none() {
        return render_one(&state, &agent, id, Shown::with(true)).await;
    }
    fields::delete(&state.store, id).await?;
    Ok(Redirect::to("/admin/fields").into_response())
}
